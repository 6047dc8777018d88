#include "client/queue/outbox.hpp"

#include "core/crossing_json.hpp"
#include "core/ids.hpp"
#include "core/time.hpp"

#include <gtest/gtest.h>

#include <SQLiteCpp/SQLiteCpp.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <latch>
#include <memory>
#include <mutex>
#include <numeric>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace borderlog::client {
namespace {

namespace fs = std::filesystem;
using Ranges = std::vector<std::pair<std::int64_t, std::int64_t>>;

const DeviceIdentity kDevice{"KAKAVIJE", "KAK-01"};

// What an officer's form gives: a crossing without id, device or seq.
core::Crossing draft(const std::string& surname = "ERIKSSON") {
    core::Crossing x;
    x.lane = "3";
    x.direction = "entry";
    x.occurred_at = "2026-11-27T10:42:05.123Z";
    x.traveler = {"P", "L898902C3", "UTO", "UTO", surname, "ANNA MARIA", "1974-08-12", "F", ""};
    return x;
}

// Waits (with a deadline) until the clock has passed `t`, so that "before now" includes `t`.
void wait_until_after(core::Millis t) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (core::now_millis() <= t && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
    ASSERT_GT(core::now_millis(), t);
}

// A real SQLite file in its own directory under /tmp, removed after the test.
class OutboxTest : public testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::path("/tmp") / ("borderlog-outbox-test-" + core::sha256_hex(core::random_urlsafe(16)).substr(0, 16));
        fs::create_directories(dir_);
        outbox = std::make_unique<Outbox>(file());
    }
    void TearDown() override {
        outbox.reset();
        std::error_code ec;
        fs::remove_all(dir_, ec);
    }

    fs::path file() const { return dir_ / "outbox.db"; }

    std::vector<std::int64_t> pending_seqs(std::size_t limit = 10000) {
        std::vector<std::int64_t> out;
        for (const auto& r : outbox->next_pending(limit)) out.push_back(r.seq);
        return out;
    }

    std::vector<std::int64_t> record(int n) {
        std::vector<std::int64_t> seqs;
        for (int i = 0; i < n; ++i) seqs.push_back(outbox->record(draft(), kDevice).seq);
        return seqs;
    }

    std::unique_ptr<Outbox> outbox;

private:
    fs::path dir_;
};

std::vector<std::int64_t> one_to(std::int64_t n) {
    std::vector<std::int64_t> v(static_cast<std::size_t>(n));
    std::iota(v.begin(), v.end(), 1);
    return v;
}

// --- record -----------------------------------------------------------------------------------------

TEST_F(OutboxTest, RecordingGivesGaplessSeqsFromOne) { EXPECT_EQ(record(3), (std::vector<std::int64_t>{1, 2, 3})); }

TEST_F(OutboxTest, ARecordGetsAUuidV7AndTheDevicesIdentity) {
    const core::Crossing x = outbox->record(draft(), kDevice);
    EXPECT_TRUE(core::is_uuid(x.id)) << x.id;
    EXPECT_EQ(x.id[14], '7') << x.id;
    EXPECT_EQ(x.device_id, "KAK-01");
    EXPECT_EQ(x.checkpoint_id, "KAKAVIJE");
    EXPECT_EQ(x.seq, 1);
    EXPECT_TRUE(core::validate(x, core::Completeness::full, 2026).empty());
}

TEST_F(OutboxTest, TheQueuedBodyIsTheRecordsCanonicalJson) {
    const core::Crossing x = outbox->record(draft(), kDevice);
    const auto pending = outbox->next_pending(10);
    ASSERT_EQ(pending.size(), 1u);
    EXPECT_EQ(pending[0].seq, 1);
    EXPECT_EQ(pending[0].id, x.id);
    EXPECT_EQ(pending[0].body, core::canonical_json(x));
}

