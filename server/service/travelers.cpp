#include "server/service/travelers.hpp"

#include "core/crossing.hpp"
#include "core/crossing_json.hpp"

#include <boost/json.hpp>

#include <algorithm>

namespace borderlog::server::service {

namespace json = boost::json;

namespace {

std::string upper(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    return out;
}

bool upper_alnum(std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); });
}

// One stored crossing as the view needs it: its JSON in the contract's field order, and the parts the
// stay is computed from.
struct Seen {
    json::value record;
    core::Movement movement;
    core::Traveler traveler;
};

std::vector<Seen> read_rows(const std::vector<std::string>& rows) {
    std::vector<Seen> out;
    out.reserve(rows.size());
    for (const auto& text : rows) {
        boost::system::error_code ec;
        json::value v = json::parse(text, ec);
        if (ec || !v.is_object()) continue;
        try {
            const core::Crossing x = core::crossing_from_json(
                [&] {
                    json::object o = v.get_object();
                    o.erase("received_at");
                    return json::value(std::move(o));
                }(),
                core::Completeness::full);
            const auto at = core::parse_rfc3339(x.occurred_at);
            if (!at) continue;
            json::object ordered = core::to_json(x);
            if (const auto* received = v.get_object().if_contains("received_at")) ordered["received_at"] = *received;
            out.push_back({std::move(ordered),
                           {*at, x.direction == "exit" ? core::Direction::exit : core::Direction::entry},
                           x.traveler});
        } catch (const core::ValidationError&) {
            // Stored by another version of the server, with fields this one does not know: it cannot take
            // part in the stay, and is not shown rather than shown half-read.
        }
    }
    return out;
}

// `with_nationality`: a booth is told the rule, not what the centre holds of the person.
json::object stay_json(const std::vector<Seen>& seen, const TravelerQuery& q, const StayPolicy& policy,
                       bool with_nationality) {
    std::vector<core::Movement> movements;
    movements.reserve(seen.size());
    for (const auto& s : seen) movements.push_back(s.movement);
    const core::Stay stay = core::compute_stay(std::move(movements), q.on);
    // The nationality as last recorded on or before `on` (or the first recorded, if all are later).
    std::string nationality;
    for (const auto& s : seen)
        if (nationality.empty() || core::utc_day(s.movement.occurred_at) <= q.on) nationality = s.traveler.nationality;
    const bool exempt = !nationality.empty() && policy.exempts(nationality);
    json::object o;
    o["rule"] = exempt ? "exempt" : "90/180";
    if (with_nationality) o["nationality"] = nationality.empty() ? json::value(nullptr) : json::value(nationality);
    o["on"] = core::format_day(stay.on);
    o["window_start"] = core::format_day(stay.window_start);
    o["days_used"] = stay.days_used;
    o["days_remaining"] = exempt ? json::value(nullptr) : json::value(stay.days_remaining);
    o["overstay"] = !exempt && stay.overstay;
    return o;
}

// Where the traveller is now: after the last crossing recorded (rows come oldest first), whatever day
// the stay is asked for.
std::string_view status_of(const std::vector<Seen>& seen) {
    if (seen.empty()) return core::to_string(core::PresenceStatus::unknown);
    return core::to_string(seen.back().movement.direction == core::Direction::entry ? core::PresenceStatus::in_country
                                                                                    : core::PresenceStatus::departed);
}

}  // namespace

bool StayPolicy::exempts(std::string_view nationality) const {
    if (!home_country.empty() && nationality == home_country) return true;
    return std::find(exempt.begin(), exempt.end(), nationality) != exempt.end();
}

