// Screening a traveller against watchlist entries: by document (issuing state and number) or by
// person (name after ICAO transliteration, and birth date). Whole names are compared, never parts of
// them. The same code runs at the centre and, offline, at the checkpoint.
#pragma once

#include "core/traveler.hpp"
#include "core/watchlist.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace borderlog::core {

enum class MatchKind { document, person };
std::string_view to_string(MatchKind kind);

// "UTO/L898902C3": the issuing state and the number, upper-cased, with fillers, spaces and other
// signs left out. Empty when either part is empty.
std::string document_key(std::string_view issuing_country, std::string_view document_number);

// The name as "SURNAME|GIVEN NAMES" in each of its spellings (ICAO transliteration, and the folded
// one when the name holds Ä, Å, Ö, Ø or Ü). Empty when the surname transliterates to nothing.
std::vector<std::string> name_forms(std::string_view surname, std::string_view given_names);

// Keys to look an entry up by person, and a traveller's keys to look with: "FORM|YYYY-MM-DD". An
// entry without given names has the key "SURNAME||birth"; a traveller also looks with that key, so
// that such an entry matches whatever the given names. Lookups by key only narrow the search:
// confirm with match().
std::vector<std::string> person_keys(const WatchlistEntry& entry);
std::vector<std::string> person_keys(const Traveler& traveler);

// How `entry` matches `traveler`, if it does. By document: same issuing state and number. By person:
// same birth date, same surname, and the same given names unless the entry gives none; names equal in
// one of their spellings, word for word.
std::optional<MatchKind> match(const WatchlistEntry& entry, const Traveler& traveler);

struct WatchlistHit {
    const WatchlistEntry* entry;
    MatchKind by;
};

// Every entry of `entries` that matches `traveler`, in list order.
std::vector<WatchlistHit> screen(const std::vector<WatchlistEntry>& entries, const Traveler& traveler);

}  // namespace borderlog::core