TEST_F(OutboxTest, RecordsSurviveReopeningTheFile) {
    record(2);
    outbox = std::make_unique<Outbox>(file());
    EXPECT_EQ(pending_seqs(), (std::vector<std::int64_t>{1, 2}));
    EXPECT_EQ(outbox->record(draft(), kDevice).seq, 3);
}

TEST_F(OutboxTest, TwoOutboxesOnOneFileRecordingFromFourThreadsGiveSeqsWithoutGapOrRepeat) {
    // Two connections to one file, as the daemon and an officer's `record` would hold. An Outbox is one
    // SQLite connection, used by one thread at a time: each is shared by two threads under its own mutex.
    constexpr int kThreads = 4, kEach = 50;
    Outbox second(file());
    Outbox* outboxes[2] = {outbox.get(), &second};
    std::mutex locks[2];
    std::latch start(kThreads);
    std::vector<std::vector<core::Crossing>> made(kThreads);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            start.arrive_and_wait();
            for (int i = 0; i < kEach; ++i) {
                std::lock_guard lock(locks[t % 2]);
                made[static_cast<std::size_t>(t)].push_back(outboxes[t % 2]->record(draft(), kDevice));
            }
        });
    }
    for (auto& t : threads) t.join();

    std::vector<std::int64_t> seqs;
    std::set<std::string> ids;
    for (const auto& list : made)
        for (const auto& x : list) {
            seqs.push_back(x.seq);
            ids.insert(x.id);
        }
    std::sort(seqs.begin(), seqs.end());
    EXPECT_EQ(seqs, one_to(kThreads * kEach));
    EXPECT_EQ(ids.size(), static_cast<std::size_t>(kThreads * kEach));
    EXPECT_EQ(pending_seqs(), one_to(kThreads * kEach));
    EXPECT_EQ(second.stats().last_seq, kThreads * kEach);
}

TEST_F(OutboxTest, FourOutboxesOnOneFileRecordingAtOnceGiveSeqsWithoutGapOrRepeat) {
    constexpr int kThreads = 4, kEach = 50;
    std::latch start(kThreads);
    std::vector<std::vector<std::int64_t>> made(kThreads);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            Outbox own(file());
            start.arrive_and_wait();
            for (int i = 0; i < kEach; ++i) made[static_cast<std::size_t>(t)].push_back(own.record(draft(), kDevice).seq);
        });
    }
    for (auto& t : threads) t.join();
    std::vector<std::int64_t> seqs;
    for (const auto& list : made) seqs.insert(seqs.end(), list.begin(), list.end());
    std::sort(seqs.begin(), seqs.end());
    EXPECT_EQ(seqs, one_to(kThreads * kEach));
}

TEST_F(OutboxTest, SeveralProcessesOpeningANewFileAtOnceAllGetAWorkingOutbox) {
    // The daemon, an officer's `record` and an `import` may all start on a fresh data directory. The
    // race is short, so it is run on many fresh files; each of the openers must succeed every time.
    constexpr int kRounds = 150, kOpeners = 4;
    std::vector<std::string> failures;
    for (int round = 0; round < kRounds; ++round) {
        const fs::path fresh = file().parent_path() / ("fresh-" + std::to_string(round) + ".db");
        std::latch start(kOpeners);
        std::vector<std::string> errors(kOpeners);
        std::vector<std::int64_t> seqs(kOpeners);
        std::vector<std::thread> threads;
        for (int t = 0; t < kOpeners; ++t) {
            threads.emplace_back([&, t] {
                start.arrive_and_wait();
                try {
                    Outbox own(fresh);
                    seqs[static_cast<std::size_t>(t)] = own.record(draft(), kDevice).seq;
                } catch (const std::exception& e) {
                    errors[static_cast<std::size_t>(t)] = e.what();
                }
            });
        }
        for (auto& t : threads) t.join();
        for (const auto& e : errors)
            if (!e.empty()) failures.push_back(e);
        if (std::find_if(errors.begin(), errors.end(), [](const std::string& e) { return !e.empty(); }) ==
            errors.end()) {
            std::sort(seqs.begin(), seqs.end());
            EXPECT_EQ(seqs, one_to(kOpeners)) << "round " << round;
        }
    }
    EXPECT_TRUE(failures.empty()) << failures.size() << " of " << kRounds * kOpeners
                                  << " opens failed, the first with: " << (failures.empty() ? "" : failures.front());
}

