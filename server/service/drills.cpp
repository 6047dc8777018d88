#include "server/service/drills.hpp"

#include "core/crossing.hpp"
#include "core/errors.hpp"
#include "core/text.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <cmath>
#include <initializer_list>

namespace borderlog::server::service {

namespace json = boost::json;
using core::Millis;
using core::ValidationError;

namespace {

constexpr std::pair<Fault, std::string_view> kFaultNames[] = {
    {Fault::unavailable, "unavailable"}, {Fault::reset, "reset"},       {Fault::timeout, "timeout"},
    {Fault::slow, "slow"},               {Fault::flaky, "flaky"},       {Fault::lost_ack, "lost_ack"},
    {Fault::db_down, "db_down"},
};

constexpr const char* kFaultList = "unavailable, reset, timeout, slow, flaky, lost_ack or db_down";

// Which params each fault reads; any other is refused, so that a typo never passes silently.
std::vector<std::string_view> params_of(Fault f) {
    switch (f) {
    case Fault::unavailable:
    case Fault::db_down: return {"retry_after_s"};
    case Fault::slow: return {"delay_ms"};
    case Fault::flaky: return {"p", "kinds", "delay_ms", "retry_after_s"};
    case Fault::lost_ack: return {"p"};
    default: return {};
    }
}

void only(const json::object& o, const std::string& prefix, std::initializer_list<std::string_view> known) {
    for (const auto& kv : o)
        if (std::find(known.begin(), known.end(), kv.key()) == known.end())
            throw ValidationError(prefix + std::string(kv.key()), "is not a known field");
}

const json::object& object_at(const json::value& v, const std::string& field) {
    if (!v.is_object()) throw ValidationError(field, "must be a JSON object");
    return v.get_object();
}

std::int64_t whole(const json::value& v, const std::string& field, std::int64_t lo, std::int64_t hi) {
    std::int64_t n = 0;
    if (v.is_int64()) n = v.get_int64();
    else if (v.is_uint64()) n = hi + 1;
    else if (v.is_double() && std::floor(v.get_double()) == v.get_double() && std::abs(v.get_double()) < 1e15)
        n = static_cast<std::int64_t>(v.get_double());
    else throw ValidationError(field, "must be a whole number");
    if (n < lo || n > hi)
        throw ValidationError(field, "must be from " + std::to_string(lo) + " to " + std::to_string(hi));
    return n;
}

Fault fault_at(const json::value& v, const std::string& field) {
    if (!v.is_string()) throw ValidationError(field, std::string("must be one of ") + kFaultList);
    const auto f = fault_named(v.get_string());
    if (!f) throw ValidationError(field, std::string("must be one of ") + kFaultList);
    return *f;
}

std::set<std::string> identifiers(const json::value& v, const std::string& field, std::size_t max) {
    if (!v.is_array() || v.get_array().empty())
        throw ValidationError(field, "must be a non-empty list of ids");
    if (v.get_array().size() > max) throw ValidationError(field, "holds more than " + std::to_string(max) + " ids");
    std::set<std::string> out;
    for (std::size_t i = 0; i < v.get_array().size(); ++i) {
        const auto& item = v.get_array()[i];
        const std::string at = field + "[" + std::to_string(i) + "]";
        if (!item.is_string() || !core::is_identifier(item.get_string()))
            throw ValidationError(at, "must be an id of 1-64 letters, digits, '.', '_' or '-'");
        out.emplace(item.get_string());
    }
    return out;
}

DrillScope parse_scope(const json::value& v, const std::string& field) {
    const auto& o = object_at(v, field);
    only(o, field + ".", {"all", "checkpoints", "devices"});
    if (o.size() != 1) throw ValidationError(field, R"(must be {"all":true}, {"checkpoints":[...]} or {"devices":[...]})");
    DrillScope s;
    if (const auto* all = o.if_contains("all")) {
        if (!all->is_bool() || !all->get_bool()) throw ValidationError(field + ".all", "must be true");
        s.all = true;
    } else if (const auto* cps = o.if_contains("checkpoints")) {
        s.checkpoints = identifiers(*cps, field + ".checkpoints", drill_limits::kScopeCheckpoints);
    } else {
        s.devices = identifiers(o.at("devices"), field + ".devices", drill_limits::kScopeDevices);
    }
    return s;
}

FaultParams parse_params(const json::value* v, Fault fault, const std::string& field) {
    FaultParams p;
    if (fault == Fault::flaky) p.p = -1;  // required
    if (v && !v->is_null()) {
        const auto& o = object_at(*v, field);
        const auto allowed = params_of(fault);
        for (const auto& kv : o)
            if (std::find(allowed.begin(), allowed.end(), kv.key()) == allowed.end())
                throw ValidationError(field + "." + std::string(kv.key()),
                                      "is not a parameter of " + std::string(fault_name(fault)));
        if (const auto* r = o.if_contains("retry_after_s"))
            p.retry_after_s = whole(*r, field + ".retry_after_s", 1, drill_limits::kMaxRetryAfterSeconds);
        if (const auto* d = o.if_contains("delay_ms")) p.delay_ms = whole(*d, field + ".delay_ms", 1, drill_limits::kMaxDelayMs);
        if (const auto* share = o.if_contains("p")) {
            if (!share->is_number() || share->to_number<double>() < 0 || share->to_number<double>() > 1)
                throw ValidationError(field + ".p", "must be a number from 0 to 1 (the share of calls)");
            p.p = share->to_number<double>();
        }
        if (const auto* kinds = o.if_contains("kinds")) {
            if (!kinds->is_array() || kinds->get_array().empty())
                throw ValidationError(field + ".kinds", "must be a non-empty list of faults");
            p.kinds.clear();
            for (std::size_t i = 0; i < kinds->get_array().size(); ++i) {
                const std::string at = field + ".kinds[" + std::to_string(i) + "]";
                const Fault k = fault_at(kinds->get_array()[i], at);
                if (k == Fault::flaky) throw ValidationError(at, "must be another fault than flaky");
                if (std::find(p.kinds.begin(), p.kinds.end(), k) != p.kinds.end())
                    throw ValidationError(at, "names a fault twice");
                p.kinds.push_back(k);
            }
        }
    }
    if (p.p < 0) throw ValidationError(field + ".p", "is required for flaky: the share of calls that fail, 0 to 1");
    return p;
}

DrillStep parse_step(const json::object& o, const std::string& prefix, bool scenario) {
    DrillStep s;
    const auto* fault = o.if_contains("fault");
    if (!fault) throw ValidationError(prefix + "fault", std::string("is required: ") + kFaultList);
    s.fault = fault_at(*fault, prefix + "fault");
    const auto* scope = o.if_contains("scope");
    if (!scope) throw ValidationError(prefix + "scope", R"(is required: {"all":true}, {"checkpoints":[...]} or {"devices":[...]})");
    s.scope = parse_scope(*scope, prefix + "scope");
    s.params = parse_params(o.if_contains("params"), s.fault, prefix + "params");
    if (scenario) {
        const auto* at = o.if_contains("at_s");
        if (!at) throw ValidationError(prefix + "at_s", "is required: seconds from the drill's start");
        s.at_s = whole(*at, prefix + "at_s", 0, drill_limits::kStartSeconds);
    }
    const auto* duration = o.if_contains("duration_s");
    if (!duration && scenario) throw ValidationError(prefix + "duration_s", "is required: how long the step lasts, in seconds");
    s.duration_s = duration ? whole(*duration, prefix + "duration_s", 1, drill_limits::kStepSeconds)
                            : drill_limits::kDefaultDurationSeconds;
    return s;
}

std::vector<DrillStep> parse_steps(const json::value& v, const std::string& field) {
    if (!v.is_array() || v.get_array().empty()) throw ValidationError(field, "must be a non-empty list of steps");
    if (v.get_array().size() > drill_limits::kSteps)
        throw ValidationError(field, "holds more than " + std::to_string(drill_limits::kSteps) + " steps");
    std::vector<DrillStep> out;
    for (std::size_t i = 0; i < v.get_array().size(); ++i) {
        const std::string at = field + "[" + std::to_string(i) + "]";
        const auto& o = object_at(v.get_array()[i], at);
        only(o, at + ".", {"at_s", "fault", "scope", "params", "duration_s"});
        out.push_back(parse_step(o, at + ".", true));
    }
    return out;
}

json::object params_json(const DrillStep& s) {
    json::object o;
    const auto allowed = params_of(s.fault);
    const auto has = [&](std::string_view k) { return std::find(allowed.begin(), allowed.end(), k) != allowed.end(); };
    if (has("retry_after_s") && s.params.retry_after_s) o["retry_after_s"] = *s.params.retry_after_s;
    if (has("delay_ms") && (s.fault == Fault::slow || std::count(s.params.kinds.begin(), s.params.kinds.end(), Fault::slow)))
        o["delay_ms"] = s.params.delay_ms;
    if (has("p")) o["p"] = s.params.p;
    if (has("kinds")) {
        json::array kinds;
        for (const Fault k : s.params.kinds) kinds.emplace_back(fault_name(k));
        o["kinds"] = std::move(kinds);
    }
    return o;
}

Millis millis_at(const std::string& rfc3339, const char* what) {
    const auto t = core::parse_rfc3339(rfc3339);
    if (!t) throw ValidationError(what, "is not an RFC 3339 time");
    return *t;
}

json::value time_or_null(const std::optional<Millis>& t) {
    return t ? json::value(core::format_rfc3339(*t)) : json::value(nullptr);
}

// What `fault` does to a call of `kind` (nothing: the call passes).
std::optional<Fault> acting(Fault fault, CallKind kind, bool telemetry) {
    if (kind == CallKind::heartbeat && (telemetry || fault == Fault::db_down || fault == Fault::lost_ack))
        return std::nullopt;
    if (fault == Fault::lost_ack && kind != CallKind::records) return std::nullopt;
    return fault;
}

}  // namespace

std::string_view fault_name(Fault fault) {
    for (const auto& [f, name] : kFaultNames)
        if (f == fault) return name;
    return "unavailable";
}

std::optional<Fault> fault_named(std::string_view name) {
    for (const auto& [f, n] : kFaultNames)
        if (n == name) return f;
    return std::nullopt;
}

bool DrillScope::covers(const std::string& device_id, const std::string& checkpoint_id) const {
    return all || devices.count(device_id) > 0 || checkpoints.count(checkpoint_id) > 0;
}

DrillScope DrillPlan::scope() const {
    DrillScope out;
    for (const auto& s : steps) {
        out.all = out.all || s.scope.all;
        out.checkpoints.insert(s.scope.checkpoints.begin(), s.scope.checkpoints.end());
        out.devices.insert(s.scope.devices.begin(), s.scope.devices.end());
    }
    if (out.all) {
        out.checkpoints.clear();
        out.devices.clear();
    }
    return out;
}

std::int64_t DrillPlan::length_s() const {
    std::int64_t end = 0;
    for (const auto& s : steps) end = std::max(end, s.at_s + s.duration_s);
    return end;
}

DrillPlan parse_drill_request(const json::value& body) {
    const auto& o = object_at(body, "body");
    only(o, "", {"name", "fault", "scope", "params", "duration_s", "telemetry", "scenario"});
    DrillPlan plan;
    const auto* name = o.if_contains("name");
    if (!name) throw ValidationError("name", "is required: what the trainees will see the drill called");
    if (!name->is_string() || !core::is_text(name->get_string(), drill_limits::kName))
        throw ValidationError("name", "must be a text of 1-120 printable characters");
    plan.name = std::string(name->get_string());
    if (const auto* t = o.if_contains("telemetry")) {
        if (!t->is_bool()) throw ValidationError("telemetry", "must be true or false");
        plan.telemetry = t->get_bool();
    }
    if (const auto* scenario = o.if_contains("scenario")) {
        for (const char* single : {"fault", "scope", "params", "duration_s"})
            if (o.contains(single))
                throw ValidationError(single, "is given with scenario: give one fault or a scenario of steps");
        const auto& sc = object_at(*scenario, "scenario");
        only(sc, "scenario.", {"steps"});
        const auto* steps = sc.if_contains("steps");
        if (!steps) throw ValidationError("scenario.steps", "is required: the timeline of faults");
        plan.steps = parse_steps(*steps, "scenario.steps");
    } else {
        plan.steps.push_back(parse_step(o, "", false));
    }
    return plan;
}

json::object scope_json(const DrillScope& s) {
    if (s.all) return {{"all", true}};
    json::object o;
    if (!s.checkpoints.empty() || s.devices.empty()) {
        json::array a;
        for (const auto& c : s.checkpoints) a.emplace_back(c);
        o["checkpoints"] = std::move(a);
    }
    if (!s.devices.empty()) {
        json::array a;
        for (const auto& d : s.devices) a.emplace_back(d);
        o["devices"] = std::move(a);
    }
    return o;
}

json::array steps_json(const std::vector<DrillStep>& steps) {
    json::array out;
    for (const auto& s : steps)
        out.push_back(json::object{{"at_s", s.at_s},
                                   {"fault", fault_name(s.fault)},
                                   {"scope", scope_json(s.scope)},
                                   {"params", params_json(s)},
                                   {"duration_s", s.duration_s}});
    return out;
}

std::vector<DrillStep> steps_from_json(std::string_view text) {
    boost::system::error_code ec;
    const json::value v = json::parse(text, ec);
    if (ec) throw ValidationError("steps", "are not JSON");
    return parse_steps(v, "steps");
}

std::vector<std::pair<std::string, std::string>> devices_in_scope(const DrillScope& scope,
                                                                  const DeviceCheckpoints& known) {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& [device, checkpoint] : known)
        if (scope.covers(device, checkpoint)) out.emplace_back(device, checkpoint);
    for (const auto& device : scope.devices)
        if (!known.count(device)) out.emplace_back(device, "");
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
        return std::tie(a.second, a.first) < std::tie(b.second, b.first);
    });
    return out;
}

