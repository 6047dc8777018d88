#include "client/queue/outbox.hpp"

#include "core/crossing_json.hpp"
#include "core/embedded_file.hpp"
#include "core/ids.hpp"
#include "core/record_hash.hpp"
#include "core/time.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <boost/json.hpp>
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <thread>
#include <tuple>

namespace borderlog::client {

namespace generated {
std::vector<core::EmbeddedFile> sqlite_schema_files();  // cmake/EmbedFiles.cmake
}

namespace {

namespace json = boost::json;

constexpr int kBusyTimeoutMs = 30000;  // another process holds the write lock: wait, do not fail
constexpr int kSchemaVersion = 4;
constexpr std::size_t kNoticesKept = 50;

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

std::string schema_text() {
    for (const auto& f : generated::sqlite_schema_files())
        if (f.name == "outbox.sql") return f.text;
    throw std::logic_error("outbox.sql is not compiled in");
}

// Version 1 held one unnamed sequence per data directory. Its records become the legacy stream '' (as the
// centre holds them, without a stream_id), which the data directory goes on with: new records continue
// its sequence, and re-sending an old record still finds it a duplicate. Its import notes were keyed by
// file and line; they are kept (imported_lines_v1) and still consulted, so that a file imported before
// the upgrade is not recorded twice when it is imported again from the same place.
constexpr const char* kUpgradeFromV1Before = R"SQL(
ALTER TABLE outbox RENAME TO outbox_v1;
ALTER TABLE imported_lines RENAME TO imported_lines_v1;
)SQL";
constexpr const char* kUpgradeFromV1After = R"SQL(
INSERT INTO streams (stream_no, stream_id, started_at, reason, last_seq)
SELECT 1, '', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), 'upgraded',
       max(coalesce((SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'last_seq'), 0),
           coalesce((SELECT max(seq) FROM outbox_v1), 0));
INSERT INTO outbox (id, stream_no, seq, body, created_at, state, acked_at, reject_code, reject_detail)
SELECT id, 1, seq, body, created_at, state, acked_at, reject_code, reject_detail FROM outbox_v1;
DROP TABLE outbox_v1;
DELETE FROM meta WHERE key = 'last_seq';
INSERT INTO meta (key, value) VALUES ('stream_no', '1');
)SQL";

// Version 4: the hash chain. Versions 2 and 3 gain its columns (add_chain_columns); every version then
// chains the records it holds (chain_existing_records).
void add_column_unless_there(SQLite::Database& db, const std::string& table, const std::string& column) {
    SQLite::Statement q(db, "SELECT count(*) FROM pragma_table_info(?) WHERE name = ?");
    q.bind(1, table);
    q.bind(2, column);
    q.executeStep();
    if (q.getColumn(0).getInt64() == 0) db.exec("ALTER TABLE " + table + " ADD COLUMN " + column + " TEXT");
}

void add_chain_columns(SQLite::Database& db) {
    add_column_unless_there(db, "streams", "last_hash");
    add_column_unless_there(db, "outbox", "prev_hash");
    add_column_unless_there(db, "outbox", "hash");
}

struct CurrentStream {
    std::int64_t stream_no = 0;
    std::string stream_id;
    std::int64_t last_seq = 0;
    std::string last_hash;  // the chain's head: kGenesisHash before the stream's first record
};

CurrentStream current_stream(SQLite::Database& db) {
    SQLite::Statement q(db, "SELECT s.stream_no, s.stream_id, s.last_seq, coalesce(s.last_hash, '') FROM streams s "
                            "WHERE s.stream_no = (SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'stream_no')");
    if (!q.executeStep()) throw std::runtime_error("the outbox has no current stream: it is damaged");
    std::string head = q.getColumn(3).getString();
    if (head.empty()) head = std::string(core::kGenesisHash);
    return {q.getColumn(0).getInt64(), q.getColumn(1).getString(), q.getColumn(2).getInt64(), std::move(head)};
}