// --- the queue --------------------------------------------------------------------------------------

TEST_F(OutboxTest, NextPendingGivesTheOldestFirstUpToTheLimit) {
    record(5);
    EXPECT_EQ(pending_seqs(3), (std::vector<std::int64_t>{1, 2, 3}));
    outbox->mark_acknowledged({1, 3});
    EXPECT_EQ(pending_seqs(3), (std::vector<std::int64_t>{2, 4, 5}));
}

TEST_F(OutboxTest, ANewOutboxIsEmpty) {
    const OutboxStats s = outbox->stats();
    EXPECT_EQ(s.pending, 0);
    EXPECT_EQ(s.rejected, 0);
    EXPECT_EQ(s.acknowledged, 0);
    EXPECT_EQ(s.last_seq, 0);
    EXPECT_FALSE(s.oldest_pending_at.has_value());
    EXPECT_TRUE(outbox->next_pending(10).empty());
}

TEST_F(OutboxTest, StatsCountPendingRejectedAndAcknowledgedRecords) {
    const core::Millis before = core::now_millis();
    record(5);
    const core::Millis after = core::now_millis();
    outbox->mark_acknowledged({1, 2});
    outbox->mark_rejected(3, "invalid_field", "traveler.sex must be F, M or X");

    const OutboxStats s = outbox->stats();
    EXPECT_EQ(s.pending, 2);
    EXPECT_EQ(s.rejected, 1);
    EXPECT_EQ(s.acknowledged, 2);
    EXPECT_EQ(s.last_seq, 5);
    ASSERT_TRUE(s.oldest_pending_at.has_value());
    const auto oldest = core::parse_rfc3339(*s.oldest_pending_at);
    ASSERT_TRUE(oldest.has_value()) << *s.oldest_pending_at;
    EXPECT_GE(*oldest, before);
    EXPECT_LE(*oldest, after);
    EXPECT_EQ(pending_seqs(), (std::vector<std::int64_t>{4, 5}));
}

TEST_F(OutboxTest, WhenNothingIsPendingThereIsNoOldestPending) {
    record(2);
    outbox->mark_acknowledged({1});
    outbox->mark_rejected(2, "forbidden", "");
    const OutboxStats s = outbox->stats();
    EXPECT_EQ(s.pending, 0);
    EXPECT_FALSE(s.oldest_pending_at.has_value());
    EXPECT_EQ(s.last_seq, 2);
}

TEST_F(OutboxTest, ARejectedRecordIsKeptForReviewAndNeverBlocksTheOnesBehind) {
    record(4);
    const std::string first_id = outbox->next_pending(1).at(0).id;
    outbox->mark_rejected(1, "id_conflict", "this id is already stored with other content");
    EXPECT_EQ(pending_seqs(), (std::vector<std::int64_t>{2, 3, 4}));
    const auto rejected = outbox->rejected(10);
    ASSERT_EQ(rejected.size(), 1u);
    EXPECT_EQ(rejected[0].seq, 1);
    EXPECT_EQ(rejected[0].code, "id_conflict");
    EXPECT_EQ(rejected[0].detail, "this id is already stored with other content");
    EXPECT_TRUE(core::parse_rfc3339(rejected[0].rejected_at).has_value()) << rejected[0].rejected_at;
    EXPECT_EQ(rejected[0].id, first_id);
}

