#include "server/service/drills_report.hpp"

#include "server/service/csv.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

namespace borderlog::server::service {

namespace json = boost::json;
using core::Millis;
using std::chrono::milliseconds;

namespace {

constexpr std::size_t kSeriesPoints = 240;

std::int64_t ms_of(Millis t) { return t.time_since_epoch().count(); }
Millis at_ms(std::int64_t ms) { return Millis{milliseconds{ms}}; }
std::string rfc3339_ms(std::int64_t ms) { return core::format_rfc3339(at_ms(ms)); }

json::value seconds_or_null(const std::optional<std::int64_t>& ms) {
    if (!ms) return nullptr;
    return std::round(static_cast<double>(*ms)) / 1000.0;
}

// One device, worked out.
struct DeviceResult {
    const DeviceFacts* facts = nullptr;
    std::int64_t lost = 0;
    std::int64_t backlog_peak_heartbeats = 0;
    std::int64_t backlog_peak_records = 0;
    bool heard = false;  // sent at least one heartbeat during the drill or after it
    bool drained = false;
    std::optional<std::int64_t> drained_at_ms;
    std::optional<std::int64_t> drain_ms;
    std::optional<RecordLatency> latency;
    std::map<std::string, std::int64_t> faults;
    std::int64_t duplicate_answers = 0;
    std::int64_t lost_acks = 0;

    std::int64_t backlog_peak() const { return std::max(backlog_peak_heartbeats, backlog_peak_records); }
};

DeviceResult work_out(const DeviceFacts& f, const Drill& d, std::optional<Millis> restore, Millis now) {
    DeviceResult r;
    r.facts = &f;
    for (const auto& s : f.streams) r.lost += s.missing;
    r.heard = !f.samples.empty();
    const std::int64_t start = ms_of(d.started_at);
    if (restore) {
        const std::int64_t restore_ms = ms_of(*restore);
        const bool idle = f.records_during == 0 && f.backlog_records.empty();
        if (f.drain_bound) {
            r.drained = f.drain_arrived >= f.drain_bound->last_seq;
        } else {
            r.drained = idle;  // without any heartbeat, only a device that made nothing is known to be drained
        }
        if (r.drained) {
            r.drained_at_ms = std::max(restore_ms, f.drain_last_received_ms.value_or(restore_ms));
            r.drain_ms = *r.drained_at_ms - restore_ms;
        }
    }
    const std::int64_t view_end = r.drained_at_ms.value_or(ms_of(now));
    const std::int64_t latency_end = restore ? ms_of(*restore) : ms_of(now);
    for (const auto& s : f.samples) {
        if (s.at_ms >= start && s.at_ms <= view_end) r.backlog_peak_heartbeats = std::max(r.backlog_peak_heartbeats, s.pending);
        if (s.at_ms >= start && s.at_ms <= latency_end && s.latency && s.latency->count > 0) {
            if (!r.latency) r.latency = RecordLatency{0, 0, 0};
            r.latency->p50 = std::max(r.latency->p50, s.latency->p50);
            r.latency->p99 = std::max(r.latency->p99, s.latency->p99);
            r.latency->count = std::max(r.latency->count, s.latency->count);
        }
    }
    r.backlog_peak_records = backlog_peak_of(f.backlog_records);
    for (const auto& [what, n] : f.counts) {
        if (what == kCountDuplicateAnswers) r.duplicate_answers = n;
        else if (what == kCountLostAcks) r.lost_acks = n;
        else r.faults[what] = n;
    }
    return r;
}

json::object device_json(const DeviceResult& r, const Drill& d, Millis now) {
    const DeviceFacts& f = *r.facts;
    const std::int64_t from = ms_of(d.started_at) - 60000;
    const std::int64_t to = std::max(r.drained_at_ms.value_or(ms_of(now)), ms_of(d.end())) + 60000;
    json::array backlog;
    for (const auto& s : f.samples)
        if (s.at_ms >= from && s.at_ms <= to) backlog.push_back(json::object{{"at", rfc3339_ms(s.at_ms)}, {"pending", s.pending}});
    json::array from_records;
    for (const auto& [at, n] : backlog_series_of(f.backlog_records, ms_of(d.started_at), std::min(to, ms_of(now)),
                                                 kSeriesPoints))
        from_records.push_back(json::object{{"at", rfc3339_ms(at)}, {"pending", n}});
    json::object faults;
    for (const auto& [what, n] : r.faults) faults[what] = n;
    json::array streams;
    for (const auto& s : f.streams)
        streams.push_back(json::object{{"stream_id", s.stream_id}, {"max_seq", s.max_seq}, {"missing", s.missing}});
    json::value latency = nullptr;
    if (r.latency) latency = json::object{{"p50", r.latency->p50}, {"p99", r.latency->p99}};
    return json::object{
        {"device_id", f.device_id},
        {"checkpoint_id", f.checkpoint_id.empty() ? json::value(nullptr) : json::value(f.checkpoint_id)},
        {"records_during", f.records_during},
        {"backlog_peak", r.backlog_peak()},
        {"drain_seconds", seconds_or_null(r.drain_ms)},
        {"lost", r.lost},
        {"duplicates", f.duplicate_content},
        {"rejected", f.rejected},
        {"quarantined", f.quarantined_open},
        {"back_captured", f.back_captured},
        {"synthetic", f.synthetic_during},
        {"drained", r.drained},
        {"drained_at", r.drained_at_ms ? json::value(rfc3339_ms(*r.drained_at_ms)) : json::value(nullptr)},
        {"resent_duplicates", r.duplicate_answers},
        {"lost_acks", r.lost_acks},
        {"faults", std::move(faults)},
        {"record_latency_ms", std::move(latency)},
        {"heartbeats", f.samples.size()},
        {"backlog_peak_heartbeats", r.backlog_peak_heartbeats},
        {"backlog_peak_records", r.backlog_peak_records},
        {"streams", std::move(streams)},
        {"backlog", std::move(backlog)},
        {"backlog_from_records", std::move(from_records)}};
}

std::string plural(std::int64_t n, const char* one, const char* many) {
    return std::to_string(n) + " " + (n == 1 ? one : many);
}

std::string number_text(const json::value& v) {
    if (v.is_null()) return "";
    if (v.is_bool()) return v.get_bool() ? "true" : "false";
    if (v.is_string()) return std::string(v.get_string());
    if (v.is_double()) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.3f", v.get_double());
        return buf;
    }
    return json::serialize(v);
}

}  // namespace

