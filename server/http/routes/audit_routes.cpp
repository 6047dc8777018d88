// The audit trail, for admins: who did what, when and from where.
#include "server/http/db_bridge.hpp"
#include "server/http/responses.hpp"
#include "server/http/routes/routes.hpp"
#include "server/service/audit.hpp"

#include <boost/json.hpp>

namespace borderlog::server::http::routes {

namespace json = boost::json;
using boost::asio::awaitable;
using beast_http::verb;

namespace {

awaitable<Reply> list_audit(Services& s, Call& c) {
    const AuditFilter filter = service::parse_audit_filter(c.query);
    // Reading the trail is itself a line of it (the trail names documents that travellers' reads touched).
    const std::string actor = c.caller.name.empty() ? "token " + std::to_string(c.caller.token_id) : c.caller.name;
    AuditEvent read{c.caller.token_id, c.caller.role, actor, c.address, "audit.read", "",
                    json::serialize(json::object{{"query", json::value_from(c.query)}})};
    auto listing = on_db<std::vector<AuditRow>>(s.pool, [filter, read](Store& store) {
        store.append_audit(read);
        return AuditStore(store).list(filter);
    });
    const auto rows = co_await std::move(listing);
    const auto format = c.query.find("format");
    if (format != c.query.end() && format->second == "csv") {
        const auto header = c.query.find("header");
        Response res = text_response(200, service::audit_csv(rows, header == c.query.end() || header->second != "false"),
                                     "text/csv; charset=utf-8", c.req);
        if (rows.size() == static_cast<std::size_t>(filter.limit)) res.set("X-Next-After", std::to_string(rows.back().id));
        co_return Reply{std::move(res)};
    }
    co_return Reply{json_response(200, service::audit_page(rows, filter), c.req)};
}

}  // namespace

void add_audit_routes(Router& router, Services& s) {
    router.add({verb::get, "/api/v1/audit", {"admin"}, [&s](Call& c) { return list_audit(s, c); }});
}

}  // namespace borderlog::server::http::routes