// Links `x` to the chain whose head is `head`: sets its prev_hash and hash. Returns the new head.
const std::string& link(core::Crossing& x, const std::string& head) {
    x.prev_hash = head;
    x.hash = core::record_hash(x);
    return x.hash;
}

// Chains the records an outbox older than version 4 holds, stream by stream in seq order, from the
// genesis hash: their bodies gain prev_hash and hash, and each stream its head. Records purged before
// the upgrade are not there to chain: the first one left starts the chain.
void chain_existing_records(SQLite::Database& db) {
    SQLite::Statement rows(db, "SELECT id, stream_no, body FROM outbox ORDER BY stream_no, seq");
    SQLite::Statement update(db, "UPDATE outbox SET body = ?, prev_hash = ?, hash = ? WHERE id = ?");
    SQLite::Statement head(db, "UPDATE streams SET last_hash = ? WHERE stream_no = ?");
    std::int64_t stream_no = -1;
    std::string last = std::string(core::kGenesisHash);
    const auto close_stream = [&] {
        if (stream_no < 0) return;
        head.reset();
        head.bind(1, last);
        head.bind(2, stream_no);
        head.exec();
    };
    while (rows.executeStep()) {
        if (rows.getColumn(1).getInt64() != stream_no) {
            close_stream();
            stream_no = rows.getColumn(1).getInt64();
            last = std::string(core::kGenesisHash);
        }
        core::Crossing x;
        try {
            x = core::crossing_from_json(json::parse(rows.getColumn(2).getString()), core::Completeness::full);
        } catch (const std::exception&) {
            // A body this program cannot read is left as it is, unchained, rather than the terminal left
            // unable to open its outbox; the centre sees the chain skip it.
            continue;
        }
        last = link(x, last);
        update.reset();
        update.bind(1, core::canonical_json(x));
        update.bind(2, x.prev_hash);
        update.bind(3, x.hash);
        update.bind(4, rows.getColumn(0).getString());
        update.exec();
    }
    close_stream();
}

void set_stream_head(SQLite::Database& db, std::int64_t stream_no, std::int64_t last_seq, const std::string& last_hash) {
    SQLite::Statement counter(db, "UPDATE streams SET last_seq = ?, last_hash = ? WHERE stream_no = ?");
    counter.bind(1, last_seq);
    counter.bind(2, last_hash);
    counter.bind(3, stream_no);
    counter.exec();
}

std::optional<std::int64_t> stream_no_of(SQLite::Database& db, const std::string& stream_id) {
    SQLite::Statement q(db, "SELECT stream_no FROM streams WHERE stream_id = ?");
    q.bind(1, stream_id);
    if (!q.executeStep()) return std::nullopt;
    return q.getColumn(0).getInt64();
}

void insert_notice(SQLite::Database& db, const std::string& code, const std::string& message) {
    SQLite::Statement ins(db, "INSERT INTO notices (at, code, message) VALUES (?, ?, ?)");
    ins.bind(1, now_text());
    ins.bind(2, code);
    ins.bind(3, message);
    ins.exec();
    SQLite::Statement trim(db, "DELETE FROM notices WHERE notice_no <= (SELECT max(notice_no) FROM notices) - ?");
    trim.bind(1, static_cast<std::int64_t>(kNoticesKept));
    trim.exec();
}

}  // namespace

