// PostgreSQL storage of drills (trainers): the drills themselves, what their devices reported while they
// ran, what the servers counted of them, and the facts their reports are made of. Works on a Store's
// connection, on the Store's thread; libpqxx stays in the .cpp.
#pragma once

#include "server/storage/store.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace borderlog::server {

// A drill as stored. Times are RFC 3339 UTC; `stopped_at` is empty unless a trainer stopped it early.
struct DrillRow {
    std::string id;
    std::string name;
    std::string steps_json;
    bool telemetry = false;
    bool scope_all = false;
    std::vector<std::string> scope_checkpoints;
    std::vector<std::string> scope_devices;
    std::string created_by;
    std::string started_at;
    std::string ends_at;
    std::string stopped_at;
    std::string stopped_by;
    std::string state;  // running | finished | stopped, by the database's clock
};

struct NewDrill {
    std::string id;
    std::string name;
    std::string steps_json;
    bool telemetry = false;
    bool scope_all = false;
    std::vector<std::string> scope_checkpoints;
    std::vector<std::string> scope_devices;
    std::string created_by;
    std::int64_t length_ms = 0;  // from now to the end of its last step
};

// device id -> checkpoint id, for every device the centre knows (from heartbeats or tokens).
using DeviceCheckpoints = std::map<std::string, std::string>;

// Names the running drill (its id) that a new drill would overlap, if any.
using DrillConflict = std::function<std::optional<std::string>(const std::vector<DrillRow>& running,
                                                               const DeviceCheckpoints& devices)>;

struct DrillStart {
    std::optional<DrillRow> started;
    std::string conflict_id;  // set when refused
};

enum class DrillStop { stopped, not_found, not_running };

struct EndedDrill {
    std::string id;
    std::string name;
    bool stopped = false;  // by a trainer (already audited) rather than at its planned end
    std::string ended_at;
};

// One heartbeat of a device in a drill's scope.
struct DrillSample {
    std::string drill_id;
    std::string device_id;
    std::string checkpoint_id;
    std::string at;  // when the heartbeat arrived (RFC 3339)
    std::int64_t pending = 0;
    std::int64_t rejected = 0;
    std::int64_t last_seq = 0;
    std::optional<std::string> stream_id;
    std::optional<std::string> record_latency_json;
};

// What a server did to a device's calls, or saw of their answers: added up across instances.
struct DrillCount {
    std::string drill_id;
    std::string device_id;
    std::string what;  // a fault kind, or duplicate_answers, lost_acks
    std::int64_t count = 0;
};

// A drill sample as the report reads it (times in Unix milliseconds).
struct SamplePoint {
    std::int64_t at_ms = 0;
    std::int64_t pending = 0;
    std::int64_t rejected = 0;
    std::int64_t last_seq = 0;
    std::string stream_id;
    std::optional<RecordLatency> latency;
};

// How far a device's drain is checked: every seq of `stream_id` up to `last_seq` must have arrived.
struct DrainBound {
    std::string stream_id;
    std::int64_t last_seq = 0;
};
using DrainBoundRule = std::function<std::optional<DrainBound>(const std::vector<SamplePoint>& samples)>;

// A stream the device used during the drill, as reconcile sees it now.
struct StreamGaps {
    std::string stream_id;
    std::int64_t max_seq = 0;  // the highest seq stored or quarantined
    std::int64_t missing = 0;  // seqs below it neither stored nor quarantined: lost
};

// Everything the database tells of one device for a drill's report.
struct DeviceFacts {
    std::string device_id;
    std::string checkpoint_id;
    std::int64_t records_during = 0;   // made during the drill (not back-captured)
    std::int64_t synthetic_during = 0;  // of them, synthetic (simulate)
    std::int64_t back_captured = 0;    // entered later from paper, made during the drill
    std::int64_t duplicate_content = 0;  // rows repeating another row's content under another id
    std::int64_t rejected = 0;          // refused since the start
    std::int64_t quarantined_open = 0;  // of them, still in the quarantine
    std::vector<SamplePoint> samples;
    std::map<std::string, std::int64_t> counts;
    std::vector<std::pair<std::int64_t, std::int64_t>> backlog_records;  // (made, arrived) in Unix ms
    bool backlog_records_truncated = false;
    std::vector<StreamGaps> streams;
    std::optional<DrainBound> drain_bound;
    std::int64_t drain_arrived = 0;                // seqs 1..bound accounted for
    std::optional<std::int64_t> drain_last_received_ms;  // when the last of them made before the restore arrived
};

class DrillStore {
public:
    explicit DrillStore(Store& store);

    // Starts a drill now unless `conflict` names a running drill it overlaps (under a lock, so that two
    // overlapping starts cannot both pass), with `audit` in the same transaction.
    DrillStart start(const NewDrill& drill, const DrillConflict& conflict, const AuditEvent& audit);
    std::optional<DrillRow> find(const std::string& id);
    // Newest first. `state`: running | finished | stopped | all.
    std::vector<DrillRow> list(const std::string& state, int limit);
    // Running drills and those that ended less than `tail` ago.
    std::vector<DrillRow> current(std::chrono::seconds tail);
    DrillStop stop(const std::string& id, const std::string& by, const AuditEvent& audit);
    // Drills that ended since the last call (on any instance): each is returned once. A planned end is
    // written to the audit trail as `drill.end`.
    std::vector<EndedDrill> note_ended();
    void save(const std::vector<DrillSample>& samples, const std::vector<DrillCount>& counts);
    DeviceCheckpoints device_checkpoints();

    // The facts of `devices` (device -> checkpoint) for drill `drill_id` that started at `started_at`
    // and restored at `restore_at` (now while it runs). `bound` picks, from a device's samples, how far
    // its drain is checked. Streams are read through Store::reconcile.
    std::vector<DeviceFacts> facts(const std::string& drill_id, const std::string& started_at,
                                   const std::string& restore_at,
                                   const std::vector<std::pair<std::string, std::string>>& devices,
                                   const DrainBoundRule& bound);

private:
    Store& store_;
};

// At most this many records per device are read to draw the backlog from PostgreSQL.
inline constexpr std::int64_t kMaxBacklogRecords = 200000;

}  // namespace borderlog::server
