// Drills (trainers): start, list, read, stop and report through /api/v1/drills; and the loop that keeps
// every instance's drills in step with the database, labels the fleet view and /metrics, and writes
// what the drills saw (each heartbeat of a device in scope, the faults injected, the answers dropped).
// The faults themselves are injected in App::under_drill.
#include "common/log.hpp"
#include "core/ids.hpp"
#include "server/http/db_bridge.hpp"
#include "server/http/responses.hpp"
#include "server/http/routes/routes.hpp"
#include "server/service/drills.hpp"
#include "server/service/drills_report.hpp"
#include "server/storage/drill_store.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

#include <charconv>

namespace borderlog::server::http::routes {

namespace asio = boost::asio;
namespace json = boost::json;
using asio::awaitable;
using beast_http::verb;

namespace {

const std::vector<std::string> kTrainers{"trainer", "admin"};
const std::vector<std::string> kReportReaders{"trainer", "admin", "operations"};
constexpr std::chrono::milliseconds kLoopPeriod{250};  // samples heartbeats and writes counts
constexpr std::chrono::seconds kRefreshPeriod{1};      // reads the drills from the database

std::string actor_of(const Principal& p) {
    if (!p.name.empty()) return p.name;
    return p.role + " token " + std::to_string(p.token_id);
}

AuditEvent audit_of(const Call& c, std::string action, std::string target, const json::object& detail) {
    AuditEvent e;
    e.token_id = c.caller.token_id;
    e.role = c.caller.role;
    e.actor = actor_of(c.caller);
    e.address = c.address;
    e.action = std::move(action);
    e.target = std::move(target);
    e.detail_json = json::serialize(detail);
    return e;
}

// The {id} of the path: a drill id is a UUID; anything else names no drill.
std::string drill_id_of(const Call& c) {
    const std::string& id = c.param(0);
    if (!core::is_uuid(id)) throw not_found();
    return core::canonical_uuid(id);
}

void only_params(const Call& c, std::initializer_list<std::string_view> known) {
    for (const auto& [key, value] : c.query)
        if (std::find(known.begin(), known.end(), key) == known.end())
            throw invalid_field(key, "is not a known parameter");
}

// This instance's drills, with `row` in place of its old self: after a start or stop here, faults
// follow at once rather than at the next read of the database.
void put_drill(Services& s, service::Drill drill) {
    auto drills = s.drills.snapshot();
    std::erase_if(drills, [&](const service::Drill& d) { return d.id == drill.id; });
    drills.push_back(std::move(drill));
    s.drills.set(std::move(drills));
}

awaitable<Reply> start_drill(Services& s, Call& c) {
    const service::DrillPlan plan = service::parse_drill_request(parse_body(c.req));
    const service::DrillScope scope = plan.scope();
    NewDrill d;
    d.id = core::new_uuid_v7();
    d.name = plan.name;
    d.steps_json = json::serialize(service::steps_json(plan.steps));
    d.telemetry = plan.telemetry;
    d.scope_all = scope.all;
    d.scope_checkpoints.assign(scope.checkpoints.begin(), scope.checkpoints.end());
    d.scope_devices.assign(scope.devices.begin(), scope.devices.end());
    d.created_by = actor_of(c.caller);
    d.length_ms = plan.length_s() * 1000;
    const AuditEvent audit = audit_of(c, "drill.start", d.id,
                                      {{"name", plan.name},
                                       {"steps", plan.steps.size()},
                                       {"scope", service::scope_json(scope)},
                                       {"length_s", plan.length_s()},
                                       {"telemetry", plan.telemetry}});
    auto starting = on_db<DrillStart>(s.pool, [d, audit, scope](Store& store) {
        return DrillStore(store).start(
            d,
            [&scope](const std::vector<DrillRow>& running, const DeviceCheckpoints& known) {
                return service::conflicting_drill(scope, running, known);
            },
            audit);
    });
    const DrillStart result = co_await std::move(starting);
    if (!result.started)
        throw Problem{409, "drill_conflict", "Conflict",
                      "drill " + result.conflict_id +
                          " is running on devices of this scope; stop it first (borderlogctl drill stop " +
                          result.conflict_id + ") or choose another scope",
                      "scope", {}};
    service::Drill drill = service::drill_from_row(*result.started);
    const auto now = core::now_millis();
    json::object body = service::drill_json(drill, now);
    put_drill(s, std::move(drill));
    common::log_event(spdlog::level::warn, "drill_started",
                      {{"drill_id", d.id}, {"name", plan.name}, {"by", d.created_by}, {"steps", plan.steps.size()},
                       {"ends_at", body.at("ends_at").as_string().c_str()}, {"telemetry", plan.telemetry}});
    Response res = json_response(201, body, c.req);
    res.set(beast_http::field::location, "/api/v1/drills/" + d.id);
    co_return Reply{std::move(res)};
}

awaitable<Reply> list_drills(Services& s, Call& c) {
    only_params(c, {"state", "limit"});
    std::string state = "all";
    if (const auto it = c.query.find("state"); it != c.query.end()) {
        state = it->second;
        if (state != "running" && state != "finished" && state != "stopped" && state != "all")
            throw invalid_field("state", "must be running, finished, stopped or all");
    }
    int limit = 100;
    if (const auto it = c.query.find("limit"); it != c.query.end()) {
        const auto& v = it->second;
        const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), limit);
        if (ec != std::errc{} || end != v.data() + v.size() || limit < 1 || limit > 1000)
            throw invalid_field("limit", "must be a whole number from 1 to 1000");
    }
    auto listing = on_db<std::vector<DrillRow>>(s.pool, [state, limit](Store& store) {
        return DrillStore(store).list(state, limit);
    });
    const auto rows = co_await std::move(listing);
    const auto now = core::now_millis();
    json::array drills;
    for (const auto& row : rows) drills.push_back(service::drill_json(service::drill_from_row(row), now));
    co_return Reply{json_response(200, json::object{{"drills", std::move(drills)}}, c.req)};
}

