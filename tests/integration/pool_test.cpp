#include "server/storage/pool.hpp"

#include "pg_fixture.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <exception>
#include <latch>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace borderlog::server {
namespace {

using namespace std::chrono_literals;
using test::make_crossing;

// A guard against a hang, not a timing expectation: every wait below is for work that finishes in
// well under a second on a healthy machine.
constexpr auto kDeadline = 120s;

// Collects what the pool reports, and lets a test wait until it has heard of `expected` inserts.
class Completions {
public:
    explicit Completions(std::size_t expected) : statuses_(expected), errors_(expected) {}

    Pool::InsertDone callback(std::size_t index) {
        return [this, index](InsertStatus status, std::exception_ptr error) {
            {
                std::lock_guard lock(mutex_);
                statuses_[index] = status;
                errors_[index] = error;
                ++done_;
            }
            changed_.notify_all();
        };
    }

    bool wait_for_all() {
        std::unique_lock lock(mutex_);
        return changed_.wait_for(lock, kDeadline, [&] { return done_ == statuses_.size(); });
    }

    std::map<InsertStatus, std::size_t> tally() {
        std::lock_guard lock(mutex_);
        std::map<InsertStatus, std::size_t> out;
        for (const auto s : statuses_) ++out[s];
        return out;
    }

    std::size_t errors() {
        std::lock_guard lock(mutex_);
        std::size_t n = 0;
        for (const auto& e : errors_) n += e ? 1 : 0;
        return n;
    }