bool scopes_overlap(const DrillScope& a, const DrillScope& b, const DeviceCheckpoints& known) {
    if (a.all || b.all) return true;
    for (const auto& c : a.checkpoints)
        if (b.checkpoints.count(c)) return true;
    for (const auto& d : a.devices)
        if (b.devices.count(d)) return true;
    // A device of one scope that lies in a checkpoint of the other.
    const auto device_in = [&](const DrillScope& devices, const DrillScope& checkpoints) {
        for (const auto& d : devices.devices) {
            const auto it = known.find(d);
            if (it != known.end() && checkpoints.checkpoints.count(it->second)) return true;
        }
        return false;
    };
    return device_in(a, b) || device_in(b, a);
}

std::optional<std::string> conflicting_drill(const DrillScope& scope, const std::vector<DrillRow>& running,
                                             const DeviceCheckpoints& known) {
    for (const auto& row : running) {
        DrillScope other;
        other.all = row.scope_all;
        other.checkpoints.insert(row.scope_checkpoints.begin(), row.scope_checkpoints.end());
        other.devices.insert(row.scope_devices.begin(), row.scope_devices.end());
        if (scopes_overlap(scope, other, known)) return row.id;
    }
    return std::nullopt;
}

std::string Drill::state(Millis now) const {
    if (stopped_at && *stopped_at < ends_at) return "stopped";
    return now >= ends_at ? "finished" : "running";
}

