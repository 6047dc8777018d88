#include "server/http/db_bridge.hpp"
#include "server/http/responses.hpp"
#include "server/http/routes/routes.hpp"
#include "core/time.hpp"
#include "server/service/devices.hpp"
#include "server/service/ingest.hpp"

#include <boost/json.hpp>

namespace borderlog::server::http::routes {

namespace json = boost::json;
using boost::asio::awaitable;
using beast_http::verb;

namespace {

// Who this token is, and the limits a device sizes its batches under: lets a terminal check its
// configuration before it records anything.
awaitable<Reply> who_am_i(Services& s, Call& c) {
    co_return Reply{json_response(200,
                                  json::object{{"role", c.caller.role},
                                               {"checkpoint_id", c.caller.checkpoint_id},
                                               {"device_id", c.caller.device_id},
                                               {"name", c.caller.name},
                                               {"limits", service::limits_json(s.config.max_body_bytes)}},
                                  c.req)};
}

// Which seqs of one stream the centre lacks. `stream`: the stream (none: the legacy stream ''); `after`:
// only ranges starting after this seq (the next page when an answer was truncated).
awaitable<Reply> reconcile(Services& s, Call& c) {
    const std::string device = c.param(0);
    if (!service::may_act_for_device(c.caller, device)) throw forbidden("this token may not reconcile device " + device);
    const service::ReconcileQuery q = service::parse_reconcile_query(c.query);
    auto reconciling = on_db<Reconciliation>(s.pool, [device, q](Store& store) {
        return store.reconcile(device, q.stream_id, service::kMaxMissingRanges, q.after);
    });
    const auto rec = co_await std::move(reconciling);
    co_return Reply{json_response(200, service::reconcile_json(device, rec, core::format_rfc3339(core::now_millis())),
                                  c.req)};
}

// Taken in memory, whatever the database or the central-offline switch: the fleet view shows a
// backlog climbing during an outage, and the heartbeat is written back when the database can take it.
// The answer tells the device whether the centre is offline (Borderlog-Central: online | offline).
awaitable<Reply> heartbeat(Services& s, Call& c) {
    const std::string device = c.param(0);
    if (c.caller.device_id != device) throw forbidden("only device " + device + " may send its heartbeat");
    const Heartbeat beat = service::parse_heartbeat(parse_body(c.req));
    s.fleet.heartbeat(device, c.caller.checkpoint_id, beat, core::now_millis());
    s.metrics.count_heartbeat();
    Response res = empty_response(204, c.req);
    res.set("Borderlog-Central", s.central.offline() ? "offline" : "online");
    co_return Reply{std::move(res)};
}

}  // namespace

void add_device_routes(Router& router, Services& s) {
    router.add({verb::get, "/api/v1/token", access::kAnyToken, [&s](Call& c) { return who_am_i(s, c); }, true});
    router.add({verb::get, "/api/v1/devices/{device}/reconcile", {"device", "operations", "admin"},
                [&s](Call& c) { return reconcile(s, c); }, true});
    router.add({verb::post, "/api/v1/devices/{device}/heartbeat", {"device"},
                [&s](Call& c) { return heartbeat(s, c); }});
}

}  // namespace borderlog::server::http::routes