Outbox::Outbox(const std::filesystem::path& file, OpenMode mode) {
    const std::string init_hint = "run borderlog-checkpoint init --data-dir " + file.parent_path().string() + " first";
    if (mode == OpenMode::existing && !std::filesystem::exists(file))
        throw std::runtime_error("no outbox in " + file.parent_path().string() + ": " + init_hint);
    const int flags = SQLite::OPEN_READWRITE | (mode == OpenMode::create ? SQLite::OPEN_CREATE : 0);
    db_ = std::make_unique<SQLite::Database>(file, flags, kBusyTimeoutMs);
    enable_wal(*db_);
    db_->exec("PRAGMA synchronous=FULL");  // a record is on disk when its COMMIT returns
    db_->exec("PRAGMA foreign_keys=ON");
    const auto version = [&] { return db_->execAndGet("PRAGMA user_version").getInt(); };
    if (version() > kSchemaVersion)
        throw std::runtime_error("the data directory was written by a newer borderlog-checkpoint");
    if (version() == 0 && mode == OpenMode::existing)
        throw std::runtime_error(file.string() + " is not an initialised outbox: " + init_hint);
    if (version() < kSchemaVersion) {
        SQLite::Transaction tx(*db_, SQLite::TransactionBehavior::IMMEDIATE);
        const int found = version();  // again, under the write lock: another process may have done it
        if (found == 0) {
            db_->exec(schema_text());
            start_stream("init");
        } else if (found == 1) {
            db_->exec(kUpgradeFromV1Before);
            db_->exec(schema_text());
            db_->exec(kUpgradeFromV1After);
            chain_existing_records(*db_);
        } else {
            db_->exec(schema_text());  // version 2 to 3: the watchlist copy's tables are new, nothing moves
            if (found < 4) {
                add_chain_columns(*db_);
                chain_existing_records(*db_);
            }
        }
        if (found < kSchemaVersion) db_->exec("PRAGMA user_version=" + std::to_string(kSchemaVersion));
        tx.commit();
    }
    has_v1_import_keys_ = db_->tableExists("imported_lines_v1");
}

Outbox::~Outbox() = default;

SQLite::Database& Outbox::database() { return *db_; }

namespace {

// Waits for another connection's write lock in steps of 50 µs, so that a record waits about as long
// as the other transaction holds the lock; SQLite's own busy timeout sleeps 1, 2, 5, 10 ms and more.
int busy_in_short_steps(void*, int attempt) {
    constexpr int kShortSteps = 2000;  // 0.1 s of 50 µs steps, then 1 ms steps up to the busy timeout
    if (attempt < kShortSteps) {
        std::this_thread::sleep_for(std::chrono::microseconds{50});
        return 1;
    }
    if (attempt - kShortSteps > kBusyTimeoutMs) return 0;
    std::this_thread::sleep_for(std::chrono::milliseconds{1});
    return 1;
}

}  // namespace

void Outbox::prefer_low_latency() {
    sqlite3_busy_handler(db_->getHandle(), busy_in_short_steps, nullptr);
    // Checkpointing the WAL into the database file costs more than a record: this connection leaves it
    // to the others (the daemon's sync connection checkpoints as it commits acknowledgements).
    db_->exec("PRAGMA wal_autocheckpoint=0");
}

std::int64_t Outbox::start_stream(const std::string& reason) {
    SQLite::Statement ins(*db_, "INSERT INTO streams (stream_id, started_at, reason) VALUES (?, ?, ?)");
    ins.bind(1, core::new_uuid_v7());
    ins.bind(2, now_text());
    ins.bind(3, reason);
    ins.exec();
    const std::int64_t no = db_->getLastInsertRowid();
    set_meta("stream_no", std::to_string(no));
    return no;
}