std::vector<std::size_t> Drill::active_steps(Millis now) const {
    std::vector<std::size_t> out;
    if (!running(now)) return out;
    for (std::size_t i = 0; i < steps.size(); ++i) {
        const Millis from = started_at + std::chrono::seconds{steps[i].at_s};
        if (now >= from && now < from + std::chrono::seconds{steps[i].duration_s}) out.push_back(i);
    }
    return out;
}

Drill drill_from_row(const DrillRow& row) {
    Drill d;
    d.id = row.id;
    d.name = row.name;
    d.steps = steps_from_json(row.steps_json);
    d.telemetry = row.telemetry;
    DrillPlan plan;
    plan.steps = d.steps;
    d.scope = plan.scope();
    d.started_at = millis_at(row.started_at, "started_at");
    d.ends_at = millis_at(row.ends_at, "ends_at");
    if (!row.stopped_at.empty()) d.stopped_at = millis_at(row.stopped_at, "stopped_at");
    d.created_by = row.created_by;
    d.stopped_by = row.stopped_by;
    return d;
}

json::object drill_json(const Drill& d, Millis now) {
    json::array current;
    for (const std::size_t i : d.active_steps(now)) {
        const auto& s = d.steps[i];
        current.push_back(json::object{
            {"step", i},
            {"fault", fault_name(s.fault)},
            {"scope", scope_json(s.scope)},
            {"until", core::format_rfc3339(std::min(d.end(), d.started_at + std::chrono::seconds{s.at_s + s.duration_s}))}});
    }
    return json::object{{"id", d.id},
                        {"name", d.name},
                        {"state", d.state(now)},
                        {"started_at", core::format_rfc3339(d.started_at)},
                        {"ends_at", core::format_rfc3339(d.ends_at)},
                        {"stopped_at", time_or_null(d.stopped_at)},
                        {"stopped_by", d.stopped_by.empty() ? json::value(nullptr) : json::value(d.stopped_by)},
                        {"created_by", d.created_by.empty() ? json::value(nullptr) : json::value(d.created_by)},
                        {"telemetry", d.telemetry},
                        {"scope", scope_json(d.scope)},
                        {"steps", steps_json(d.steps)},
                        {"current", std::move(current)}};
}

