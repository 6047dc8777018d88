#include "server/http/authenticator.hpp"

#include "core/ids.hpp"
#include "server/http/db_bridge.hpp"

namespace borderlog::server::http {

boost::asio::awaitable<Principal> Authenticator::authenticate(const Request& req) {
    const auto header = req[beast_http::field::authorization];
    constexpr std::string_view kBearer = "Bearer ";
    if (header.size() <= kBearer.size() || header.substr(0, kBearer.size()) != kBearer || header.size() > 512)
        throw Problem{401, "unauthorized", "Unauthorized", "send Authorization: Bearer TOKEN", "", {}};
    const std::string hash = core::sha256_hex(header.substr(kBearer.size()));
    const auto now = std::chrono::steady_clock::now();
    {
        std::lock_guard lock(mutex_);
        if (auto it = cache_.find(hash); it != cache_.end() && it->second.expires > now) co_return it->second.principal;
    }
    auto pending = on_db<std::optional<Principal>>(pool_, [hash](Store& s) { return s.find_token(hash); });
    std::optional<Principal> found;
    std::optional<Principal> last_known;
    try {
        found = co_await std::move(pending);
    } catch (const StorageUnavailable&) {
        // While the database is away a token known here still speaks for its holder: heartbeats and the
        // fleet view go on (nothing can be stored meanwhile). Unknown tokens get the 503.
        std::lock_guard lock(mutex_);
        const auto it = cache_.find(hash);
        if (it == cache_.end()) throw;
        last_known = it->second.principal;
    }
    if (last_known) co_return *last_known;
    if (!found) throw Problem{401, "unauthorized", "Unauthorized", "the token is unknown or revoked", "", {}};
    std::lock_guard lock(mutex_);
    if (cache_.size() > 10000) cache_.clear();  // bounded: tokens are few, garbage is not
    cache_[hash] = {*found, now + config_.token_cache_ttl};
    co_return *found;
}

}  // namespace borderlog::server::http
