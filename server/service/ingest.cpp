#include "server/service/ingest.hpp"

#include "core/crossing_json.hpp"
#include "core/time.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <chrono>

namespace borderlog::server::service {

namespace json = boost::json;

namespace {

// The quarantine's key of a refused record, read as leniently as it came.
void note_as_sent(const json::value& record, PlannedRecord& planned) {
    planned.raw = json::serialize(record);
    const auto* obj = record.if_object();
    if (!obj) return;
    if (const auto* v = obj->if_contains("stream_id"); v && v->is_string())
        planned.stream_id = std::string(v->get_string().subview(0, std::min<std::size_t>(v->get_string().size(), 64)));
    if (const auto* v = obj->if_contains("seq"); v && v->is_int64()) planned.seq = v->get_int64();
    if (planned.id.size() > 64) planned.id.resize(64);
}

}  // namespace

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
    if (planned.refusal) note_as_sent(record, planned);
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
    const StatusText text = refusal_text(status);
    return {text.code, text.detail, text.field};
}

std::vector<RefusedRecord> refused_records(const std::vector<PlannedRecord>& plan, const Principal& caller) {
    std::vector<RefusedRecord> out;
    for (const auto& p : plan) {
        if (!p.refusal || p.refusal->code == "forbidden") continue;
        out.push_back(RefusedRecord{caller.device_id, caller.checkpoint_id, p.stream_id, p.seq, p.id, p.refusal->code,
                                    p.refusal->detail, p.refusal->field, p.raw});
    }
    return out;
}

std::optional<std::string> device_time_of(const json::value& body, std::string_view header) {
    std::string_view text = header;
    if (const auto* obj = body.if_object())
        if (const auto* v = obj->if_contains("device_time"); v && v->is_string()) text = v->get_string();
    if (text.empty() || text.size() > 64) return std::nullopt;
    const auto t = core::parse_rfc3339(text);
    // A clock before 1970 or thousands of years ahead says nothing worth keeping (nor can PostgreSQL hold it).
    if (!t || *t < core::Millis{} || *t > core::Millis{std::chrono::hours{24 * 366 * 8000}}) return std::nullopt;
    return core::format_rfc3339(*t);
}

json::object limits_json(std::size_t max_body_bytes) {
    return {{"max_body_bytes", max_body_bytes}, {"max_batch_records", kMaxBatch}};
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
