#include "client/queue/outbox.hpp"

#include "core/crossing_json.hpp"
#include "core/embedded_file.hpp"
#include "core/ids.hpp"
#include "core/time.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <sqlite3.h>

#include <chrono>
#include <thread>

namespace borderlog::client {

namespace generated {
std::vector<core::EmbeddedFile> sqlite_schema_files();  // cmake/EmbedFiles.cmake
}

namespace {

constexpr int kBusyTimeoutMs = 30000;  // another process holds the write lock: wait, do not fail
constexpr int kSchemaVersion = 1;

enum State : int { kPending = 0, kAcknowledged = 1, kRejected = 2 };

std::string now_text() { return core::format_rfc3339(core::now_millis()); }

// Switching a new file to WAL needs a moment alone with it, and SQLite reports "busy" at once
// (without the busy timeout) when another process opens it at the same instant: try again.
void enable_wal(SQLite::Database& db) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds{kBusyTimeoutMs};
    for (;;) {
        try {
            db.exec("PRAGMA journal_mode=WAL");
            return;
        } catch (const SQLite::Exception& e) {
            if ((e.getErrorCode() != SQLITE_BUSY && e.getErrorCode() != SQLITE_LOCKED) ||
                std::chrono::steady_clock::now() > deadline)
                throw;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds{5});
    }
}

}  // namespace

Outbox::Outbox(const std::filesystem::path& file)
    : db_(std::make_unique<SQLite::Database>(file, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE, kBusyTimeoutMs)) {
    enable_wal(*db_);
    db_->exec("PRAGMA synchronous=FULL");  // a record is on disk when its COMMIT returns
    db_->exec("PRAGMA foreign_keys=ON");
    const int version = db_->execAndGet("PRAGMA user_version").getInt();
    if (version > kSchemaVersion)
        throw std::runtime_error("the data directory was written by a newer borderlog-checkpoint");
    if (version < kSchemaVersion) {
        SQLite::Transaction tx(*db_, SQLite::TransactionBehavior::IMMEDIATE);
        for (const auto& f : generated::sqlite_schema_files()) db_->exec(f.text);
        db_->exec("PRAGMA user_version=" + std::to_string(kSchemaVersion));
        tx.commit();
    }
}

Outbox::~Outbox() = default;

std::int64_t Outbox::insert(SQLite::Database& db, core::Crossing& x, const DeviceIdentity& device) {
    // The next seq comes from a counter kept in the same transaction, so it has no gaps even after
    // acknowledged records are purged.
    SQLite::Statement last(db, "SELECT value FROM meta WHERE key = 'last_seq'");
    const std::int64_t seq = (last.executeStep() ? std::stoll(last.getColumn(0).getString()) : 0) + 1;
    x.seq = seq;
    if (x.id.empty()) x.id = core::new_uuid_v7();
    x.device_id = device.device_id;
    x.checkpoint_id = device.checkpoint_id;
    SQLite::Statement ins(db, "INSERT INTO outbox (seq, id, body, created_at) VALUES (?, ?, ?, ?)");
    ins.bind(1, static_cast<std::int64_t>(seq));
    ins.bind(2, x.id);
    ins.bind(3, core::canonical_json(x));
    ins.bind(4, now_text());
    ins.exec();
    SQLite::Statement counter(db, "INSERT INTO meta (key, value) VALUES ('last_seq', ?) "
                                  "ON CONFLICT (key) DO UPDATE SET value = excluded.value");
    counter.bind(1, std::to_string(seq));
    counter.exec();
    return seq;
}

core::Crossing Outbox::record(core::Crossing draft, const DeviceIdentity& device) {
    SQLite::Transaction tx(*db_, SQLite::TransactionBehavior::IMMEDIATE);
    insert(*db_, draft, device);
    tx.commit();
    return draft;
}

std::vector<std::pair<ImportOutcome, std::int64_t>> Outbox::import_lines(const std::string& source,
                                                                         std::vector<ImportLine> lines,
                                                                         const DeviceIdentity& device) {
    std::vector<std::pair<ImportOutcome, std::int64_t>> out;
    SQLite::Transaction tx(*db_, SQLite::TransactionBehavior::IMMEDIATE);
    SQLite::Statement seen(*db_, "SELECT line_hash, seq FROM imported_lines WHERE source = ? AND line_no = ?");
    SQLite::Statement note(*db_, "INSERT INTO imported_lines (source, line_no, line_hash, seq) VALUES (?, ?, ?, ?)");
    for (auto& line : lines) {
        seen.reset();
        seen.bind(1, source);
        seen.bind(2, static_cast<std::int64_t>(line.line_no));
        if (seen.executeStep()) {
            const bool same = seen.getColumn(0).getString() == line.line_hash;
            out.emplace_back(same ? ImportOutcome::already_recorded : ImportOutcome::changed_since_import,
                             seen.getColumn(1).getInt64());
            continue;
        }
        const std::int64_t seq = insert(*db_, line.draft, device);
        note.reset();
        note.bind(1, source);
        note.bind(2, static_cast<std::int64_t>(line.line_no));
        note.bind(3, line.line_hash);
        note.bind(4, static_cast<std::int64_t>(seq));
        note.exec();
        out.emplace_back(ImportOutcome::recorded, seq);
    }
    tx.commit();
    return out;
}

std::vector<QueuedRecord> Outbox::next_pending(std::size_t limit) {
    SQLite::Statement q(*db_, "SELECT seq, id, body FROM outbox WHERE state = 0 ORDER BY seq LIMIT ?");
    q.bind(1, static_cast<std::int64_t>(limit));
    std::vector<QueuedRecord> out;
    while (q.executeStep())
        out.push_back({q.getColumn(0).getInt64(), q.getColumn(1).getString(), q.getColumn(2).getString()});
    return out;
}

