// The use cases "read a traveller" (operations: every crossing, status, stay, anomalies; a booth: status
// and stay only) and "parse an MRZ". Pure: stored rows in, JSON out.
#pragma once

#include "core/mrz.hpp"
#include "core/stay.hpp"
#include "server/storage/officer_store.hpp"

#include <boost/json/fwd.hpp>

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace borderlog::server::service {

// Which nationalities the 90/180 rule does not apply to: the home country's citizens (`serve
// --home-country`) and any other listed (`serve --stay-exempt`).
struct StayPolicy {
    std::string home_country;
    std::vector<std::string> exempt;

    bool exempts(std::string_view nationality) const;
};

// A country code as `serve --home-country` and `--stay-exempt` take it: 1-3 capital letters.
bool is_country_code(std::string_view code);

struct TravelerQuery {
    std::string issuing_country;
    std::string document_number;
    date::sys_days on;
    bool include_synthetic = false;
};

// The path's {doc_country}/{doc_number} (upper-cased) and the query (`on`, `synthetic`). Throws
// core::ValidationError naming doc_country, doc_number, on, synthetic or an unknown parameter.
TravelerQuery parse_traveler_query(std::string_view doc_country, std::string_view doc_number,
                                   const std::map<std::string, std::string>& query, date::sys_days today);

// "UTO/L898902C3": how the audit trail names a document.
std::string document_target(const TravelerQuery& q);

// {"traveler","crossings","status","stay","anomalies"}: `crossings` are stored records (JSON with
// received_at), oldest first. `traveler` is the document as last recorded, null when never seen.
// `status` follows the last crossing recorded; `stay` is as of q.on.
boost::json::object traveler_view(const std::vector<std::string>& crossings, const std::vector<AnomalyRow>& anomalies,
                                  const TravelerQuery& q, const StayPolicy& policy);

// What a booth may know: {"status","stay","on"}, no names, no crossings.
boost::json::object traveler_status(const std::vector<std::string>& crossings, const TravelerQuery& q,
                                    const StayPolicy& policy);

boost::json::object anomaly_json(const AnomalyRow& row);

// {"mrz":"LINE1\nLINE2[\nLINE3]"}: the text to parse. Throws core::ValidationError (field "mrz" or an
// unknown field).
std::string read_mrz_request(const boost::json::value& body);
// {"valid","format","traveler","checks","errors"}.
boost::json::object mrz_json(const core::MrzResult& result);

}  // namespace borderlog::server::service
