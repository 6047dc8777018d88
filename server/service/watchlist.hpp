// The use cases "load the watchlist", "pull its changes" and "list and acknowledge alerts". Pure:
// request text in, JSON out; storage is OfficerStore's.
#pragma once

#include "core/watchlist.hpp"
#include "server/storage/officer_store.hpp"

#include <boost/json/fwd.hpp>

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace borderlog::server::service {

// The entries of a load: `text/csv` (a header line, then one entry per line) or JSON
// ({"entries":[...]} or [...]), by the Content-Type. Throws core::ValidationError naming the field
// (and for CSV the line).
std::vector<core::WatchlistEntry> read_watchlist_load(std::string_view content_type, const std::string& body);

// {"version","entries","added","removed"}
boost::json::object watchlist_load_json(const WatchlistLoad& load);

// `since` (default 0): a whole number >= 0. Throws core::ValidationError.
std::int64_t parse_watchlist_since(const std::map<std::string, std::string>& query);

// {"version","since","full","added":[entry...],"removed":[id...]}: apply `removed`, then `added`; when
// `full`, `added` is the whole list and replaces the copy.
boost::json::object watchlist_delta_json(const WatchlistDelta& delta, std::int64_t since);

// checkpoint, from, to, late (true | false), state (open | acknowledged | all; default open),
// synthetic (exclude | include | only), limit (1-1000), after. Throws core::ValidationError.
AlertFilter parse_alert_filter(const std::map<std::string, std::string>& query);

boost::json::object alert_json(const AlertRow& alert);
// {"alerts":[...],"next_after":"id"|null}
boost::json::object alerts_page(const std::vector<AlertRow>& rows, const AlertFilter& filter);

// {"note"?}: at most 500 characters. Throws core::ValidationError.
std::string read_acknowledgement(const std::string& body);

}  // namespace borderlog::server::service
