#include "server/storage/pool.hpp"

#include "common/log.hpp"

#include <memory>
#include <stdexcept>

namespace borderlog::server {

namespace {
constexpr auto kReconnectPause = std::chrono::seconds{1};
}

Pool::Pool(std::string db_url, std::size_t workers, std::size_t max_group, std::size_t max_queued)
    : db_url_(std::move(db_url)), max_group_(max_group == 0 ? 1 : max_group), max_queued_(max_queued) {
    for (std::size_t i = 0; i < workers; ++i) workers_.emplace_back([this] { work(); });
}

Pool::~Pool() { stop(); }

bool Pool::submit(Job job) {
    {
        std::lock_guard lock(mutex_);
        if (jobs_.size() + inserts_.size() >= max_queued_) {
            ++refused_total_;
            return false;
        }
        jobs_.push_back({std::move(job), Clock::now()});
    }
    wake_.notify_one();
    return true;
}

bool Pool::submit_insert(const core::Crossing* crossing, InsertDone done) {
    {
        std::lock_guard lock(mutex_);
        if (jobs_.size() + inserts_.size() >= max_queued_) {
            ++refused_total_;
            return false;
        }
        inserts_.push_back({crossing, std::move(done), Clock::now()});
    }
    wake_.notify_one();
    return true;
}

bool Pool::may_try_connect() {
    std::lock_guard lock(mutex_);
    return std::chrono::steady_clock::now() >= retry_connect_after_;
}

void Pool::connect_failed() {
    std::lock_guard lock(mutex_);
    retry_connect_after_ = std::chrono::steady_clock::now() + kReconnectPause;
    ++connect_failures_total_;
}

PoolStats Pool::stats() {
    std::lock_guard lock(mutex_);
    return {workers_.size(), busy_, jobs_.size() + inserts_.size(), started_total_, refused_total_,
            wait_seconds_total_, connect_failures_total_};
}

void Pool::stop() {
    {
        std::lock_guard lock(mutex_);
        if (stopping_ && workers_.empty()) return;
        stopping_ = true;
    }
    wake_.notify_all();
    for (auto& t : workers_)
        if (t.joinable()) t.join();
    workers_.clear();
}

void Pool::run_inserts(Store* store, std::vector<PendingInsert>& group) {
    try {
        if (!store) throw DatabaseUnavailable("no database connection");
        std::vector<const core::Crossing*> crossings;
        crossings.reserve(group.size());
        for (const auto& p : group) crossings.push_back(p.crossing);
        const auto statuses = store->insert_crossings(crossings);
        for (std::size_t i = 0; i < group.size(); ++i) group[i].done(statuses[i], nullptr);
    } catch (...) {
        const auto error = std::current_exception();
        for (auto& p : group) p.done(InsertStatus::stored, error);
    }
}

void Pool::work() {
    std::unique_ptr<Store> store;
    bool prefer_jobs = false;  // alternate when both wait, so that inserts do not starve the rest
    for (;;) {
        Job job;
        std::vector<PendingInsert> group;
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [&] { return stopping_ || !jobs_.empty() || !inserts_.empty(); });
            const auto now = Clock::now();
            const auto waited = [&](Clock::time_point queued_at) {
                wait_seconds_total_ += std::chrono::duration<double>(now - queued_at).count();
            };
            const bool take_inserts = !inserts_.empty() && (jobs_.empty() || !prefer_jobs);
            prefer_jobs = !prefer_jobs;
            if (take_inserts) {
                while (!inserts_.empty() && group.size() < max_group_) {
                    waited(inserts_.front().queued_at);
                    group.push_back(std::move(inserts_.front()));
                    inserts_.pop_front();
                }
            } else if (!jobs_.empty()) {
                waited(jobs_.front().queued_at);
                job = std::move(jobs_.front().job);
                jobs_.pop_front();
            } else {
                return;  // stopping, and nothing left to do
            }
            ++busy_;
            ++started_total_;
        }
        if (store && !store->is_open()) store.reset();  // the connection broke during the last task
        if (!store && may_try_connect()) {
            try {
                store = std::make_unique<Store>(db_url_);
            } catch (const std::exception& e) {
                connect_failed();
                // libpq's reason (refused, timed out, read-only, auth) names hosts, never a password.
                std::string reason = e.what();
                reason = reason.substr(0, reason.find('\n'));
                common::log_event(spdlog::level::warn, "db_connect_failed", {{"error", reason}});
            }
        }
        if (!group.empty()) {
            run_inserts(store.get(), group);
        } else {
            job(store.get());
        }
        std::lock_guard lock(mutex_);
        --busy_;
    }
}

}  // namespace borderlog::server
