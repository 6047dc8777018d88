// Sync: send what is pending in batches sized under the centre's limits, apply each answer in one
// transaction (acknowledged, refused, or carried over out of a stale stream), and reconcile every
// stream: re-queue what the centre lacks, confirm what it holds (only confirmed records are purged).
#pragma once

#include "client/client_config.hpp"
#include "client/queue/outbox.hpp"
#include "client/sync/answers.hpp"  // the answers read, and the bounds on them
#include "client/sync/http_client.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

namespace borderlog::client {

// Room left in a batch body for its envelope ({"device_time":...,"records":[...]}).
inline constexpr std::size_t kBatchEnvelopeBytes = 128;

// What the daemon keeps from one round to the next.
struct SyncState {
    // The centre's limits were read in this process and nothing since says they changed.
    bool limits_fresh = false;
};

struct SyncOptions {
    std::size_t batch_size = 500;
    bool reconcile = true;
    std::function<bool()> stop_requested;  // checked between batches (the daemon's SIGTERM)
    SyncState* state = nullptr;            // none: each call starts afresh
    int max_reconcile_pages = kMaxReconcilePagesPerRound;
    std::int64_t max_requeued = kMaxRequeuedPerRound;
};

enum class SyncStatus {
    drained,      // nothing left pending
    unavailable,  // the centre could not be reached or said 503: records stay queued
    failed,       // anything else (a refused token, a 500, a protocol error): records stay queued
    stopped,      // stop_requested said so between two batches
};

struct SyncReport {
    SyncStatus status = SyncStatus::drained;
    std::int64_t stored = 0;
    std::int64_t duplicates = 0;
    std::int64_t rejected = 0;
    std::int64_t requeued = 0;      // re-sent because reconcile said the server lacked them
    std::int64_t carried_over = 0;  // moved out of a stale stream into a new one
    std::optional<std::chrono::seconds> retry_after;
    std::string error;
};

// The limits the centre last told (GET /api/v1/token), as kept in the outbox; 0 bytes: unknown.
struct ServerLimits {
    std::size_t max_body_bytes = 0;
    std::size_t max_batch_records = 1000;
};
ServerLimits known_limits(Outbox& outbox);
// Keeps the limits of a GET /api/v1/token answer (its "limits"); forgets them when it has none.
void remember_limits(Outbox& outbox, const std::string& token_answer);

SyncReport sync_once(Outbox& outbox, HttpClient& http, const ClientConfig& config, const SyncOptions& options);

// What the daemon adds to its heartbeats beyond the outbox's own figures.
struct HeartbeatExtras {
    // The officers' record latency in whole milliseconds (rounded up) over a recent window.
    struct Latency {
        std::int64_t p50 = 0, p99 = 0, count = 0;
    };
    std::optional<Latency> record_latency;
};

// Tells the centre this device's backlog (and the watchlist copy's version). Returns false when it
// could not. Keeps what the answer says of a drill covering this device (meta 'drill').
bool send_heartbeat(Outbox& outbox, HttpClient& http, const ClientConfig& config, const HeartbeatExtras& extras = {});

// Holds the data directory's sync lock while alive: one sync at a time per data directory, whether
// it is the daemon's or a `sync --once` (which waits for its turn).
class SyncLock {
public:
    explicit SyncLock(const std::filesystem::path& file);
    ~SyncLock();
    SyncLock(const SyncLock&) = delete;
    SyncLock& operator=(const SyncLock&) = delete;

private:
    int fd_ = -1;
};

}  // namespace borderlog::client