awaitable<Reply> read_drill(Services& s, Call& c) {
    only_params(c, {});
    const std::string id = drill_id_of(c);
    auto finding = on_db<std::optional<DrillRow>>(s.pool, [id](Store& store) { return DrillStore(store).find(id); });
    const auto row = co_await std::move(finding);
    if (!row) throw not_found();
    co_return Reply{json_response(200, service::drill_json(service::drill_from_row(*row), core::now_millis()), c.req)};
}

awaitable<Reply> stop_drill(Services& s, Call& c) {
    const std::string id = drill_id_of(c);
    const std::string by = actor_of(c.caller);
    const AuditEvent audit = audit_of(c, "drill.stop", id, {});
    struct Stopped {
        DrillStop outcome = DrillStop::not_found;
        std::optional<DrillRow> row;
    };
    auto stopping = on_db<Stopped>(s.pool, [id, by, audit](Store& store) {
        DrillStore drills(store);
        Stopped out;
        out.outcome = drills.stop(id, by, audit);
        out.row = drills.find(id);
        return out;
    });
    const Stopped result = co_await std::move(stopping);
    if (result.outcome == DrillStop::not_found || !result.row) throw not_found();
    service::Drill drill = service::drill_from_row(*result.row);
    const auto now = core::now_millis();
    if (result.outcome == DrillStop::not_running)
        throw Problem{409, "drill_not_running", "Conflict",
                      "drill " + id + " is not running (" + drill.state(now) + ")", "", {}};
    json::object body = service::drill_json(drill, now);
    put_drill(s, std::move(drill));
    common::log_event(spdlog::level::warn, "drill_stopped", {{"drill_id", id}, {"by", by}});
    co_return Reply{json_response(200, body, c.req)};
}

