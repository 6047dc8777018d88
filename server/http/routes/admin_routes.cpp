#include "common/log.hpp"
#include "server/http/db_bridge.hpp"
#include "server/http/responses.hpp"
#include "server/http/routes/routes.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

namespace borderlog::server::http::routes {

namespace asio = boost::asio;
namespace json = boost::json;
using asio::awaitable;
using beast_http::verb;

namespace {

awaitable<Reply> central_offline(Services& s, Call& c) {
    const verb method = c.req.method();
    if (method != verb::get) {
        const bool offline = method == verb::put;
        std::string reason;
        if (offline && !c.req.body().empty()) {
            const json::value body = parse_body(c.req);
            if (const auto* o = body.if_object(); o && o->contains("reason")) {
                if (!o->at("reason").is_string() || o->at("reason").get_string().size() > 500)
                    throw core::ValidationError("reason", "must be a text of at most 500 characters");
                reason = o->at("reason").get_string();
            }
        }
        const std::string by = c.caller.name.empty() ? "token " + std::to_string(c.caller.token_id) : c.caller.name;
        const AuditEvent audit{c.caller.token_id, c.caller.role, by, c.address,
                               offline ? "central_offline.on" : "central_offline.off", "",
                               json::serialize(json::object{{"reason", reason}})};
        auto setting = on_db<bool>(s.pool, [offline, reason, by, audit](Store& store) {
            store.set_central_state(offline, reason, by);
            store.append_audit(audit);
            return true;
        });
        co_await std::move(setting);
        s.central.set(offline);
        common::log_event(spdlog::level::warn, offline ? "central_offline_on" : "central_offline_off",
                          {{"by", by}, {"reason", reason}});
    }
    auto reading = on_db<CentralState>(s.pool, [](Store& store) { return store.central_state(); });
    const auto state = co_await std::move(reading);
    co_return Reply{json_response(200,
                                  json::object{{"offline", state.offline},
                                               {"reason", state.reason},
                                               {"changed_at", state.changed_at},
                                               {"changed_by", state.changed_by}},
                                  c.req)};
}

}  // namespace

void add_admin_routes(Router& router, Services& s) {
    for (const verb method : {verb::get, verb::put, verb::delete_})
        router.add({method, "/api/v1/admin/central-offline", {"admin"}, [&s](Call& c) { return central_offline(s, c); }});
}

awaitable<void> watch_central_state(Services& s) {
    asio::steady_timer timer(co_await asio::this_coro::executor);
    while (!s.draining) {
        try {
            const std::uint64_t changes_before = s.central.changes();
            auto reading = on_db<CentralState>(s.pool, [](Store& store) { return store.central_state(); });
            const auto state = co_await std::move(reading);
            s.central.learn(state.offline, changes_before);
        } catch (const std::exception&) {
            // The database is away: keep the last known state; ingest will answer 503 on its own.
        }
        timer.expires_after(std::chrono::seconds{1});
        co_await timer.async_wait(asio::use_awaitable);
    }
}

}  // namespace borderlog::server::http::routes
