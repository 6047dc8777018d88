#include "client/queue/watchlist_copy.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <boost/json.hpp>

#include <algorithm>
#include <set>
#include <tuple>

namespace borderlog::client {

namespace json = boost::json;

namespace {

// Entries written per transaction while a copy is built beside the live one: each transaction holds
// the write lock for about a millisecond, so a record waits at most that long.
constexpr std::size_t kChunk = 200;
// Changes applied in place, in one transaction; more are built beside the live copy.
constexpr std::size_t kInPlaceChanges = 200;

constexpr const char* kCopyKey = "watchlist_copy";
constexpr const char* kVersionKey = "watchlist_version";
constexpr const char* kEntriesKey = "watchlist_entries";
constexpr const char* kCheckedKey = "watchlist_checked_at";

std::optional<std::string> meta_of(SQLite::Database& db, const char* key) {
    SQLite::Statement q(db, "SELECT value FROM meta WHERE key = ?");
    q.bind(1, key);
    if (!q.executeStep()) return std::nullopt;
    return q.getColumn(0).getString();
}

void set_meta_of(SQLite::Database& db, const char* key, const std::string& value) {
    SQLite::Statement st(db, "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value");
    st.bind(1, key);
    st.bind(2, value);
    st.exec();
}

std::int64_t whole_or(const std::optional<std::string>& text, std::int64_t fallback) {
    if (!text) return fallback;
    try {
        return std::stoll(*text);
    } catch (const std::exception&) {
        return fallback;
    }
}

std::int64_t live_copy(SQLite::Database& db) { return whole_or(meta_of(db, kCopyKey), 1); }

WatchlistInfo read_info(SQLite::Database& db) {
    WatchlistInfo info;
    if (const auto v = meta_of(db, kVersionKey)) info.version = whole_or(v, 0);
    info.entries = whole_or(meta_of(db, kEntriesKey), 0);
    info.checked_at = meta_of(db, kCheckedKey);
    return info;
}

// The keys an entry is found by.
std::vector<std::string> keys_of(const core::WatchlistEntry& e) {
    std::vector<std::string> keys;
    if (e.has_document())
        if (std::string k = core::document_key(e.issuing_country, e.document_number); !k.empty()) keys.push_back(k);
    for (auto& k : core::person_keys(e))
        if (std::find(keys.begin(), keys.end(), k) == keys.end()) keys.push_back(std::move(k));
    return keys;
}

// The keys a traveller is looked up with.
std::vector<std::string> keys_of(const core::Traveler& t) {
    std::vector<std::string> keys;
    if (std::string k = core::document_key(t.issuing_country, t.document_number); !k.empty()) keys.push_back(k);
    for (auto& k : core::person_keys(t))
        if (std::find(keys.begin(), keys.end(), k) == keys.end()) keys.push_back(std::move(k));
    return keys;
}

class Writer {
public:
    Writer(SQLite::Database& db, std::int64_t copy)
        : copy_(copy),
          drop_entry_(db, "DELETE FROM watchlist WHERE copy_no = ? AND entry_id = ?"),
          drop_keys_(db, "DELETE FROM watchlist_keys WHERE copy_no = ? AND entry_id = ?"),
          put_entry_(db, "INSERT OR REPLACE INTO watchlist (copy_no, entry_id, version, entry) VALUES (?, ?, ?, ?)"),
          put_key_(db, "INSERT OR IGNORE INTO watchlist_keys (copy_no, key, entry_id) VALUES (?, ?, ?)") {}

    void remove(const std::string& id) {
        for (auto* st : {&drop_entry_, &drop_keys_}) {
            st->reset();
            st->bind(1, copy_);
            st->bind(2, id);
            st->exec();
        }
    }