bool is_country_code(std::string_view code) {
    return !code.empty() && code.size() <= 3 &&
           std::all_of(code.begin(), code.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

TravelerQuery parse_traveler_query(std::string_view doc_country, std::string_view doc_number,
                                   const std::map<std::string, std::string>& query, date::sys_days today) {
    TravelerQuery q;
    q.issuing_country = upper(doc_country);
    q.document_number = upper(doc_number);
    if (!is_country_code(q.issuing_country))
        throw core::ValidationError("doc_country", "must be an ICAO country code of letters, e.g. UTO");
    if (q.document_number.empty() || q.document_number.size() > core::limits::kDocumentNumber ||
        !upper_alnum(q.document_number))
        throw core::ValidationError("doc_number", "must be letters and digits, at most 20");
    q.on = today;
    for (const auto& [key, value] : query) {
        if (key == "on") {
            const auto day = core::parse_day(value);
            if (!day) throw core::ValidationError("on", "must be a date YYYY-MM-DD");
            q.on = *day;
        } else if (key == "synthetic") {
            if (value != "include" && value != "exclude")
                throw core::ValidationError("synthetic", "must be include or exclude");
            q.include_synthetic = value == "include";
        } else {
            throw core::ValidationError(key, "is not a known parameter");
        }
    }
    return q;
}

std::string document_target(const TravelerQuery& q) { return q.issuing_country + "/" + q.document_number; }

json::object traveler_view(const std::vector<std::string>& crossings, const std::vector<AnomalyRow>& anomalies,
                           const TravelerQuery& q, const StayPolicy& policy) {
    const std::vector<Seen> seen = read_rows(crossings);
    json::object stay = stay_json(seen, q, policy, true);
    json::array list;
    list.reserve(seen.size());
    for (const auto& s : seen) list.push_back(s.record);
    json::array found;
    for (const auto& a : anomalies) found.push_back(anomaly_json(a));
    json::object out;
    out["traveler"] = seen.empty() ? json::value(nullptr) : json::value(core::to_json(seen.back().traveler));
    out["crossings"] = std::move(list);
    out["status"] = status_of(seen);
    out["stay"] = std::move(stay);
    out["anomalies"] = std::move(found);
    return out;
}

json::object traveler_status(const std::vector<std::string>& crossings, const TravelerQuery& q,
                             const StayPolicy& policy) {
    const std::vector<Seen> seen = read_rows(crossings);
    json::object stay = stay_json(seen, q, policy, false);
    return {{"status", status_of(seen)}, {"stay", std::move(stay)}, {"on", core::format_day(q.on)}};
}

json::object anomaly_json(const AnomalyRow& a) {
    boost::system::error_code ec;
    json::value detail = json::parse(a.detail_json, ec);
    return {{"id", a.id},
            {"kind", a.kind},
            {"state", a.state},
            {"crossing_id", a.crossing.crossing_id},
            {"checkpoint_id", a.crossing.checkpoint_id},
            {"device_id", a.crossing.device_id},
            {"direction", a.crossing.direction},
            {"occurred_at", a.crossing.occurred_at},
            {"issuing_country", a.crossing.issuing_country},
            {"document_number", a.crossing.document_number},
            {"synthetic", a.crossing.synthetic},
            {"detected_at", a.detected_at},
            {"resolved_at", a.resolved_at.empty() ? json::value(nullptr) : json::value(a.resolved_at)},
            {"detail", ec ? json::value(json::object{}) : std::move(detail)}};
}

std::string read_mrz_request(const json::value& body) {
    const json::object* o = body.if_object();
    if (!o) throw core::ValidationError("mrz", "is required: send {\"mrz\":\"LINE1\\nLINE2\"}");
    for (const auto& kv : *o)
        if (kv.key() != "mrz") throw core::ValidationError(std::string(kv.key()), "is not a known field");
    const json::value* v = o->if_contains("mrz");
    if (!v || !v->is_string()) throw core::ValidationError("mrz", "must be the MRZ's lines as one string, one per line");
    // Three TD1 lines of 30 with CR LF between them fit easily; anything much longer is not an MRZ.
    if (v->get_string().size() > 400) throw core::ValidationError("mrz", "is too long to be a machine readable zone");
    return std::string(v->get_string());
}

json::object mrz_json(const core::MrzResult& r) {
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

}  // namespace borderlog::server::service
