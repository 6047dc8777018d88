// The fleet view: the live state of every checkpoint and device, as operations staff see it. Kept in
// memory from heartbeats and syncs, so that it stays up while PostgreSQL is away; written back to the
// database and shared with the other server instances by whoever holds the pool (see fleet_routes).
// No sockets, no SQL: the HTTP layer feeds it and turns its views into answers and events.
#pragma once

#include "core/time.hpp"
#include "server/storage/store.hpp"

#include <boost/json/object.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace borderlog::server::service {

struct FleetOptions {
    std::chrono::seconds silent_after{300};   // no contact for this long: the device is "silent"
    std::chrono::seconds history_step{30};    // one sparkline point per step
    std::chrono::seconds history_span{3600};  // how far back the sparklines go
};

// A drill in progress, as the dashboard labels it (see service/drills.hpp).
struct DrillLabel {
    std::string id;
    std::string name;
    bool all = false;
    std::set<std::string> checkpoints;
    std::set<std::string> devices;
    bool operator==(const DrillLabel&) const = default;
};

// Device and checkpoint states, from the most to the least severe.
inline constexpr const char* kStateSilent = "silent";
inline constexpr const char* kStateCentralOffline = "central_offline";
inline constexpr const char* kStateDrill = "drill";
inline constexpr const char* kStateOnline = "online";

class Fleet {
public:
    explicit Fleet(FleetOptions options = {});
    void configure(FleetOptions options);
    const FleetOptions& options() const { return options_; }

    // --- what devices say and do (this instance) ---------------------------------------------------
    void heartbeat(const std::string& device_id, const std::string& checkpoint_id, const Heartbeat& beat,
                   core::Millis now);
    // A sync got through: records from the device were stored or found already stored.
    void synced(const std::string& device_id, const std::string& checkpoint_id, core::Millis now);

    // --- what the database and the other instances say ---------------------------------------------
    // A device row written by another instance: the newer heartbeat wins, the later sync wins.
    void merge(const FleetDeviceRow& row);
    // At start and after the database comes back: devices, device tokens, the last hour of history.
    void load(const FleetSnapshot& snapshot);
    void counts(const FleetCounts& counts, core::Millis now);
    void set_central_offline(bool offline);
    void set_database_available(bool available);
    void set_drill(std::optional<DrillLabel> drill);
    // Every running drill (their scopes do not overlap); a device is in the first that covers it.
    void set_drills(std::vector<DrillLabel> drills);
    // Open anomalies and alerts per device (filled by the anomaly detection when it exists).
    void set_open_issues(const std::map<std::string, std::int64_t>& anomalies,
                         const std::map<std::string, std::int64_t>& alerts);
    // Asked for by a notification too large to carry the state: the next refresh loads everything.
    void request_reload();
    bool take_reload_request();

    // Samples every checkpoint into its current history bucket, forgets buckets older than the span,
    // and notes devices whose state changed with time alone (gone silent).
    void tick(core::Millis now);

    // --- writing back ----------------------------------------------------------------------------
    struct Dirty {
        std::vector<FleetDeviceRow> devices;
        std::vector<FleetSample> samples;
        bool empty() const { return devices.empty() && samples.empty(); }
    };
    // What changed here since the last take. Give it back when it could not be written.
    Dirty take_dirty();
    void give_back(const Dirty& dirty);

    // --- reading -----------------------------------------------------------------------------------
    // GET /api/v1/checkpoints: {"generated_at","central","database","drill","silent_after_s",
    // "history_step_s","summary":{...},"checkpoints":[...]}.
    boost::json::object view(core::Millis now) const;
    // One checkpoint as in the list, or nothing when it is unknown.
    std::optional<boost::json::object> checkpoint_view(const std::string& checkpoint_id, core::Millis now) const;
    // Only the top level and the summary, without checkpoints.
    boost::json::object summary_view(core::Millis now) const;

    // Every change bumps the version; changed_since names the checkpoints changed after `version`
    // (the summary may have changed whenever the version moved).
    std::uint64_t version() const;
    std::vector<std::string> changed_since(std::uint64_t version) const;

    bool database_available() const;
    bool central_offline() const;
    // Every device as the fleet knows it now (the drills sample their heartbeats from here).
    std::vector<FleetDeviceRow> devices() const;

private:
    struct Device {
        std::string device_id;
        std::string checkpoint_id;
        std::optional<core::Millis> last_heartbeat, last_sync, reported_last_sync, oldest_pending, device_time;
        std::int64_t pending = 0, last_seq = 0, rejected = 0;
        std::optional<std::int64_t> clock_offset_ms;
        std::optional<std::string> stream_id;
        std::optional<std::int64_t> watchlist_version;
        std::optional<RecordLatency> record_latency;
        std::vector<LaneQueue> lanes;
        std::int64_t quarantined = 0, last_hour = 0, anomalies = 0, alerts = 0;
        std::int64_t synthetic_last_hour = 0;  // training records, counted apart from last_hour
        std::string state;  // as last computed, to notice changes with time
    };
    struct Sample {
        std::int64_t backlog = 0;
        std::int64_t waiting = 0;
    };
    struct Checkpoint {
        std::uint64_t version = 0;
        std::map<core::Millis, Sample> history;           // bucket start -> values
        std::map<std::string, std::int64_t> lane_counts;  // lane -> crossings in the last 15 minutes
    };

    // All private helpers expect mutex_ held.
    Device& device(const std::string& device_id, const std::string& checkpoint_id);
    void touch(const std::string& checkpoint_id);
    void touch_all();
    std::string device_state(const Device& d, core::Millis now) const;
    std::string checkpoint_state(const std::string& checkpoint_id, core::Millis now) const;
    Sample current(const std::string& checkpoint_id) const;  // backlog and travellers waiting now
    void sample(const std::string& checkpoint_id, core::Millis now);
    core::Millis bucket_of(core::Millis t) const;
    boost::json::object device_json(const Device& d, core::Millis now) const;
    boost::json::object checkpoint_json(const std::string& checkpoint_id, core::Millis now) const;
    boost::json::object summary_json(core::Millis now) const;
    boost::json::object top_json(core::Millis now) const;
    std::vector<const Device*> devices_of(const std::string& checkpoint_id) const;
    FleetDeviceRow row_of(const Device& d) const;
    bool in_drill(const Device& d) const;
    const DrillLabel* drill_of(const Device& d) const;

    FleetOptions options_;
    mutable std::mutex mutex_;
    std::map<std::string, Device> devices_;
    std::map<std::string, Checkpoint> checkpoints_;
    std::set<std::string> dirty_devices_;
    std::set<std::pair<std::string, core::Millis>> dirty_samples_;
    std::uint64_t version_ = 0;
    bool central_offline_ = false;
    bool database_available_ = true;
    bool reload_requested_ = false;
    std::vector<DrillLabel> drills_;
    std::vector<std::pair<core::Millis, std::int64_t>> ingest_samples_;  // (when, records stored)
};

// The notification another instance hears when this one writes a device (pg_notify payloads are
// limited to 8000 bytes: a state too large for it says only "reload").
std::string notification_payload(const FleetDeviceRow& row, const std::string& instance);
struct FleetNotification {
    std::string instance;
    std::optional<FleetDeviceRow> row;  // empty: reload everything
};
// Nothing when the payload is not one of ours.
std::optional<FleetNotification> parse_notification(const std::string& payload);

}  // namespace borderlog::server::service