awaitable<Reply> drill_report(Services& s, Call& c) {
    only_params(c, {"format", "header"});
    const std::string id = drill_id_of(c);
    std::string format = "json";
    if (const auto it = c.query.find("format"); it != c.query.end()) {
        format = it->second;
        if (format != "json" && format != "csv") throw invalid_field("format", "must be json or csv");
    }
    const auto header = c.query.find("header");
    if (header != c.query.end() && header->second != "true" && header->second != "false")
        throw invalid_field("header", "must be true or false");
    const auto now = core::now_millis();
    struct Gathered {
        std::optional<DrillRow> row;
        std::vector<DeviceFacts> facts;
    };
    auto gathering = on_db<Gathered>(s.pool, [id, now](Store& store) {
        DrillStore drills(store);
        Gathered out;
        out.row = drills.find(id);
        if (!out.row) return out;
        const service::Drill drill = service::drill_from_row(*out.row);
        const auto restore = service::restore_time(drill, now);
        std::optional<std::int64_t> restore_ms;
        if (restore) restore_ms = restore->time_since_epoch().count();
        const auto devices = service::devices_in_scope(drill.scope, drills.device_checkpoints());
        out.facts = drills.facts(id, out.row->started_at, core::format_rfc3339(restore.value_or(now)), devices,
                                 [restore_ms](const std::vector<SamplePoint>& samples) {
                                     return service::drain_bound(samples, restore_ms);
                                 });
        return out;
    });
    const Gathered g = co_await std::move(gathering);
    if (!g.row) throw not_found();
    const json::object report = service::drill_report(service::drill_from_row(*g.row), g.facts, now);
    if (format == "csv") {
        Response res = text_response(200, service::drill_report_csv(report, header == c.query.end() || header->second == "true"),
                                     "text/csv; charset=utf-8", c.req);
        co_return Reply{std::move(res)};
    }
    co_return Reply{json_response(200, report, c.req)};
}

// Logs each step as it starts and ends, on every instance (the drill's id is in each line).
class StepLog {
public:
    void note(const std::vector<service::Drill>& drills, core::Millis now) {
        std::map<std::string, std::vector<std::size_t>> active;
        for (const auto& d : drills)
            if (d.running(now)) active[d.id] = d.active_steps(now);
        for (const auto& d : drills) {
            const auto& before = seen_[d.id];
            const auto& after = active[d.id];
            for (const std::size_t i : after)
                if (std::find(before.begin(), before.end(), i) == before.end())
                    common::log_event(spdlog::level::info, "drill_step_started",
                                      {{"drill_id", d.id}, {"step", i}, {"fault", service::fault_name(d.steps[i].fault)},
                                       {"scope", json::serialize(service::scope_json(d.steps[i].scope))},
                                       {"duration_s", d.steps[i].duration_s}});
            for (const std::size_t i : before)
                if (std::find(after.begin(), after.end(), i) == after.end())
                    common::log_event(spdlog::level::info, "drill_step_ended",
                                      {{"drill_id", d.id}, {"step", i}, {"fault", service::fault_name(d.steps[i].fault)}});
        }
        seen_ = std::move(active);
    }

private:
    std::map<std::string, std::vector<std::size_t>> seen_;
};

// Each new heartbeat of a device in a watched drill's scope, once per (drill, device, heartbeat).
std::vector<DrillSample> new_samples(const std::vector<service::Drill>& drills,
                                     const std::vector<FleetDeviceRow>& devices,
                                     std::map<std::pair<std::string, std::string>, std::string>& sampled) {
    std::vector<DrillSample> out;
    for (const auto& row : devices) {
        if (!row.last_heartbeat_at) continue;
        const auto at = core::parse_rfc3339(*row.last_heartbeat_at);
        if (!at) continue;
        for (const auto& d : drills) {
            if (!d.scope.covers(row.device_id, row.checkpoint_id)) continue;
            if (*at < d.started_at || *at > d.end() + service::kDrainWatch) continue;
            auto& last = sampled[{d.id, row.device_id}];
            if (last == *row.last_heartbeat_at) continue;
            last = *row.last_heartbeat_at;
            out.push_back({d.id, row.device_id, row.checkpoint_id, *row.last_heartbeat_at, row.pending, row.rejected,
                           row.last_seq, row.stream_id, row.record_latency_json});
        }
    }
    // Forget drills no longer watched.
    std::erase_if(sampled, [&](const auto& entry) {
        return std::none_of(drills.begin(), drills.end(), [&](const auto& d) { return d.id == entry.first.first; });
    });
    return out;
}

std::vector<DrillGauge> gauges(const std::vector<service::Drill>& drills, core::Millis now) {
    std::vector<DrillGauge> out;
    for (const auto& d : drills) {
        if (!d.running(now)) continue;
        const auto active = d.active_steps(now);
        out.push_back({d.id, d.name, active.empty() ? "none" : std::string(service::fault_name(d.steps[active.front()].fault))});
    }
    return out;
}

}  // namespace