std::optional<DrainBound> drain_bound(const std::vector<SamplePoint>& samples, std::optional<std::int64_t> restore_ms) {
    if (!restore_ms || samples.empty()) return std::nullopt;
    const SamplePoint* before = nullptr;
    for (const auto& s : samples) {
        if (s.at_ms >= *restore_ms) return DrainBound{s.stream_id, s.last_seq};
        if (!before || s.at_ms >= before->at_ms) before = &s;
    }
    return DrainBound{before->stream_id, before->last_seq};
}

std::optional<Millis> restore_time(const Drill& drill, Millis now) {
    if (drill.running(now) || now < drill.started_at) return std::nullopt;
    return drill.end();
}

std::int64_t backlog_peak_of(const std::vector<std::pair<std::int64_t, std::int64_t>>& records) {
    // +1 when a record is made, -1 when it arrives; at one instant arrivals count first.
    std::vector<std::pair<std::int64_t, int>> events;
    events.reserve(records.size() * 2);
    for (const auto& [made, arrived] : records) {
        events.emplace_back(made, +1);
        events.emplace_back(std::max(made, arrived), -1);
    }
    std::sort(events.begin(), events.end());
    std::int64_t now = 0, peak = 0;
    for (const auto& e : events) {
        now += e.second;
        peak = std::max(peak, now);
    }
    return peak;
}

std::vector<std::pair<std::int64_t, std::int64_t>> backlog_series_of(
    const std::vector<std::pair<std::int64_t, std::int64_t>>& records, std::int64_t from_ms, std::int64_t to_ms,
    std::size_t points) {
    std::vector<std::pair<std::int64_t, std::int64_t>> out;
    if (points == 0 || to_ms <= from_ms) return out;
    std::vector<std::pair<std::int64_t, int>> events;
    for (const auto& [made, arrived] : records) {
        events.emplace_back(made, +1);
        events.emplace_back(std::max(made, arrived), -1);
    }
    std::sort(events.begin(), events.end());
    const double step = static_cast<double>(to_ms - from_ms) / static_cast<double>(points);
    std::size_t e = 0;
    std::int64_t level = 0;
    // Before the first bucket: what was already waiting.
    while (e < events.size() && events[e].first < from_ms) level += events[e++].second;
    for (std::size_t b = 0; b < points; ++b) {
        const auto bucket_end = from_ms + static_cast<std::int64_t>(std::llround(step * static_cast<double>(b + 1)));
        std::int64_t peak = level;
        while (e < events.size() && events[e].first < bucket_end) {
            level += events[e++].second;
            peak = std::max(peak, level);
        }
        out.emplace_back(from_ms + static_cast<std::int64_t>(std::llround(step * static_cast<double>(b))), peak);
    }
    return out;
}

