// Sync: send what is pending in batches, mark records only on the server's acknowledgement, set
// refused records aside, and re-queue what reconcile says the server lacks.
#pragma once

#include "client/client_config.hpp"
#include "client/queue/outbox.hpp"
#include "client/sync/http_client.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

namespace borderlog::client {

struct SyncOptions {
    std::size_t batch_size = 500;
    bool reconcile = true;
    std::function<bool()> stop_requested;  // checked between batches (the daemon's SIGTERM)
};

enum class SyncStatus {
    drained,      // nothing left pending
    unavailable,  // the centre could not be reached or said 503: records stay queued
    failed,       // anything else (a refused token, a protocol error): records stay queued
    stopped,      // stop_requested said so between two batches
};

struct SyncReport {
    SyncStatus status = SyncStatus::drained;
    std::int64_t stored = 0;
    std::int64_t duplicates = 0;
    std::int64_t rejected = 0;
    std::int64_t requeued = 0;  // re-sent because reconcile said the server lacked them
    std::optional<std::chrono::seconds> retry_after;
    std::string error;
};

SyncReport sync_once(Outbox& outbox, HttpClient& http, const ClientConfig& config, const SyncOptions& options);

// Tells the centre this device's backlog. Returns false when it could not.
bool send_heartbeat(Outbox& outbox, HttpClient& http, const ClientConfig& config);

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