void Outbox::mark_acknowledged(const std::vector<std::int64_t>& seqs) {
    if (seqs.empty()) return;
    SQLite::Transaction tx(*db_, SQLite::TransactionBehavior::IMMEDIATE);
    SQLite::Statement st(*db_, "UPDATE outbox SET state = 1, acked_at = ? WHERE seq = ? AND state = 0");
    const std::string now = now_text();
    for (const auto seq : seqs) {
        st.reset();
        st.bind(1, now);
        st.bind(2, static_cast<std::int64_t>(seq));
        st.exec();
    }
    tx.commit();
}

void Outbox::mark_rejected(std::int64_t seq, const std::string& code, const std::string& detail) {
    SQLite::Statement st(*db_, "UPDATE outbox SET state = 2, acked_at = ?, reject_code = ?, reject_detail = ? "
                               "WHERE seq = ? AND state = 0");
    st.bind(1, now_text());
    st.bind(2, code);
    st.bind(3, detail.substr(0, 500));
    st.bind(4, static_cast<std::int64_t>(seq));
    st.exec();
}

std::pair<std::int64_t, std::vector<std::pair<std::int64_t, std::int64_t>>> Outbox::requeue(
    const std::vector<std::pair<std::int64_t, std::int64_t>>& ranges) {
    std::int64_t found = 0;
    std::vector<std::pair<std::int64_t, std::int64_t>> gone;
    SQLite::Transaction tx(*db_, SQLite::TransactionBehavior::IMMEDIATE);
    SQLite::Statement back(*db_, "UPDATE outbox SET state = 0, acked_at = NULL WHERE seq BETWEEN ? AND ? AND state = 1");
    SQLite::Statement held(*db_, "SELECT count(*) FROM outbox WHERE seq BETWEEN ? AND ?");
    for (const auto& [from, to] : ranges) {
        back.reset();
        back.bind(1, static_cast<std::int64_t>(from));
        back.bind(2, static_cast<std::int64_t>(to));
        found += back.exec();
        held.reset();
        held.bind(1, static_cast<std::int64_t>(from));
        held.bind(2, static_cast<std::int64_t>(to));
        held.executeStep();
        if (held.getColumn(0).getInt64() < to - from + 1) gone.emplace_back(from, to);
    }
    tx.commit();
    return {found, gone};
}

std::int64_t Outbox::retry_rejected(const std::vector<std::int64_t>& seqs) {
    SQLite::Transaction tx(*db_, SQLite::TransactionBehavior::IMMEDIATE);
    std::int64_t n = 0;
    const char* kBack = "UPDATE outbox SET state = 0, acked_at = NULL, reject_code = NULL, reject_detail = NULL "
                        "WHERE state = 2";
    if (seqs.empty()) {
        n = db_->exec(kBack);
    } else {
        SQLite::Statement st(*db_, std::string(kBack) + " AND seq = ?");
        for (const auto seq : seqs) {
            st.reset();
            st.bind(1, static_cast<std::int64_t>(seq));
            n += st.exec();
        }
    }
    tx.commit();
    return n;
}

std::int64_t Outbox::purge_acknowledged(int days) {
    const auto cutoff = core::now_millis() - std::chrono::hours{24} * days;
    SQLite::Statement st(*db_, "DELETE FROM outbox WHERE state = 1 AND acked_at < ?");
    st.bind(1, core::format_rfc3339(cutoff));
    return st.exec();
}

OutboxStats Outbox::stats() {
    OutboxStats s;
    SQLite::Statement q(*db_, "SELECT state, count(*), min(created_at) FROM outbox GROUP BY state");
    while (q.executeStep()) {
        const int state = q.getColumn(0).getInt();
        const std::int64_t n = q.getColumn(1).getInt64();
        if (state == kPending) {
            s.pending = n;
            s.oldest_pending_at = q.getColumn(2).getString();
        } else if (state == kAcknowledged) {
            s.acknowledged = n;
        } else if (state == kRejected) {
            s.rejected = n;
        }
    }
    if (auto last = meta("last_seq")) s.last_seq = std::stoll(*last);
    return s;
}

std::vector<RejectedRecord> Outbox::rejected(std::size_t limit) {
    SQLite::Statement q(*db_, "SELECT seq, id, reject_code, reject_detail, acked_at FROM outbox WHERE state = 2 "
                              "ORDER BY seq LIMIT ?");
    q.bind(1, static_cast<std::int64_t>(limit));
    std::vector<RejectedRecord> out;
    while (q.executeStep())
        out.push_back({q.getColumn(0).getInt64(), q.getColumn(1).getString(), q.getColumn(2).getString(),
                       q.getColumn(3).getString(), q.getColumn(4).getString()});
    return out;
}

std::int64_t Outbox::max_acknowledged_seq() {
    return db_->execAndGet("SELECT coalesce(max(seq), 0) FROM outbox WHERE state = 1").getInt64();
}

std::optional<std::string> Outbox::meta(const std::string& key) {
    SQLite::Statement q(*db_, "SELECT value FROM meta WHERE key = ?");
    q.bind(1, key);
    if (!q.executeStep()) return std::nullopt;
    return q.getColumn(0).getString();
}

void Outbox::set_meta(const std::string& key, const std::string& value) {
    SQLite::Statement st(*db_, "INSERT INTO meta (key, value) VALUES (?, ?) "
                               "ON CONFLICT (key) DO UPDATE SET value = excluded.value");
    st.bind(1, key);
    st.bind(2, value);
    st.exec();
}

}  // namespace borderlog::client