TEST_F(OutboxTest, ALongRejectionDetailIsCutTo500Characters) {
    record(1);
    outbox->mark_rejected(1, "invalid_field", std::string(2000, 'x'));
    EXPECT_EQ(outbox->rejected(1).at(0).detail.size(), 500u);
}

TEST_F(OutboxTest, OnlyPendingRecordsChangeState) {
    record(2);
    outbox->mark_acknowledged({1});
    outbox->mark_rejected(2, "forbidden", "");
    outbox->mark_rejected(1, "forbidden", "");  // already acknowledged: stays so
    outbox->mark_acknowledged({2});             // already rejected: stays so
    const OutboxStats s = outbox->stats();
    EXPECT_EQ(s.acknowledged, 1);
    EXPECT_EQ(s.rejected, 1);
    EXPECT_EQ(outbox->max_acknowledged_seq(), 1);
}

TEST_F(OutboxTest, AcknowledgingUnknownSeqsChangesNothing) {
    record(1);
    outbox->mark_acknowledged({});
    outbox->mark_acknowledged({7, 8});
    EXPECT_EQ(pending_seqs(), (std::vector<std::int64_t>{1}));
}

TEST_F(OutboxTest, MaxAcknowledgedSeqFollowsAcknowledgements) {
    EXPECT_EQ(outbox->max_acknowledged_seq(), 0);
    record(4);
    outbox->mark_acknowledged({1, 3});
    EXPECT_EQ(outbox->max_acknowledged_seq(), 3);
}

// --- import -----------------------------------------------------------------------------------------

std::vector<ImportLine> import_file(const std::vector<std::string>& surnames) {
    std::vector<ImportLine> lines;
    for (std::size_t i = 0; i < surnames.size(); ++i)
        lines.push_back({static_cast<std::int64_t>(i + 1), core::sha256_hex(surnames[i]), draft(surnames[i])});
    return lines;
}

using Outcomes = std::vector<std::pair<ImportOutcome, std::int64_t>>;

TEST_F(OutboxTest, ImportingTheSameLinesTwiceRecordsThemOnce) {
    const auto lines = import_file({"ERIKSSON", "SMITH", "JONES"});
    EXPECT_EQ(outbox->import_lines("/data/shift-1.jsonl", lines, kDevice),
              (Outcomes{{ImportOutcome::recorded, 1}, {ImportOutcome::recorded, 2}, {ImportOutcome::recorded, 3}}));
    EXPECT_EQ(outbox->import_lines("/data/shift-1.jsonl", lines, kDevice),
              (Outcomes{{ImportOutcome::already_recorded, 1},
                        {ImportOutcome::already_recorded, 2},
                        {ImportOutcome::already_recorded, 3}}));
    EXPECT_EQ(outbox->stats().last_seq, 3);
    EXPECT_EQ(pending_seqs(), (std::vector<std::int64_t>{1, 2, 3}));
}

TEST_F(OutboxTest, AnImportedLineThatChangedIsReportedAndNotRecordedAgain) {
    outbox->import_lines("/data/shift-1.jsonl", import_file({"ERIKSSON", "SMITH"}), kDevice);
    EXPECT_EQ(outbox->import_lines("/data/shift-1.jsonl", import_file({"ERIKSSON", "SMYTH", "JONES"}), kDevice),
              (Outcomes{{ImportOutcome::already_recorded, 1},
                        {ImportOutcome::changed_since_import, 2},
                        {ImportOutcome::recorded, 3}}));
    EXPECT_EQ(outbox->stats().last_seq, 3);
}

TEST_F(OutboxTest, TheSameLinesFromAnotherFileAreRecorded) {
    outbox->import_lines("/data/shift-1.jsonl", import_file({"ERIKSSON"}), kDevice);
    EXPECT_EQ(outbox->import_lines("/data/shift-2.jsonl", import_file({"ERIKSSON"}), kDevice),
              (Outcomes{{ImportOutcome::recorded, 2}}));
}

