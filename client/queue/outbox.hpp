// The checkpoint's durable outbox in SQLite (WAL, synchronous=FULL). A crossing is recorded here
// first and is durable when record() returns; sync later sends it and marks it on acknowledgement.
// Several processes may open one outbox at once (the daemon, an officer's `record`, an `import`).
//
// Records belong to streams: each `init` that creates an outbox starts one (a UUIDv7), and sequence
// numbers are gapless per stream. A stream found stale at sync (the centre already holds later seqs of
// it: the outbox was restored from an old copy) is left for a new one, and its records that collide are
// carried over with their ids unchanged.
#pragma once

#include "core/crossing.hpp"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace SQLite {
class Database;
}

namespace borderlog::client {

// Who this checkpoint terminal is: stamped on every record it makes.
struct DeviceIdentity {
    std::string checkpoint_id;
    std::string device_id;
};

struct QueuedRecord {
    std::string id;
    std::string stream_id;
    std::int64_t seq = 0;
    std::string body;  // canonical JSON
};

struct RejectedRecord {
    std::string id;
    std::string stream_id;
    std::int64_t seq = 0;
    std::string code;
    std::string detail;
    std::string rejected_at;
};

struct OutboxStats {
    std::int64_t pending = 0;
    std::int64_t rejected = 0;
    std::int64_t acknowledged = 0;  // still kept for re-sending
    std::string stream_id;          // the stream new records go to
    std::int64_t last_seq = 0;      // of that stream
    std::optional<std::string> oldest_pending_at;
};

struct StreamInfo {
    std::string stream_id;
    std::string started_at;
    std::string reason;  // init | upgraded | stale_outbox
    std::int64_t last_seq = 0;
    bool current = false;
};

// Something the operator must be told, kept for `status`.
struct Notice {
    std::string at;
    std::string code;  // stale_outbox
    std::string message;
};

// One line of an import file, ready to record. `key` identifies it by content (see import_key.hpp);
// `source`, `line_no` and `raw_hash` find it among lines imported by a version-1 outbox, which were
// keyed by where they were.
struct ImportLine {
    std::string key;
    std::int64_t line_no = 0;
    std::string raw_hash;
    core::Crossing draft;
};

enum class ImportOutcome { recorded, already_recorded };

// What the server answered for one record of a batch.
struct RecordAnswer {
    enum class Kind {
        acknowledged,  // stored or duplicate
        rejected,      // refused for what it holds: set aside
        seq_conflict,  // its seq is taken by another record: its stream is stale, carry it over
    };
    std::string id;
    Kind kind = Kind::acknowledged;
    std::string code;
    std::string detail;
};

struct AnswerApplied {
    std::int64_t acknowledged = 0;
    std::int64_t rejected = 0;
    std::int64_t carried_over = 0;
    std::optional<std::string> new_stream_id;  // when a stale stream was left for a new one
};

// A reconcile answer for one stream, checked and made to fit this outbox.
struct StreamReconciliation {
    std::string stream_id;
    std::int64_t server_max_seq = 0;
    // The ranges the server lacks, within what this outbox ever gave the stream, ascending.
    std::vector<std::pair<std::int64_t, std::int64_t>> missing;
    // Every seq up to this one was covered by the answer (all pages read): those not missing are stored.
    std::int64_t covered_to = 0;
    std::string server_time;    // the server's clock (RFC 3339); empty when it gave none
    std::int64_t requeue_limit = 0;  // re-send at most this many records
};

struct ReconcileApplied {
    std::int64_t requeued = 0;
    std::int64_t confirmed = 0;
    std::vector<std::pair<std::int64_t, std::int64_t>> gone;  // ranges the server lacks that this outbox no longer holds
    bool limit_reached = false;
};

// A record as the terminal holds it, for the officer screen's list of recent crossings.
struct HeldRecord {
    core::Crossing crossing;
    std::string state;  // pending | acknowledged | rejected
    std::string created_at;
};

enum class OpenMode {
    existing,  // every command: a missing or uninitialised outbox is an error naming `init`
    create,    // `init` only: creates the file with a new stream
};

class Outbox {
public:
    explicit Outbox(const std::filesystem::path& file, OpenMode mode = OpenMode::existing);
    ~Outbox();
    Outbox(const Outbox&) = delete;
    Outbox& operator=(const Outbox&) = delete;

