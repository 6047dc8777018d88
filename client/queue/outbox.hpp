// The checkpoint's durable outbox in SQLite (WAL, synchronous=FULL). A crossing is recorded here
// first and is durable when record() returns; sync later sends it and marks it on acknowledgement.
// Several processes may open one outbox at once (the daemon, an officer's `record`, an `import`).
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
    std::int64_t seq = 0;
    std::string id;
    std::string body;  // canonical JSON
};

struct RejectedRecord {
    std::int64_t seq = 0;
    std::string id;
    std::string code;
    std::string detail;
    std::string rejected_at;
};

struct OutboxStats {
    std::int64_t pending = 0;
    std::int64_t rejected = 0;
    std::int64_t acknowledged = 0;  // still kept for re-sending
    std::int64_t last_seq = 0;
    std::optional<std::string> oldest_pending_at;
};

// One line of an import file, ready to record.
struct ImportLine {
    std::int64_t line_no = 0;
    std::string line_hash;
    core::Crossing draft;
};

enum class ImportOutcome { recorded, already_recorded, changed_since_import };

class Outbox {
public:
    explicit Outbox(const std::filesystem::path& file);
    ~Outbox();
    Outbox(const Outbox&) = delete;
    Outbox& operator=(const Outbox&) = delete;

    // Gives the draft its id (UUIDv7), device, checkpoint and the next gapless seq, and stores it.
    // Durable on local disk when this returns.
    core::Crossing record(core::Crossing draft, const DeviceIdentity& device);

    // Records the lines in one transaction; a line already imported from `source` is not recorded again.
    std::vector<std::pair<ImportOutcome, std::int64_t>> import_lines(const std::string& source,
                                                                     std::vector<ImportLine> lines,
                                                                     const DeviceIdentity& device);

    std::vector<QueuedRecord> next_pending(std::size_t limit);
    void mark_acknowledged(const std::vector<std::int64_t>& seqs);
    void mark_rejected(std::int64_t seq, const std::string& code, const std::string& detail);

    // Puts acknowledged records back in the queue: the server says it lacks them. Returns how many
    // were found, and which sequence numbers in the ranges this outbox no longer has.
    std::pair<std::int64_t, std::vector<std::pair<std::int64_t, std::int64_t>>> requeue(
        const std::vector<std::pair<std::int64_t, std::int64_t>>& ranges);

    // Puts rejected records back in the queue (all, or those with the given seqs). Returns how many.
    std::int64_t retry_rejected(const std::vector<std::int64_t>& seqs);

    // Forgets acknowledged records older than `days`.
    std::int64_t purge_acknowledged(int days);

    OutboxStats stats();
    std::vector<RejectedRecord> rejected(std::size_t limit);
    std::int64_t max_acknowledged_seq();

    std::optional<std::string> meta(const std::string& key);
    void set_meta(const std::string& key, const std::string& value);

private:
    std::int64_t insert(SQLite::Database& db, core::Crossing& draft, const DeviceIdentity& device);
    std::unique_ptr<SQLite::Database> db_;
};

}  // namespace borderlog::client
