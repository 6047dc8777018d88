// The server's PostgreSQL storage: one Store per database connection, used by one thread at a time
// (a Pool's worker). libpqxx stays behind this header.
#pragma once

#include "core/crossing.hpp"
#include "core/time.hpp"

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pqxx {
class connection_base;
}

namespace borderlog::server {

// No connection to the database can be had now. Thrown by storage code that has none to use.
class DatabaseUnavailable : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Whether a database failure means the database cannot be reached now: the connection is lost, it
// timed out (statement or lock timeout), it is shutting down, or none can be had. Those are answered
// 503 database_unavailable; any other failure is a fault of its own (500), never "unavailable".
bool is_unavailable(const std::exception& error);
// Whether `error` came from the database (libpqxx), and what of it may be logged: its SQLSTATE and first
// line, never the DETAIL that can quote a row's values (a traveller's data).
bool is_database_error(const std::exception& error);
std::string loggable(const std::exception& error);

// Who is calling: what a token stands for.
struct Principal {
    std::int64_t token_id = 0;
    std::string role;  // device | operations | trainer | admin
    std::string checkpoint_id;
    std::string device_id;
    std::string name;
};

using TokenExpiry = std::optional<std::chrono::sys_time<std::chrono::milliseconds>>;  // nullopt: until revoked

// A valid token as the database knows it.
struct FoundToken {
    Principal principal;
    TokenExpiry expires_at;
};

struct TokenInfo {
    Principal principal;
    std::string created_at;
    std::string revoked_at;  // empty unless revoked
    std::string expires_at;  // empty: no end
    bool expired = false;
};

// What became of one crossing offered for storage.
enum class InsertStatus {
    stored,        // a new row was committed
    duplicate,     // that id was already stored with the same content
    id_conflict,   // that id is stored with other content
    seq_conflict,  // another id already holds this device's sequence number
    unstorable,    // PostgreSQL refused a value of it (out of range): refused alone, the others stored
};

struct CrossingFilter {
    std::optional<std::string> checkpoint, device, direction, doc_country, doc_number, from, to;
    std::int64_t after = 0;  // the listing cursor: rows after this ingest number
    int limit = 100;
    std::string synthetic = "exclude";  // training records (simulate): exclude | include | only
};

// The code word and text of a refusal the database found (id_conflict, seq_conflict, a value it cannot
// hold): what the device is answered and what the quarantine keeps.
struct StatusText {
    const char* code;
    const char* detail;
    const char* field;
};
StatusText refusal_text(InsertStatus status);

// A record refused for its content or for a conflict, kept centrally in quarantine (rejected_records).
struct RefusedRecord {
    std::string device_id;      // the caller's device: a refused record's own fields are not trusted
    std::string checkpoint_id;  // the caller's checkpoint
    std::string stream_id;      // as sent; '' when absent or unreadable
    std::optional<std::int64_t> seq;  // as sent; none when unreadable
    std::string record_id;            // the id as sent; '' when absent
    std::string code;
    std::string detail;
    std::string field;
    std::string body;  // the record as received (JSON text)
};

// What a device's clock said when it sent a request: the centre keeps the offset to its own clock.
struct DeviceClock {
    std::string device_id;
    std::string checkpoint_id;
    std::string device_time;  // RFC 3339
};

// One request's worth of ingest, stored in one transaction: the crossings, the records refused before
// storage (quarantined beside them), and the device's clock.
struct IngestRequest {
    std::vector<const core::Crossing*> crossings;
    std::vector<RefusedRecord> refused;
    std::optional<DeviceClock> clock;
};

// A record whose occurred_at lies further than this after the server's clock at ingest is stored with
// the flag clock_suspect (never refused): the terminal's clock is likely wrong.
inline constexpr std::chrono::minutes kClockSuspectAfter{10};
inline constexpr std::string_view kFlagClockSuspect = "clock_suspect";

// The flags column of a stored crossing: what the device said, and clock_suspect when its time lies
// more than kClockSuspectAfter after `server_now`.
std::vector<std::string> flags_at_ingest(const core::Crossing& crossing, core::Millis server_now);

struct CrossingRow {
    std::int64_t ingest_no = 0;
    std::string json;  // the stored record as the device sent it
    std::string received_at;
    std::string stream_id;
    std::vector<std::string> flags;  // the flags column: the device's and the server's (clock_suspect)
};

struct Reconciliation {
    std::string stream_id;        // '' is the legacy stream of records sent without one
    std::int64_t received = 0;    // stored crossings of the stream
    std::int64_t quarantined = 0;  // seqs held only in quarantine (refused, not released)
    std::int64_t max_seq = 0;      // the highest seq accounted for, stored or quarantined
    std::vector<std::pair<std::int64_t, std::int64_t>> missing;  // inclusive ranges: neither stored nor quarantined
    bool truncated = false;  // more ranges follow the last one given
};

// Travellers waiting at one lane, as the checkpoint last counted them.
struct LaneQueue {
    std::string lane;
    std::int64_t waiting = 0;
    std::optional<std::string> at;  // when it was counted (RFC 3339), when the device says
};

// Officers' record latency at the device, in milliseconds.
struct RecordLatency {
    std::int64_t p50 = 0;
    std::int64_t p99 = 0;
    std::int64_t count = 0;
};

// Listing the quarantine.
struct RejectedFilter {
    std::optional<std::string> device, checkpoint;
    std::string state = "open";  // open | released | all
    std::int64_t after = 0;      // the cursor: entries after this id
    int limit = 100;
};

struct RejectedRow {
    std::int64_t id = 0;
    std::string received_at;
    std::string device_id;
    std::string checkpoint_id;
    std::string stream_id;
    std::optional<std::int64_t> seq;
    std::string record_id;
    std::string code;
    std::string detail;
    std::string field;
    std::string body;
    std::int64_t attempts = 0;
    std::string released_at;  // empty while open
    std::string released_by;
    std::string release_result;  // stored | duplicate | refused (the last release attempt)
};

// What became of a release: the record ingested again from its quarantined body.
struct ReleaseResult {
    enum class Kind { not_found, already_released, stored, duplicate, refused } kind = Kind::not_found;
    std::string code, detail, field;  // why, when refused
    RejectedRow row;                  // the entry after the release
};

struct Heartbeat {
    std::int64_t pending = 0;
    std::optional<std::string> oldest_pending_at;
    std::int64_t last_seq = 0;
    std::int64_t rejected = 0;
    std::optional<std::string> device_time;
    std::string lanes_json = "[]";
    std::vector<LaneQueue> lanes;  // the same lanes, read
    std::optional<std::string> stream_id;
    std::optional<std::string> last_sync_at;
    std::optional<RecordLatency> record_latency;
    std::optional<std::int64_t> watchlist_version;
};

// One device of the fleet view as stored in `devices` (times RFC 3339 in UTC).
struct FleetDeviceRow {
    std::string device_id;
    std::string checkpoint_id;
    std::optional<std::string> last_heartbeat_at;
    std::optional<std::string> last_sync_at;
    std::optional<std::string> reported_last_sync_at;
    std::optional<std::string> oldest_pending_at;
    std::optional<std::string> device_time;
    std::int64_t pending = 0;
    std::int64_t last_seq = 0;
    std::int64_t rejected = 0;
    std::optional<std::int64_t> clock_offset_ms;
    std::optional<std::string> stream_id;
    std::optional<std::int64_t> watchlist_version;
    std::optional<std::string> record_latency_json;
    std::string lanes_json = "[]";
};

// A checkpoint's backlog and queue as last seen in one time bucket (the sparklines).
struct FleetSample {
    std::string checkpoint_id;
    std::string bucket_at;
    std::int64_t backlog = 0;
    std::int64_t waiting = 0;
};

struct FleetSnapshot {
    std::vector<FleetDeviceRow> devices;                         // from heartbeats and syncs
    std::vector<std::pair<std::string, std::string>> tokens;     // (device, checkpoint) with a valid token
    std::vector<FleetSample> history;
};

// What the fleet view counts in the database rather than hears from devices.
struct FleetCounts {
    std::int64_t ingest_cursor = 0;  // the highest ingest_no now
    std::int64_t ingested = 0;       // rows stored after the cursor asked about
    std::vector<std::pair<std::string, std::int64_t>> quarantined;  // device -> open rejected_records
    std::vector<std::pair<std::string, std::int64_t>> last_hour;    // device -> crossings in the last hour
    std::vector<std::pair<std::string, std::int64_t>> synthetic_last_hour;  // device -> training records of them
    struct Lane {
        std::string checkpoint_id;
        std::string lane;
        std::int64_t count = 0;
    };
    std::vector<Lane> lanes_15m;  // crossings per lane in the last 15 minutes
    std::map<std::string, std::int64_t> open_anomalies;  // device -> open anomalies (real records)
    std::map<std::string, std::int64_t> open_alerts;     // device -> alerts not yet acknowledged
    // (device, checkpoint) with a valid token: a terminal given a token after the view was loaded is
    // listed (silent) before its first heartbeat.
    std::vector<std::pair<std::string, std::string>> tokens;
};

struct SessionInfo {
    Principal principal;
    std::string expires_at;
};

// One line of the audit trail. Empty strings are stored as NULL.
struct AuditEvent {
    std::int64_t token_id = 0;  // 0: no token (a failed sign-in, the command line)
    std::string role;
    std::string actor;
    std::string address;
    std::string action;       // e.g. traveler.read, central_offline.on
    std::string target;       // e.g. UTO/L898902C3
    std::string detail_json = "{}";
};

// What a retention pass did with one month older than the months kept (crossings_drop_exported_months).
struct RetentionMonth {
    std::string month;                         // YYYY-MM
    std::string partition;                     // crossings_pYYYYMM
    std::optional<std::int64_t> stored_rows;   // counted only when the month was exported
    std::optional<std::int64_t> exported_rows; // crossing_exports.rows, none when not exported
    bool dropped = false;
};

struct CentralState {
    bool offline = false;
    std::string reason;
    std::string changed_at;
    std::string changed_by;
};

class Store {
public:
    explicit Store(const std::string& db_url);
    ~Store();
    Store(const Store&) = delete;
    Store& operator=(const Store&) = delete;