    // Gives the draft its id (UUIDv7), device, checkpoint, the current stream and its next gapless seq,
    // and stores it. Durable on local disk when this returns.
    core::Crossing record(core::Crossing draft, const DeviceIdentity& device);

    // Records the lines in one transaction; a line whose key was imported before, from any file, is not
    // recorded again. One outcome per line, with the record's id.
    std::vector<std::pair<ImportOutcome, std::string>> import_lines(const std::string& source,
                                                                    std::vector<ImportLine> lines,
                                                                    const DeviceIdentity& device);

    // The oldest pending records: at most `limit`, and at most `max_bytes` of bodies (at least one).
    std::vector<QueuedRecord> next_pending(std::size_t limit, std::size_t max_bytes = SIZE_MAX);

    // Applies a batch answer in one transaction: acknowledgements, rejections and carry-overs together.
    AnswerApplied apply_answer(const std::vector<RecordAnswer>& answers);
    void mark_acknowledged(const std::vector<std::string>& ids);
    void mark_rejected(const std::string& id, const std::string& code, const std::string& detail);

    // The streams worth reconciling: the current one and every one holding acknowledged records.
    std::vector<std::string> streams_to_reconcile();
    std::int64_t last_seq(const std::string& stream_id);
    // Leaves `stream_id` for a new stream when it is the current one (the centre holds seqs beyond its
    // last: this outbox was restored from an old copy). Returns the new stream's id.
    std::optional<std::string> leave_stale_stream(const std::string& stream_id, const std::string& why);
    // Re-queues acknowledged records the server lacks and confirms those it was seen to hold, in one
    // transaction.
    ReconcileApplied apply_reconcile(const StreamReconciliation& rec);

    // Puts rejected records back in the queue (all, or those with the given seqs or ids). Returns how many.
    std::int64_t retry_rejected(const std::vector<std::int64_t>& seqs, const std::vector<std::string>& ids = {});

    // The latest server clock seen (RFC 3339), kept as the highest one.
    void note_server_time(const std::string& server_time);
    // Forgets acknowledged records that a reconcile confirmed stored more than `days` ago, by the server's
    // clock (the latest seen) and the local one both: a wrong clock on one side cannot shorten it.
    std::int64_t purge_acknowledged(int days);

    OutboxStats stats();
    std::vector<RejectedRecord> rejected(std::size_t limit);
    std::vector<StreamInfo> streams();
    std::vector<Notice> notices(std::size_t limit);
    void add_notice(const std::string& code, const std::string& message);
    std::int64_t max_acknowledged_seq(const std::string& stream_id);

    // The newest records still held, newest first; only those of `lane` unless it is empty.
    std::vector<HeldRecord> recent(std::size_t limit, const std::string& lane = "");

    std::optional<std::string> meta(const std::string& key);
    void set_meta(const std::string& key, const std::string& value);
    void erase_meta(const std::string& key);

    // For a connection that records while people wait (the officer screen): waits for another
    // connection's write lock in short steps, and never checkpoints the WAL itself.
    void prefer_low_latency();

    // The database, for the tables kept beside the outbox (the watchlist copy).
    SQLite::Database& database();

private:
    std::string insert(core::Crossing& draft, const DeviceIdentity& device);
    std::int64_t start_stream(const std::string& reason);
    std::unique_ptr<SQLite::Database> db_;
    bool has_v1_import_keys_ = false;
};

}  // namespace borderlog::client