std::string Outbox::insert(core::Crossing& x, const DeviceIdentity& device) {
    // The seq comes from the stream's counter, kept in the same transaction: no gaps even after
    // acknowledged records are purged.
    const CurrentStream stream = current_stream(*db_);
    x.seq = stream.last_seq + 1;
    x.stream_id = stream.stream_id;
    if (x.id.empty()) x.id = core::new_uuid_v7();
    x.device_id = device.device_id;
    x.checkpoint_id = device.checkpoint_id;
    // Every path that records comes here: each record is chained to its stream's head, in the
    // transaction that stores it.
    link(x, stream.last_hash);
    SQLite::Statement ins(*db_, "INSERT INTO outbox (id, stream_no, seq, body, created_at, prev_hash, hash) "
                                "VALUES (?, ?, ?, ?, ?, ?, ?)");
    ins.bind(1, x.id);
    ins.bind(2, stream.stream_no);
    ins.bind(3, static_cast<std::int64_t>(x.seq));
    ins.bind(4, core::canonical_json(x));
    ins.bind(5, now_text());
    ins.bind(6, x.prev_hash);
    ins.bind(7, x.hash);
    ins.exec();
    set_stream_head(*db_, stream.stream_no, x.seq, x.hash);
    return x.id;
}

core::Crossing Outbox::record(core::Crossing draft, const DeviceIdentity& device) {
    SQLite::Transaction tx(*db_, SQLite::TransactionBehavior::IMMEDIATE);
    insert(draft, device);
    tx.commit();
    return draft;
}

std::vector<std::pair<ImportOutcome, std::string>> Outbox::import_lines(const std::string& source,
                                                                        std::vector<ImportLine> lines,
                                                                        const DeviceIdentity& device) {
    std::vector<std::pair<ImportOutcome, std::string>> out;
    SQLite::Transaction tx(*db_, SQLite::TransactionBehavior::IMMEDIATE);
    SQLite::Statement seen(*db_, "SELECT record_id FROM imported_lines WHERE line_key = ?");
    std::optional<SQLite::Statement> seen_v1;
    if (has_v1_import_keys_)
        seen_v1.emplace(*db_, "SELECT seq FROM imported_lines_v1 WHERE source = ? AND line_no = ? AND line_hash = ?");
    SQLite::Statement note(*db_, "INSERT INTO imported_lines (line_key, record_id, source, line_no, imported_at) "
                                 "VALUES (?, ?, ?, ?, ?)");
    const std::string now = now_text();
    for (auto& line : lines) {
        seen.reset();
        seen.bind(1, line.key);
        if (seen.executeStep()) {
            out.emplace_back(ImportOutcome::already_recorded, seen.getColumn(0).getString());
            continue;
        }
        if (seen_v1) {
            seen_v1->reset();
            seen_v1->bind(1, source);
            seen_v1->bind(2, static_cast<std::int64_t>(line.line_no));
            seen_v1->bind(3, line.raw_hash);
            if (seen_v1->executeStep()) {
                out.emplace_back(ImportOutcome::already_recorded, "");
                continue;
            }
        }
        const std::string id = insert(line.draft, device);
        note.reset();
        note.bind(1, line.key);
        note.bind(2, id);
        note.bind(3, source);
        note.bind(4, static_cast<std::int64_t>(line.line_no));
        note.bind(5, now);
        note.exec();
        out.emplace_back(ImportOutcome::recorded, id);
    }
    tx.commit();
    return out;
}

std::vector<QueuedRecord> Outbox::next_pending(std::size_t limit, std::size_t max_bytes) {
    // CROSS JOIN keeps outbox the outer loop, read in the order of its queue index.
    SQLite::Statement q(*db_, "SELECT o.id, s.stream_id, o.seq, o.body FROM outbox o CROSS JOIN streams s "
                              "ON s.stream_no = o.stream_no WHERE o.state = 0 ORDER BY o.stream_no, o.seq LIMIT ?");
    q.bind(1, static_cast<std::int64_t>(limit));
    std::vector<QueuedRecord> out;
    std::size_t bytes = 0;
    while (q.executeStep()) {
        QueuedRecord r{q.getColumn(0).getString(), q.getColumn(1).getString(), q.getColumn(2).getInt64(),
                       q.getColumn(3).getString()};
        bytes += r.body.size() + 1;
        if (!out.empty() && bytes > max_bytes) break;
        out.push_back(std::move(r));
    }
    return out;
}

