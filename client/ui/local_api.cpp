#include "client/ui/local_api.hpp"

#include "client/queue/lane_queues.hpp"
#include "client/queue/watchlist_copy.hpp"
#include "client/recorder.hpp"
#include "core/crossing_json.hpp"
#include "core/mrz.hpp"
#include "core/text.hpp"

#include <boost/json.hpp>
#include <date/date.h>

#include <set>

namespace borderlog::client::ui {

namespace json = boost::json;

namespace {

// The name of the training drill the centre last said covers this terminal (the sync keeps it as
// {"id","name"} in the outbox's meta), or null.
json::value drill_name(Outbox& outbox) {
    const auto text = outbox.meta("drill");
    if (!text) return nullptr;
    boost::system::error_code ec;
    const json::value drill = json::parse(*text, ec);
    if (ec || !drill.is_object() || !drill.as_object().contains("name") || !drill.at("name").is_string()) return nullptr;
    return drill.at("name");
}

int year_of(core::Millis now) {
    return static_cast<int>(date::year_month_day{date::floor<date::days>(now)}.year());
}

json::value nullable(const std::optional<std::string>& v) { return v ? json::value(*v) : json::value(nullptr); }

const json::object& object_body(const json::value& body) {
    const auto* o = body.if_object();
    if (!o) throw ApiProblem(400, "invalid_json", "Invalid JSON", "the body must be one JSON object");
    return *o;
}

void only(const json::object& o, std::initializer_list<std::string_view> known, const std::string& prefix = "") {
    for (const auto& kv : o) {
        bool found = false;
        for (const auto k : known) found = found || kv.key() == k;
        if (!found) throw invalid_field(prefix + std::string(kv.key()), "is not a known field");
    }
}

std::string text_field(const json::object& o, std::string_view key, std::size_t max, const std::string& prefix = "") {
    const auto* v = o.if_contains(key);
    if (!v || v->is_null()) return {};
    const std::string name = prefix + std::string(key);
    if (!v->is_string()) throw invalid_field(name, "must be a string");
    if (v->get_string().size() > max) throw invalid_field(name, "is too long");
    return std::string(v->get_string());
}

// The MRZ as one text: a string with its lines separated by \n (or CR LF, or CR), or a list of lines.
std::string mrz_of(const json::value& v) {
    std::string text;
    if (v.is_string()) {
        text = v.get_string();
    } else if (const auto* lines = v.if_array(); lines && lines->size() <= 3) {
        for (const auto& line : *lines) {
            if (!line.is_string()) throw invalid_field("mrz", "must be a string, or a list of 2 or 3 lines");
            text += (text.empty() ? "" : "\n") + std::string(line.get_string());
        }
    } else {
        throw invalid_field("mrz", "must be a string, or a list of 2 or 3 lines");
    }
    if (text.size() > kMaxMrzBytes) throw invalid_field("mrz", "is longer than an MRZ can be");
    // One spelling: the lines as read, without the spaces and line ends a reader adds, joined by \n.
    std::string out, line;
    const auto flush = [&] {
        const auto first = line.find_first_not_of(" \t");
        if (first != std::string::npos) {
            out += (out.empty() ? "" : "\n") + line.substr(first, line.find_last_not_of(" \t") - first + 1);
        }
        line.clear();
    };
    for (const char c : text) {
        if (c == '\r' || c == '\n') flush();
        else line += c;
    }
    flush();
    return out;
}

const char* kNotAnMrz =
    "is not a machine readable zone: 2 lines of 44 or 36 characters, or 3 lines of 30, of A-Z, 0-9 and <";

json::object mrz_result_json(const core::MrzResult& r) {
    json::array checks;
    for (const auto& c : r.checks) checks.push_back({{"field", c.field}, {"valid", c.valid}});
    json::array errors;
    for (const auto& e : r.errors)
        errors.push_back({{"field", e.field}, {"line", e.line}, {"position", e.position}, {"message", e.message}});
    return {{"valid", r.valid},
            {"format", r.format},
            {"traveler", core::to_json(r.traveler)},
            {"checks", std::move(checks)},
            {"errors", std::move(errors)}};
}

json::array mrz_errors_json(const std::vector<core::MrzError>& errors) {
    json::array out;
    for (const auto& e : errors)
        out.push_back({{"field", e.field}, {"line", e.line}, {"position", e.position}, {"message", e.message}});
    return out;
}

// A traveller typed by hand, for screening only: every field optional, each a bounded string.
core::Traveler loose_traveler(const json::value& v) {
    const auto* o = v.if_object();
    if (!o) throw invalid_field("traveler", "must be an object");
    only(*o, {"document_type", "document_number", "issuing_country", "nationality", "surname", "given_names",
              "birth_date", "sex", "expiry_date"},
         "traveler.");
    core::Traveler t;
    const std::string p = "traveler.";
    t.document_type = text_field(*o, "document_type", 2, p);
    t.document_number = text_field(*o, "document_number", core::limits::kDocumentNumber, p);
    t.issuing_country = text_field(*o, "issuing_country", 3, p);
    t.nationality = text_field(*o, "nationality", 3, p);
    t.surname = text_field(*o, "surname", core::limits::kName, p);
    t.given_names = text_field(*o, "given_names", core::limits::kName, p);
    t.birth_date = text_field(*o, "birth_date", 10, p);
    t.sex = text_field(*o, "sex", 1, p);
    t.expiry_date = text_field(*o, "expiry_date", 10, p);
    return t;
}

json::object recent_json(const HeldRecord& r) {
    const auto& x = r.crossing;
    json::object traveler{{"document_number", x.traveler.document_number},
                          {"issuing_country", x.traveler.issuing_country},
                          {"nationality", x.traveler.nationality},
                          {"surname", x.traveler.surname},
                          {"given_names", x.traveler.given_names}};
    json::array flags;
    for (const auto& f : x.flags) flags.emplace_back(f);
    return {{"id", x.id},
            {"seq", x.seq},
            {"occurred_at", x.occurred_at},
            {"direction", x.direction},
            {"lane", x.lane},
            {"officer_id", x.officer_id},
            {"traveler", std::move(traveler)},
            {"flags", std::move(flags)},
            {"recorded_offline", x.recorded_offline},
            {"watchlist_version", x.watchlist_version > 0 ? json::value(x.watchlist_version) : json::value(nullptr)},
            {"state", r.state}};
}

}  // namespace

ApiProblem::ApiProblem(unsigned status_, std::string code_, std::string title_, std::string detail, std::string field_,
                       json::object extra_)
    : std::runtime_error(std::move(detail)),
      status(status_),
      code(std::move(code_)),
      title(std::move(title_)),
      field(std::move(field_)),
      extra(std::move(extra_)) {}

json::object ApiProblem::json() const {
    json::object o{{"type", "https://borderlog.example/problems/" + code},
                   {"title", title},
                   {"status", status},
                   {"detail", what()},
                   {"code", code}};
    if (!field.empty()) o["field"] = field;
    for (const auto& kv : extra) o[kv.key()] = kv.value();
    return o;
}

ApiProblem invalid_field(const std::string& field, const std::string& message) {
    return ApiProblem(400, "invalid_field", "Invalid field", field + " " + message, field);
}

ApiAnswer api_state(Outbox& outbox, const ClientConfig& config, const std::string& default_lane, core::Millis now) {
    const OutboxStats s = outbox.stats();
    const WatchlistInfo list = WatchlistCopy(outbox).info();
    const auto age = list.age_seconds(now);
    json::value last_error = nullptr;
    if (const auto text = outbox.meta("last_error")) {
        boost::system::error_code ec;
        const json::value v = json::parse(*text, ec);
        if (!ec && v.is_object()) last_error = v;
    }
    return {200,
            {{"checkpoint_id", config.device.checkpoint_id},
             {"device_id", config.device.device_id},
             {"default_lane", default_lane},
             {"central", outbox.meta("central").value_or("unknown")},
             {"pending", s.pending},
             {"rejected", s.rejected},
             {"oldest_pending_at", nullable(s.oldest_pending_at)},
             {"last_sync_at", nullable(outbox.meta("last_sync_at"))},
             {"last_error", std::move(last_error)},
             {"drill", drill_name(outbox)},
             {"watchlist",
              {{"version", list.version ? json::value(*list.version) : json::value(nullptr)},
               {"entries", list.entries},
               {"checked_at", nullable(list.checked_at)},
               {"age_s", age ? json::value(*age) : json::value(nullptr)}}},
             {"now", core::format_rfc3339(now)}}};
}

ApiAnswer api_parse(Outbox& outbox, const json::value& body, core::Millis now) {
    const json::object& o = object_body(body);
    only(o, {"mrz"});
    const auto* v = o.if_contains("mrz");
    if (!v) throw invalid_field("mrz", "is required: the 2 or 3 lines of the machine readable zone");
    const std::string text = mrz_of(*v);
    const auto parsed = core::parse_mrz(text, year_of(now));
    if (!parsed) throw invalid_field("mrz", kNotAnMrz);
    json::object out = mrz_result_json(*parsed);
    out["watchlist"] = screening_json(WatchlistCopy(outbox).screen(parsed->traveler), now);
    return {200, std::move(out)};
}

ApiAnswer api_screen(Outbox& outbox, const json::value& body, core::Millis now) {
    const json::object& o = object_body(body);
    only(o, {"traveler"});
    const auto* t = o.if_contains("traveler");
    if (!t) throw invalid_field("traveler", "is required");
    return {200, {{"watchlist", screening_json(WatchlistCopy(outbox).screen(loose_traveler(*t)), now)}}};
}

ApiAnswer api_record(Outbox& outbox, const ClientConfig& config, const json::value& body, core::Millis now) {
    const json::object& o = object_body(body);
    only(o, {"direction", "mrz", "traveler", "lane", "officer_id", "transport", "force"});
    bool force = false;
    if (const auto* f = o.if_contains("force"); f && !f->is_null()) {
        if (!f->is_bool()) throw invalid_field("force", "must be true or false");
        force = f->get_bool();
    }
    json::object fields;
    for (const char* key : {"direction", "lane", "officer_id", "transport", "traveler"})
        if (const auto* v = o.if_contains(key); v && !v->is_null()) fields[key] = *v;
    const auto* mrz = o.if_contains("mrz");
    if (mrz && mrz->is_null()) mrz = nullptr;
    if (!mrz && !fields.contains("traveler"))
        throw invalid_field("traveler", "is required: give the MRZ (mrz) or the traveller typed (traveler)");
    if (force && !mrz) throw invalid_field("force", "is for an MRZ with a wrong check digit: give the mrz");
    if (mrz) {
        const std::string text = mrz_of(*mrz);
        core::MrzResult parsed;
        try {
            parsed = read_mrz_for_record(text, force, year_of(now));
        } catch (const MrzRefused& refused) {
            if (refused.not_an_mrz()) throw invalid_field("mrz", kNotAnMrz);
            const core::MrzError& first = refused.errors().front();
            throw ApiProblem(422, "mrz_invalid", "MRZ check failed",
                             describe(first) + "; check the document, or record it as read with force (flagged "
                                               "mrz_invalid)",
                             "mrz." + first.field, {{"errors", mrz_errors_json(refused.errors())}});
        }
        if (needs_invalid_flag(parsed)) fields["flags"] = json::array{std::string(core::kFlagMrzInvalid)};
        fields["mrz"] = text;
        if (!fields.contains("traveler")) fields["traveler"] = core::to_json(parsed.traveler);
    }
    fields["occurred_at"] = core::format_rfc3339(now);
    core::Crossing draft;
    try {
        draft = core::crossing_from_json(fields, core::Completeness::draft);
        if (auto errors = core::validate(draft, core::Completeness::draft, year_of(now)); !errors.empty())
            throw core::ValidationError(std::move(errors));
    } catch (const core::ValidationError& e) {
        const core::FieldError& first = e.first();
        std::string message = first.message;
        // A field the MRZ could not read, when it was forced: the officer types that traveller instead.
        if (mrz && !o.contains("traveler") && first.field.starts_with("traveler."))
            message += " (it cannot be read from this MRZ: type the traveller instead)";
        throw invalid_field(first.field, message);
    }
    const RecordedCrossing done = record_screened(outbox, std::move(draft), config.device);
    return {201,
            {{"record", core::to_json(done.record)},
             {"watchlist", screening_json(done.screening, now)},
             {"central", outbox.meta("central").value_or("unknown")}}};
}

ApiAnswer api_recent(Outbox& outbox, const std::map<std::string, std::string>& query) {
    std::string lane;
    std::int64_t limit = 10;
    for (const auto& [key, value] : query) {
        if (key == "lane") {
            if (!value.empty() && !core::is_text(value, core::limits::kLane))
                throw invalid_field("lane", "must be 1-16 bytes of printable text");
            lane = value;
        } else if (key == "limit") {
            try {
                std::size_t used = 0;
                limit = std::stoll(value, &used);
                if (used != value.size()) throw std::invalid_argument(value);
            } catch (const std::exception&) {
                throw invalid_field("limit", "must be a whole number from 1 to 50");
            }
            if (limit < 1 || limit > kMaxRecent) throw invalid_field("limit", "must be a whole number from 1 to 50");
        } else {
            throw invalid_field(key, "is not a known parameter");
        }
    }
    json::array out;
    for (const auto& r : outbox.recent(static_cast<std::size_t>(limit), lane)) out.push_back(recent_json(r));
    return {200, {{"lane", lane}, {"crossings", std::move(out)}}};
}

ApiAnswer api_lanes(Outbox& outbox) { return {200, {{"lanes", lane_queues_json(outbox)}}}; }

ApiAnswer api_set_lane(Outbox& outbox, const std::filesystem::path& queue_lock, const std::string& lane,
                       const json::value& body, core::Millis now) {
    const json::object& o = object_body(body);
    only(o, {"waiting"});
    const auto* w = o.if_contains("waiting");
    if (!w || !w->is_int64()) throw invalid_field("waiting", "must be a whole number from 0 to 100000");
    const std::string at = core::format_rfc3339(now);
    try {
        LaneQueueLock lock(queue_lock);
        set_lane_queue(outbox, lane, w->get_int64(), at);
    } catch (const std::invalid_argument& e) {
        // "--lane: ..." / "--waiting: ...": the same rules as the queue command, named as this API names them.
        const std::string message = e.what();
        const auto colon = message.find(": ");
        const std::string field = message.substr(0, colon) == "--lane" ? "lane" : "waiting";
        throw invalid_field(field, message.substr(colon + 2));
    }
    return {200, {{"lane", lane}, {"waiting", w->get_int64()}, {"at", at}}};
}

ApiAnswer api_traveler_status(HttpClient& centre, const ClientConfig& config, const std::string& doc_country,
                              const std::string& doc_number) {
    const auto code = [](const std::string& s, std::size_t max, bool digits) {
        if (s.empty() || s.size() > max) return false;
        for (const char c : s)
            if (!((c >= 'A' && c <= 'Z') || (digits && c >= '0' && c <= '9'))) return false;
        return true;
    };
    if (!code(doc_country, 3, false)) throw invalid_field("doc_country", "must be 1-3 capital letters");
    if (!code(doc_number, core::limits::kDocumentNumber, true))
        throw invalid_field("doc_number", "must be 1-20 capital letters and digits");
    HttpResponse res;
    try {
        res = centre.request("GET",
                             "/api/v1/devices/" + config.device.device_id + "/travelers/" + doc_country + "/" +
                                 doc_number + "/status",
                             "", config.token);
    } catch (const TransportError& e) {
        return {200, {{"centre", "offline"}, {"detail", std::string("the centre did not answer: ") + e.what()}}};
    }
    if (res.status == 503 || res.status == 502 || res.status == 504)
        return {200, {{"centre", "offline"}, {"detail", "the centre is unavailable (" + std::to_string(res.status) + ")"}}};
    boost::system::error_code ec;
    const json::value v = json::parse(res.body, ec);
    const auto* o = ec ? nullptr : v.if_object();
    if (res.status != 200 || !o || !o->contains("status") || !o->contains("stay"))
        return {200, {{"centre", "error"}, {"detail", "the centre answered " + std::to_string(res.status)}}};
    return {200, {{"centre", "online"}, {"status", o->at("status")}, {"stay", o->at("stay")}, {"on", o->contains("on") ? o->at("on") : json::value(nullptr)}}};
}

}  // namespace borderlog::client::ui