Drills::Drills(std::uint64_t seed) : rng_(seed) {}

void Drills::set(std::vector<Drill> drills) {
    std::sort(drills.begin(), drills.end(), [](const Drill& a, const Drill& b) { return a.started_at < b.started_at; });
    std::lock_guard lock(mutex_);
    drills_ = std::move(drills);
    any_ = !drills_.empty();
    ++changes_;
}

void Drills::learn(std::vector<Drill> drills, std::uint64_t changes_before) {
    std::sort(drills.begin(), drills.end(), [](const Drill& a, const Drill& b) { return a.started_at < b.started_at; });
    std::lock_guard lock(mutex_);
    if (changes_ != changes_before) return;
    drills_ = std::move(drills);
    any_ = !drills_.empty();
}

std::uint64_t Drills::changes() const {
    std::lock_guard lock(mutex_);
    return changes_;
}

std::vector<Drill> Drills::snapshot() const {
    std::lock_guard lock(mutex_);
    return drills_;
}

FaultDecision Drills::decide(const std::string& device_id, const std::string& checkpoint_id, CallKind kind, Millis now) {
    FaultDecision out;
    std::lock_guard lock(mutex_);
    for (const auto& d : drills_) {
        if (!d.running(now) || !d.scope.covers(device_id, checkpoint_id)) continue;
        out.drill_id = d.id;
        out.drill_name = d.name;
        // When two steps cover the device at once, the first listed applies.
        for (const std::size_t i : d.active_steps(now)) {
            const DrillStep& step = d.steps[i];
            if (!step.scope.covers(device_id, checkpoint_id)) continue;
            out.params = step.params;
            std::optional<Fault> fault = step.fault;
            std::uniform_real_distribution<double> share(0.0, 1.0);
            if (fault == Fault::flaky) {
                fault.reset();
                if (share(rng_) < step.params.p) {
                    std::uniform_int_distribution<std::size_t> pick(0, step.params.kinds.size() - 1);
                    fault = step.params.kinds[pick(rng_)];
                }
            } else if (fault == Fault::lost_ack && step.params.p < 1.0 && !(share(rng_) < step.params.p)) {
                fault.reset();
            }
            if (fault) out.fault = acting(*fault, kind, d.telemetry);
            break;
        }
        return out;  // the scopes of running drills never overlap: the first covering one is the one
    }
    return out;
}