AnswerApplied Outbox::apply_answer(const std::vector<RecordAnswer>& answers) {
    AnswerApplied applied;
    SQLite::Transaction tx(*db_, SQLite::TransactionBehavior::IMMEDIATE);
    const std::string now = now_text();
    SQLite::Statement ack(*db_, "UPDATE outbox SET state = 1, acked_at = ?, confirmed_at = NULL "
                                "WHERE id = ? AND state = 0");
    SQLite::Statement reject(*db_, "UPDATE outbox SET state = 2, acked_at = ?, reject_code = ?, reject_detail = ? "
                                   "WHERE id = ? AND state = 0");
    SQLite::Statement find(*db_, "SELECT o.stream_no, o.seq, o.body, s.stream_id FROM outbox o "
                                 "JOIN streams s ON s.stream_no = o.stream_no WHERE o.id = ? AND o.state = 0");
    struct Collision {
        std::int64_t stream_no;
        std::int64_t seq;
        std::string id, body, stream_id;
    };
    std::vector<Collision> collisions;
    for (const auto& a : answers) {
        if (a.kind == RecordAnswer::Kind::acknowledged) {
            ack.reset();
            ack.bind(1, now);
            ack.bind(2, a.id);
            applied.acknowledged += ack.exec();
        } else if (a.kind == RecordAnswer::Kind::rejected) {
            reject.reset();
            reject.bind(1, now);
            reject.bind(2, a.code);
            reject.bind(3, a.detail.substr(0, 500));
            reject.bind(4, a.id);
            applied.rejected += reject.exec();
        } else {
            find.reset();
            find.bind(1, a.id);
            if (find.executeStep())
                collisions.push_back({find.getColumn(0).getInt64(), find.getColumn(1).getInt64(), a.id,
                                      find.getColumn(2).getString(), find.getColumn(3).getString()});
        }
    }
    if (!collisions.empty()) {
        // The centre holds these seqs under other records: the stream went on elsewhere (this outbox is an
        // old copy). New records must not reuse it, and these move to the end of a fresh stream, ids kept.
        std::sort(collisions.begin(), collisions.end(),
                  [](const Collision& a, const Collision& b) { return std::tie(a.stream_no, a.seq) < std::tie(b.stream_no, b.seq); });
        CurrentStream target = current_stream(*db_);
        const std::string stale_stream = collisions.front().stream_id;
        if (std::any_of(collisions.begin(), collisions.end(),
                        [&](const Collision& c) { return c.stream_no == target.stream_no; })) {
            start_stream("stale_outbox");
            target = current_stream(*db_);
            applied.new_stream_id = target.stream_id;
        }
        SQLite::Statement move(*db_, "UPDATE outbox SET stream_no = ?, seq = ?, body = ?, prev_hash = ?, hash = ?, "
                                     "carried_from = coalesce(carried_from, ?) WHERE id = ?");
        for (const auto& c : collisions) {
            core::Crossing x = core::crossing_from_json(json::parse(c.body), core::Completeness::full);
            x.stream_id = target.stream_id;
            x.seq = ++target.last_seq;
            target.last_hash = link(x, target.last_hash);  // chained anew at the end of its new stream
            move.reset();
            move.bind(1, target.stream_no);
            move.bind(2, static_cast<std::int64_t>(x.seq));
            move.bind(3, core::canonical_json(x));
            move.bind(4, x.prev_hash);
            move.bind(5, x.hash);
            move.bind(6, (c.stream_id.empty() ? std::string("legacy") : c.stream_id) + "/" + std::to_string(c.seq));
            move.bind(7, c.id);
            move.exec();
        }
        set_stream_head(*db_, target.stream_no, target.last_seq, target.last_hash);
        applied.carried_over = static_cast<std::int64_t>(collisions.size());
        insert_notice(*db_, "stale_outbox",
                      "the centre already holds sequence numbers of stream " +
                          (stale_stream.empty() ? std::string("(legacy)") : stale_stream) +
                          " under other records: this outbox is older than the stream; " +
                          std::to_string(collisions.size()) + " record(s) carried over into stream " +
                          target.stream_id + " with their ids unchanged");
    }
    tx.commit();
    return applied;
}