json::object drill_report(const Drill& d, const std::vector<DeviceFacts>& facts, Millis now) {
    const auto restore = restore_time(d, now);
    std::vector<DeviceResult> results;
    for (const auto& f : facts) results.push_back(work_out(f, d, restore, now));

    json::array devices;
    for (const auto& r : results) devices.push_back(device_json(r, d, now));

    // Per checkpoint: sums, the slowest drain, drained only when all its devices are.
    struct Sums {
        std::int64_t devices = 0, records = 0, peak = 0, lost = 0, dups = 0, rejected = 0, back_captured = 0;
        std::optional<std::int64_t> drain_ms;
        bool drained = true;
    };
    std::map<std::string, Sums> by_checkpoint;
    Sums total;
    std::int64_t synthetic = 0, resent = 0, lost_acks = 0, faults = 0, quarantined = 0;
    for (const auto& r : results) {
        const DeviceFacts& f = *r.facts;
        for (Sums* s : {&by_checkpoint[f.checkpoint_id], &total}) {
            ++s->devices;
            s->records += f.records_during;
            s->peak += r.backlog_peak();
            s->lost += r.lost;
            s->dups += f.duplicate_content;
            s->rejected += f.rejected;
            s->back_captured += f.back_captured;
            s->drained = s->drained && r.drained;
            if (r.drain_ms) s->drain_ms = std::max(s->drain_ms.value_or(0), *r.drain_ms);
        }
        synthetic += f.synthetic_during;
        resent += r.duplicate_answers;
        lost_acks += r.lost_acks;
        quarantined += f.quarantined_open;
        for (const auto& [what, n] : r.faults) faults += n;
    }
    json::array checkpoints;
    for (const auto& [id, s] : by_checkpoint)
        checkpoints.push_back(json::object{{"checkpoint_id", id.empty() ? json::value(nullptr) : json::value(id)},
                                           {"devices", s.devices},
                                           {"records_during", s.records},
                                           {"backlog_peak", s.peak},
                                           {"drain_seconds", s.drained ? seconds_or_null(s.drain_ms.value_or(0)) : json::value(nullptr)},
                                           {"lost", s.lost},
                                           {"duplicates", s.dups},
                                           {"rejected", s.rejected},
                                           {"back_captured", s.back_captured},
                                           {"drained", s.drained}});

    // The verdict: pending until the drill is over and every device has drained; then pass when nothing
    // was lost or doubled.
    json::array reasons, notes;
    std::string verdict;
    if (!restore) {
        verdict = "pending";
        reasons.emplace_back("the drill is running until " + core::format_rfc3339(d.end()) +
                             "; the report is final once it has ended and every device has drained");
    } else {
        bool waiting = false;
        for (const auto& r : results) {
            if (r.drained) continue;
            waiting = true;
            const DeviceFacts& f = *r.facts;
            if (!r.heard) {
                reasons.emplace_back(f.device_id + " sent no heartbeat since the drill began: whether it drained cannot be told");
            } else if (f.drain_bound) {
                reasons.emplace_back(f.device_id + " has not drained yet: " +
                                     plural(f.drain_bound->last_seq - f.drain_arrived, "record", "records") +
                                     " it made by the restore are not at the centre yet");
            }
        }
        if (total.lost > 0) {
            for (const auto& r : results)
                for (const auto& s : r.facts->streams)
                    if (s.missing > 0)
                        reasons.emplace_back(r.facts->device_id + ": " + plural(s.missing, "record", "records") +
                                             " missing in stream " + (s.stream_id.empty() ? "''" : s.stream_id) +
                                             " (gaps in seq below " + std::to_string(s.max_seq) + ", found by reconcile)");
        }
        if (total.dups > 0)
            for (const auto& r : results)
                if (r.facts->duplicate_content > 0)
                    reasons.emplace_back(r.facts->device_id + ": " +
                                         plural(r.facts->duplicate_content, "row repeats", "rows repeat") +
                                         " another row's crossing under another id");
        if (waiting) verdict = "pending";
        else if (total.lost > 0 || total.dups > 0) verdict = "fail";
        else verdict = "pass";
        if (verdict == "pass") {
            reasons.emplace_back("every device drained" +
                                 (total.drain_ms ? "; the slowest within " + number_text(seconds_or_null(total.drain_ms)) +
                                                       " s of the restore"
                                                 : std::string()));
            reasons.emplace_back("nothing lost: no gap in any stream the devices used (reconcile)");
            reasons.emplace_back("nothing doubled: no two rows hold one crossing");
        }
    }
    if (total.rejected > 0)
        notes.emplace_back(plural(total.rejected, "record was", "records were") +
                           " refused by the centre and kept in its quarantine (not lost): see borderlogctl rejected list");
    if (total.back_captured > 0)
        notes.emplace_back(plural(total.back_captured, "record", "records") +
                           " entered later from paper registers are counted apart (back_captured)");
    if (resent > 0)
        notes.emplace_back(plural(resent, "resend was", "resends were") +
                           " answered \"duplicate\": the terminals sent again what the centre already held, and no "
                           "second row was made");
    for (const auto& r : results)
        if (r.facts->backlog_records_truncated)
            notes.emplace_back(r.facts->device_id + ": the backlog from records is drawn from its first " +
                               std::to_string(kMaxBacklogRecords) + " records only");

    json::array steps = steps_json(d.steps);
    return json::object{
        {"id", d.id},
        {"name", d.name},
        {"state", d.state(now)},
        {"started_at", core::format_rfc3339(d.started_at)},
        {"ends_at", core::format_rfc3339(d.ends_at)},
        {"restored_at", restore ? json::value(core::format_rfc3339(*restore)) : json::value(nullptr)},
        {"generated_at", core::format_rfc3339(now)},
        {"telemetry", d.telemetry},
        {"scope", scope_json(d.scope)},
        {"steps", std::move(steps)},
        {"totals",
         json::object{{"records_during", total.records},
                      {"lost", total.lost},
                      {"duplicates", total.dups},
                      {"rejected", total.rejected},
                      {"quarantined", quarantined},
                      {"back_captured", total.back_captured},
                      {"synthetic", synthetic},
                      {"resent_duplicates", resent},
                      {"lost_acks", lost_acks},
                      {"faults_injected", faults},
                      {"backlog_peak", total.peak},
                      {"drain_seconds_max", total.drained ? seconds_or_null(total.drain_ms.value_or(0)) : json::value(nullptr)},
                      {"devices", total.devices},
                      {"devices_drained", std::count_if(results.begin(), results.end(), [](const auto& r) { return r.drained; })}}},
        {"checkpoints", std::move(checkpoints)},
        {"devices", std::move(devices)},
        {"verdict", verdict},
        {"reasons", std::move(reasons)},
        {"notes", std::move(notes)}};
}

