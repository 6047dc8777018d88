// The database side of the server: a fixed set of worker threads, each with its own connection, so
// that no I/O thread ever waits on PostgreSQL. Single crossings are group-committed: while one worker
// commits, the crossings that arrive meanwhile queue up and the next free worker stores them together.
#pragma once

#include "core/crossing.hpp"
#include "server/storage/store.hpp"

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace borderlog::server {

// What /metrics tells of the pool: how busy the workers are and how long work waits for one.
struct PoolStats {
    std::size_t workers = 0;
    std::size_t busy = 0;    // workers running a job or a group of inserts now
    std::size_t queued = 0;  // jobs and inserts waiting
    std::uint64_t started_total = 0;           // jobs and insert groups taken by a worker
    std::uint64_t refused_total = 0;           // submissions refused because the queue was full
    double wait_seconds_total = 0;             // time work waited in the queue, summed
    std::uint64_t connect_failures_total = 0;  // failed attempts to (re)connect a worker
};

class Pool {
public:
    // Runs with a connected Store, or with nullptr when no connection can be had right now.
    using Job = std::function<void(Store*)>;
    // Called on a worker thread once the crossing's transaction has committed (or failed).
    using InsertDone = std::function<void(InsertStatus, std::exception_ptr)>;

    // At most `max_queued` jobs and inserts wait; beyond that submit refuses (the caller answers 503).
    Pool(std::string db_url, std::size_t workers, std::size_t max_group, std::size_t max_queued = 20000);
    ~Pool();
    Pool(const Pool&) = delete;
    Pool& operator=(const Pool&) = delete;

    // Both return false, and do not take the work, when the queue is full.
    [[nodiscard]] bool submit(Job job);
    // `crossing` must stay alive until `done` runs.
    [[nodiscard]] bool submit_insert(const core::Crossing* crossing, InsertDone done);

    // Finishes queued work, then joins the workers.
    void stop();

    PoolStats stats();

private:
    using Clock = std::chrono::steady_clock;
    struct PendingInsert {
        const core::Crossing* crossing;
        InsertDone done;
        Clock::time_point queued_at;
    };
    struct QueuedJob {
        Job job;
        Clock::time_point queued_at;
    };
    void work();
    void run_inserts(Store* store, std::vector<PendingInsert>& group);

    // After a failed connect, workers fail fast for a moment instead of each waiting on the database.
    bool may_try_connect();
    void connect_failed();

    std::string db_url_;
    std::size_t max_group_;
    std::size_t max_queued_;
    std::chrono::steady_clock::time_point retry_connect_after_{};
    std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<QueuedJob> jobs_;
    std::deque<PendingInsert> inserts_;
    bool stopping_ = false;
    std::vector<std::thread> workers_;
    // Counters for stats(), under mutex_.
    std::size_t busy_ = 0;
    std::uint64_t started_total_ = 0;
    std::uint64_t refused_total_ = 0;
    double wait_seconds_total_ = 0;
    std::uint64_t connect_failures_total_ = 0;
};

}  // namespace borderlog::server