void add_drill_routes(Router& router, Services& s) {
    router.add({verb::post, "/api/v1/drills", kTrainers, [&s](Call& c) { return start_drill(s, c); }});
    router.add({verb::get, "/api/v1/drills", kTrainers, [&s](Call& c) { return list_drills(s, c); }});
    router.add({verb::get, "/api/v1/drills/{id}", kTrainers, [&s](Call& c) { return read_drill(s, c); }});
    router.add({verb::post, "/api/v1/drills/{id}/stop", kTrainers, [&s](Call& c) { return stop_drill(s, c); }});
    router.add({verb::get, "/api/v1/drills/{id}/report", kReportReaders, [&s](Call& c) { return drill_report(s, c); }});
}

awaitable<void> run_drills(Services& s) {
    asio::steady_timer timer(co_await asio::this_coro::executor);
    StepLog steps;
    std::map<std::pair<std::string, std::string>, std::string> sampled;  // (drill, device) -> heartbeat sampled
    auto next_refresh = std::chrono::steady_clock::now();
    bool failing = false;
    while (!s.draining) {
        try {
            if (std::chrono::steady_clock::now() >= next_refresh) {
                next_refresh = std::chrono::steady_clock::now() + kRefreshPeriod;
                const std::uint64_t changes_before = s.drills.changes();
                auto reading = on_db<std::vector<DrillRow>>(
                    s.pool, [](Store& store) { return DrillStore(store).current(service::kDrainWatch); });
                const auto rows = co_await std::move(reading);
                std::vector<service::Drill> drills;
                for (const auto& row : rows) {
                    try {
                        drills.push_back(service::drill_from_row(row));
                    } catch (const std::exception& e) {
                        common::log_event(spdlog::level::err, "drill_unreadable", {{"drill_id", row.id}, {"error", e.what()}});
                    }
                }
                s.drills.learn(std::move(drills), changes_before);
                auto noting = on_db<std::vector<EndedDrill>>(s.pool, [](Store& store) { return DrillStore(store).note_ended(); });
                const auto ended = co_await std::move(noting);
                for (const auto& e : ended)
                    common::log_event(spdlog::level::warn, "drill_ended",
                                      {{"drill_id", e.id}, {"name", e.name}, {"stopped", e.stopped}, {"ended_at", e.ended_at}});
            }
            const auto now = core::now_millis();
            const auto drills = s.drills.snapshot();
            s.fleet.set_drills(s.drills.labels(now));
            s.metrics.set_drills(gauges(drills, now));
            steps.note(drills, now);
            const auto samples = new_samples(drills, s.fleet.devices(), sampled);
            const auto counts = s.drills.take_counts();
            if (!samples.empty() || !counts.empty()) {
                auto saving = on_db<bool>(s.pool, [samples, counts](Store& store) {
                    DrillStore(store).save(samples, counts);
                    return true;
                });
                try {
                    co_await std::move(saving);
                } catch (...) {
                    s.drills.give_back(counts);  // written when the database returns
                    for (const auto& sample : samples) sampled.erase({sample.drill_id, sample.device_id});
                    throw;
                }
            }
            failing = false;
        } catch (const std::exception& e) {
            // The database is away: faults go on from what this instance knows; drills end on time anyway.
            if (!failing) common::log_event(spdlog::level::warn, "drills_database_unavailable", {{"error", e.what()}});
            failing = true;
        }
        timer.expires_after(kLoopPeriod);
        auto waiting = timer.async_wait(asio::use_awaitable);
        co_await std::move(waiting);
    }
    // What was counted last goes to the database before the server stops (and again after the drain).
    co_await save_drill_counts(s);
}

awaitable<void> save_drill_counts(Services& s) {
    const auto counts = s.drills.take_counts();
    if (counts.empty()) co_return;
    try {
        auto saving = on_db<bool>(s.pool, [counts](Store& store) {
            DrillStore(store).save({}, counts);
            return true;
        });
        co_await std::move(saving);
    } catch (const std::exception& e) {
        common::log_event(spdlog::level::warn, "drill_counts_not_saved", {{"error", e.what()}});
    }
}

}  // namespace borderlog::server::http::routes
