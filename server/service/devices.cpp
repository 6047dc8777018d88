#include "server/service/devices.hpp"

#include "core/crossing.hpp"
#include "core/ids.hpp"
#include "core/text.hpp"
#include "core/time.hpp"

#include <boost/json.hpp>

#include <charconv>

namespace borderlog::server::service {

namespace json = boost::json;

namespace {

std::int64_t count_field(const json::object& o, const char* key, const char* field) {
    const auto* v = o.if_contains(key);
    if (!v || v->is_null()) return 0;
    if (!v->is_int64() || v->get_int64() < 0) throw core::ValidationError(field, "must be a whole number >= 0");
    return v->get_int64();
}

std::optional<std::string> time_field(const json::object& o, const char* key, const char* field = nullptr) {
    const auto* v = o.if_contains(key);
    if (!v || v->is_null()) return std::nullopt;
    const auto t = v->is_string() && v->get_string().size() <= 64 ? core::parse_rfc3339(v->get_string()) : std::nullopt;
    if (!t) throw core::ValidationError(field ? field : key, "must be an RFC 3339 timestamp");
    return core::format_rfc3339(*t);
}

}  // namespace

Heartbeat parse_heartbeat(const json::value& body) {
    const auto* o = body.if_object();
    if (!o) throw core::ValidationError("", "the body must be a JSON object");
    Heartbeat b;
    b.pending = count_field(*o, "pending", "pending");
    b.oldest_pending_at = time_field(*o, "oldest_pending_at");
    b.last_seq = count_field(*o, "last_seq", "last_seq");
    b.rejected = count_field(*o, "rejected", "rejected");
    b.device_time = time_field(*o, "device_time");
    b.last_sync_at = time_field(*o, "last_sync_at");
    if (const auto* v = o->if_contains("stream_id"); v && !v->is_null()) {
        if (!v->is_string() || !core::is_uuid(v->get_string()))
            throw core::ValidationError("stream_id", "must be a UUID");
        b.stream_id = core::canonical_uuid(v->get_string());
    }
    if (const auto* v = o->if_contains("watchlist_version"); v && !v->is_null())
        b.watchlist_version = count_field(*o, "watchlist_version", "watchlist_version");
    if (const auto* v = o->if_contains("record_latency_ms"); v && !v->is_null()) {
        const auto* l = v->if_object();
        if (!l) throw core::ValidationError("record_latency_ms", "must be an object {\"p50\",\"p99\",\"count\"}");
        for (const auto& [key, value] : *l)
            if (key != "p50" && key != "p99" && key != "count")
                throw core::ValidationError("record_latency_ms." + std::string(key), "is not a known field");
        b.record_latency = RecordLatency{count_field(*l, "p50", "record_latency_ms.p50"),
                                         count_field(*l, "p99", "record_latency_ms.p99"),
                                         count_field(*l, "count", "record_latency_ms.count")};
    }
    json::array lanes;
    if (const auto* v = o->if_contains("lanes"); v && !v->is_null()) {
        if (!v->is_array() || v->get_array().size() > kMaxLanes)
            throw core::ValidationError("lanes", "must be an array of at most 64 lanes");
        for (const auto& lane : v->get_array()) {
            const auto* l = lane.if_object();
            const auto* name = l ? l->if_contains("lane") : nullptr;
            if (!name || !name->is_string() || !core::is_text(name->get_string(), core::limits::kLane))
                throw core::ValidationError("lanes.lane", "must be a lane name of 1-16 bytes of printable UTF-8");
            LaneQueue q{std::string(name->get_string()), count_field(*l, "waiting", "lanes.waiting"), std::nullopt};
            if (q.waiting > kMaxWaiting) throw core::ValidationError("lanes.waiting", "must be at most 100000");
            if (l->if_contains("at")) q.at = time_field(*l, "at", "lanes.at");
            for (const auto& seen : b.lanes)
                if (seen.lane == q.lane) throw core::ValidationError("lanes.lane", "names lane " + q.lane + " twice");
            json::object out{{"lane", q.lane}, {"waiting", q.waiting}};
            if (q.at) out["at"] = *q.at;
            lanes.push_back(std::move(out));
            b.lanes.push_back(std::move(q));
        }
    }
    b.lanes_json = json::serialize(lanes);
    return b;
}

ReconcileQuery parse_reconcile_query(const std::map<std::string, std::string>& query) {
    ReconcileQuery q;
    for (const auto& [key, value] : query) {
        if (key == "after") {
            const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), q.after);
            if (ec != std::errc{} || end != value.data() + value.size() || q.after < 0)
                throw core::ValidationError("after", "must be a whole number >= 0");
        } else if (key == "stream") {
            if (!value.empty() && !core::is_uuid(value)) throw core::ValidationError("stream", "must be a stream id (a UUID)");
            q.stream_id = core::canonical_uuid(value);
        } else {
            throw core::ValidationError(key, "is not a known parameter");
        }
    }
    return q;
}

json::object reconcile_json(const std::string& device_id, const Reconciliation& rec, const std::string& server_time) {
    json::array missing;
    for (const auto& [from, to] : rec.missing) missing.push_back(json::array{from, to});
    return {{"device_id", device_id},     {"stream_id", rec.stream_id},         {"received", rec.received},
            {"quarantined", rec.quarantined}, {"max_seq", rec.max_seq},         {"missing", std::move(missing)},
            {"truncated", rec.truncated}, {"server_time", server_time}};
}

bool may_act_for_device(const Principal& caller, const std::string& device_id) {
    if (caller.role == "device") return caller.device_id == device_id;
    return caller.role == "operations" || caller.role == "admin";
}

}  // namespace borderlog::server::service