std::optional<std::string> Drills::watching(const std::string& device_id, const std::string& checkpoint_id,
                                            Millis now) const {
    std::lock_guard lock(mutex_);
    const Drill* latest = nullptr;
    for (const auto& d : drills_) {
        if (!d.scope.covers(device_id, checkpoint_id) || now < d.started_at) continue;
        if (d.running(now)) return d.id;
        if (now - d.end() <= kDrainWatch && (!latest || d.end() > latest->end())) latest = &d;
    }
    if (latest) return latest->id;
    return std::nullopt;
}

std::vector<DrillLabel> Drills::labels(Millis now) const {
    std::lock_guard lock(mutex_);
    std::vector<DrillLabel> out;
    for (const auto& d : drills_)
        if (d.running(now)) out.push_back({d.id, d.name, d.scope.all, d.scope.checkpoints, d.scope.devices});
    return out;
}

void Drills::count(const std::string& drill_id, const std::string& device_id, const std::string& what, std::int64_t n) {
    if (n <= 0) return;
    std::lock_guard lock(mutex_);
    counts_[{drill_id, device_id, what}] += n;
}

std::vector<DrillCount> Drills::take_counts() {
    std::lock_guard lock(mutex_);
    std::vector<DrillCount> out;
    for (const auto& [key, n] : counts_) out.push_back({std::get<0>(key), std::get<1>(key), std::get<2>(key), n});
    counts_.clear();
    return out;
}

void Drills::give_back(const std::vector<DrillCount>& counts) {
    std::lock_guard lock(mutex_);
    for (const auto& c : counts) counts_[{c.drill_id, c.device_id, c.what}] += c.count;
}

std::int64_t duplicates_in_answer(std::string_view body) {
    boost::system::error_code ec;
    const json::value v = json::parse(body, ec);
    const auto* o = ec ? nullptr : v.if_object();
    if (!o) return 0;
    const auto is_duplicate = [](const json::value& r) {
        const auto* status = r.is_object() ? r.get_object().if_contains("status") : nullptr;
        return status && status->is_string() && status->get_string() == "duplicate";
    };
    if (const auto* results = o->if_contains("results"); results && results->is_array())
        return std::count_if(results->get_array().begin(), results->get_array().end(), is_duplicate);
    return is_duplicate(v) ? 1 : 0;
}

}  // namespace borderlog::server::service
