// libFuzzer target: the batch decoder (server/service/ingest: plan_batch), as the server reads
// POST /api/v1/crossings/batch from a device. Any JSON: no crash; an envelope refused with a named
// field; otherwise one plan per record in order, each either a crossing of the caller's own device or
// a refusal with a contract code, and an answer with one result per record.
#include "core/errors.hpp"
#include "server/service/ingest.hpp"

#include <boost/json.hpp>

#include <cstdint>
#include <string_view>

namespace {

[[noreturn]] void broken() { __builtin_trap(); }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace borderlog;
    boost::system::error_code ec;
    const boost::json::value body = boost::json::parse(std::string_view(reinterpret_cast<const char*>(data), size), ec);
    if (ec) return 0;
    server::Principal caller;
    caller.role = "device";
    caller.checkpoint_id = "KAKAVIJE";
    caller.device_id = "KAK-01";
    std::vector<server::service::PlannedRecord> plan;
    try {
        plan = server::service::plan_batch(body, caller, 2026);
    } catch (const core::ValidationError& e) {
        // A refused envelope names its field; only a body that is not an object has none to name.
        if (e.errors().empty() || (e.first().field.empty() && body.is_object())) broken();
        return 0;
    }
    const auto& records = body.at("records").as_array();
    if (plan.size() != records.size() || plan.size() > server::service::kMaxBatch) broken();
    std::vector<server::InsertStatus> statuses;
    for (std::size_t i = 0; i < plan.size(); ++i) {
        const auto& p = plan[i];
        if (p.crossing.has_value() == p.refusal.has_value()) broken();  // exactly one of them
        if (p.crossing) {
            if (p.crossing->device_id != caller.device_id || p.crossing->checkpoint_id != caller.checkpoint_id) broken();
            statuses.push_back(server::InsertStatus::stored);
        } else {
            const std::string& code = p.refusal->code;
            if (code != "invalid_field" && code != "forbidden") broken();
            // The field is named, unless the record is not an object (the answer's position names it).
            if (p.refusal->detail.empty() || (code == "invalid_field" && p.refusal->field.empty() && records[i].is_object()))
                broken();
        }
    }
    const auto answer = server::service::batch_results(plan, statuses);
    if (answer.at("results").as_array().size() != plan.size()) broken();
    (void)server::service::refused_records(plan, caller);
    return 0;
}
