// Outage drills: what a trainer asks for (one fault for a while, or a scenario of timed steps), and what
// each device call meets while a drill covers its device. The HTTP layer asks `Drills::decide` once per
// device call and acts on the answer; no sockets, no SQL here.
#pragma once

#include "core/time.hpp"
#include "server/service/fleet.hpp"
#include "server/storage/drill_store.hpp"

#include <boost/json/fwd.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

namespace borderlog::server::service {

// The ways a real outage shows to a terminal (docs/drills.md).
enum class Fault {
    unavailable,  // 503 with Retry-After
    reset,        // the connection closed without an answer
    timeout,      // the request read, never answered
    slow,         // answered after delay_ms
    flaky,        // a share p of calls fail, each as one of `kinds`
    lost_ack,     // records committed, then the answer dropped
    db_down,      // 503 database_unavailable, as when PostgreSQL is gone
};
std::string_view fault_name(Fault fault);
std::optional<Fault> fault_named(std::string_view name);

// Who a step or a drill covers: every device, some checkpoints, or some devices.
struct DrillScope {
    bool all = false;
    std::set<std::string> checkpoints;
    std::set<std::string> devices;

    bool covers(const std::string& device_id, const std::string& checkpoint_id) const;
    bool operator==(const DrillScope&) const = default;
};

struct FaultParams {
    std::optional<std::int64_t> retry_after_s;  // unavailable, db_down: the Retry-After (default: the server's)
    std::int64_t delay_ms = 2000;               // slow
    double p = 1.0;                             // flaky: the share of calls that fail; lost_ack: of answers dropped
    std::vector<Fault> kinds{Fault::unavailable};  // flaky: what a failure is, drawn evenly
    bool operator==(const FaultParams&) const = default;
};

struct DrillStep {
    std::int64_t at_s = 0;  // from the drill's start
    std::int64_t duration_s = 0;
    Fault fault = Fault::unavailable;
    DrillScope scope;
    FaultParams params;
    bool operator==(const DrillStep&) const = default;
};

// A drill as asked for (POST /api/v1/drills).
struct DrillPlan {
    std::string name;
    std::vector<DrillStep> steps;
    bool telemetry = false;  // heartbeats pass every fault, so the backlog is seen to grow

    DrillScope scope() const;       // every step's scope together
    std::int64_t length_s() const;  // to the end of the last step
};

namespace drill_limits {
inline constexpr std::size_t kName = 120;
inline constexpr std::size_t kSteps = 100;
inline constexpr std::size_t kScopeCheckpoints = 1000;
inline constexpr std::size_t kScopeDevices = 10000;
inline constexpr std::int64_t kStepSeconds = 86400;         // one step lasts at most a day
inline constexpr std::int64_t kStartSeconds = 7 * 86400;     // and starts within a week
inline constexpr std::int64_t kDefaultDurationSeconds = 3600;  // a single fault without duration_s
inline constexpr std::int64_t kMaxDelayMs = 600000;
inline constexpr std::int64_t kMaxRetryAfterSeconds = 3600;
}  // namespace drill_limits

// Reads a request body: {"name","fault","scope","params"?,"duration_s"?,"telemetry"?} or
// {"name","scenario":{"steps":[...]},"telemetry"?}. Throws core::ValidationError naming the field
// (e.g. "scenario.steps[1].params.p").
DrillPlan parse_drill_request(const boost::json::value& body);

// Steps as stored and shown: each with its scope and only the params that apply to its fault.
boost::json::array steps_json(const std::vector<DrillStep>& steps);
boost::json::object scope_json(const DrillScope& scope);
// Reads stored steps back. Throws core::ValidationError when they are not what steps_json writes.
std::vector<DrillStep> steps_from_json(std::string_view text);

// The devices a scope covers among those the centre knows (device -> checkpoint), and any device the
// scope names that it does not know (with an empty checkpoint), sorted by checkpoint and device.
std::vector<std::pair<std::string, std::string>> devices_in_scope(const DrillScope& scope,
                                                                  const DeviceCheckpoints& known);
// Whether two scopes can cover one device (a checkpoint covers its known devices).
bool scopes_overlap(const DrillScope& a, const DrillScope& b, const DeviceCheckpoints& known);
// The first running drill whose scope overlaps `scope`, if any.
std::optional<std::string> conflicting_drill(const DrillScope& scope, const std::vector<DrillRow>& running,
                                             const DeviceCheckpoints& known);

// A drill as the server instances know it from the database.
struct Drill {
    std::string id;
    std::string name;
    std::vector<DrillStep> steps;
    bool telemetry = false;
    DrillScope scope;  // every step's
    core::Millis started_at{};
    core::Millis ends_at{};  // planned: the end of the last step
    std::optional<core::Millis> stopped_at;
    std::string created_by;
    std::string stopped_by;

