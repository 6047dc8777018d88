#include "server/http/db_bridge.hpp"
#include "server/http/responses.hpp"
#include "server/http/routes/routes.hpp"
#include "server/service/crossing_queries.hpp"
#include "server/service/ingest.hpp"

#include <boost/json.hpp>

namespace borderlog::server::http::routes {

namespace json = boost::json;
using boost::asio::awaitable;
using beast_http::verb;

namespace {

// For the fleet view (the device's last sync) and the ingest counters of /metrics.
void note_ingest(Services& s, const Principal& caller, const std::vector<InsertStatus>& statuses,
                 double refused_before_storing = 0) {
    bool got_through = false;
    for (const InsertStatus st : statuses) {
        got_through = got_through || st == InsertStatus::stored || st == InsertStatus::duplicate;
        s.metrics.count_ingest(st == InsertStatus::stored        ? "stored"
                               : st == InsertStatus::duplicate   ? "duplicate"
                               : st == InsertStatus::id_conflict ? "id_conflict"
                               : st == InsertStatus::seq_conflict ? "seq_conflict"
                                                                  : "rejected");
    }
    if (refused_before_storing > 0) s.metrics.count_ingest("rejected", refused_before_storing);
    if (got_through) s.fleet.synced(caller.device_id, caller.checkpoint_id, core::now_millis());
}

awaitable<Reply> ingest_one(Services& s, Call& c) {
    const json::value body = parse_body(c.req);
    const service::PlannedRecord planned = service::plan_record(body, c.caller, current_year());
    if (planned.refusal) {
        s.metrics.count_ingest("rejected");
        const auto& r = *planned.refusal;
        if (r.code == "forbidden") throw forbidden(r.detail);
        // Refused only once the quarantine holds it: a refusal is never known to the terminal alone.
        auto refused = service::refused_records({planned}, c.caller);
        auto keeping = on_db<bool>(s.pool, [refused = std::move(refused)](Store& store) {
            store.ingest(IngestRequest{{}, refused, {}});
            return true;
        });
        co_await std::move(keeping);
        throw Problem{400, r.code, "Invalid field", r.detail, r.field, {}};
    }
    auto inserting = insert_on_db(s.pool, *planned.crossing);
    const InsertStatus status = co_await std::move(inserting);
    note_ingest(s, c.caller, {status});
    if (status == InsertStatus::unstorable) {
        const auto r = service::refusal_for(status);
        throw Problem{400, r.code, "Invalid field", r.detail, "", {}};
    }
    if (status == InsertStatus::id_conflict || status == InsertStatus::seq_conflict) {
        const auto r = service::refusal_for(status);
        throw Problem{409, r.code, "Conflict", r.detail, status == InsertStatus::id_conflict ? "id" : "seq", {}};
    }
    co_return Reply{json_response(status == InsertStatus::stored ? 201 : 200,
                                  service::single_result(planned.crossing->id, status), c.req)};
}

awaitable<Reply> ingest_batch(Services& s, Call& c) {
    const json::value body = parse_body(c.req);
    auto plan = std::make_shared<std::vector<service::PlannedRecord>>(
        service::plan_batch(body, c.caller, current_year()));
    // A record for another device means a misconfigured terminal, not a bad record: refuse the request,
    // so that its records stay queued on the terminal until the configuration is put right.
    for (const auto& p : *plan)
        if (p.refusal && p.refusal->code == "forbidden") throw forbidden(p.refusal->detail);
    // Stored rows, quarantined refusals and the device's clock: one transaction.
    IngestRequest request;
    request.refused = service::refused_records(*plan, c.caller);
    if (const auto device_time = service::device_time_of(body, c.req["X-Device-Time"]))
        request.clock = DeviceClock{c.caller.device_id, c.caller.checkpoint_id, *device_time};
    auto inserting = on_db<std::vector<InsertStatus>>(s.pool, [plan, request = std::move(request)](Store& store) mutable {
        for (const auto& p : *plan)
            if (p.crossing) request.crossings.push_back(&*p.crossing);
        return store.ingest(request);
    });
    const std::vector<InsertStatus> statuses = co_await std::move(inserting);
    note_ingest(s, c.caller, statuses, static_cast<double>(plan->size() - statuses.size()));
    co_return Reply{json_response(200, service::batch_results(*plan, statuses), c.req)};
}

awaitable<Reply> list_crossings(Services& s, Call& c) {
    const CrossingFilter filter = service::parse_crossing_filter(c.query);
    // A listing is an export of travellers' data: its line in the audit trail comes first.
    const std::string actor = c.caller.name.empty() ? "token " + std::to_string(c.caller.token_id) : c.caller.name;
    const AuditEvent read{c.caller.token_id, c.caller.role, actor, c.address, "crossings.read", "",
                          json::serialize(json::object{{"query", json::value_from(c.query)}})};
    auto listing = on_db<std::vector<CrossingRow>>(s.pool, [filter, read](Store& store) {
        store.append_audit(read);
        return store.list_crossings(filter);
    });
    const auto rows = co_await std::move(listing);
    const auto format = c.query.find("format");
    if (format != c.query.end() && format->second == "csv") {
        const auto header = c.query.find("header");
        Response res = text_response(200, service::crossings_csv(rows, header == c.query.end() || header->second != "false"),
                                     "text/csv; charset=utf-8", c.req);
        if (rows.size() == static_cast<std::size_t>(filter.limit))
            res.set("X-Next-After", std::to_string(rows.back().ingest_no));
        co_return Reply{std::move(res)};
    }
    co_return Reply{json_response(200, service::crossings_page(rows, filter), c.req)};
}

}  // namespace

void add_crossing_routes(Router& router, Services& s) {
    router.add({verb::post, "/api/v1/crossings", {"device"}, [&s](Call& c) { return ingest_one(s, c); }, true});
    router.add({verb::get, "/api/v1/crossings", {"operations", "admin"}, [&s](Call& c) { return list_crossings(s, c); }});
    router.add({verb::post, "/api/v1/crossings/batch", {"device"}, [&s](Call& c) { return ingest_batch(s, c); }, true});
}

}  // namespace borderlog::server::http::routes
