#include "server/service/devices.hpp"

#include "core/crossing.hpp"
#include "core/ids.hpp"
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

std::optional<std::string> time_field(const json::object& o, const char* key) {
    const auto* v = o.if_contains(key);
    if (!v || v->is_null()) return std::nullopt;
    const auto t = v->is_string() ? core::parse_rfc3339(v->get_string()) : std::nullopt;
    if (!t) throw core::ValidationError(key, "must be an RFC 3339 timestamp");
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
    json::array lanes;
    if (const auto* v = o->if_contains("lanes"); v && !v->is_null()) {
        if (!v->is_array() || v->get_array().size() > kMaxLanes)
            throw core::ValidationError("lanes", "must be an array of at most 64 lanes");
        for (const auto& lane : v->get_array()) {
            const auto* l = lane.if_object();
            const auto* name = l ? l->if_contains("lane") : nullptr;
            if (!name || !name->is_string() || name->get_string().empty() ||
                name->get_string().size() > core::limits::kLane)
                throw core::ValidationError("lanes.lane", "must be a lane name of 1-16 characters");
            lanes.push_back(json::object{{"lane", name->get_string()}, {"waiting", count_field(*l, "waiting", "lanes.waiting")}});
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