void Outbox::mark_acknowledged(const std::vector<std::string>& ids) {
    std::vector<RecordAnswer> answers;
    for (const auto& id : ids) answers.push_back({id, RecordAnswer::Kind::acknowledged, "", ""});
    apply_answer(answers);
}

void Outbox::mark_rejected(const std::string& id, const std::string& code, const std::string& detail) {
    apply_answer({{id, RecordAnswer::Kind::rejected, code, detail}});
}

std::vector<std::string> Outbox::streams_to_reconcile() {
    SQLite::Statement q(*db_, "SELECT stream_id FROM streams WHERE stream_no = (SELECT CAST(value AS INTEGER) FROM "
                              "meta WHERE key = 'stream_no') OR stream_no IN (SELECT DISTINCT stream_no FROM outbox "
                              "WHERE state = 1) ORDER BY stream_no");
    std::vector<std::string> out;
    while (q.executeStep()) out.push_back(q.getColumn(0).getString());
    return out;
}

std::int64_t Outbox::last_seq(const std::string& stream_id) {
    SQLite::Statement q(*db_, "SELECT last_seq FROM streams WHERE stream_id = ?");
    q.bind(1, stream_id);
    return q.executeStep() ? q.getColumn(0).getInt64() : 0;
}

std::optional<std::string> Outbox::leave_stale_stream(const std::string& stream_id, const std::string& why) {
    SQLite::Transaction tx(*db_, SQLite::TransactionBehavior::IMMEDIATE);
    if (current_stream(*db_).stream_id != stream_id) return std::nullopt;
    start_stream("stale_outbox");
    const std::string fresh = current_stream(*db_).stream_id;
    insert_notice(*db_, "stale_outbox",
                  why + "; new records go to stream " + fresh + " (stream " +
                      (stream_id.empty() ? std::string("(legacy)") : stream_id) + " is left as it is)");
    tx.commit();
    return fresh;
}

ReconcileApplied Outbox::apply_reconcile(const StreamReconciliation& rec) {
    ReconcileApplied applied;
    SQLite::Transaction tx(*db_, SQLite::TransactionBehavior::IMMEDIATE);
    const auto stream_no = stream_no_of(*db_, rec.stream_id);
    if (!stream_no) return applied;
    auto ranges = rec.missing;
    // Beyond the server's highest seq it cannot see gaps; what is acknowledged here above it, it lacks
    // (a restored central database).
    SQLite::Statement top(*db_, "SELECT coalesce(max(seq), 0) FROM outbox WHERE stream_no = ? AND state = 1");
    top.bind(1, *stream_no);
    top.executeStep();
    if (const std::int64_t acked_max = top.getColumn(0).getInt64(); acked_max > rec.server_max_seq)
        ranges.emplace_back(rec.server_max_seq + 1, acked_max);

    SQLite::Statement back(*db_, "UPDATE outbox SET state = 0, acked_at = NULL, confirmed_at = NULL WHERE rowid IN "
                                 "(SELECT rowid FROM outbox WHERE stream_no = ? AND state = 1 AND seq BETWEEN ? AND ? "
                                 "ORDER BY seq LIMIT ?)");
    SQLite::Statement held(*db_, "SELECT count(*) FROM outbox WHERE stream_no = ? AND seq BETWEEN ? AND ?");
    std::int64_t budget = rec.requeue_limit;
    for (const auto& [from, to] : ranges) {
        if (budget <= 0) {
            applied.limit_reached = true;
            break;
        }
        back.reset();
        back.bind(1, *stream_no);
        back.bind(2, static_cast<std::int64_t>(from));
        back.bind(3, static_cast<std::int64_t>(to));
        back.bind(4, budget);
        const std::int64_t n = back.exec();
        applied.requeued += n;
        budget -= n;
        held.reset();
        held.bind(1, *stream_no);
        held.bind(2, static_cast<std::int64_t>(from));
        held.bind(3, static_cast<std::int64_t>(to));
        held.executeStep();
        if (held.getColumn(0).getInt64() < to - from + 1) applied.gone.emplace_back(from, to);
    }
    // Everything up to covered_to that is not missing was seen stored: acknowledged records there are
    // confirmed, at the server's clock, and may be purged once the retention has passed.
    if (!rec.server_time.empty() && rec.covered_to > 0) {
        SQLite::Statement confirm(*db_, "UPDATE outbox SET confirmed_at = ? WHERE stream_no = ? AND state = 1 AND "
                                        "confirmed_at IS NULL AND seq BETWEEN ? AND ?");
        std::int64_t from = 1;
        const auto confirm_up_to = [&](std::int64_t to) {
            if (to < from) return;
            confirm.reset();
            confirm.bind(1, rec.server_time);
            confirm.bind(2, *stream_no);
            confirm.bind(3, from);
            confirm.bind(4, to);
            applied.confirmed += confirm.exec();
        };
        for (const auto& [gap_from, gap_to] : rec.missing) {
            if (gap_from > rec.covered_to) break;
            confirm_up_to(gap_from - 1);
            from = gap_to + 1;
        }
        confirm_up_to(rec.covered_to);
    }
    tx.commit();
    if (!rec.server_time.empty()) note_server_time(rec.server_time);
    return applied;
}

