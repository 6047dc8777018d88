#include "server/http/caller.hpp"

#include "core/ids.hpp"
#include "server/http/authenticator.hpp"
#include "server/http/db_bridge.hpp"
#include "server/http/responses.hpp"

#include <algorithm>

namespace borderlog::server::http {

namespace {

constexpr std::size_t kMaxSecret = 128;

bool safe_method(beast_http::verb v) { return v == beast_http::verb::get || v == beast_http::verb::head; }

bool urlsafe(std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    });
}

}  // namespace

std::optional<std::string> session_cookie(const Request& req) {
    const std::string_view header = req[beast_http::field::cookie];
    const std::string prefix = std::string(kSessionCookie) + "=";
    std::size_t pos = 0;
    while (pos < header.size()) {
        while (pos < header.size() && (header[pos] == ' ' || header[pos] == ';')) ++pos;
        const auto end = std::min(header.find(';', pos), header.size());
        const std::string_view pair = header.substr(pos, end - pos);
        if (pair.substr(0, prefix.size()) == prefix) {
            const std::string_view value = pair.substr(prefix.size());
            if (value.empty() || value.size() > kMaxSecret || !urlsafe(value)) return std::nullopt;
            return std::string(value);
        }
        pos = end;
    }
    return std::nullopt;
}

bool same_origin(const Request& req) {
    const std::string_view origin = req[beast_http::field::origin];
    const std::string_view host = req[beast_http::field::host];
    if (origin.empty() || host.empty()) return false;
    return origin == "http://" + std::string(host) || origin == "https://" + std::string(host);
}

boost::asio::awaitable<Principal> authenticate_request(Services& s, const Request& req, const std::string& address) {
    const auto cookie = session_cookie(req);
    if (!cookie || !req[beast_http::field::authorization].empty()) {
        auto authenticating = s.auth.authenticate(req, address);
        co_return co_await std::move(authenticating);
    }
    if (!safe_method(req.method()) && !same_origin(req))
        throw forbidden("a signed-in dashboard may change things only from its own page (Origin does not match)");
    const std::string hash = core::sha256_hex(*cookie);
    const auto now = core::now_millis();
    if (const auto fresh = s.sessions.cached(hash, now, true)) co_return fresh->principal;
    std::optional<SessionInfo> found;
    bool database_away = false;
    try {
        auto finding = on_db<std::optional<SessionInfo>>(s.pool, [hash](Store& store) { return store.find_session(hash); });
        found = co_await std::move(finding);
    } catch (const StorageUnavailable&) {
        database_away = true;
    }
    if (database_away) {
        // The fleet view matters most while the database is away: a session known here stays valid
        // until it expires.
        if (const auto known = s.sessions.cached(hash, now, false)) co_return known->principal;
        throw StorageUnavailable("the session cannot be checked while the database is away");
    }
    if (!found) {
        s.sessions.forget(hash);
        throw Problem{401, "unauthorized", "Unauthorized", "the session has ended or expired; sign in again", "", {}};
    }
    s.sessions.remember(hash, *found, now);
    co_return found->principal;
}

}  // namespace borderlog::server::http
