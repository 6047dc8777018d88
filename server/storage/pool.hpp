// The database side of the server: a fixed set of worker threads, each with its own connection, so
// that no I/O thread ever waits on PostgreSQL. Single crossings are group-committed: while one worker
// commits, the crossings that arrive meanwhile queue up and the next free worker stores them together.
#pragma once

#include "core/crossing.hpp"
#include "server/storage/store.hpp"

#include <chrono>
#include <condition_variable>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace borderlog::server {

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

private:
    struct PendingInsert {
        const core::Crossing* crossing;
        InsertDone done;
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
    std::deque<Job> jobs_;
    std::deque<PendingInsert> inserts_;
    bool stopping_ = false;
    std::vector<std::thread> workers_;
};

}  // namespace borderlog::server