std::int64_t Outbox::retry_rejected(const std::vector<std::int64_t>& seqs, const std::vector<std::string>& ids) {
    SQLite::Transaction tx(*db_, SQLite::TransactionBehavior::IMMEDIATE);
    std::int64_t n = 0;
    const std::string back = "UPDATE outbox SET state = 0, acked_at = NULL, reject_code = NULL, reject_detail = NULL "
                             "WHERE state = 2";
    if (seqs.empty() && ids.empty()) {
        n = db_->exec(back);
    } else {
        SQLite::Statement by_seq(*db_, back + " AND seq = ?");
        for (const auto seq : seqs) {
            by_seq.reset();
            by_seq.bind(1, static_cast<std::int64_t>(seq));
            n += by_seq.exec();
        }
        SQLite::Statement by_id(*db_, back + " AND id = ?");
        for (const auto& id : ids) {
            by_id.reset();
            by_id.bind(1, core::canonical_uuid(id));
            n += by_id.exec();
        }
    }
    tx.commit();
    return n;
}

void Outbox::note_server_time(const std::string& server_time) {
    const auto t = core::parse_rfc3339(server_time);
    if (!t) return;
    const std::string text = core::format_rfc3339(*t);
    SQLite::Statement st(*db_, "INSERT INTO meta (key, value) VALUES ('latest_server_time', ?) "
                               "ON CONFLICT (key) DO UPDATE SET value = max(value, excluded.value)");
    st.bind(1, text);
    st.exec();
}

std::int64_t Outbox::purge_acknowledged(int days) {
    const auto latest = meta("latest_server_time");
    const auto server_now = latest ? core::parse_rfc3339(*latest) : std::nullopt;
    if (!server_now) return 0;  // no server clock seen yet: nothing was confirmed either
    const auto retention = std::chrono::hours{24} * days;
    SQLite::Statement st(*db_, "DELETE FROM outbox WHERE state = 1 AND confirmed_at IS NOT NULL AND confirmed_at < ? "
                               "AND acked_at < ?");
    st.bind(1, core::format_rfc3339(*server_now - retention));
    st.bind(2, core::format_rfc3339(core::now_millis() - retention));
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
    const CurrentStream stream = current_stream(*db_);
    s.stream_id = stream.stream_id;
    s.last_seq = stream.last_seq;
    return s;
}

