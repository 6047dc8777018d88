// The use case "list crossings": query parameters to a filter, stored rows to JSON or CSV.
#pragma once

#include "server/service/csv.hpp"  // csv_cell, csv_line: used by the exports

#include "server/storage/store.hpp"

#include <boost/json/fwd.hpp>

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace borderlog::server::service {

inline constexpr int kDefaultListLimit = 100;
inline constexpr int kMaxListLimit = 1000;

// Throws core::ValidationError naming the query parameter at fault.
CrossingFilter parse_crossing_filter(const std::map<std::string, std::string>& query);

// {"crossings":[...],"next_after":"N"|null}: next_after is the cursor for the following page.
boost::json::object crossings_page(const std::vector<CrossingRow>& rows, const CrossingFilter& filter);

// One crossing of a listing: the record in the contract's field order, with stream_id, flags (the
// column) and received_at.
boost::json::object listed_crossing(const CrossingRow& row);

// One header line, then one line per crossing (RFC 4180 quoting).
std::string crossings_csv(const std::vector<CrossingRow>& rows, bool with_header);


}  // namespace borderlog::server::service