    core::Millis end() const { return stopped_at && *stopped_at < ends_at ? *stopped_at : ends_at; }
    bool running(core::Millis now) const { return now >= started_at && now < end(); }
    std::string state(core::Millis now) const;  // running | finished | stopped
    // Indices of the steps in force at `now`.
    std::vector<std::size_t> active_steps(core::Millis now) const;
};
// Throws core::ValidationError (or std::runtime_error) for a row that cannot be read.
Drill drill_from_row(const DrillRow& row);
// The API's view of a drill: {"id","name","state","started_at","ends_at","stopped_at","stopped_by",
// "created_by","telemetry","scope","steps","current":[...]}.
boost::json::object drill_json(const Drill& drill, core::Millis now);

// What kind of device call it is: faults act on each kind differently.
enum class CallKind {
    records,    // POST /api/v1/crossings, /batch: lost_ack acts on these only
    heartbeat,  // passes with telemetry, and under db_down (the server takes heartbeats without PostgreSQL)
    other,      // token, reconcile, watchlist, traveller status, MRZ parse
};

// What one device call meets.
struct FaultDecision {
    std::string drill_id;  // the drill covering the device now; empty when none does
    std::string drill_name;
    std::optional<Fault> fault;  // what to do to this call (flaky's draw already made; never flaky)
    FaultParams params;          // the step's
};

// Running drills are watched this long after their end: their devices' heartbeats are sampled and
// their "duplicate" answers counted while the backlog drains.
inline constexpr std::chrono::seconds kDrainWatch{3600};

// The drills this instance knows (running, and ended within kDrainWatch), the fault hook's decisions,
// and what it counted, waiting to be written. Thread-safe.
class Drills {
public:
    explicit Drills(std::uint64_t seed = std::random_device{}());

    // Replaces what is known: after a start or stop on this instance.
    void set(std::vector<Drill> drills);
    // What a poll of the database found: `changes_before` is changes() taken before the poll began, so
    // that a poll which overlapped a start or stop here cannot undo it (the next poll brings it).
    void learn(std::vector<Drill> drills, std::uint64_t changes_before);
    std::uint64_t changes() const;
    std::vector<Drill> snapshot() const;
    // False when no drill runs or is watched: the fault hook then costs one atomic load.
    bool any() const { return any_.load(std::memory_order_relaxed); }

    FaultDecision decide(const std::string& device_id, const std::string& checkpoint_id, CallKind kind,
                         core::Millis now);
    // The drill a device's answers count to: the running one covering it, else the latest watched one.
    std::optional<std::string> watching(const std::string& device_id, const std::string& checkpoint_id,
                                        core::Millis now) const;
    // Running drills, as the fleet view labels them.
    std::vector<DrillLabel> labels(core::Millis now) const;

    void count(const std::string& drill_id, const std::string& device_id, const std::string& what, std::int64_t n = 1);
    std::vector<DrillCount> take_counts();
    void give_back(const std::vector<DrillCount>& counts);

private:
    mutable std::mutex mutex_;
    std::vector<Drill> drills_;
    std::atomic<bool> any_{false};
    std::mt19937_64 rng_;
    std::map<std::tuple<std::string, std::string, std::string>, std::int64_t> counts_;
    std::uint64_t changes_ = 0;
};

// What the fault hook counts besides faults.
inline constexpr const char* kCountDuplicateAnswers = "duplicate_answers";  // resends answered "duplicate"
inline constexpr const char* kCountLostAcks = "lost_acks";                  // answers dropped after the commit

// How many records an ingest answer (single or batch) calls "duplicate".
std::int64_t duplicates_in_answer(std::string_view body);

}  // namespace borderlog::server::service
