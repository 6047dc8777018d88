// Dashboard sign-in and sign-out: a token for a session cookie, and back.
#include "common/log.hpp"
#include "core/ids.hpp"
#include "server/http/caller.hpp"
#include "server/http/db_bridge.hpp"
#include "server/http/responses.hpp"
#include "server/http/routes/routes.hpp"

#include <boost/json.hpp>

namespace borderlog::server::http::routes {

namespace json = boost::json;
using boost::asio::awaitable;
using beast_http::verb;

namespace {

constexpr std::size_t kMaxToken = 512;

bool may_sign_in(const std::string& role) { return role == "operations" || role == "admin" || role == "trainer"; }

std::string cookie(const Services& s, const std::string& value, std::int64_t max_age) {
    std::string c = std::string(kSessionCookie) + "=" + value + "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" +
                    std::to_string(max_age);
    if (s.config.secure_cookies) c += "; Secure";
    return c;
}

// Written in the background: the answer does not wait for the audit trail, and an unreachable
// database must not turn a refused sign-in into a different answer.
awaitable<void> audit(Services& s, AuditEvent event) {
    try {
        auto appending = on_db<bool>(s.pool, [event](Store& store) {
            store.append_audit(event);
            return true;
        });
        co_await std::move(appending);
    } catch (const std::exception&) {
        common::log_event(spdlog::level::warn, "audit_not_written", {{"action", event.action}});
    }
}

awaitable<Reply> sign_in(Services& s, Call& c) {
    const auto now = core::now_millis();
    if (const auto wait = s.sessions.sign_in_blocked(c.address, now)) {
        s.metrics.count_sign_in("limited");
        throw Problem{429, "too_many_requests", "Too many requests",
                      "too many failed sign-ins from this address; wait and try again", "", *wait};
    }
    if (!c.req[beast_http::field::origin].empty() && !same_origin(c.req))
        throw forbidden("sign in from the dashboard's own page (Origin does not match)");
    const json::value body = parse_body(c.req);
    const auto* o = body.if_object();
    const auto* token = o ? o->if_contains("token") : nullptr;
    if (!token || !token->is_string() || token->get_string().empty() || token->get_string().size() > kMaxToken)
        throw invalid_field("token", "must be the token, as text of at most 512 characters");
    const std::string hash = core::sha256_hex(token->get_string());
    auto finding = on_db<std::optional<Principal>>(s.pool, [hash](Store& store) -> std::optional<Principal> {
        auto found = store.find_token(hash);
        if (!found) return std::nullopt;
        return found->principal;  // the session ends no later than the token (kCreateSession)
    });
    const std::optional<Principal> found = co_await std::move(finding);
    if (!found || !may_sign_in(found->role)) {
        s.sessions.sign_in_failed(c.address, now);
        s.metrics.count_sign_in("failed");
        AuditEvent event;
        event.address = c.address;
        event.action = "session.sign_in_failed";
        if (found) {
            event.token_id = found->token_id;
            event.role = found->role;
            event.actor = found->name;
        }
        event.detail_json = json::serialize(json::object{{"reason", found ? "role" : "unknown_token"}});
        auto auditing = audit(s, std::move(event));
        co_await std::move(auditing);
        if (found)
            throw forbidden("a " + found->role + " token cannot sign in to the dashboard (operations, trainer or admin)");
        throw Problem{401, "unauthorized", "Unauthorized", "the token is unknown or revoked", "", {}};
    }
    const std::string secret = core::random_urlsafe(32);
    const std::string secret_hash = core::sha256_hex(secret);
    const std::int64_t lifetime = s.config.session_lifetime.count();
    const Principal who = *found;
    const std::string address = c.address;
    auto creating = on_db<std::string>(s.pool, [secret_hash, who, address, lifetime](Store& store) {
        const std::string expires = store.create_session(secret_hash, who.token_id, address, lifetime);
        store.append_audit({who.token_id, who.role, who.name, address, "session.sign_in", "", "{}"});
        return expires;
    });
    const std::string expires_at = co_await std::move(creating);
    s.sessions.remember(secret_hash, {who, expires_at}, now);
    s.metrics.count_sign_in("ok");
    common::log_event(spdlog::level::info, "signed_in", {{"token_id", who.token_id}, {"role", who.role}});
    Response res = json_response(
        200, json::object{{"role", who.role}, {"name", who.name}, {"expires_at", expires_at}}, c.req);
    res.set(beast_http::field::set_cookie, cookie(s, secret, lifetime));
    co_return Reply{std::move(res)};
}

awaitable<Reply> who_is_signed_in(Services& s, Call& c) {
    json::value expires = nullptr;
    if (const auto secret = session_cookie(c.req); secret && c.req[beast_http::field::authorization].empty())
        if (const auto known = s.sessions.cached(core::sha256_hex(*secret), core::now_millis(), false))
            expires = known->expires_at;
    co_return Reply{json_response(
        200, json::object{{"role", c.caller.role}, {"name", c.caller.name}, {"expires_at", expires}}, c.req)};
}

awaitable<Reply> sign_out(Services& s, Call& c) {
    if (const auto secret = session_cookie(c.req)) {
        const std::string hash = core::sha256_hex(*secret);
        s.sessions.forget(hash);
        const Principal who = c.caller;
        const std::string address = c.address;
        auto ending = on_db<bool>(s.pool, [hash, who, address](Store& store) {
            const bool ended = store.end_session(hash);
            if (ended) store.append_audit({who.token_id, who.role, who.name, address, "session.sign_out", "", "{}"});
            return ended;
        });
        co_await std::move(ending);
    }
    Response res = empty_response(204, c.req);
    res.set(beast_http::field::set_cookie, cookie(s, "", 0));
    co_return Reply{std::move(res)};
}

}  // namespace

void add_session_routes(Router& router, Services& s) {
    router.add({verb::post, "/api/v1/session", access::kOpen, [&s](Call& c) { return sign_in(s, c); }});
    router.add({verb::get, "/api/v1/session", access::kAnyToken, [&s](Call& c) { return who_is_signed_in(s, c); }});
    router.add({verb::delete_, "/api/v1/session", access::kAnyToken, [&s](Call& c) { return sign_out(s, c); }});
}

}  // namespace borderlog::server::http::routes