std::string drill_report_csv(const json::object& report, bool with_header) {
    static constexpr const char* kColumns[] = {"level", "checkpoint_id", "device_id", "records_during", "backlog_peak",
                                               "drain_seconds", "lost", "duplicates", "rejected", "back_captured",
                                               "drained"};
    std::string out;
    if (with_header) {
        for (const char* c : kColumns) out += std::string(out.empty() ? "" : ",") + c;
        out += ",resent_duplicates,lost_acks,latency_p50_ms,latency_p99_ms,verdict\r\n";
    }
    const auto row = [&](const char* level, const json::object& o, const std::string& verdict) {
        std::vector<std::string> cells{level};
        for (std::size_t i = 1; i < std::size(kColumns); ++i) {
            const auto* v = o.if_contains(kColumns[i]);
            cells.push_back(v ? number_text(*v) : "");
        }
        for (const char* extra : {"resent_duplicates", "lost_acks"}) {
            const auto* v = o.if_contains(extra);
            cells.push_back(v ? number_text(*v) : "");
        }
        const auto* latency = o.if_contains("record_latency_ms");
        const bool has_latency = latency && latency->is_object();
        cells.push_back(has_latency ? number_text(latency->at("p50")) : "");
        cells.push_back(has_latency ? number_text(latency->at("p99")) : "");
        cells.push_back(verdict);
        std::string line;
        for (std::size_t i = 0; i < cells.size(); ++i) line += (i ? "," : "") + csv_cell(cells[i]);
        out += line + "\r\n";
    };
    for (const auto& d : report.at("devices").as_array()) row("device", d.as_object(), "");
    for (const auto& c : report.at("checkpoints").as_array()) row("checkpoint", c.as_object(), "");
    json::object total = report.at("totals").as_object();
    total["checkpoint_id"] = "";
    total["device_id"] = "";
    total["drain_seconds"] = total["drain_seconds_max"];
    total["drained"] = total["devices_drained"] == total["devices"];
    row("total", total, std::string(report.at("verdict").as_string()));
    return out;
}

}  // namespace borderlog::server::service
