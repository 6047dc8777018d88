// The central quarantine: records the server refused, listed for operations and released after a fix.
#include "common/log.hpp"
#include "server/http/db_bridge.hpp"
#include "server/http/responses.hpp"
#include "server/http/routes/routes.hpp"
#include "server/service/quarantine.hpp"

#include <boost/json.hpp>

#include <charconv>

namespace borderlog::server::http::routes {

namespace json = boost::json;
using boost::asio::awaitable;
using beast_http::verb;

namespace {

awaitable<Reply> list_rejected(Services& s, Call& c) {
    const RejectedFilter filter = service::parse_rejected_filter(c.query);
    // Quarantined records are travellers' data as received: the read is in the audit trail.
    const std::string actor = c.caller.name.empty() ? "token " + std::to_string(c.caller.token_id) : c.caller.name;
    const AuditEvent read{c.caller.token_id, c.caller.role, actor, c.address, "rejected.read", "",
                          json::serialize(json::object{{"query", json::value_from(c.query)}})};
    auto listing = on_db<std::vector<RejectedRow>>(s.pool, [filter, read](Store& store) {
        store.append_audit(read);
        return store.list_rejected(filter);
    });
    const auto rows = co_await std::move(listing);
    co_return Reply{json_response(200, service::rejected_page(rows, filter), c.req)};
}

// Ingests the quarantined body again, as its device sent it, and answers what became of it.
awaitable<Reply> release(Services& s, Call& c) {
    std::int64_t id = 0;
    const std::string& text = c.param(0);
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
    if (ec != std::errc{} || end != text.data() + text.size() || id < 1) throw not_found();
    auto finding = on_db<std::optional<RejectedRow>>(s.pool, [id](Store& store) { return store.find_rejected(id); });
    const auto row = co_await std::move(finding);
    if (!row) throw not_found();
    if (!row->released_at.empty())
        throw Problem{409, "already_released", "Already released",
                      "this record left the quarantine at " + row->released_at + " (" + row->release_result + ")", "", {}};

    auto planned = std::make_shared<service::PlannedRecord>(service::plan_release(*row, current_year()));
    std::optional<RefusedRecord> refusal;
    if (planned->refusal)
        refusal = RefusedRecord{row->device_id, row->checkpoint_id, row->stream_id, row->seq, row->record_id,
                                planned->refusal->code, planned->refusal->detail, planned->refusal->field, row->body};
    const std::string by = c.caller.name.empty() ? "token " + std::to_string(c.caller.token_id) : c.caller.name;
    AuditEvent audit{c.caller.token_id, c.caller.role, by, c.address, "rejected.release",
                     "rejected/" + std::to_string(id), json::serialize(json::object{{"record_id", row->record_id}})};
    auto releasing = on_db<ReleaseResult>(s.pool, [id, planned, refusal, by, audit](Store& store) {
        return store.release_rejected(id, planned->crossing ? &*planned->crossing : nullptr,
                                      refusal ? &*refusal : nullptr, by, audit);
    });
    const ReleaseResult result = co_await std::move(releasing);
    if (result.kind == ReleaseResult::Kind::not_found) throw not_found();
    if (result.kind == ReleaseResult::Kind::already_released)
        throw Problem{409, "already_released", "Already released", "this record left the quarantine meanwhile", "", {}};
    common::log_event(spdlog::level::info, "rejected_released",
                      {{"rejected_id", id}, {"device_id", row->device_id}, {"by", by},
                       {"result", result.kind == ReleaseResult::Kind::refused ? "refused" : "ingested"}});
    co_return Reply{json_response(200, service::release_json(result), c.req)};
}

}  // namespace

void add_rejected_routes(Router& router, Services& s) {
    router.add({verb::get, "/api/v1/rejected", {"operations", "admin"}, [&s](Call& c) { return list_rejected(s, c); }});
    router.add({verb::post, "/api/v1/rejected/{id}/release", {"operations", "admin"},
                [&s](Call& c) { return release(s, c); }});
}

}  // namespace borderlog::server::http::routes
