#include "server/service/crossing_queries.hpp"
#include "server/service/query_params.hpp"

#include "server/service/csv.hpp"

#include "core/crossing.hpp"
#include "core/crossing_json.hpp"
#include "core/time.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <array>
#include <charconv>

namespace borderlog::server::service {

namespace json = boost::json;

namespace {

// The columns of the CSV export; stream_id and flags came later and stay last.
constexpr std::array<const char*, 22> kCsvColumns{
    "id",          "device_id",       "seq",         "checkpoint_id",   "lane",           "direction",
    "occurred_at", "received_at",     "officer_id",  "document_type",   "document_number", "issuing_country",
    "nationality", "surname",         "given_names", "birth_date",      "sex",            "expiry_date",
    "transport_mode", "vehicle_plate", "stream_id",   "flags"};

}  // namespace

namespace {

std::string field_text(const json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    if (!v || v->is_null()) return {};
    if (v->is_string()) return std::string(v->get_string());
    return json::serialize(*v);
}

}  // namespace

CrossingFilter parse_crossing_filter(const std::map<std::string, std::string>& q) {
    static constexpr std::array<const char*, 12> kKnown{"checkpoint", "device", "direction", "doc_country",
                                                        "doc_number", "from",   "to",        "limit",
                                                        "after",      "format", "header",    "synthetic"};
    for (const auto& [key, value] : q)
        if (std::none_of(kKnown.begin(), kKnown.end(), [&](const char* k) { return key == k; }))
            throw core::ValidationError(key, "is not a known filter");
    CrossingFilter f;
    f.checkpoint = param(q, "checkpoint");
    f.device = param(q, "device");
    for (const auto* id : {&f.checkpoint, &f.device})
        if (*id && !core::is_identifier(**id))
            throw core::ValidationError(id == &f.checkpoint ? "checkpoint" : "device", "is not a valid identifier");
    f.direction = param(q, "direction");
    if (f.direction && *f.direction != "entry" && *f.direction != "exit")
        throw core::ValidationError("direction", "must be entry or exit");
    f.doc_country = param(q, "doc_country");
    if (f.doc_country && (f.doc_country->size() > 3 || f.doc_country->empty()))
        throw core::ValidationError("doc_country", "must be an ICAO country code, e.g. ALB");
    f.doc_number = param(q, "doc_number");
    if (f.doc_number && f.doc_number->size() > core::limits::kDocumentNumber)
        throw core::ValidationError("doc_number", "is too long");
    f.from = timestamp(q, "from");
    f.to = timestamp(q, "to");
    if (auto v = param(q, "limit")) f.limit = static_cast<int>(whole_number(*v, "limit", 1, kMaxListLimit));
    if (auto v = param(q, "after")) f.after = whole_number(*v, "after", 0, core::limits::kMaxSeq);
    if (auto v = param(q, "format"); v && *v != "json" && *v != "csv")
        throw core::ValidationError("format", "must be json or csv");
    // Training records (simulate) are left out unless asked for, as in every view and report.
    if (auto v = param(q, "synthetic")) {
        if (*v != "exclude" && *v != "include" && *v != "only")
            throw core::ValidationError("synthetic", "must be exclude, include or only");
        f.synthetic = *v;
    }
    return f;
}

// PostgreSQL's jsonb orders keys by length; answer in the contract's order instead, with what the
// server keeps beside the record: stream_id, the flags column (the device's and clock_suspect) and
// received_at.
json::object listed_crossing(const CrossingRow& row) {
    json::value stored = json::parse(row.json);
    json::object record;
    try {
        record = core::to_json(core::crossing_from_json(stored, core::Completeness::full));
    } catch (const core::ValidationError&) {
        if (stored.is_object()) record = std::move(stored.get_object());  // stored by another version: as stored
    }
    json::array flags;
    for (const auto& f : row.flags) flags.emplace_back(f);
    json::object out;
    out.reserve(record.size() + 3);
    for (auto& kv : record) {
        if (kv.key() == "stream_id" || kv.key() == "flags" || kv.key() == "received_at") continue;
        out[kv.key()] = std::move(kv.value());
        if (kv.key() == "device_id") out["stream_id"] = row.stream_id;
        if (kv.key() == "recorded_offline") out["flags"] = flags;
    }
    if (!out.contains("stream_id")) out["stream_id"] = row.stream_id;
    if (!out.contains("flags")) out["flags"] = std::move(flags);
    out["received_at"] = row.received_at;
    return out;
}

json::object crossings_page(const std::vector<CrossingRow>& rows, const CrossingFilter& filter) {
    json::array items;
    items.reserve(rows.size());
    for (const auto& r : rows) items.push_back(listed_crossing(r));
    json::value next = nullptr;
    if (!rows.empty() && rows.size() == static_cast<std::size_t>(filter.limit))
        next = std::to_string(rows.back().ingest_no);
    return {{"crossings", std::move(items)}, {"next_after", std::move(next)}};
}

std::string crossings_csv(const std::vector<CrossingRow>& rows, bool with_header) {
    std::string out;
    if (with_header) {
        for (std::size_t i = 0; i < kCsvColumns.size(); ++i) out += (i ? "," : "") + std::string(kCsvColumns[i]);
        out += "\r\n";
    }
    for (const auto& r : rows) {
        const json::value v = json::parse(r.json);
        const json::object& o = v.get_object();
        const json::object empty;
        const auto* t = o.if_contains("traveler");
        const auto* tr = o.if_contains("transport");
        const json::object& traveler = t && t->is_object() ? t->get_object() : empty;
        const json::object& transport = tr && tr->is_object() ? tr->get_object() : empty;
        std::string flags;
        for (const auto& f : r.flags) flags += (flags.empty() ? "" : " ") + f;
        std::size_t i = 0;
        for (const char* col : kCsvColumns) {
            std::string_view c = col;
            std::string cell;
            if (c == "transport_mode") cell = field_text(transport, "mode");
            else if (c == "vehicle_plate") cell = field_text(transport, "vehicle_plate");
            else if (c == "received_at") cell = r.received_at;
            else if (c == "stream_id") cell = r.stream_id;
            else if (c == "flags") cell = flags;
            else if (i >= 9 && i <= 17) cell = field_text(traveler, c);
            else cell = field_text(o, c);
            out += (i++ ? "," : "") + csv_cell(cell);
        }
        out += "\r\n";
    }
    return out;
}

}  // namespace borderlog::server::service
