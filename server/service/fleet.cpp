#include "server/service/fleet.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <cmath>

namespace borderlog::server::service {

namespace json = boost::json;
using core::Millis;
using std::chrono::duration_cast;
using std::chrono::milliseconds;
using std::chrono::seconds;

namespace {

constexpr auto kLaneRateWindowMinutes = 15.0;  // FleetCounts::lanes_15m
constexpr auto kIngestRateWindow = seconds{60};
constexpr std::size_t kMaxNotification = 7900;  // pg_notify takes at most 8000 bytes

std::optional<Millis> parse_time(const std::optional<std::string>& text) {
    if (!text) return std::nullopt;
    return core::parse_rfc3339(*text);
}

std::optional<std::string> format_time(const std::optional<Millis>& t) {
    if (!t) return std::nullopt;
    return core::format_rfc3339(*t);
}

json::value time_or_null(const std::optional<Millis>& t) {
    return t ? json::value(core::format_rfc3339(*t)) : json::value(nullptr);
}

json::value age_or_null(const std::optional<Millis>& t, Millis now) {
    if (!t) return nullptr;
    return std::max<std::int64_t>(0, duration_cast<seconds>(now - *t).count());
}

std::optional<Millis> latest(std::optional<Millis> a, std::optional<Millis> b) {
    if (!a) return b;
    if (!b) return a;
    return std::max(*a, *b);
}

std::optional<Millis> earliest(std::optional<Millis> a, std::optional<Millis> b) {
    if (!a) return b;
    if (!b) return a;
    return std::min(*a, *b);
}

int severity(const std::string& state) {
    if (state == kStateSilent) return 3;
    if (state == kStateCentralOffline) return 2;
    if (state == kStateDrill) return 1;
    return 0;
}

std::vector<LaneQueue> lanes_from_json(const std::string& text) {
    std::vector<LaneQueue> out;
    boost::system::error_code ec;
    const json::value v = json::parse(text, ec);
    if (ec || !v.is_array()) return out;
    for (const auto& item : v.get_array()) {
        const auto* o = item.if_object();
        if (!o) continue;
        const auto* lane = o->if_contains("lane");
        const auto* waiting = o->if_contains("waiting");
        if (!lane || !lane->is_string()) continue;
        LaneQueue q{std::string(lane->get_string()), waiting && waiting->is_int64() ? waiting->get_int64() : 0,
                    std::nullopt};
        if (const auto* at = o->if_contains("at"); at && at->is_string()) q.at = std::string(at->get_string());
        out.push_back(std::move(q));
    }
    return out;
}

std::string lanes_to_json(const std::vector<LaneQueue>& lanes) {
    json::array out;
    for (const auto& l : lanes) {
        json::object o{{"lane", l.lane}, {"waiting", l.waiting}};
        if (l.at) o["at"] = *l.at;
        out.push_back(std::move(o));
    }
    return json::serialize(out);
}

std::optional<RecordLatency> latency_from_json(const std::optional<std::string>& text) {
    if (!text) return std::nullopt;
    boost::system::error_code ec;
    const json::value v = json::parse(*text, ec);
    if (ec || !v.is_object()) return std::nullopt;
    const auto get = [&](const char* key) -> std::int64_t {
        const auto* f = v.get_object().if_contains(key);
        return f && f->is_int64() ? f->get_int64() : 0;
    };
    return RecordLatency{get("p50"), get("p99"), get("count")};
}

json::value latency_json(const std::optional<RecordLatency>& l) {
    if (!l) return nullptr;
    return json::object{{"p50", l->p50}, {"p99", l->p99}, {"count", l->count}};
}

template <class T>
json::value opt_json(const std::optional<T>& v) {
    return v ? json::value(*v) : json::value(nullptr);
}

}  // namespace

Fleet::Fleet(FleetOptions options) : options_(options) {}

void Fleet::configure(FleetOptions options) {
    std::lock_guard lock(mutex_);
    options_ = options;
}

Fleet::Device& Fleet::device(const std::string& device_id, const std::string& checkpoint_id) {
    auto [it, inserted] = devices_.try_emplace(device_id);
    Device& d = it->second;
    if (inserted) d.device_id = device_id;
    if (d.checkpoint_id != checkpoint_id) {
        // A terminal moved to another checkpoint (or is new): both checkpoints change.
        if (!d.checkpoint_id.empty()) touch(d.checkpoint_id);
        d.checkpoint_id = checkpoint_id;
    }
    checkpoints_.try_emplace(checkpoint_id);
    return d;
}

void Fleet::touch(const std::string& checkpoint_id) {
    ++version_;
    checkpoints_[checkpoint_id].version = version_;
}

void Fleet::touch_all() {
    ++version_;
    for (auto& [id, cp] : checkpoints_) cp.version = version_;
}

void Fleet::heartbeat(const std::string& device_id, const std::string& checkpoint_id, const Heartbeat& beat,
                      Millis now) {
    std::lock_guard lock(mutex_);
    Device& d = device(device_id, checkpoint_id);
    d.last_heartbeat = now;
    d.pending = beat.pending;
    d.oldest_pending = parse_time(beat.oldest_pending_at);
    d.last_seq = beat.last_seq;
    d.rejected = beat.rejected;
    d.device_time = parse_time(beat.device_time);
    d.clock_offset_ms.reset();
    if (d.device_time) d.clock_offset_ms = duration_cast<milliseconds>(*d.device_time - now).count();
    d.reported_last_sync = parse_time(beat.last_sync_at);
    d.stream_id = beat.stream_id;
    d.watchlist_version = beat.watchlist_version;
    d.record_latency = beat.record_latency;
    d.lanes = beat.lanes;
    d.state = device_state(d, now);
    dirty_devices_.insert(device_id);
    touch(checkpoint_id);
    sample(checkpoint_id, now);
}

void Fleet::synced(const std::string& device_id, const std::string& checkpoint_id, Millis now) {
    std::lock_guard lock(mutex_);
    Device& d = device(device_id, checkpoint_id);
    d.last_sync = now;
    d.state = device_state(d, now);
    dirty_devices_.insert(device_id);
    touch(checkpoint_id);
}

void Fleet::merge(const FleetDeviceRow& row) {
    std::lock_guard lock(mutex_);
    const auto theirs = parse_time(row.last_heartbeat_at);
    const auto it = devices_.find(row.device_id);
    const bool newer_heartbeat =
        it == devices_.end() || (theirs && (!it->second.last_heartbeat || *theirs >= *it->second.last_heartbeat));
    Device& d = device(row.device_id, newer_heartbeat ? row.checkpoint_id
                                                      : (it->second.checkpoint_id.empty() ? row.checkpoint_id
                                                                                          : it->second.checkpoint_id));
    if (newer_heartbeat) {
        d.last_heartbeat = theirs;
        d.pending = row.pending;
        d.oldest_pending = parse_time(row.oldest_pending_at);
        d.last_seq = row.last_seq;
        d.rejected = row.rejected;
        d.device_time = parse_time(row.device_time);
        d.clock_offset_ms = row.clock_offset_ms;
        d.reported_last_sync = parse_time(row.reported_last_sync_at);
        d.stream_id = row.stream_id;
        d.watchlist_version = row.watchlist_version;
        d.record_latency = latency_from_json(row.record_latency_json);
        d.lanes = lanes_from_json(row.lanes_json);
    }
    d.last_sync = latest(d.last_sync, parse_time(row.last_sync_at));
    touch(d.checkpoint_id);
}

void Fleet::load(const FleetSnapshot& snapshot) {
    for (const auto& row : snapshot.devices) merge(row);
    std::lock_guard lock(mutex_);
    for (const auto& [device_id, checkpoint_id] : snapshot.tokens)
        if (!devices_.count(device_id)) {
            device(device_id, checkpoint_id);
            touch(checkpoint_id);
        }
    for (const auto& s : snapshot.history) {
        const auto at = core::parse_rfc3339(s.bucket_at);
        if (!at) continue;
        // What this instance saw itself is at least as fresh as what was written.
        checkpoints_[s.checkpoint_id].history.try_emplace(*at, Sample{s.backlog, s.waiting});
        touch(s.checkpoint_id);
    }
}

void Fleet::counts(const FleetCounts& counts, Millis now) {
    std::lock_guard lock(mutex_);
    std::map<std::string, std::int64_t> quarantined(counts.quarantined.begin(), counts.quarantined.end());
    std::map<std::string, std::int64_t> last_hour(counts.last_hour.begin(), counts.last_hour.end());
    std::map<std::string, std::int64_t> synthetic(counts.synthetic_last_hour.begin(), counts.synthetic_last_hour.end());
    for (auto& [id, d] : devices_) {
        const auto q = quarantined.count(id) ? quarantined[id] : 0;
        const auto h = last_hour.count(id) ? last_hour[id] : 0;
        const auto t = synthetic.count(id) ? synthetic[id] : 0;
        if (q != d.quarantined || h != d.last_hour || t != d.synthetic_last_hour) {
            d.quarantined = q;
            d.last_hour = h;
            d.synthetic_last_hour = t;
            touch(d.checkpoint_id);
        }
    }
    for (const auto& [device_id, checkpoint_id] : counts.tokens)
        if (!devices_.count(device_id)) {
            device(device_id, checkpoint_id);
            touch(checkpoint_id);
        }
    std::map<std::string, std::map<std::string, std::int64_t>> lanes;
    for (const auto& l : counts.lanes_15m) lanes[l.checkpoint_id][l.lane] = l.count;
    for (auto& [id, cp] : checkpoints_) {
        auto fresh = lanes.count(id) ? lanes[id] : std::map<std::string, std::int64_t>{};
        if (fresh != cp.lane_counts) {
            cp.lane_counts = std::move(fresh);
            touch(id);
        }
    }
    ingest_samples_.emplace_back(now, counts.ingested);
    std::erase_if(ingest_samples_, [&](const auto& s) { return now - s.first > kIngestRateWindow; });
    if (counts.ingested > 0) ++version_;
}

void Fleet::set_central_offline(bool offline) {
    std::lock_guard lock(mutex_);
    if (central_offline_ == offline) return;
    central_offline_ = offline;
    touch_all();
}

void Fleet::set_database_available(bool available) {
    std::lock_guard lock(mutex_);
    if (database_available_ == available) return;
    database_available_ = available;
    ++version_;
}

void Fleet::set_drill(std::optional<DrillLabel> drill) {
    std::vector<DrillLabel> drills;
    if (drill) drills.push_back(std::move(*drill));
    set_drills(std::move(drills));
}

void Fleet::set_drills(std::vector<DrillLabel> drills) {
    std::lock_guard lock(mutex_);
    if (drills == drills_) return;
    drills_ = std::move(drills);
    touch_all();
}

void Fleet::set_open_issues(const std::map<std::string, std::int64_t>& anomalies,
                            const std::map<std::string, std::int64_t>& alerts) {
    std::lock_guard lock(mutex_);
    for (auto& [id, d] : devices_) {
        const auto a = anomalies.count(id) ? anomalies.at(id) : 0;
        const auto l = alerts.count(id) ? alerts.at(id) : 0;
        if (a != d.anomalies || l != d.alerts) {
            d.anomalies = a;
            d.alerts = l;
            touch(d.checkpoint_id);
        }
    }
}

void Fleet::request_reload() {
    std::lock_guard lock(mutex_);
    reload_requested_ = true;
}

bool Fleet::take_reload_request() {
    std::lock_guard lock(mutex_);
    return std::exchange(reload_requested_, false);
}

Millis Fleet::bucket_of(Millis t) const {
    const auto step = duration_cast<milliseconds>(options_.history_step).count();
    const auto ms = t.time_since_epoch().count();
    return Millis{milliseconds{ms - ((ms % step) + step) % step}};
}

Fleet::Sample Fleet::current(const std::string& checkpoint_id) const {
    Sample s;
    std::map<std::string, std::pair<std::optional<Millis>, std::int64_t>> lanes;  // newest report per lane
    for (const Device* d : devices_of(checkpoint_id)) {
        s.backlog += d->pending;
        for (const auto& l : d->lanes) {
            const auto at = latest(parse_time(l.at), d->last_heartbeat);
            auto& slot = lanes[l.lane];
            if (!slot.first || (at && *at > *slot.first)) slot = {at, l.waiting};
        }
    }
    for (const auto& [lane, report] : lanes) s.waiting += report.second;
    return s;
}

void Fleet::sample(const std::string& checkpoint_id, Millis now) {
    const Sample s = current(checkpoint_id);
    const Millis bucket = bucket_of(now);
    auto& history = checkpoints_[checkpoint_id].history;
    const auto it = history.find(bucket);
    if (it != history.end() && it->second.backlog == s.backlog && it->second.waiting == s.waiting) return;
    history[bucket] = s;
    dirty_samples_.insert({checkpoint_id, bucket});
}

void Fleet::tick(Millis now) {
    std::lock_guard lock(mutex_);
    for (auto& [id, d] : devices_) {
        const std::string state = device_state(d, now);
        if (state != d.state) {
            d.state = state;
            touch(d.checkpoint_id);
        }
    }
    const Millis oldest = bucket_of(now - options_.history_span);
    for (auto& [id, cp] : checkpoints_) {
        std::erase_if(cp.history, [&](const auto& entry) { return entry.first < oldest; });
        const bool new_bucket = cp.history.empty() || cp.history.rbegin()->first < bucket_of(now);
        sample(id, now);
        if (new_bucket) touch(id);
    }
}

std::vector<const Fleet::Device*> Fleet::devices_of(const std::string& checkpoint_id) const {
    std::vector<const Device*> out;
    for (const auto& [id, d] : devices_)
        if (d.checkpoint_id == checkpoint_id) out.push_back(&d);
    return out;
}

const DrillLabel* Fleet::drill_of(const Device& d) const {
    for (const auto& drill : drills_)
        if (drill.all || drill.checkpoints.count(d.checkpoint_id) || drill.devices.count(d.device_id)) return &drill;
    return nullptr;
}

bool Fleet::in_drill(const Device& d) const { return drill_of(d) != nullptr; }

std::string Fleet::device_state(const Device& d, Millis now) const {
    const auto contact = latest(d.last_heartbeat, d.last_sync);
    if (!contact || now - *contact > options_.silent_after) return kStateSilent;
    if (central_offline_) return kStateCentralOffline;
    if (in_drill(d)) return kStateDrill;
    return kStateOnline;
}

// A checkpoint is silent when all its devices are; otherwise it is as its least troubled device that
// still talks (devices_silent says how many do not).
std::string Fleet::checkpoint_state(const std::string& checkpoint_id, Millis now) const {
    std::string best;
    for (const Device* d : devices_of(checkpoint_id)) {
        const std::string s = device_state(*d, now);
        if (s == kStateSilent) continue;
        if (best.empty() || severity(s) < severity(best)) best = s;
    }
    return best.empty() ? kStateSilent : best;
}

json::object Fleet::device_json(const Device& d, Millis now) const {
    json::array lanes;
    for (const auto& l : d.lanes)
        lanes.push_back(json::object{{"lane", l.lane},
                                     {"waiting", l.waiting},
                                     {"updated_at", time_or_null(parse_time(l.at) ? parse_time(l.at) : d.last_heartbeat)}});
    const auto contact = latest(d.last_heartbeat, d.last_sync);
    return json::object{{"device_id", d.device_id},
                        {"checkpoint_id", d.checkpoint_id},
                        {"state", device_state(d, now)},
                        {"last_heartbeat_at", time_or_null(d.last_heartbeat)},
                        {"last_sync_at", time_or_null(d.last_sync)},
                        {"reported_last_sync_at", time_or_null(d.reported_last_sync)},
                        {"last_contact_at", time_or_null(contact)},
                        {"pending", d.pending},
                        {"oldest_pending_at", time_or_null(d.oldest_pending)},
                        {"oldest_pending_age_s", d.pending > 0 ? age_or_null(d.oldest_pending, now) : json::value(nullptr)},
                        {"last_seq", d.last_seq},
                        {"rejected", d.rejected},
                        {"quarantined", d.quarantined},
                        {"crossings_last_hour", d.last_hour},
                        {"synthetic_last_hour", d.synthetic_last_hour},
                        {"clock_offset_ms", opt_json(d.clock_offset_ms)},
                        {"stream_id", opt_json(d.stream_id)},
                        {"watchlist_version", opt_json(d.watchlist_version)},
                        {"record_latency_ms", latency_json(d.record_latency)},
                        {"lanes", std::move(lanes)},
                        {"anomalies", d.anomalies},
                        {"alerts", d.alerts},
                        {"drill", in_drill(d) ? json::value(drill_of(d)->id) : json::value(nullptr)}};
}

json::object Fleet::checkpoint_json(const std::string& checkpoint_id, Millis now) const {
    const auto devices = devices_of(checkpoint_id);
    std::optional<Millis> last_heartbeat, last_sync, oldest_pending;
    std::int64_t pending = 0, rejected = 0, quarantined = 0, last_hour = 0, silent = 0, anomalies = 0, alerts = 0;
    std::int64_t synthetic = 0;
    std::optional<std::int64_t> worst_offset;
    const DrillLabel* drill = nullptr;
    // The newest report of each lane across the checkpoint's devices.
    std::map<std::string, std::pair<std::optional<Millis>, std::int64_t>> lanes;
    json::array device_list;
    for (const Device* d : devices) {
        last_heartbeat = latest(last_heartbeat, d->last_heartbeat);
        last_sync = latest(last_sync, d->last_sync);
        if (d->pending > 0) oldest_pending = earliest(oldest_pending, d->oldest_pending);
        pending += d->pending;
        rejected += d->rejected;
        quarantined += d->quarantined;
        last_hour += d->last_hour;
        synthetic += d->synthetic_last_hour;
        anomalies += d->anomalies;
        alerts += d->alerts;
        if (!drill) drill = drill_of(*d);
        if (device_state(*d, now) == kStateSilent) ++silent;
        if (d->clock_offset_ms && (!worst_offset || std::abs(*d->clock_offset_ms) > std::abs(*worst_offset)))
            worst_offset = d->clock_offset_ms;
        for (const auto& l : d->lanes) {
            const auto at = parse_time(l.at) ? parse_time(l.at) : d->last_heartbeat;
            auto& slot = lanes[l.lane];
            if (!slot.first || (at && *at > *slot.first)) slot = {at, l.waiting};
        }
        device_list.push_back(device_json(*d, now));
    }
    const auto cp = checkpoints_.find(checkpoint_id);
    std::int64_t waiting = 0;
    json::array lane_list;
    for (const auto& [lane, report] : lanes) {
        const std::int64_t count = cp != checkpoints_.end() && cp->second.lane_counts.count(lane)
                                       ? cp->second.lane_counts.at(lane) : 0;
        const double rate = static_cast<double>(count) / kLaneRateWindowMinutes;
        json::value wait = nullptr;  // unknown: travellers wait and none was processed lately
        if (report.second == 0) wait = 0;
        else if (rate > 0) wait = static_cast<std::int64_t>(std::llround(static_cast<double>(report.second) / rate * 60.0));
        waiting += report.second;
        lane_list.push_back(json::object{{"lane", lane},
                                         {"waiting", report.second},
                                         {"processed_15m", count},
                                         {"rate_per_min", std::round(rate * 100.0) / 100.0},
                                         {"wait_estimate_s", wait},
                                         {"updated_at", time_or_null(report.first)}});
    }
    // The sparklines: one point per step over the span, null where nothing was seen.
    const auto step = options_.history_step;
    const std::size_t points = static_cast<std::size_t>(options_.history_span / step);
    const Millis from = bucket_of(now) - step * static_cast<std::int64_t>(points - 1);
    json::array backlog_points, waiting_points;
    for (std::size_t i = 0; i < points; ++i) {
        const Millis at = from + step * static_cast<std::int64_t>(i);
        const auto it = cp == checkpoints_.end() ? decltype(cp->second.history)::const_iterator{}
                                                 : cp->second.history.find(at);
        if (cp != checkpoints_.end() && it != cp->second.history.end()) {
            backlog_points.push_back(it->second.backlog);
            waiting_points.push_back(it->second.waiting);
        } else {
            backlog_points.push_back(nullptr);
            waiting_points.push_back(nullptr);
        }
    }
    return json::object{
        {"checkpoint_id", checkpoint_id},
        {"state", checkpoint_state(checkpoint_id, now)},
        {"devices_total", devices.size()},
        {"devices_silent", silent},
        {"last_heartbeat_at", time_or_null(last_heartbeat)},
        {"last_sync_at", time_or_null(last_sync)},
        {"last_contact_at", time_or_null(latest(last_heartbeat, last_sync))},
        {"pending", pending},
        {"oldest_pending_at", time_or_null(oldest_pending)},
        {"oldest_pending_age_s", age_or_null(oldest_pending, now)},
        {"rejected", rejected},
        {"quarantined", quarantined},
        {"crossings_last_hour", last_hour},
        {"synthetic_last_hour", synthetic},
        {"waiting", waiting},
        {"lanes", std::move(lane_list)},
        {"clock_offset_ms_max", opt_json(worst_offset)},
        {"anomalies", anomalies},
        {"alerts", alerts},
        {"drill", drill ? json::value(drill->id) : json::value(nullptr)},
        {"history",
         json::object{{"from", core::format_rfc3339(from)},
                      {"step_s", step.count()},
                      {"backlog", std::move(backlog_points)},
                      {"waiting", std::move(waiting_points)}}},
        {"devices", std::move(device_list)}};
}

json::object Fleet::summary_json(Millis now) const {
    json::object by_state{{kStateOnline, 0}, {kStateCentralOffline, 0}, {kStateDrill, 0}, {kStateSilent, 0}};
    std::int64_t backlog = 0, rejected = 0, quarantined = 0, last_hour = 0, anomalies = 0, alerts = 0, waiting = 0;
    std::optional<Millis> oldest;
    for (const auto& [id, cp] : checkpoints_) {
        if (devices_of(id).empty()) continue;
        auto& count = by_state[checkpoint_state(id, now)];
        count = count.as_int64() + 1;
        waiting += current(id).waiting;
    }
    for (const auto& [id, d] : devices_) {
        backlog += d.pending;
        rejected += d.rejected;
        quarantined += d.quarantined;
        last_hour += d.last_hour;
        anomalies += d.anomalies;
        alerts += d.alerts;
        if (d.pending > 0) oldest = earliest(oldest, d.oldest_pending);
    }
    std::int64_t ingested = 0;
    for (const auto& s : ingest_samples_)
        if (now - s.first <= kIngestRateWindow) ingested += s.second;
    const std::int64_t checkpoints = by_state[kStateOnline].as_int64() + by_state[kStateCentralOffline].as_int64() +
                                     by_state[kStateDrill].as_int64() + by_state[kStateSilent].as_int64();
    return json::object{{"checkpoints", checkpoints},
                        {"devices", devices_.size()},
                        {"checkpoints_offline",
                         by_state[kStateSilent].as_int64() + by_state[kStateCentralOffline].as_int64()},
                        {"by_state", std::move(by_state)},
                        {"backlog", backlog},
                        {"oldest_pending_at", time_or_null(oldest)},
                        {"oldest_pending_age_s", age_or_null(oldest, now)},
                        {"waiting", waiting},
                        {"crossings_last_hour", last_hour},
                        {"ingest_per_minute", ingested},
                        {"rejected", rejected},
                        {"quarantined", quarantined},
                        {"anomalies", anomalies},
                        {"alerts", alerts}};
}

json::object Fleet::top_json(Millis now) const {
    // `drill` names the first running drill (most often the only one); `drills` every one.
    json::value drill = nullptr;
    json::array drills;
    for (const auto& d : drills_) drills.push_back(json::object{{"id", d.id}, {"name", d.name}});
    if (!drills_.empty()) drill = drills.front();
    return json::object{{"generated_at", core::format_rfc3339(now)},
                        {"central", central_offline_ ? "offline" : "online"},
                        {"database", database_available_ ? "available" : "unavailable"},
                        {"drill", std::move(drill)},
                        {"drills", std::move(drills)},
                        {"silent_after_s", options_.silent_after.count()},
                        {"history_step_s", options_.history_step.count()},
                        {"summary", summary_json(now)}};
}

json::object Fleet::view(Millis now) const {
    std::lock_guard lock(mutex_);
    json::object out = top_json(now);
    json::array list;
    for (const auto& [id, cp] : checkpoints_)
        if (!devices_of(id).empty()) list.push_back(checkpoint_json(id, now));
    out["checkpoints"] = std::move(list);
    return out;
}

std::optional<json::object> Fleet::checkpoint_view(const std::string& checkpoint_id, Millis now) const {
    std::lock_guard lock(mutex_);
    if (!checkpoints_.count(checkpoint_id) || devices_of(checkpoint_id).empty()) return std::nullopt;
    return checkpoint_json(checkpoint_id, now);
}

json::object Fleet::summary_view(Millis now) const {
    std::lock_guard lock(mutex_);
    return top_json(now);
}

std::uint64_t Fleet::version() const {
    std::lock_guard lock(mutex_);
    return version_;
}

std::vector<std::string> Fleet::changed_since(std::uint64_t version) const {
    std::lock_guard lock(mutex_);
    std::vector<std::string> out;
    for (const auto& [id, cp] : checkpoints_)
        if (cp.version > version && !devices_of(id).empty()) out.push_back(id);
    return out;
}

bool Fleet::database_available() const {
    std::lock_guard lock(mutex_);
    return database_available_;
}

bool Fleet::central_offline() const {
    std::lock_guard lock(mutex_);
    return central_offline_;
}

std::vector<FleetDeviceRow> Fleet::devices() const {
    std::lock_guard lock(mutex_);
    std::vector<FleetDeviceRow> out;
    out.reserve(devices_.size());
    for (const auto& [id, d] : devices_) out.push_back(row_of(d));
    return out;
}

FleetDeviceRow Fleet::row_of(const Device& d) const {
    FleetDeviceRow r;
    r.device_id = d.device_id;
    r.checkpoint_id = d.checkpoint_id;
    r.last_heartbeat_at = format_time(d.last_heartbeat);
    r.last_sync_at = format_time(d.last_sync);
    r.reported_last_sync_at = format_time(d.reported_last_sync);
    r.oldest_pending_at = format_time(d.oldest_pending);
    r.device_time = format_time(d.device_time);
    r.pending = d.pending;
    r.last_seq = d.last_seq;
    r.rejected = d.rejected;
    r.clock_offset_ms = d.clock_offset_ms;
    r.stream_id = d.stream_id;
    r.watchlist_version = d.watchlist_version;
    if (d.record_latency) r.record_latency_json = json::serialize(latency_json(d.record_latency));
    r.lanes_json = lanes_to_json(d.lanes);
    return r;
}

Fleet::Dirty Fleet::take_dirty() {
    std::lock_guard lock(mutex_);
    Dirty out;
    for (const auto& id : dirty_devices_)
        if (const auto it = devices_.find(id); it != devices_.end()) out.devices.push_back(row_of(it->second));
    for (const auto& [checkpoint_id, bucket] : dirty_samples_) {
        const auto cp = checkpoints_.find(checkpoint_id);
        if (cp == checkpoints_.end()) continue;
        const auto s = cp->second.history.find(bucket);
        if (s == cp->second.history.end()) continue;
        out.samples.push_back({checkpoint_id, core::format_rfc3339(bucket), s->second.backlog, s->second.waiting});
    }
    dirty_devices_.clear();
    dirty_samples_.clear();
    return out;
}

void Fleet::give_back(const Dirty& dirty) {
    std::lock_guard lock(mutex_);
    for (const auto& r : dirty.devices) dirty_devices_.insert(r.device_id);
    for (const auto& s : dirty.samples)
        if (const auto at = core::parse_rfc3339(s.bucket_at)) dirty_samples_.insert({s.checkpoint_id, *at});
}

std::string notification_payload(const FleetDeviceRow& r, const std::string& instance) {
    const auto opt = [](const std::optional<std::string>& v) { return v ? json::value(*v) : json::value(nullptr); };
    json::object o{{"instance", instance},
                   {"device_id", r.device_id},
                   {"checkpoint_id", r.checkpoint_id},
                   {"last_heartbeat_at", opt(r.last_heartbeat_at)},
                   {"last_sync_at", opt(r.last_sync_at)},
                   {"reported_last_sync_at", opt(r.reported_last_sync_at)},
                   {"oldest_pending_at", opt(r.oldest_pending_at)},
                   {"device_time", opt(r.device_time)},
                   {"pending", r.pending},
                   {"last_seq", r.last_seq},
                   {"rejected", r.rejected},
                   {"clock_offset_ms", opt_json(r.clock_offset_ms)},
                   {"stream_id", opt(r.stream_id)},
                   {"watchlist_version", opt_json(r.watchlist_version)},
                   {"record_latency", opt(r.record_latency_json)},
                   {"lanes", r.lanes_json}};
    std::string text = json::serialize(o);
    if (text.size() <= kMaxNotification) return text;
    return json::serialize(json::object{{"instance", instance}, {"device_id", r.device_id}, {"reload", true}});
}

std::optional<FleetNotification> parse_notification(const std::string& payload) {
    boost::system::error_code ec;
    const json::value v = json::parse(payload, ec);
    const auto* o = ec ? nullptr : v.if_object();
    if (!o) return std::nullopt;
    const auto text = [&](const char* key) -> std::optional<std::string> {
        const auto* f = o->if_contains(key);
        if (!f || !f->is_string()) return std::nullopt;
        return std::string(f->get_string());
    };
    const auto number = [&](const char* key) -> std::optional<std::int64_t> {
        const auto* f = o->if_contains(key);
        if (!f || !f->is_int64()) return std::nullopt;
        return f->get_int64();
    };
    FleetNotification n;
    const auto instance = text("instance");
    const auto device_id = text("device_id");
    if (!instance || !device_id) return std::nullopt;
    n.instance = *instance;
    if (const auto* reload = o->if_contains("reload"); reload && reload->is_bool() && reload->get_bool()) return n;
    const auto checkpoint_id = text("checkpoint_id");
    if (!checkpoint_id) return std::nullopt;
    FleetDeviceRow r;
    r.device_id = *device_id;
    r.checkpoint_id = *checkpoint_id;
    r.last_heartbeat_at = text("last_heartbeat_at");
    r.last_sync_at = text("last_sync_at");
    r.reported_last_sync_at = text("reported_last_sync_at");
    r.oldest_pending_at = text("oldest_pending_at");
    r.device_time = text("device_time");
    r.pending = number("pending").value_or(0);
    r.last_seq = number("last_seq").value_or(0);
    r.rejected = number("rejected").value_or(0);
    r.clock_offset_ms = number("clock_offset_ms");
    r.stream_id = text("stream_id");
    r.watchlist_version = number("watchlist_version");
    r.record_latency_json = text("record_latency");
    r.lanes_json = text("lanes").value_or("[]");
    n.row = std::move(r);
    return n;
}

}  // namespace borderlog::server::service
