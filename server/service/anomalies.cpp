#include "server/service/anomalies.hpp"
#include "server/service/query_params.hpp"

#include "core/crossing.hpp"
#include "core/time.hpp"
#include "core/watchlist_match.hpp"
#include "server/service/reports.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <charconv>
#include <map>
#include <optional>
#include <set>
#include <tuple>

namespace borderlog::server::service {

namespace json = boost::json;

namespace {

using Days = std::pair<date::sys_days, date::sys_days>;

core::Millis instant(const std::string& rfc3339) { return core::parse_rfc3339(rfc3339).value_or(core::Millis{}); }

bool has(const std::vector<std::string>& flags, std::string_view flag) {
    return std::find(flags.begin(), flags.end(), flag) != flags.end();
}

// Days present in the 180-day window ending on `on`, from stays in time order (each starting on or
// after the previous one's end): counted from the newest back, each day once.
int days_in_window(const std::vector<Days>& stays, date::sys_days on) {
    const date::sys_days window_start = on - date::days{core::kStayWindowDays - 1};
    long used = 0;
    date::sys_days counted_from = on + date::days{1};  // days from here on are counted already
    for (auto it = stays.rbegin(); it != stays.rend(); ++it) {
        if (it->second < window_start) break;
        const auto start = std::max(it->first, window_start);
        const auto end = std::min({it->second, on, counted_from - date::days{1}});
        if (start <= end) used += (end - start).count() + 1;
        counted_from = std::min(counted_from, start);
    }
    return static_cast<int>(used);
}

Finding finding(std::string_view kind, const CrossingRef& ref, json::object detail) {
    return {std::string(kind), ref, json::serialize(detail)};
}

// One document's crossings (real or synthetic ones), walked in time order.
void judge_timeline(std::vector<const TimelineCrossing*> timeline, const StayPolicy& policy,
                    std::vector<Finding>& out) {
    std::stable_sort(timeline.begin(), timeline.end(), [](const TimelineCrossing* a, const TimelineCrossing* b) {
        return std::make_pair(instant(a->ref.occurred_at), a->ingest_no) <
               std::make_pair(instant(b->ref.occurred_at), b->ingest_no);
    });
    const TimelineCrossing* previous = nullptr;
    const TimelineCrossing* open_entry = nullptr;  // the entry of the stay still open
    std::vector<Days> stays;
    for (const TimelineCrossing* c : timeline) {
        const date::sys_days day = core::utc_day(instant(c->ref.occurred_at));
        if (c->ref.direction == "entry") {
            if (open_entry)
                out.push_back(finding(kEntryWhileInCountry, c->ref,
                                      {{"entry_crossing_id", open_entry->ref.crossing_id},
                                       {"entered_at", open_entry->ref.occurred_at}}));
            else
                open_entry = c;
        } else {
            if (!open_entry) {
                json::object detail{{"previous", previous ? json::value(previous->ref.direction) : json::value("none")}};
                if (previous) {
                    detail["previous_crossing_id"] = previous->ref.crossing_id;
                    detail["previous_occurred_at"] = previous->ref.occurred_at;
                }
                out.push_back(finding(kExitWithoutEntry, c->ref, std::move(detail)));
            }
            stays.emplace_back(open_entry ? core::utc_day(instant(open_entry->ref.occurred_at)) : day, day);
            open_entry = nullptr;
            if (!policy.exempts(c->nationality)) {
                const int used = days_in_window(stays, day);
                if (used > core::kStayMaxDays)
                    out.push_back(finding(kOverstayAtExit, c->ref,
                                          {{"days_used", used},
                                           {"window_start", core::format_day(day - date::days{core::kStayWindowDays - 1})},
                                           {"on", core::format_day(day)}}));
            }
        }
        previous = c;
    }
}

// Periods the central-offline switch was on: [switched on, switched off); the last may be open.
std::vector<std::pair<core::Millis, std::optional<core::Millis>>> offline_periods(
    const std::vector<CentralChange>& history) {
    std::vector<std::pair<core::Millis, std::optional<core::Millis>>> out;
    bool offline = false;
    for (const auto& change : history) {
        const core::Millis at = instant(change.changed_at);
        if (change.offline && !offline) out.emplace_back(at, std::nullopt);
        if (!change.offline && offline) out.back().second = at;
        offline = change.offline;
    }
    return out;
}

void judge_record(const PendingCrossing& p, const std::vector<std::pair<core::Millis, std::optional<core::Millis>>>& offline,
                  const AnalysisRules& rules, std::vector<Finding>& out) {
    const core::Millis at = instant(p.ref.occurred_at);
    if (!p.traveler.expiry_date.empty() && p.traveler.expiry_date < core::format_day(core::utc_day(at)))
        out.push_back(finding(kDocumentExpired, p.ref, {{"expiry_date", p.traveler.expiry_date}}));
    if (has(p.flags, core::kFlagMrzInvalid)) out.push_back(finding(kMrzInvalid, p.ref, {}));
    if (has(p.flags, "clock_suspect")) out.push_back(finding(kClockSuspect, p.ref, {}));
    if (!p.recorded_offline && !has(p.flags, core::kFlagBackCaptured)) {
        for (const auto& [from, to] : offline) {
            if (at >= from + rules.offline_grace && (!to || at < *to)) {
                out.push_back(finding(kRecordedWhileMarkedOffline, p.ref,
                                      {{"offline_since", core::format_rfc3339(from)},
                                       {"grace_seconds", rules.offline_grace.count()}}));
                break;
            }
        }
    }
}

}  // namespace

AnalysisDecision judge(const AnalysisBatch& batch, const AnalysisRules& rules) {
    AnalysisDecision d;

    // Timelines: per document, real and synthetic records apart.
    std::map<std::tuple<std::string, std::string, bool>, std::vector<const TimelineCrossing*>> documents;
    for (const auto& t : batch.timelines)
        documents[{t.ref.issuing_country, t.ref.document_number, t.ref.synthetic}].push_back(&t);
    std::vector<Finding> timeline_findings;
    for (auto& [key, timeline] : documents) judge_timeline(std::move(timeline), rules.stay, timeline_findings);
    std::set<std::pair<std::string, std::string>> held;  // (crossing_id, kind)
    for (auto& f : timeline_findings)
        if (held.emplace(f.crossing.crossing_id, f.kind).second) d.open.push_back(std::move(f));
    for (const auto& stored : batch.timeline_findings)
        if (stored.state == "open" && !held.count({stored.crossing_id, stored.kind})) d.resolve.push_back(stored.id);

    // Each new record on its own, and against the watchlist.
    const auto offline = offline_periods(batch.central_history);
    for (const auto& p : batch.crossings) {
        std::vector<Finding> found;
        judge_record(p, offline, rules, found);
        for (auto& f : found)
            if (held.emplace(f.crossing.crossing_id, f.kind).second) d.open.push_back(std::move(f));
        for (const auto& hit : core::screen(batch.watchlist, p.traveler)) {
            AlertFinding a;
            a.crossing = p.ref;
            a.entry_id = hit.entry->id;
            a.entry_version = hit.entry->version;
            a.matched_by = std::string(core::to_string(hit.by));
            a.action = hit.entry->action;
            a.reason = hit.entry->reason;
            a.record_watchlist_version = p.watchlist_version;
            a.late = p.watchlist_version < hit.entry->version;
            d.alerts.push_back(std::move(a));
        }
    }
    return d;
}

AnomalyFilter parse_anomaly_filter(const std::map<std::string, std::string>& q, bool with_cursor) {
    for (const auto& [key, value] : q) {
        static const std::set<std::string> kKnown{"kind", "checkpoint", "device", "from", "to", "state",
                                                  "synthetic", "format", "header"};
        const bool cursor = key == "limit" || key == "after";
        if (!kKnown.count(key) && !(with_cursor && cursor)) throw core::ValidationError(key, "is not a known parameter");
    }
    AnomalyFilter f;
    f.kind = param(q, "kind");
    if (f.kind && std::find(kAnomalyKinds.begin(), kAnomalyKinds.end(), *f.kind) == kAnomalyKinds.end())
        throw core::ValidationError("kind", "must be one of exit_without_entry, entry_while_in_country, "
                                            "overstay_at_exit, document_expired, mrz_invalid, clock_suspect, "
                                            "recorded_while_marked_offline, chain_break");
    f.checkpoint = param(q, "checkpoint");
    f.device = param(q, "device");
    if (f.checkpoint && !core::is_identifier(*f.checkpoint))
        throw core::ValidationError("checkpoint", "is not a valid identifier");
    if (f.device && !core::is_identifier(*f.device)) throw core::ValidationError("device", "is not a valid identifier");
    f.from = timestamp(q, "from");
    f.to = timestamp(q, "to");
    if (auto v = param(q, "state")) {
        if (*v != "open" && *v != "resolved" && *v != "all")
            throw core::ValidationError("state", "must be open, resolved or all");
        f.state = *v;
    }
    if (auto v = param(q, "synthetic")) {
        if (*v != "exclude" && *v != "include" && *v != "only")
            throw core::ValidationError("synthetic", "must be exclude, include or only");
        f.synthetic = *v;
    }
    if (auto v = param(q, "limit")) f.limit = static_cast<int>(whole_number(*v, "limit", 1, 1000));
    if (auto v = param(q, "after")) f.after = whole_number(*v, "after", 0, core::limits::kMaxSeq);
    if (auto v = param(q, "format"); v && *v != "json" && *v != "csv")
        throw core::ValidationError("format", "must be json or csv");
    if (auto v = param(q, "header"); v && *v != "true" && *v != "false")
        throw core::ValidationError("header", "must be true or false");
    return f;
}

json::object anomalies_page(const std::vector<AnomalyRow>& rows, const AnomalyFilter& filter) {
    json::array items;
    items.reserve(rows.size());
    for (const auto& r : rows) items.push_back(anomaly_json(r));
    json::value next = nullptr;
    if (!rows.empty() && rows.size() == static_cast<std::size_t>(filter.limit)) next = std::to_string(rows.back().id);
    return {{"anomalies", std::move(items)}, {"next_after", std::move(next)}};
}

std::string anomalies_csv(const std::vector<AnomalyRow>& rows, bool with_header) {
    std::string out;
    if (with_header)
        out += csv_line({"id", "kind", "state", "crossing_id", "checkpoint_id", "device_id", "direction", "occurred_at",
                         "issuing_country", "document_number", "synthetic", "detected_at", "resolved_at", "detail"});
    for (const auto& r : rows) {
        const std::string id = std::to_string(r.id);
        out += csv_line({id, r.kind, r.state, r.crossing.crossing_id, r.crossing.checkpoint_id, r.crossing.device_id,
                         r.crossing.direction, r.crossing.occurred_at, r.crossing.issuing_country,
                         r.crossing.document_number, r.crossing.synthetic ? "true" : "false", r.detected_at,
                         r.resolved_at, r.detail_json});
    }
    return out;
}

json::object anomaly_summary(const std::vector<AnomalyCount>& counts) {
    json::array checkpoints;
    std::int64_t total = 0;
    for (const auto& c : counts) {
        if (checkpoints.empty() || checkpoints.back().at("checkpoint_id").as_string() != c.checkpoint_id)
            checkpoints.push_back({{"checkpoint_id", c.checkpoint_id}, {"total", 0}, {"by_kind", json::object{}}});
        json::object& cp = checkpoints.back().as_object();
        cp["total"] = cp["total"].as_int64() + c.count;
        cp["by_kind"].as_object()[c.kind] = c.count;
        total += c.count;
    }
    return {{"checkpoints", std::move(checkpoints)}, {"total", total}};
}

}  // namespace borderlog::server::service
