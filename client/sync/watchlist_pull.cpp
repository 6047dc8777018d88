#include "client/sync/watchlist_pull.hpp"

#include "common/log.hpp"
#include "core/crossing.hpp"
#include "core/time.hpp"

#include <boost/json.hpp>

#include <stdexcept>

namespace borderlog::client {

namespace json = boost::json;

namespace {

constexpr std::size_t kMaxEntryId = 64;

std::int64_t whole(const json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    if (!v || !v->is_int64() || v->get_int64() < 0 || v->get_int64() > core::limits::kMaxSeq)
        throw std::runtime_error(std::string(key) + " is not a whole number >= 0");
    return v->get_int64();
}

}  // namespace

WatchlistChanges read_watchlist_changes(const std::string& body, std::int64_t since) {
    boost::system::error_code ec;
    const json::value v = json::parse(body, ec);
    const auto* o = ec ? nullptr : v.if_object();
    if (!o) throw std::runtime_error("not a JSON object");
    WatchlistChanges changes;
    changes.version = whole(*o, "version");
    const auto* full = o->if_contains("full");
    if (!full || !full->is_bool()) throw std::runtime_error("full is not true or false");
    changes.full = full->get_bool();
    if (const auto* s = o->if_contains("since"); s && (!s->is_int64() || s->get_int64() != since))
        throw std::runtime_error("it answers another version than the one asked for");
    if (!changes.full && changes.version < since)
        throw std::runtime_error("its version " + std::to_string(changes.version) + " is older than the copy's (" +
                                 std::to_string(since) + ") and it is not the whole list");
    const auto* added = o->if_contains("added");
    const auto* removed = o->if_contains("removed");
    if (!added || !added->is_array()) throw std::runtime_error("added is not a list");
    if (!removed || !removed->is_array()) throw std::runtime_error("removed is not a list");
    if (added->get_array().size() > core::limits::kWatchlistEntries ||
        removed->get_array().size() > core::limits::kWatchlistEntries)
        throw std::runtime_error("it holds more entries than a watchlist may");
    changes.added.reserve(added->get_array().size());
    for (std::size_t i = 0; i < added->get_array().size(); ++i) {
        core::WatchlistEntry e;
        try {
            e = core::watchlist_entry_from_json(added->get_array()[i]);
        } catch (const core::ValidationError& err) {
            throw std::runtime_error("added[" + std::to_string(i) + "]." + err.first().field + " " + err.first().message);
        }
        if (e.id.size() > kMaxEntryId) throw std::runtime_error("added[" + std::to_string(i) + "].id is too long");
        if (const auto errors = core::validate(e); !errors.empty())
            throw std::runtime_error("added[" + std::to_string(i) + "]." + errors.front().field + " " + errors.front().message);
        changes.added.push_back(std::move(e));
    }
    for (const auto& id : removed->get_array()) {
        if (!id.is_string() || id.get_string().empty() || id.get_string().size() > kMaxEntryId)
            throw std::runtime_error("removed holds something that is not an entry id");
        changes.removed.emplace_back(id.get_string());
    }
    return changes;
}

WatchlistPull pull_watchlist(Outbox& outbox, HttpClient& http, const ClientConfig& config) {
    WatchlistCopy copy(outbox);
    const WatchlistInfo before = copy.info();
    const std::int64_t since = before.version.value_or(0);
    WatchlistPull pull;
    pull.version = since;
    HttpResponse res;
    try {
        res = http.request("GET", "/api/v1/watchlist?since=" + std::to_string(since), "", config.token);
    } catch (const TransportError& e) {
        pull.outcome = WatchlistPull::Outcome::unavailable;
        pull.error = e.what();
        return pull;
    }
    if (res.status != 200) {
        pull.outcome = res.status == 503 || res.status == 502 || res.status == 504 || res.status == 429
                           ? WatchlistPull::Outcome::unavailable
                           : WatchlistPull::Outcome::failed;
        pull.error = "the server answered " + std::to_string(res.status);
        return pull;
    }
    WatchlistChanges changes;
    try {
        changes = read_watchlist_changes(res.body, since);
    } catch (const std::exception& e) {
        pull.outcome = WatchlistPull::Outcome::failed;
        pull.error = std::string("the watchlist answer was refused: ") + e.what();
        common::log_event(spdlog::level::warn, "watchlist_answer_refused", {{"why", e.what()}});
        return pull;
    }
    const std::string now = core::format_rfc3339(core::now_millis());
    pull.version = changes.version;
    pull.full = changes.full;
    pull.added = static_cast<std::int64_t>(changes.added.size());
    pull.removed = static_cast<std::int64_t>(changes.removed.size());
    // Nothing new: the same version without changes (the centre answers an empty list, version 0, whole).
    const bool same = before.version && changes.version == since && changes.removed.empty() &&
                      (changes.full ? changes.added.empty() && before.entries == 0 : changes.added.empty());
    if (same) {
        copy.note_checked(now);
        pull.outcome = WatchlistPull::Outcome::current;
        return pull;
    }
    copy.apply(changes, now);
    pull.outcome = WatchlistPull::Outcome::updated;
    common::log_event(spdlog::level::info, "watchlist_updated",
                      {{"version", changes.version}, {"full", changes.full}, {"added", pull.added},
                       {"removed", pull.removed}, {"entries", copy.info().entries}});
    return pull;
}

const char* to_string(WatchlistPull::Outcome outcome) {
    switch (outcome) {
    case WatchlistPull::Outcome::updated: return "updated";
    case WatchlistPull::Outcome::current: return "current";
    case WatchlistPull::Outcome::unavailable: return "unavailable";
    default: return "failed";
    }
}

}  // namespace borderlog::client
