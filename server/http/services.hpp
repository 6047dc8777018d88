// Everything the route modules use, wired once by serve(): the configuration, the database pool and
// the state this instance keeps. Handlers capture a reference; nothing here is a global.
#pragma once

#include "server/http/server_config.hpp"
#include "server/service/central_switch.hpp"
#include "server/storage/pool.hpp"

#include <atomic>

namespace borderlog::server::http {

class Authenticator;

struct Services {
    const ServerConfig& config;
    Pool& pool;
    Authenticator& auth;
    service::CentralSwitch central{};
    std::atomic<bool> draining{false};
    std::atomic<bool> migrations_current{false};
};

}  // namespace borderlog::server::http