TEST_F(OutboxTest, ImportedRecordsShareTheSeqCounterWithRecordedOnes) {
    record(2);
    EXPECT_EQ(outbox->import_lines("/data/shift-1.jsonl", import_file({"A", "B"}), kDevice),
              (Outcomes{{ImportOutcome::recorded, 3}, {ImportOutcome::recorded, 4}}));
    EXPECT_EQ(outbox->record(draft(), kDevice).seq, 5);
}

// --- requeue and purge ------------------------------------------------------------------------------

TEST_F(OutboxTest, RequeuePutsAcknowledgedRecordsBackInTheQueue) {
    record(6);
    outbox->mark_acknowledged(one_to(6));
    const auto [found, gone] = outbox->requeue({{2, 3}, {5, 5}});
    EXPECT_EQ(found, 3);
    EXPECT_TRUE(gone.empty());
    EXPECT_EQ(pending_seqs(), (std::vector<std::int64_t>{2, 3, 5}));
}

TEST_F(OutboxTest, RequeueLeavesPendingAndRejectedRecordsAsTheyAre) {
    record(3);
    outbox->mark_acknowledged({1});
    outbox->mark_rejected(2, "forbidden", "");
    const auto [found, gone] = outbox->requeue({{1, 3}});
    EXPECT_EQ(found, 1);
    EXPECT_TRUE(gone.empty());
    EXPECT_EQ(pending_seqs(), (std::vector<std::int64_t>{1, 3}));
    EXPECT_EQ(outbox->stats().rejected, 1);
}

TEST_F(OutboxTest, PurgingForgetsAcknowledgedRecordsAndRequeueReportsThemGone) {
    record(6);
    outbox->mark_acknowledged({1, 2, 3, 4});
    outbox->mark_rejected(5, "forbidden", "");
    wait_until_after(core::now_millis());
    EXPECT_EQ(outbox->purge_acknowledged(0), 4);

    EXPECT_EQ(pending_seqs(), (std::vector<std::int64_t>{6}));
    EXPECT_EQ(outbox->stats().rejected, 1);
    const auto [found, gone] = outbox->requeue({{2, 3}, {5, 6}, {1, 6}});
    EXPECT_EQ(found, 0);
    EXPECT_EQ(gone, (Ranges{{2, 3}, {1, 6}}));
}

TEST_F(OutboxTest, PurgingKeepsRecentAcknowledgementsForTheDaysAskedFor) {
    record(2);
    outbox->mark_acknowledged({1, 2});
    EXPECT_EQ(outbox->purge_acknowledged(1), 0);
    EXPECT_EQ(outbox->stats().acknowledged, 2);
}

TEST_F(OutboxTest, TheSeqCounterContinuesAfterEverythingIsPurged) {
    record(3);
    outbox->mark_acknowledged({1, 2, 3});
    wait_until_after(core::now_millis());
    EXPECT_EQ(outbox->purge_acknowledged(0), 3);
    EXPECT_EQ(outbox->record(draft(), kDevice).seq, 4);
    EXPECT_EQ(outbox->stats().last_seq, 4);
}

// --- meta and the file ------------------------------------------------------------------------------

TEST_F(OutboxTest, MetaValuesAreSetReplacedAndRead) {
    EXPECT_FALSE(outbox->meta("central").has_value());
    outbox->set_meta("central", "offline");
    EXPECT_EQ(outbox->meta("central"), "offline");
    outbox->set_meta("central", "online");
    EXPECT_EQ(outbox->meta("central"), "online");
    Outbox other(file());
    EXPECT_EQ(other.meta("central"), "online");
}

TEST_F(OutboxTest, AFileFromANewerCheckpointIsRefused) {
    outbox.reset();
    {
        SQLite::Database db(file().string(), SQLite::OPEN_READWRITE);
        db.exec("PRAGMA user_version=2");
    }
    EXPECT_THROW(Outbox{file()}, std::runtime_error);
}

}  // namespace
}  // namespace borderlog::client
