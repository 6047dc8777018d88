// Who a request speaks for: the bearer token, looked up by its hash, with a short cache so that a busy
// device does not cost a database query per request.
#pragma once

#include "server/http/http_types.hpp"
#include "server/http/server_config.hpp"
#include "server/storage/pool.hpp"

#include <chrono>
#include <mutex>
#include <string>
#include <unordered_map>

namespace borderlog::server::http {

class Authenticator {
public:
    Authenticator(const ServerConfig& config, Pool& pool) : config_(config), pool_(pool) {}

    // The principal of the request's token. Throws Problem 401 when there is none or it is unknown.
    boost::asio::awaitable<Principal> authenticate(const Request& req);

private:
    struct CachedToken {
        Principal principal;
        std::chrono::steady_clock::time_point expires;
    };
    const ServerConfig& config_;
    Pool& pool_;
    std::mutex mutex_;
    std::unordered_map<std::string, CachedToken> cache_;
};

}  // namespace borderlog::server::http
