#include "server/service/quarantine.hpp"

#include "core/crossing.hpp"
#include "core/errors.hpp"

#include <boost/json.hpp>

#include <charconv>

namespace borderlog::server::service {

namespace json = boost::json;

namespace {

std::int64_t whole_number(const std::string& text, const char* field, std::int64_t lo, std::int64_t hi) {
    std::int64_t v = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc{} || end != text.data() + text.size() || v < lo || v > hi)
        throw core::ValidationError(field, "must be a whole number from " + std::to_string(lo) + " to " +
                                               std::to_string(hi));
    return v;
}

json::value text_or_null(const std::string& s) { return s.empty() ? json::value(nullptr) : json::value(s); }

}  // namespace

RejectedFilter parse_rejected_filter(const std::map<std::string, std::string>& query) {
    RejectedFilter f;
    for (const auto& [key, value] : query) {
        if (value.empty()) continue;
        if (key == "device" || key == "checkpoint") {
            if (!core::is_identifier(value)) throw core::ValidationError(key, "is not a valid identifier");
            (key == "device" ? f.device : f.checkpoint) = value;
        } else if (key == "state") {
            if (value != "open" && value != "released" && value != "all")
                throw core::ValidationError("state", "must be open, released or all");
            f.state = value;
        } else if (key == "limit") {
            f.limit = static_cast<int>(whole_number(value, "limit", 1, 1000));
        } else if (key == "after") {
            f.after = whole_number(value, "after", 0, core::limits::kMaxSeq);
        } else {
            throw core::ValidationError(key, "is not a known filter");
        }
    }
    return f;
}

json::object rejected_json(const RejectedRow& r) {
    boost::system::error_code ec;
    json::value body = json::parse(r.body, ec);
    if (ec) body = r.body;  // kept as received; shown as text
    return {{"id", r.id},
            {"received_at", r.received_at},
            {"device_id", r.device_id},
            {"checkpoint_id", r.checkpoint_id},
            {"stream_id", r.stream_id},
            {"seq", r.seq ? json::value(*r.seq) : json::value(nullptr)},
            {"record_id", text_or_null(r.record_id)},
            {"code", r.code},
            {"detail", r.detail},
            {"field", text_or_null(r.field)},
            {"attempts", r.attempts},
            {"state", r.released_at.empty() ? "open" : "released"},
            {"released_at", text_or_null(r.released_at)},
            {"released_by", text_or_null(r.released_by)},
            {"release_result", text_or_null(r.release_result)},
            {"record", std::move(body)}};
}

json::object rejected_page(const std::vector<RejectedRow>& rows, const RejectedFilter& filter) {
    json::array items;
    items.reserve(rows.size());
    for (const auto& r : rows) items.push_back(rejected_json(r));
    json::value next = nullptr;
    if (!rows.empty() && rows.size() == static_cast<std::size_t>(filter.limit)) next = std::to_string(rows.back().id);
    return {{"rejected", std::move(items)}, {"next_after", std::move(next)}};
}

PlannedRecord plan_release(const RejectedRow& row, int current_year) {
    // Read as the device's own call would be: its records, its checkpoint.
    const Principal device{0, "device", row.checkpoint_id, row.device_id, ""};
    boost::system::error_code ec;
    const json::value body = json::parse(row.body, ec);
    if (ec) {
        PlannedRecord p;
        p.id = row.record_id;
        p.refusal = Refusal{"invalid_json", "the quarantined body is not JSON", ""};
        return p;
    }
    return plan_record(body, device, current_year);
}

json::object release_json(const ReleaseResult& result) {
    using Kind = ReleaseResult::Kind;
    json::object out{{"id", result.row.id}};
    switch (result.kind) {
    case Kind::stored: out["result"] = "stored"; break;
    case Kind::duplicate: out["result"] = "duplicate"; break;
    default: out["result"] = "refused"; break;
    }
    if (result.kind == Kind::refused) {
        json::object error{{"code", result.code}, {"detail", result.detail}};
        if (!result.field.empty()) error["field"] = result.field;
        out["error"] = std::move(error);
    }
    out["rejected"] = rejected_json(result.row);
    return out;
}

}  // namespace borderlog::server::service