    std::string first_error() {
        std::lock_guard lock(mutex_);
        for (const auto& e : errors_) {
            if (!e) continue;
            try {
                std::rethrow_exception(e);
            } catch (const std::exception& ex) {
                return ex.what();
            }
        }
        return "";
    }

private:
    std::mutex mutex_;
    std::condition_variable changed_;
    std::vector<InsertStatus> statuses_;
    std::vector<std::exception_ptr> errors_;
    std::size_t done_ = 0;
};

class PoolTest : public test::FreshDatabase {};

// Submits every crossing from `threads` threads at once.
void submit_concurrently(Pool& pool, const std::vector<core::Crossing>& crossings, Completions& completions,
                         std::size_t threads) {
    std::latch start(static_cast<std::ptrdiff_t>(threads));
    std::vector<std::thread> submitters;
    for (std::size_t t = 0; t < threads; ++t) {
        submitters.emplace_back([&, t] {
            start.arrive_and_wait();
            for (std::size_t i = t; i < crossings.size(); i += threads)
                EXPECT_TRUE(pool.submit_insert(&crossings[i], completions.callback(i)));
        });
    }
    for (auto& s : submitters) s.join();
}

TEST_F(PoolTest, ManyCrossingsSubmittedFromSeveralThreadsAreAllStoredOnce) {
    constexpr std::size_t kThreads = 4, kPerDevice = 250;
    std::vector<core::Crossing> crossings;
    for (std::size_t d = 0; d < kThreads; ++d)
        for (std::size_t seq = 1; seq <= kPerDevice; ++seq)
            crossings.push_back(make_crossing("DEV-" + std::to_string(d), static_cast<std::int64_t>(seq)));

    Pool pool(url(), 3, 64);
    Completions completions(crossings.size());
    submit_concurrently(pool, crossings, completions, kThreads);
    ASSERT_TRUE(completions.wait_for_all()) << "the pool did not answer every insert";

    EXPECT_EQ(completions.errors(), 0u) << completions.first_error();
    EXPECT_EQ(completions.tally(), (std::map<InsertStatus, std::size_t>{{InsertStatus::stored, crossings.size()}}));
    EXPECT_EQ(scalar("SELECT count(*) FROM crossings"), static_cast<std::int64_t>(crossings.size()));
    EXPECT_EQ(scalar("SELECT count(DISTINCT (device_id, seq)) FROM crossings"),
              static_cast<std::int64_t>(crossings.size()));
}

TEST_F(PoolTest, ResubmittingEveryCrossingAnswersDuplicateAndAddsNoRow) {
    std::vector<core::Crossing> crossings;
    for (std::int64_t seq = 1; seq <= 200; ++seq) crossings.push_back(make_crossing("KAK-01", seq));
    Pool pool(url(), 2, 16);
    Completions first(crossings.size()), second(crossings.size());
    submit_concurrently(pool, crossings, first, 4);
    ASSERT_TRUE(first.wait_for_all());
    submit_concurrently(pool, crossings, second, 4);
    ASSERT_TRUE(second.wait_for_all());

    EXPECT_EQ(second.errors(), 0u) << second.first_error();
    EXPECT_EQ(second.tally(), (std::map<InsertStatus, std::size_t>{{InsertStatus::duplicate, crossings.size()}}));
    EXPECT_EQ(scalar("SELECT count(*) FROM crossings"), 200);
}

TEST_F(PoolTest, TwoIdsRacingForOneSeqStoreExactlyOne) {
    std::vector<core::Crossing> crossings;
    for (int i = 0; i < 50; ++i) crossings.push_back(make_crossing("KAK-01", 1));
    Pool pool(url(), 4, 8);
    Completions completions(crossings.size());
    submit_concurrently(pool, crossings, completions, 4);
    ASSERT_TRUE(completions.wait_for_all());
    EXPECT_EQ(completions.errors(), 0u) << completions.first_error();
    EXPECT_EQ(completions.tally(), (std::map<InsertStatus, std::size_t>{{InsertStatus::stored, 1},
                                                                        {InsertStatus::seq_conflict, 49}}));
    EXPECT_EQ(scalar("SELECT count(*) FROM crossings"), 1);
}

TEST_F(PoolTest, AJobRunsWithAConnectedStore) {
    Pool pool(url(), 2, 8);
    std::mutex mutex;
    std::condition_variable ran;
    bool done = false;
    bool connected = false;
    EXPECT_TRUE(pool.submit([&](Store* store) {
        bool ok = store != nullptr;
        if (ok) store->ping();
        {
            std::lock_guard lock(mutex);
            connected = ok;
            done = true;
        }
        ran.notify_all();
    }));
    std::unique_lock lock(mutex);
    ASSERT_TRUE(ran.wait_for(lock, kDeadline, [&] { return done; }));
    EXPECT_TRUE(connected);
}

TEST_F(PoolTest, StopFinishesTheQueuedInsertsFirst) {
    std::vector<core::Crossing> crossings;
    for (std::int64_t seq = 1; seq <= 100; ++seq) crossings.push_back(make_crossing("KAK-01", seq));
    Completions completions(crossings.size());
    {
        Pool pool(url(), 1, 10);
        for (std::size_t i = 0; i < crossings.size(); ++i) EXPECT_TRUE(pool.submit_insert(&crossings[i], completions.callback(i)));
        pool.stop();
    }
    ASSERT_TRUE(completions.wait_for_all());
    EXPECT_EQ(completions.tally(), (std::map<InsertStatus, std::size_t>{{InsertStatus::stored, crossings.size()}}));
    EXPECT_EQ(scalar("SELECT count(*) FROM crossings"), 100);
}

TEST_F(PoolTest, ACrossingThatCannotBeStoredFailsAloneNotTheOthersCommittedWithIt) {
    std::vector<core::Crossing> crossings;
    for (std::int64_t seq = 1; seq <= 10; ++seq) crossings.push_back(make_crossing("DEV-" + std::to_string(seq), 1));
    // core::validate refuses year 0000; the pool must still survive a value that slips past it.
    crossings[4].traveler.birth_date = "0000-01-01";

    Pool pool(url(), 1, 10);
    // Hold the only worker until every insert is queued, so that the ten form one group.
    std::mutex mutex;
    std::condition_variable released;
    bool release = false;
    EXPECT_TRUE(pool.submit([&](Store*) {
        std::unique_lock lock(mutex);
        released.wait_for(lock, kDeadline, [&] { return release; });
    }));
    Completions completions(crossings.size());
    for (std::size_t i = 0; i < crossings.size(); ++i) EXPECT_TRUE(pool.submit_insert(&crossings[i], completions.callback(i)));
    {
        std::lock_guard lock(mutex);
        release = true;
    }
    released.notify_all();
    ASSERT_TRUE(completions.wait_for_all());

    EXPECT_EQ(completions.errors(), 0u) << completions.first_error();
    EXPECT_EQ(completions.tally(), (std::map<InsertStatus, std::size_t>{{InsertStatus::stored, 9},
                                                                         {InsertStatus::unstorable, 1}}));
    EXPECT_EQ(scalar("SELECT count(*) FROM crossings"), 9);
}

TEST_F(PoolTest, AfterTheDatabaseDropsItsConnectionsThePoolConnectsAgain) {
    Pool pool(url(), 2, 8);
    const core::Crossing before = make_crossing("KAK-01", 1);
    Completions first(1);
    EXPECT_TRUE(pool.submit_insert(&before, first.callback(0)));
    ASSERT_TRUE(first.wait_for_all());
    ASSERT_EQ(first.errors(), 0u) << first.first_error();

    // What a database restart or failover does to every open session.
    EXPECT_GE(scalar("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                     "WHERE datname = current_database() AND pid <> pg_backend_pid()"),
              1);

    // The first use of a dropped connection may fail (the device retries); the pool must not stay broken.
    const core::Crossing after = make_crossing("KAK-01", 2);
    std::vector<std::string> failures;
    bool stored = false;
    for (int attempt = 0; attempt < 4 && !stored; ++attempt) {
        Completions next(1);
        EXPECT_TRUE(pool.submit_insert(&after, next.callback(0)));
        ASSERT_TRUE(next.wait_for_all());
        if (next.errors() == 0) stored = true;
        else failures.push_back(next.first_error());
    }
    EXPECT_TRUE(stored) << "every attempt failed, the last with: " << (failures.empty() ? "" : failures.back());
    EXPECT_LE(failures.size(), 2u) << "one failure per worker at most";
    EXPECT_EQ(scalar("SELECT count(*) FROM crossings"), 2);
}

// No fixture: the point is that there is no database to reach.
TEST(Pool, AnInsertWhenTheDatabaseCannotBeReachedCompletesWithTheError) {
    const core::Crossing x = make_crossing("KAK-01", 1);
    Completions completions(1);
    Pool pool("postgresql://postgres@127.0.0.1:1/none?connect_timeout=5", 1, 8);
    EXPECT_TRUE(pool.submit_insert(&x, completions.callback(0)));
    ASSERT_TRUE(completions.wait_for_all());
    EXPECT_EQ(completions.errors(), 1u);
}

TEST(Pool, AJobWhenTheDatabaseCannotBeReachedGetsNoStore) {
    Pool pool("postgresql://postgres@127.0.0.1:1/none?connect_timeout=5", 1, 8);
    std::mutex mutex;
    std::condition_variable ran;
    bool done = false;
    Store* seen = reinterpret_cast<Store*>(1);
    EXPECT_TRUE(pool.submit([&](Store* store) {
        {
            std::lock_guard lock(mutex);
            seen = store;
            done = true;
        }
        ran.notify_all();
    }));
    std::unique_lock lock(mutex);
    ASSERT_TRUE(ran.wait_for(lock, kDeadline, [&] { return done; }));
    EXPECT_EQ(seen, nullptr);
}

}  // namespace
}  // namespace borderlog::server
