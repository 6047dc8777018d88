#include "server/http/db_bridge.hpp"
#include "server/http/responses.hpp"
#include "server/http/routes/routes.hpp"

#include <boost/json.hpp>

namespace borderlog::server::http::routes {

namespace json = boost::json;
using boost::asio::awaitable;
using beast_http::verb;

void add_health_routes(Router& router, Services& s) {
    router.add({verb::get, "/livez", access::kOpen, [](Call& c) -> awaitable<Reply> {
                    co_return Reply{json_response(200, json::object{{"status", "alive"}}, c.req)};
                }});
    const Handler ready = [&s](Call& c) -> awaitable<Reply> {
        if (s.draining)
            throw Problem{503, "draining", "Shutting down", "the server is finishing its requests", "", {}};
        if (!s.migrations_current)
            throw Problem{503, "not_migrated", "Not ready", "schema migrations are not current", "", {}};
        auto pinging = on_db<bool>(s.pool, [](Store& store) {
            store.ping();
            return true;
        });
        co_await std::move(pinging);
        co_return Reply{json_response(200, json::object{{"status", "ready"}}, c.req)};
    };
    router.add({verb::get, "/readyz", access::kOpen, ready});
    router.add({verb::get, "/healthz", access::kOpen, ready});
}

}  // namespace borderlog::server::http::routes
