// The checkpoint's copy of the watchlist, kept in the outbox's database (tables watchlist and
// watchlist_keys, schema version 3), so that `record` and the officer screen screen a traveller at
// once, with or without the centre. The daemon (and `sync --once`) pull the centre's changes into it;
// matching is core/watchlist_match, the same code the centre runs.
#pragma once

#include "client/queue/outbox.hpp"
#include "core/time.hpp"
#include "core/watchlist.hpp"
#include "core/watchlist_match.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace borderlog::client {

// What the copy is: the list version it holds, how many entries, and when a pull last reached the
// centre (the copy was current then). No version: never pulled.
struct WatchlistInfo {
    std::optional<std::int64_t> version;
    std::int64_t entries = 0;
    std::optional<std::string> checked_at;  // RFC 3339

    // Seconds since checked_at, as of `now`; nullopt when never checked.
    std::optional<std::int64_t> age_seconds(core::Millis now) const;
};

// The centre's answer to GET /api/v1/watchlist?since=VERSION: apply `removed`, then `added`; when
// `full`, `added` is the whole list and replaces the copy.
struct WatchlistChanges {
    std::int64_t version = 0;
    bool full = false;
    std::vector<core::WatchlistEntry> added;
    std::vector<std::string> removed;
};

struct WatchlistHit {
    core::WatchlistEntry entry;
    core::MatchKind by = core::MatchKind::document;
};

// A traveller screened against the copy, and the copy it was screened against.
struct Screening {
    WatchlistInfo list;
    std::vector<WatchlistHit> hits;
};

class WatchlistCopy {
public:
    // Works on the outbox's database; the outbox must outlive it.
    explicit WatchlistCopy(Outbox& outbox);

    WatchlistInfo info();

    // Every entry of the live copy that matches the traveller (by document, or by person after ICAO
    // transliteration: never by a part of a name), read in one snapshot with the copy's version.
    Screening screen(const core::Traveler& traveler);

    // Applies the centre's changes and notes `checked_at`. A small change is applied in one transaction;
    // a whole list or a large change is built beside the live copy in transactions of a few hundred
    // entries and switched to in one, so that a record never waits long for the write lock, and the
    // copy is never seen half changed. One caller at a time per data directory (the sync lock).
    void apply(const WatchlistChanges& changes, const std::string& checked_at);

    // A pull reached the centre and found nothing new: the copy is current as of `at`.
    void note_checked(const std::string& at);

private:
    Outbox& outbox_;
};

// A short text for people: "version 4, 1203 entries, checked 2 min ago" / "no copy yet (...)".
std::string describe(const WatchlistInfo& info, core::Millis now);

}  // namespace borderlog::client