    bool is_open() const;

    // Inserts all in one transaction and returns, in input order, what became of each. Returns only
    // after COMMIT. Crossings must already be valid. A crossing refused for a conflict or a value
    // PostgreSQL cannot hold is refused alone and quarantined in the same transaction.
    std::vector<InsertStatus> insert_crossings(const std::vector<const core::Crossing*>& crossings);
    // The same, with the records refused before storage quarantined and the device's clock noted, all
    // in the one transaction (synchronous_commit on: "stored" means durable).
    std::vector<InsertStatus> ingest(const IngestRequest& request);

    std::vector<CrossingRow> list_crossings(const CrossingFilter& filter);
    // Makes the monthly partitions of crossings from last month to `months_ahead` months ahead that do
    // not exist yet; returns their names.
    std::vector<std::string> make_partitions_ahead(int months_ahead);
    // Drops the monthly partitions older than `keep_months` (1 or more) months before the current one
    // that were exported with their exact row count, each with its audit line, in one transaction;
    // returns every month it considered, dropped or kept.
    std::vector<RetentionMonth> drop_exported_months(int keep_months);
    // The missing ranges of one stream of a device that start after `after_seq`, at most `max_ranges`.
    Reconciliation reconcile(const std::string& device_id, const std::string& stream_id, std::size_t max_ranges,
                             std::int64_t after_seq = 0);

