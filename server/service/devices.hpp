// The use cases a device calls besides ingest: heartbeat and reconcile.
#pragma once

#include "server/storage/store.hpp"

#include <boost/json/fwd.hpp>

namespace borderlog::server::service {

inline constexpr std::size_t kMaxLanes = 64;
inline constexpr std::int64_t kMaxWaiting = 100000;  // travellers in one lane's queue at most
inline constexpr std::size_t kMaxMissingRanges = 1000;

// Throws core::ValidationError naming the field at fault.
Heartbeat parse_heartbeat(const boost::json::value& body);

boost::json::object reconcile_json(const std::string& device_id, const Reconciliation& rec);

// Whether `caller` may speak for `device_id` (a device token only for its own device).
bool may_act_for_device(const Principal& caller, const std::string& device_id);

}  // namespace borderlog::server::service
