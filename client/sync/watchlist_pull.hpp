// Pulling the watchlist's changes from the centre into the checkpoint's copy:
// GET /api/v1/watchlist?since=VERSION, checked whole before anything is applied.
#pragma once

#include "client/client_config.hpp"
#include "client/queue/watchlist_copy.hpp"
#include "client/sync/http_client.hpp"

#include <cstdint>
#include <string>

namespace borderlog::client {

// The largest watchlist answer taken: 100,000 entries of a few hundred bytes each.
inline constexpr std::size_t kMaxWatchlistAnswerBytes = 64 * 1024 * 1024;

struct WatchlistPull {
    enum class Outcome {
        updated,      // changes applied
        current,      // nothing new: the copy is current
        unavailable,  // the centre could not be reached or said 503: the copy stays as it is
        failed,       // a refused token, a server error, an answer not believed: the copy stays as it is
    };
    Outcome outcome = Outcome::current;
    std::int64_t version = 0;  // the copy's version afterwards
    std::int64_t added = 0;
    std::int64_t removed = 0;
    bool full = false;
    std::string error;
};

// Reads the centre's answer to ?since=`since`. Throws std::runtime_error saying why it is not believed
// (not the answer's shape, an entry that breaks the rules, a version going back without a whole list).
WatchlistChanges read_watchlist_changes(const std::string& body, std::int64_t since);

// Asks the centre for what changed since the copy's version and applies it. Callers hold the data
// directory's sync lock (one writer of the copy at a time).
WatchlistPull pull_watchlist(Outbox& outbox, HttpClient& http, const ClientConfig& config);

const char* to_string(WatchlistPull::Outcome outcome);

}  // namespace borderlog::client
