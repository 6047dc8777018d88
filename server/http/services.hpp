// Everything the route modules use, wired once by serve(): the configuration, the database pool and
// the state this instance keeps. Handlers capture a reference; nothing here is a global.
#pragma once

#include "core/ids.hpp"
#include "server/http/metrics.hpp"
#include "server/http/server_config.hpp"
#include "server/http/sessions.hpp"
#include "server/service/central_switch.hpp"
#include "server/service/drills.hpp"
#include "server/service/fleet.hpp"
#include "server/storage/notification_listener.hpp"
#include "server/storage/pool.hpp"

#include <atomic>
#include <memory>

namespace borderlog::server::http {

class Authenticator;

struct Services {
    const ServerConfig& config;
    Pool& pool;
    Authenticator& auth;
    service::CentralSwitch central{};
    std::atomic<bool> draining{false};
    std::atomic<bool> migrations_current{false};
    // The operations view: the fleet's live state, the dashboard's sessions, the metrics.
    service::Fleet fleet{};
    Sessions sessions{};
    Metrics metrics{};
    // The drills every instance reads from the database, and the faults they inject (trainers).
    service::Drills drills{};
    std::string instance_id = core::random_urlsafe(12);  // tells this instance's notifications apart
    // Hears the other instances (started by run_fleet). Last, so that it stops first: its thread calls
    // into the fleet above.
    std::unique_ptr<NotificationListener> fleet_listener{};
};

}  // namespace borderlog::server::http
