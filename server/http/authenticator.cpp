#include "server/http/authenticator.hpp"

#include "common/log.hpp"
#include "core/ids.hpp"
#include "server/http/connections.hpp"
#include "server/http/db_bridge.hpp"

namespace borderlog::server::http {

bool UnknownTokens::contains(const std::string& hash, SteadyTime now) {
    const auto it = expires_.find(hash);
    if (it == expires_.end()) return false;
    if (it->second > now) return true;
    expires_.erase(it);
    return false;
}

void UnknownTokens::add(const std::string& hash, SteadyTime now) {
    if (expires_.size() >= capacity_) {
        std::erase_if(expires_, [now](const auto& e) { return e.second <= now; });
        if (expires_.size() >= capacity_) expires_.clear();  // bounded: a flood of guesses forgets itself
    }
    expires_[hash] = now + ttl_;
}

std::optional<std::chrono::seconds> FailureLimiter::wait(const std::string& address, SteadyTime now) {
    const auto it = windows_.find(address);
    if (it == windows_.end()) return std::nullopt;
    if (it->second.ends <= now) {
        windows_.erase(it);
        return std::nullopt;
    }
    if (it->second.failures < limit_) return std::nullopt;
    const auto left = std::chrono::ceil<std::chrono::seconds>(it->second.ends - now);
    return std::max(left, std::chrono::seconds{1});
}

bool FailureLimiter::failed(const std::string& address, SteadyTime now) {
    auto it = windows_.find(address);
    if (it != windows_.end() && it->second.ends <= now) {
        windows_.erase(it);
        it = windows_.end();
    }
    if (it == windows_.end()) {
        if (windows_.size() >= capacity_) {
            std::erase_if(windows_, [now](const auto& w) { return w.second.ends <= now; });
            if (windows_.size() >= capacity_) windows_.clear();
        }
        it = windows_.emplace(address, Window{now + window_, 0}).first;
    }
    return ++it->second.failures == limit_;
}

void Authenticator::count_failure(const std::string& group, SteadyTime now) {
    if (group.empty()) return;
    if (failures_.failed(group, now))
        common::log_event(spdlog::level::warn, "auth_failures_throttled",
                          {{"address", group}, {"failures", config_.max_auth_failures}});
}

namespace {

// A token's end is checked at every use, so that the cache never stretches it.
bool expired(const TokenExpiry& expires_at) {
    return expires_at &&
           *expires_at <= std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

}  // namespace

boost::asio::awaitable<Principal> Authenticator::authenticate(const Request& req, const std::string& address) {
    const auto header = req[beast_http::field::authorization];
    constexpr std::string_view kBearer = "Bearer ";
    if (header.size() <= kBearer.size() || header.substr(0, kBearer.size()) != kBearer || header.size() > 512)
        throw Problem{401, "unauthorized", "Unauthorized", "send Authorization: Bearer TOKEN", "", {}};
    const std::string hash = core::sha256_hex(header.substr(kBearer.size()));
    const std::string group = address.empty() ? std::string() : address_group(address);
    const auto now = std::chrono::steady_clock::now();
    const Problem unknown{401, "unauthorized", "Unauthorized", "the token is unknown, revoked or expired", "", {}};
    {
        std::lock_guard lock(mutex_);
        if (auto it = cache_.find(hash); it != cache_.end() && it->second.expires > now) {
            if (!expired(it->second.token_expires)) co_return it->second.principal;
            cache_.erase(it);
        }
        if (!group.empty())
            if (const auto wait = failures_.wait(group, now))
                throw Problem{429, "too_many_requests", "Too many requests",
                              "too many failed token checks from this address; retry later", "", *wait};
        if (unknown_.contains(hash, now)) {
            count_failure(group, now);
            throw unknown;
        }
    }
    auto pending = on_db<std::optional<FoundToken>>(pool_, [hash](Store& s) { return s.find_token(hash); });
    std::optional<FoundToken> found;
    try {
        found = co_await std::move(pending);
    } catch (const StorageUnavailable&) {
        // While the database is away a token known here still speaks for its holder: heartbeats and the
        // fleet view go on (nothing can be stored meanwhile). Unknown tokens get the 503.
        std::lock_guard lock(mutex_);
        const auto it = cache_.find(hash);
        if (it == cache_.end() || expired(it->second.token_expires)) throw;
        co_return it->second.principal;
    }
    std::lock_guard lock(mutex_);
    if (!found) {
        unknown_.add(hash, now);
        count_failure(group, now);
        common::log_event(spdlog::level::debug, "token_unknown", {{"address", group}});
        throw unknown;
    }
    if (cache_.size() > 10000) cache_.clear();  // bounded: tokens are few, garbage is not
    cache_[hash] = {found->principal, now + config_.token_cache_ttl, found->expires_at};
    co_return found->principal;
}

}  // namespace borderlog::server::http
