#include "server/service/ingest.hpp"

#include "core/crossing_json.hpp"

#include <boost/json.hpp>

namespace borderlog::server::service {

namespace json = boost::json;

PlannedRecord plan_record(const json::value& record, const Principal& caller, int current_year) {
    PlannedRecord planned;
    if (const auto* obj = record.if_object())
        if (const auto* id = obj->if_contains("id"); id && id->is_string()) planned.id = std::string(id->get_string());
    try {
        core::Crossing x = core::read_crossing(record, core::Completeness::full, current_year);
        planned.id = x.id;
        if (caller.role == "device" && (x.device_id != caller.device_id || x.checkpoint_id != caller.checkpoint_id)) {
            planned.refusal = Refusal{"forbidden", "this token speaks only for device " + caller.device_id +
                                                       " of checkpoint " + caller.checkpoint_id, ""};
        } else {
            planned.crossing = std::move(x);
        }
    } catch (const core::ValidationError& e) {
        planned.refusal = Refusal{"invalid_field", e.first().field + " " + e.first().message, e.first().field};
    }
    return planned;
}

std::vector<PlannedRecord> plan_batch(const json::value& body, const Principal& caller, int current_year) {
    const auto* obj = body.if_object();
    if (!obj) throw core::ValidationError("", "the body must be a JSON object with a records array");
    const auto* records = obj->if_contains("records");
    if (!records || !records->is_array()) throw core::ValidationError("records", "must be an array");
    if (records->get_array().size() > kMaxBatch)
        throw core::ValidationError("records", "holds more than 1000 records");
    std::vector<PlannedRecord> plan;
    plan.reserve(records->get_array().size());
    for (const auto& r : records->get_array()) plan.push_back(plan_record(r, caller, current_year));
    return plan;
}

Refusal refusal_for(InsertStatus status) {
    switch (status) {
    case InsertStatus::id_conflict:
        return {"id_conflict", "this id is already stored with other content", ""};
    case InsertStatus::seq_conflict:
        return {"seq_conflict", "another record already holds this device's sequence number", ""};
    case InsertStatus::unstorable:
        return {"invalid_field", "a value is outside what the central database can store", ""};
    default:
        return {"", "", ""};
    }
}

json::object single_result(const std::string& id, InsertStatus status) {
    return {{"id", id}, {"status", status == InsertStatus::stored ? "stored" : "duplicate"}};
}

json::object batch_results(const std::vector<PlannedRecord>& plan, const std::vector<InsertStatus>& statuses) {
    json::array results;
    results.reserve(plan.size());
    std::size_t next = 0;
    for (const auto& p : plan) {
        std::optional<Refusal> refusal = p.refusal;
        json::object r;
        r["id"] = p.id;
        if (p.crossing) {
            const InsertStatus s = statuses.at(next++);
            if (s == InsertStatus::stored || s == InsertStatus::duplicate) {
                r["status"] = s == InsertStatus::stored ? "stored" : "duplicate";
            } else {
                refusal = refusal_for(s);
            }
        }
        if (refusal) {
            r["status"] = "rejected";
            json::object error{{"code", refusal->code}, {"detail", refusal->detail}};
            if (!refusal->field.empty()) error["field"] = refusal->field;
            r["error"] = std::move(error);
        }
        results.push_back(std::move(r));
    }
    return {{"results", std::move(results)}};
}

}  // namespace borderlog::server::service