std::vector<RejectedRecord> Outbox::rejected(std::size_t limit) {
    SQLite::Statement q(*db_, "SELECT o.id, s.stream_id, o.seq, o.reject_code, o.reject_detail, o.acked_at "
                              "FROM outbox o JOIN streams s ON s.stream_no = o.stream_no WHERE o.state = 2 "
                              "ORDER BY o.stream_no, o.seq LIMIT ?");
    q.bind(1, static_cast<std::int64_t>(limit));
    std::vector<RejectedRecord> out;
    while (q.executeStep())
        out.push_back({q.getColumn(0).getString(), q.getColumn(1).getString(), q.getColumn(2).getInt64(),
                       q.getColumn(3).getString(), q.getColumn(4).getString(), q.getColumn(5).getString()});
    return out;
}

std::vector<StreamInfo> Outbox::streams() {
    const std::int64_t current = current_stream(*db_).stream_no;
    SQLite::Statement q(*db_, "SELECT stream_no, stream_id, started_at, reason, last_seq FROM streams ORDER BY stream_no");
    std::vector<StreamInfo> out;
    while (q.executeStep())
        out.push_back({q.getColumn(1).getString(), q.getColumn(2).getString(), q.getColumn(3).getString(),
                       q.getColumn(4).getInt64(), q.getColumn(0).getInt64() == current});
    return out;
}

std::vector<Notice> Outbox::notices(std::size_t limit) {
    SQLite::Statement q(*db_, "SELECT at, code, message FROM notices ORDER BY notice_no DESC LIMIT ?");
    q.bind(1, static_cast<std::int64_t>(limit));
    std::vector<Notice> out;
    while (q.executeStep()) out.push_back({q.getColumn(0).getString(), q.getColumn(1).getString(), q.getColumn(2).getString()});
    return out;
}

void Outbox::add_notice(const std::string& code, const std::string& message) { insert_notice(*db_, code, message); }

std::int64_t Outbox::max_acknowledged_seq(const std::string& stream_id) {
    SQLite::Statement q(*db_, "SELECT coalesce(max(o.seq), 0) FROM outbox o JOIN streams s ON s.stream_no = o.stream_no "
                              "WHERE s.stream_id = ? AND o.state = 1");
    q.bind(1, stream_id);
    q.executeStep();
    return q.getColumn(0).getInt64();
}

std::vector<HeldRecord> Outbox::recent(std::size_t limit, const std::string& lane) {
    // Newest first, looking at the newest kRecentScan records only: the screen's list stays cheap
    // however large the backlog grows.
    constexpr std::int64_t kRecentScan = 2000;
    SQLite::Statement q(*db_, "SELECT body, state, created_at FROM (SELECT rowid, body, state, created_at FROM outbox "
                              "ORDER BY rowid DESC LIMIT ?) WHERE ? = '' OR json_extract(body, '$.lane') = ? "
                              "ORDER BY rowid DESC LIMIT ?");
    q.bind(1, kRecentScan);
    q.bind(2, lane);
    q.bind(3, lane);
    q.bind(4, static_cast<std::int64_t>(limit));
    std::vector<HeldRecord> out;
    while (q.executeStep()) {
        HeldRecord r;
        r.crossing = core::crossing_from_json(json::parse(q.getColumn(0).getString()), core::Completeness::full);
        const int state = q.getColumn(1).getInt();
        r.state = state == kPending ? "pending" : state == kAcknowledged ? "acknowledged" : "rejected";
        r.created_at = q.getColumn(2).getString();
        out.push_back(std::move(r));
    }
    return out;
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

void Outbox::erase_meta(const std::string& key) {
    SQLite::Statement st(*db_, "DELETE FROM meta WHERE key = ?");
    st.bind(1, key);
    st.exec();
}

}  // namespace borderlog::client
