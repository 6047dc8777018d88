// The use cases a device calls besides ingest: heartbeat and reconcile.
#pragma once

#include "server/storage/store.hpp"

#include <boost/json/fwd.hpp>

#include <cstdint>
#include <map>
#include <string>

namespace borderlog::server::service {

inline constexpr std::size_t kMaxLanes = 64;
inline constexpr std::int64_t kMaxWaiting = 100000;  // travellers in one lane's queue at most
inline constexpr std::size_t kMaxMissingRanges = 1000;

// Throws core::ValidationError naming the field at fault.
Heartbeat parse_heartbeat(const boost::json::value& body);

// ?stream=ID&after=N of a reconcile: no stream (or an empty one) is the legacy stream ''.
struct ReconcileQuery {
    std::string stream_id;
    std::int64_t after = 0;
};
// Throws core::ValidationError naming the parameter at fault.
ReconcileQuery parse_reconcile_query(const std::map<std::string, std::string>& query);

// {"device_id","stream_id","received","quarantined","max_seq","missing","truncated","server_time"}:
// server_time is the server's clock, which devices trust over their own to age what they keep.
boost::json::object reconcile_json(const std::string& device_id, const Reconciliation& rec,
                                   const std::string& server_time);

// Whether `caller` may speak for `device_id` (a device token only for its own device).
bool may_act_for_device(const Principal& caller, const std::string& device_id);

}  // namespace borderlog::server::service
