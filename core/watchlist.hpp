// Watchlist entries: who officers must look at twice, as admins load them (CSV or JSON) and as
// checkpoints receive them. Reading and checking only; matching is in watchlist_match.hpp.
#pragma once

#include "core/errors.hpp"

#include <boost/json/fwd.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace borderlog::core {

// An entry names a document (document_number + issuing_country), a person (surname, given_names
// optional, birth_date), or both; it matches on either.
struct WatchlistEntry {
    std::string id;  // stable: derived from the content (watchlist_entry_id), the same on every copy
    std::string document_number;
    std::string issuing_country;
    std::string surname;
    std::string given_names;
    std::string birth_date;  // YYYY-MM-DD
    std::string reason;      // shown to the officer
    std::string action;      // what the officer does: refer, deny, monitor, ... (a lower-case word)
    std::int64_t version = 0;  // the list version that added it (set by the centre)

    bool has_document() const { return !document_number.empty(); }
    bool has_person() const { return !surname.empty(); }
    bool operator==(const WatchlistEntry&) const = default;
};

namespace limits {
inline constexpr std::size_t kWatchlistEntries = 100000;
inline constexpr std::size_t kWatchlistReason = 500;
inline constexpr std::size_t kWatchlistAction = 32;
}  // namespace limits

// The CSV columns, in the order borderlogctl writes them. A CSV file needs a header line naming its
// columns (any order, these names only).
inline constexpr std::string_view kWatchlistColumns[] = {"document_number", "issuing_country", "surname",
                                                         "given_names",     "birth_date",      "reason",
                                                         "action"};

// Reads RFC 4180 CSV (quoted fields, "" inside quotes, CRLF or LF). Throws ValidationError naming the
// column and the line at fault, e.g. field "birth_date", message "on line 4 must be a date YYYY-MM-DD".
// Every entry is normalised (upper-case codes and numbers, trimmed text) and given its id.
std::vector<WatchlistEntry> read_watchlist_csv(std::string_view text);

// Reads {"entries":[{...}]} or a bare array of entries. Throws ValidationError naming the field as
// "entries[3].birth_date".
std::vector<WatchlistEntry> read_watchlist_json(const boost::json::value& value);

// The rules an entry must keep; empty when it is valid. Fields named without a prefix.
std::vector<FieldError> validate(const WatchlistEntry& entry);

// The entry's id: a hash of its normalised content (not of its version), so that loading the same
// entry again keeps its id, and a changed reason or action makes a new entry.
std::string watchlist_entry_id(const WatchlistEntry& entry);

boost::json::object to_json(const WatchlistEntry& entry);
// Reads one entry as to_json writes it (with id and version), for a checkpoint's copy.
WatchlistEntry watchlist_entry_from_json(const boost::json::value& value);

}  // namespace borderlog::core
