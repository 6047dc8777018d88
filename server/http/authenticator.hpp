// Who a request speaks for: the bearer token, looked up by its hash, with a short cache so that a busy
// device does not cost a database query per request. Unknown tokens are remembered for a short while
// as well, and an address that keeps failing is refused (429) without a query, so that a stranger
// cannot turn guesses into database load.
#pragma once

#include "server/http/http_types.hpp"
#include "server/http/server_config.hpp"
#include "server/storage/pool.hpp"

#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace borderlog::server::http {

using SteadyTime = std::chrono::steady_clock::time_point;

// Token hashes the database did not know, each for `ttl`, at most `capacity` of them.
class UnknownTokens {
public:
    UnknownTokens(std::chrono::seconds ttl, std::size_t capacity) : ttl_(ttl), capacity_(capacity) {}
    bool contains(const std::string& hash, SteadyTime now);
    void add(const std::string& hash, SteadyTime now);
    std::size_t size() const { return expires_.size(); }

private:
    std::chrono::seconds ttl_;
    std::size_t capacity_;
    std::unordered_map<std::string, SteadyTime> expires_;
};

// Failed token checks per address in a fixed window: past `limit` failures the address waits for the
// end of its window. At most `capacity` addresses are tracked; beyond that the oldest windows go.
class FailureLimiter {
public:
    FailureLimiter(std::size_t limit, std::chrono::seconds window, std::size_t capacity)
        : limit_(limit), window_(window), capacity_(capacity) {}
    // How long `address` must still wait, or nullopt when it may try now.
    std::optional<std::chrono::seconds> wait(const std::string& address, SteadyTime now);
    // Counts a failure; true when this failure reached the limit (worth one log line).
    bool failed(const std::string& address, SteadyTime now);

private:
    struct Window {
        SteadyTime ends;
        std::size_t failures = 0;
    };
    std::size_t limit_;
    std::chrono::seconds window_;
    std::size_t capacity_;
    std::unordered_map<std::string, Window> windows_;
};

class Authenticator {
public:
    Authenticator(const ServerConfig& config, Pool& pool)
        : config_(config),
          pool_(pool),
          unknown_(config.unknown_token_ttl, 10000),
          failures_(config.max_auth_failures, std::chrono::seconds{60}, 10000) {}

    // The principal of the request's token. Throws Problem 401 when there is none or it is unknown,
    // 429 too_many_requests (with Retry-After) when `address` failed too often lately.
    boost::asio::awaitable<Principal> authenticate(const Request& req, const std::string& address = {});

private:
    struct CachedToken {
        Principal principal;
        std::chrono::steady_clock::time_point expires;  // of this cache entry
        TokenExpiry token_expires;                      // of the token itself, checked at each use
    };
    void count_failure(const std::string& group, SteadyTime now);

    const ServerConfig& config_;
    Pool& pool_;
    std::mutex mutex_;
    std::unordered_map<std::string, CachedToken> cache_;
    UnknownTokens unknown_;
    FailureLimiter failures_;
};

}  // namespace borderlog::server::http