    void add(const core::WatchlistEntry& e) {
        remove(e.id);  // an entry sent again replaces itself, keys included
        put_entry_.reset();
        put_entry_.bind(1, copy_);
        put_entry_.bind(2, e.id);
        put_entry_.bind(3, e.version);
        put_entry_.bind(4, json::serialize(core::to_json(e)));
        put_entry_.exec();
        for (const auto& key : keys_of(e)) {
            put_key_.reset();
            put_key_.bind(1, copy_);
            put_key_.bind(2, key);
            put_key_.bind(3, e.id);
            put_key_.exec();
        }
    }

private:
    std::int64_t copy_;
    SQLite::Statement drop_entry_, drop_keys_, put_entry_, put_key_;
};

// Empties one copy in short transactions (the copy is not live).
void clear_copy(SQLite::Database& db, std::int64_t copy) {
    for (;;) {
        SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
        SQLite::Statement entries(db, "DELETE FROM watchlist WHERE copy_no = ?1 AND entry_id IN "
                                      "(SELECT entry_id FROM watchlist WHERE copy_no = ?1 ORDER BY entry_id LIMIT ?2)");
        SQLite::Statement keys(db, "DELETE FROM watchlist_keys WHERE copy_no = ?1 AND key IN "
                                   "(SELECT key FROM watchlist_keys WHERE copy_no = ?1 ORDER BY key LIMIT ?2)");
        int deleted = 0;
        for (auto* st : {&entries, &keys}) {
            st->bind(1, copy);
            st->bind(2, static_cast<std::int64_t>(kChunk));
            deleted += st->exec();
        }
        tx.commit();
        if (deleted == 0) return;
    }
}

// Copies the live copy into another, in short transactions, in entry id order.
void copy_into(SQLite::Database& db, std::int64_t from, std::int64_t to) {
    std::string after;
    for (;;) {
        SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
        SQLite::Statement last(db, "SELECT max(entry_id) FROM (SELECT entry_id FROM watchlist WHERE copy_no = ? AND "
                                   "entry_id > ? ORDER BY entry_id LIMIT ?)");
        last.bind(1, from);
        last.bind(2, after);
        last.bind(3, static_cast<std::int64_t>(kChunk));
        if (!last.executeStep() || last.getColumn(0).isNull()) return;  // the transaction rolls back: nothing written
        const std::string upto = last.getColumn(0).getString();
        SQLite::Statement entries(db, "INSERT OR REPLACE INTO watchlist (copy_no, entry_id, version, entry) "
                                      "SELECT ?, entry_id, version, entry FROM watchlist WHERE copy_no = ? AND "
                                      "entry_id > ? AND entry_id <= ?");
        SQLite::Statement keys(db, "INSERT OR IGNORE INTO watchlist_keys (copy_no, key, entry_id) "
                                   "SELECT ?, key, entry_id FROM watchlist_keys WHERE copy_no = ? AND entry_id > ? AND "
                                   "entry_id <= ?");
        for (auto* st : {&entries, &keys}) {
            st->bind(1, to);
            st->bind(2, from);
            st->bind(3, after);
            st->bind(4, upto);
            st->exec();
        }
        tx.commit();
        after = upto;
    }
}

template <class Item, class Fn>
void in_chunks(SQLite::Database& db, const std::vector<Item>& items, Fn fn) {
    for (std::size_t i = 0; i < items.size(); i += kChunk) {
        SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
        for (std::size_t j = i; j < std::min(items.size(), i + kChunk); ++j) fn(items[j]);
        tx.commit();
    }
}

std::int64_t count_copy(SQLite::Database& db, std::int64_t copy) {
    SQLite::Statement q(db, "SELECT count(*) FROM watchlist WHERE copy_no = ?");
    q.bind(1, copy);
    q.executeStep();
    return q.getColumn(0).getInt64();
}

}  // namespace

std::optional<std::int64_t> WatchlistInfo::age_seconds(core::Millis now) const {
    if (!checked_at) return std::nullopt;
    const auto at = core::parse_rfc3339(*checked_at);
    if (!at) return std::nullopt;
    return std::max<std::int64_t>(0, std::chrono::duration_cast<std::chrono::seconds>(now - *at).count());
}

WatchlistCopy::WatchlistCopy(Outbox& outbox) : outbox_(outbox) {}

WatchlistInfo WatchlistCopy::info() { return read_info(outbox_.database()); }

Screening WatchlistCopy::screen(const core::Traveler& traveler) {
    SQLite::Database& db = outbox_.database();
    Screening out;
    // One snapshot: the version stamped on a record is the one its traveller was screened against.
    SQLite::Transaction snapshot(db, SQLite::TransactionBehavior::DEFERRED);
    out.list = read_info(db);
    if (!out.list.version) return out;
    SQLite::Statement q(db, "SELECT w.entry FROM watchlist_keys k JOIN watchlist w ON w.copy_no = k.copy_no AND "
                            "w.entry_id = k.entry_id WHERE k.copy_no = ? AND k.key = ?");
    const std::int64_t copy = live_copy(db);
    std::set<std::string> seen;
    for (const auto& key : keys_of(traveler)) {
        q.reset();
        q.bind(1, copy);
        q.bind(2, key);
        while (q.executeStep()) {
            boost::system::error_code ec;
            const json::value v = json::parse(q.getColumn(0).getString(), ec);
            if (ec) continue;
            core::WatchlistEntry e = core::watchlist_entry_from_json(v);
            if (!seen.insert(e.id).second) continue;
            if (const auto by = core::match(e, traveler)) out.hits.push_back({std::move(e), *by});
        }
    }
    std::sort(out.hits.begin(), out.hits.end(), [](const WatchlistHit& a, const WatchlistHit& b) {
        return std::tie(a.entry.version, a.entry.id) < std::tie(b.entry.version, b.entry.id);
    });
    snapshot.commit();
    return out;
}

void WatchlistCopy::apply(const WatchlistChanges& changes, const std::string& checked_at) {
    SQLite::Database& db = outbox_.database();
    const std::int64_t live = live_copy(db);
    const bool first = !read_info(db).version.has_value();
    if (!changes.full && !first && changes.added.size() + changes.removed.size() <= kInPlaceChanges) {
        SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
        Writer w(db, live);
        for (const auto& id : changes.removed) w.remove(id);
        for (const auto& e : changes.added) w.add(e);
        set_meta_of(db, kVersionKey, std::to_string(changes.version));
        set_meta_of(db, kEntriesKey, std::to_string(count_copy(db, live)));
        set_meta_of(db, kCheckedKey, checked_at);
        tx.commit();
        return;
    }
    const std::int64_t next = live == 1 ? 2 : 1;
    clear_copy(db, next);  // what an interrupted build left
    if (!changes.full && !first) {
        copy_into(db, live, next);
        Writer w(db, next);
        in_chunks(db, changes.removed, [&](const std::string& id) { w.remove(id); });
    }
    {
        Writer w(db, next);
        in_chunks(db, changes.added, [&](const core::WatchlistEntry& e) { w.add(e); });
    }
    const std::int64_t entries = count_copy(db, next);
    {
        SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
        set_meta_of(db, kCopyKey, std::to_string(next));
        set_meta_of(db, kVersionKey, std::to_string(changes.version));
        set_meta_of(db, kEntriesKey, std::to_string(entries));
        set_meta_of(db, kCheckedKey, checked_at);
        tx.commit();
    }
    clear_copy(db, live);
}

void WatchlistCopy::note_checked(const std::string& at) { set_meta_of(outbox_.database(), kCheckedKey, at); }

std::string describe(const WatchlistInfo& info, core::Millis now) {
    if (!info.version) return "no copy yet (the daemon pulls it from the centre)";
    std::string text = "version " + std::to_string(*info.version) + ", " + std::to_string(info.entries) + " entries";
    if (const auto age = info.age_seconds(now)) {
        const std::int64_t s = *age;
        text += ", checked ";
        if (s < 90) text += std::to_string(s) + " s ago";
        else if (s < 90 * 60) text += std::to_string((s + 30) / 60) + " min ago";
        else if (s < 48 * 3600) text += std::to_string((s + 1800) / 3600) + " h ago";
        else text += std::to_string(s / 86400) + " days ago";
    }
    return text;
}

}  // namespace borderlog::client