    std::vector<RejectedRow> list_rejected(const RejectedFilter& filter);
    std::optional<RejectedRow> find_rejected(std::int64_t id);
    // Ingests quarantined entry `id` again, in one transaction with the entry's update and `audit`:
    // `crossing` is its body read again, or nullptr when it is still refused before storage (`refusal`).
    ReleaseResult release_rejected(std::int64_t id, const core::Crossing* crossing, const RefusedRecord* refusal,
                                   const std::string& released_by, const AuditEvent& audit);
    void record_heartbeat(const std::string& device_id, const std::string& checkpoint_id, const Heartbeat& beat);

    std::int64_t create_token(const std::string& token_hash, const Principal& principal, TokenExpiry expires_at = {});
    // A token neither revoked nor expired.
    std::optional<FoundToken> find_token(const std::string& token_hash);
    // Another checkpoint a device id already has tokens for, if any: a device id names one terminal.
    std::optional<std::string> other_checkpoint_of_device(const std::string& device_id, const std::string& checkpoint_id);
    std::vector<TokenInfo> list_tokens();
    bool revoke_token(std::int64_t id);

    CentralState central_state();
    void set_central_state(bool offline, const std::string& reason, const std::string& changed_by);

    void append_audit(const AuditEvent& event);

    // The fleet view. save_fleet writes devices and samples and sends the notifications (channel
    // borderlog_fleet) in one transaction, so the other instances hear of it once it is committed.
    void save_fleet(const std::vector<FleetDeviceRow>& devices, const std::vector<FleetSample>& samples,
                    const std::vector<std::string>& notifications);
    FleetSnapshot load_fleet(const std::string& history_since);
    // Without `after_ingest_no`, only finds the cursor (ingested stays 0).
    FleetCounts fleet_counts(std::optional<std::int64_t> after_ingest_no);
    void prune_fleet(const std::string& history_before);

    // Dashboard sessions, by the hash of their secret. create_session returns when it expires.
    std::string create_session(const std::string& secret_hash, std::int64_t token_id, const std::string& address,
                               std::int64_t lifetime_s);
    std::optional<SessionInfo> find_session(const std::string& secret_hash);
    bool end_session(const std::string& secret_hash);

    void ping();

    // This Store's connection, for the storage classes of other areas that work on it (OfficerStore).
    pqxx::connection_base& connection();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace borderlog::server
