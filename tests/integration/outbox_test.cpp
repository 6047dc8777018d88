#include "client/queue/outbox.hpp"

#include "client/queue/import_key.hpp"
#include "core/crossing_json.hpp"
#include "core/ids.hpp"
#include "core/record_hash.hpp"
#include "core/time.hpp"

#include <gtest/gtest.h>

#include <SQLiteCpp/SQLiteCpp.h>
#include <boost/json.hpp>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <latch>
#include <map>
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

// A real SQLite file in its own directory under /tmp, removed after the test.
class OutboxTest : public testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::path("/tmp") / ("borderlog-outbox-test-" + core::sha256_hex(core::random_urlsafe(16)).substr(0, 16));
        fs::create_directories(dir_);
        outbox = std::make_unique<Outbox>(file(), OpenMode::create);
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

    // Records n crossings; their ids are kept by seq, to acknowledge or reject them by seq.
    std::vector<std::int64_t> record(int n) {
        std::vector<std::int64_t> seqs;
        for (int i = 0; i < n; ++i) {
            const core::Crossing x = outbox->record(draft(), kDevice);
            ids_[x.seq] = x.id;
            seqs.push_back(x.seq);
        }
        return seqs;
    }
    const std::string& id(std::int64_t seq) { return ids_.at(seq); }
    void ack(const std::vector<std::int64_t>& seqs) {
        std::vector<std::string> ids;
        for (const auto seq : seqs) ids.push_back(id(seq));
        outbox->mark_acknowledged(ids);
    }
    void reject(std::int64_t seq, const std::string& code, const std::string& detail) {
        outbox->mark_rejected(id(seq), code, detail);
    }
    std::string stream() { return outbox->stats().stream_id; }

    // Runs SQL on the outbox file through a connection of its own (what a test may change behind it).
    void poke(const std::string& sql) {
        SQLite::Database db(file().string(), SQLite::OPEN_READWRITE);
        db.exec(sql);
    }

    std::unique_ptr<Outbox> outbox;

private:
    fs::path dir_;
    std::map<std::int64_t, std::string> ids_;
};

std::vector<std::int64_t> one_to(std::int64_t n) {
    std::vector<std::int64_t> v(static_cast<std::size_t>(n));
    std::iota(v.begin(), v.end(), 1);
    return v;
}

// --- record -----------------------------------------------------------------------------------------

TEST_F(OutboxTest, RecordingGivesGaplessSeqsFromOne) { EXPECT_EQ(record(3), (std::vector<std::int64_t>{1, 2, 3})); }

TEST_F(OutboxTest, ARecordGetsAUuidV7AndTheDevicesIdentityAndStream) {
    const core::Crossing x = outbox->record(draft(), kDevice);
    EXPECT_TRUE(core::is_uuid(x.id)) << x.id;
    EXPECT_EQ(x.id[14], '7') << x.id;
    EXPECT_TRUE(core::is_uuid(x.stream_id)) << x.stream_id;
    EXPECT_EQ(x.stream_id[14], '7') << x.stream_id;
    EXPECT_EQ(x.stream_id, stream());
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
    EXPECT_EQ(pending[0].stream_id, x.stream_id);
    EXPECT_EQ(pending[0].body, core::canonical_json(x));
    EXPECT_NE(pending[0].body.find("\"stream_id\":\"" + x.stream_id + "\""), std::string::npos);
}

TEST_F(OutboxTest, RecordsSurviveReopeningTheFile) {
    record(2);
    const std::string before = stream();
    outbox = std::make_unique<Outbox>(file());
    EXPECT_EQ(pending_seqs(), (std::vector<std::int64_t>{1, 2}));
    EXPECT_EQ(outbox->record(draft(), kDevice).seq, 3);
    EXPECT_EQ(stream(), before);
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
    // Two `init`s (or an init and a command started at once) may race on a fresh data directory. The
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
                    Outbox own(fresh, OpenMode::create);
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

// --- opening and streams -----------------------------------------------------------------------------

TEST_F(OutboxTest, AMissingOutboxIsRefusedNamingInitAndNotCreated) {
    const fs::path missing = file().parent_path() / "elsewhere" / "outbox.db";
    fs::create_directories(missing.parent_path());
    try {
        Outbox refused(missing);
        FAIL() << "a missing outbox was opened";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("init"), std::string::npos) << e.what();
    }
    EXPECT_FALSE(fs::exists(missing));
}

TEST_F(OutboxTest, AnEmptyFileIsNotAnOutboxUntilInitMakesIt) {
    const fs::path empty = file().parent_path() / "empty.db";
    { std::ofstream touch(empty); }
    EXPECT_THROW(Outbox{empty}, std::runtime_error);
    Outbox made(empty, OpenMode::create);
    EXPECT_TRUE(core::is_uuid(made.stats().stream_id));
}

TEST_F(OutboxTest, EachNewOutboxStartsAStreamOfItsOwnAndReopeningOrCreatingAgainKeepsIt) {
    const std::string first = stream();
    Outbox again(file(), OpenMode::create);  // `init` run again on the same data directory
    EXPECT_EQ(again.stats().stream_id, first);
    const fs::path other = file().parent_path() / "other.db";
    Outbox replacement(other, OpenMode::create);  // a replaced terminal, the same device
    EXPECT_NE(replacement.stats().stream_id, first);
    EXPECT_EQ(replacement.record(draft(), kDevice).seq, 1);
    const auto streams = replacement.streams();
    ASSERT_EQ(streams.size(), 1u);
    EXPECT_EQ(streams[0].reason, "init");
    EXPECT_TRUE(streams[0].current);
}

TEST_F(OutboxTest, AFileFromANewerCheckpointIsRefused) {
    outbox.reset();
    poke("PRAGMA user_version=5");
    EXPECT_THROW(Outbox{file()}, std::runtime_error);
}

// A data directory written by the version before streams, as it held its records.
constexpr const char* kVersion1Schema = R"SQL(
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE outbox (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, body TEXT NOT NULL, created_at TEXT NOT NULL,
                     state INTEGER NOT NULL DEFAULT 0, acked_at TEXT, reject_code TEXT, reject_detail TEXT);
CREATE INDEX outbox_pending ON outbox (state, seq);
CREATE TABLE imported_lines (source TEXT NOT NULL, line_no INTEGER NOT NULL, line_hash TEXT NOT NULL,
                             seq INTEGER NOT NULL, PRIMARY KEY (source, line_no)) WITHOUT ROWID;
PRAGMA user_version=1;
)SQL";

TEST_F(OutboxTest, AVersion1OutboxIsUpgradedInPlaceIntoTheLegacyStreamKeepingEveryRecord) {
    outbox.reset();
    const fs::path old = file().parent_path() / "v1.db";
    std::vector<std::string> bodies;
    {
        SQLite::Database db(old.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
        db.exec(kVersion1Schema);
        for (int seq = 1; seq <= 4; ++seq) {
            core::Crossing x = draft("V" + std::to_string(seq));
            x.id = core::new_uuid_v7();
            x.device_id = "KAK-01";
            x.checkpoint_id = "KAKAVIJE";
            x.seq = seq;
            bodies.push_back(core::canonical_json(x));
            SQLite::Statement ins(db, "INSERT INTO outbox (seq, id, body, created_at, state, acked_at, reject_code) "
                                      "VALUES (?, ?, ?, '2026-01-01T00:00:00.000Z', ?, ?, ?)");
            ins.bind(1, seq);
            ins.bind(2, x.id);
            ins.bind(3, bodies.back());
            ins.bind(4, seq == 1 ? 1 : seq == 2 ? 2 : 0);
            if (seq <= 2) ins.bind(5, "2026-01-01T00:00:01.000Z");
            if (seq == 2) ins.bind(6, "id_conflict");
            ins.exec();
        }
        db.exec("INSERT INTO meta VALUES ('last_seq', '4'), ('central', 'online')");
        db.exec("INSERT INTO imported_lines VALUES ('/data/old.jsonl', 7, 'rawhash', 3)");
    }
    Outbox upgraded(old);
    const OutboxStats s = upgraded.stats();
    EXPECT_EQ(s.stream_id, "") << "the old records are the legacy stream the centre knows them in";
    EXPECT_EQ(s.last_seq, 4);
    EXPECT_EQ(s.pending, 2);
    EXPECT_EQ(s.acknowledged, 1);
    EXPECT_EQ(s.rejected, 1);
    const auto pending = upgraded.next_pending(10);
    ASSERT_EQ(pending.size(), 2u);
    EXPECT_EQ(pending[0].seq, 3);
    // An old record is sent with the content it had (the centre compares content: a duplicate), now chained.
    const core::Crossing sent = core::crossing_from_json(boost::json::parse(pending[0].body), core::Completeness::full);
    EXPECT_EQ(core::canonical_json(core::content_of(sent)), bodies[2]);
    EXPECT_EQ(sent.hash, core::record_hash(sent));
    EXPECT_EQ(upgraded.meta("central"), "online");
    EXPECT_EQ(upgraded.rejected(10).at(0).code, "id_conflict");
    // The legacy stream goes on, gapless; its new records carry no stream_id, as the old ones.
    const core::Crossing next = upgraded.record(draft(), kDevice);
    EXPECT_EQ(next.seq, 5);
    EXPECT_EQ(next.stream_id, "");
    // A line imported before the upgrade is still known from where it was.
    ImportLine line{"newkey:1", 7, "rawhash", draft("OLD")};
    EXPECT_EQ(upgraded.import_lines("/data/old.jsonl", {line}, kDevice).at(0).first, ImportOutcome::already_recorded);
    {
        SQLite::Database db(old.string(), SQLite::OPEN_READONLY);
        EXPECT_EQ(db.execAndGet("PRAGMA user_version").getInt(), 4);
    }
    Outbox reopened(old);  // the upgrade happens once
    EXPECT_EQ(reopened.stats().last_seq, 5);
}

// --- the queue --------------------------------------------------------------------------------------

TEST_F(OutboxTest, NextPendingGivesTheOldestFirstUpToTheLimit) {
    record(5);
    EXPECT_EQ(pending_seqs(3), (std::vector<std::int64_t>{1, 2, 3}));
    ack({1, 3});
    EXPECT_EQ(pending_seqs(3), (std::vector<std::int64_t>{2, 4, 5}));
}

TEST_F(OutboxTest, NextPendingStaysUnderAByteBudgetButGivesAtLeastOneRecord) {
    record(5);
    const std::size_t one = outbox->next_pending(1).at(0).body.size() + 1;
    EXPECT_EQ(outbox->next_pending(10, 2 * one).size(), 2u);
    EXPECT_EQ(outbox->next_pending(10, 2 * one + one / 2).size(), 2u);
    EXPECT_EQ(outbox->next_pending(10, 1).size(), 1u);
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
    ack({1, 2});
    reject(3, "invalid_field", "traveler.sex must be F, M or X");

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

TEST_F(OutboxTest, ARejectedRecordIsKeptForReviewAndNeverBlocksTheOnesBehind) {
    record(4);
    reject(1, "id_conflict", "this id is already stored with other content");
    EXPECT_EQ(pending_seqs(), (std::vector<std::int64_t>{2, 3, 4}));
    const auto rejected = outbox->rejected(10);
    ASSERT_EQ(rejected.size(), 1u);
    EXPECT_EQ(rejected[0].seq, 1);
    EXPECT_EQ(rejected[0].stream_id, stream());
    EXPECT_EQ(rejected[0].code, "id_conflict");
    EXPECT_EQ(rejected[0].detail, "this id is already stored with other content");
    EXPECT_TRUE(core::parse_rfc3339(rejected[0].rejected_at).has_value()) << rejected[0].rejected_at;
    EXPECT_EQ(rejected[0].id, id(1));
}

TEST_F(OutboxTest, ALongRejectionDetailIsCutTo500Characters) {
    record(1);
    reject(1, "invalid_field", std::string(2000, 'x'));
    EXPECT_EQ(outbox->rejected(1).at(0).detail.size(), 500u);
}

TEST_F(OutboxTest, OnlyPendingRecordsChangeState) {
    record(2);
    ack({1});
    reject(2, "forbidden", "");
    reject(1, "forbidden", "");  // already acknowledged: stays so
    ack({2});                    // already rejected: stays so
    const OutboxStats s = outbox->stats();
    EXPECT_EQ(s.acknowledged, 1);
    EXPECT_EQ(s.rejected, 1);
    EXPECT_EQ(outbox->max_acknowledged_seq(stream()), 1);
}

TEST_F(OutboxTest, AcknowledgingUnknownIdsChangesNothing) {
    record(1);
    outbox->mark_acknowledged({});
    outbox->mark_acknowledged({core::new_uuid_v7()});
    EXPECT_EQ(pending_seqs(), (std::vector<std::int64_t>{1}));
}

TEST_F(OutboxTest, RetryRejectedQueuesAgainByIdOrSeqOrAll) {
    record(3);
    reject(1, "id_conflict", "");
    reject(2, "id_conflict", "");
    reject(3, "id_conflict", "");
    EXPECT_EQ(outbox->retry_rejected({}, {id(2)}), 1);
    EXPECT_EQ(outbox->retry_rejected({3}), 1);
    EXPECT_EQ(pending_seqs(), (std::vector<std::int64_t>{2, 3}));
    EXPECT_EQ(outbox->retry_rejected({}), 1);
    EXPECT_EQ(outbox->stats().rejected, 0);
}

// --- a batch answer: one transaction -----------------------------------------------------------------

TEST_F(OutboxTest, ABatchAnswerAppliesAcknowledgementsAndRejectionsTogether) {
    record(3);
    const AnswerApplied applied = outbox->apply_answer({{id(1), RecordAnswer::Kind::acknowledged, "stored", ""},
                                                        {id(2), RecordAnswer::Kind::rejected, "invalid_field", "x"},
                                                        {id(3), RecordAnswer::Kind::acknowledged, "duplicate", ""}});
    EXPECT_EQ(applied.acknowledged, 2);
    EXPECT_EQ(applied.rejected, 1);
    EXPECT_EQ(applied.carried_over, 0);
    const OutboxStats s = outbox->stats();
    EXPECT_EQ(s.acknowledged, 2);
    EXPECT_EQ(s.rejected, 1);
    EXPECT_EQ(s.pending, 0);
}

TEST_F(OutboxTest, ABatchAnswerThatFailsHalfwayChangesNothing) {
    record(3);
    // The third record cannot be carried over (its stored body is damaged): the whole answer fails, and
    // the acknowledgement and rejection before it are not applied either.
    poke("UPDATE outbox SET body = 'not json' WHERE id = '" + id(3) + "'");
    EXPECT_ANY_THROW(outbox->apply_answer({{id(1), RecordAnswer::Kind::acknowledged, "stored", ""},
                                           {id(2), RecordAnswer::Kind::rejected, "invalid_field", ""},
                                           {id(3), RecordAnswer::Kind::seq_conflict, "seq_conflict", ""}}));
    EXPECT_EQ(pending_seqs(), (std::vector<std::int64_t>{1, 2, 3}));
    EXPECT_EQ(outbox->stats().rejected, 0);
    EXPECT_EQ(outbox->streams().size(), 1u);
}

// --- a stale outbox -----------------------------------------------------------------------------------

TEST_F(OutboxTest, ASeqConflictCarriesTheRecordIntoANewStreamWithItsIdUnchanged) {
    record(4);
    const std::string stale = stream();
    ack({1});
    const AnswerApplied applied = outbox->apply_answer({{id(2), RecordAnswer::Kind::acknowledged, "duplicate", ""},
                                                        {id(4), RecordAnswer::Kind::seq_conflict, "seq_conflict", ""},
                                                        {id(3), RecordAnswer::Kind::seq_conflict, "seq_conflict", ""}});
    EXPECT_EQ(applied.carried_over, 2);
    ASSERT_TRUE(applied.new_stream_id.has_value());
    EXPECT_NE(*applied.new_stream_id, stale);
    EXPECT_EQ(stream(), *applied.new_stream_id) << "new records go to the new stream";
    const auto pending = outbox->next_pending(10);
    ASSERT_EQ(pending.size(), 2u);
    // In their old order, from seq 1 of the new stream, ids kept, bodies saying where they now are.
    EXPECT_EQ(pending[0].id, id(3));
    EXPECT_EQ(pending[1].id, id(4));
    for (std::size_t i = 0; i < 2; ++i) {
        EXPECT_EQ(pending[i].stream_id, *applied.new_stream_id);
        EXPECT_EQ(pending[i].seq, static_cast<std::int64_t>(i + 1));
        const core::Crossing x = core::crossing_from_json(boost::json::parse(pending[i].body), core::Completeness::full);
        EXPECT_EQ(x.stream_id, *applied.new_stream_id);
        EXPECT_EQ(x.seq, static_cast<std::int64_t>(i + 1));
        EXPECT_EQ(x.id, pending[i].id);
        EXPECT_TRUE(core::validate(x, core::Completeness::full, 2026).empty());
    }
    EXPECT_EQ(outbox->record(draft(), kDevice).seq, 3);
    const auto notices = outbox->notices(10);
    ASSERT_EQ(notices.size(), 1u);
    EXPECT_EQ(notices[0].code, "stale_outbox");
    EXPECT_NE(notices[0].message.find(stale), std::string::npos) << notices[0].message;
    EXPECT_EQ(outbox->stats().acknowledged, 2);
}

TEST_F(OutboxTest, ACollisionInAStreamLeftEarlierGoesToTheCurrentStreamWithoutAnotherNewOne) {
    record(2);
    const std::string old_stream = stream();
    const auto fresh = outbox->leave_stale_stream(old_stream, "test");
    ASSERT_TRUE(fresh.has_value());
    record(1);  // seq 1 of the fresh stream
    const AnswerApplied applied = outbox->apply_answer({{id(2), RecordAnswer::Kind::seq_conflict, "seq_conflict", ""}});
    EXPECT_FALSE(applied.new_stream_id.has_value());
    EXPECT_EQ(stream(), *fresh);
    const auto pending = outbox->next_pending(10);
    ASSERT_EQ(pending.size(), 3u);
    EXPECT_EQ(pending[2].id, id(2));
    EXPECT_EQ(pending[2].stream_id, *fresh);
    EXPECT_EQ(pending[2].seq, 2);
}

TEST_F(OutboxTest, LeavingAStaleStreamOnlyChangesTheCurrentOne) {
    record(1);
    const std::string first = stream();
    EXPECT_FALSE(outbox->leave_stale_stream("01936f1e-0000-7000-8000-000000000000", "test").has_value());
    EXPECT_EQ(stream(), first);
    const auto fresh = outbox->leave_stale_stream(first, "the centre holds seq 9");
    ASSERT_TRUE(fresh.has_value());
    EXPECT_EQ(stream(), *fresh);
    EXPECT_EQ(outbox->record(draft(), kDevice).seq, 1);
    EXPECT_EQ(outbox->streams_to_reconcile(), (std::vector<std::string>{*fresh}));
    ack({1});
    EXPECT_EQ(outbox->streams_to_reconcile(), (std::vector<std::string>{first, *fresh}));
    EXPECT_EQ(outbox->notices(1).at(0).code, "stale_outbox");
}

// --- import -----------------------------------------------------------------------------------------

std::vector<ImportLine> import_file(const std::vector<std::string>& surnames) {
    std::vector<ImportLine> lines;
    ImportKeys keys;
    for (std::size_t i = 0; i < surnames.size(); ++i) {
        const core::Crossing x = draft(surnames[i]);
        lines.push_back({keys.next(normalised_line_hash(x, "KAKAVIJE")), static_cast<std::int64_t>(i + 1),
                         core::sha256_hex(surnames[i]), x});
    }
    return lines;
}

using Outcomes = std::vector<ImportOutcome>;
Outcomes outcomes(const std::vector<std::pair<ImportOutcome, std::string>>& got) {
    Outcomes out;
    for (const auto& [o, id] : got) out.push_back(o);
    return out;
}
constexpr auto kRecorded = ImportOutcome::recorded;
constexpr auto kAlready = ImportOutcome::already_recorded;

TEST_F(OutboxTest, ImportingTheSameLinesTwiceRecordsThemOnce) {
    const auto lines = import_file({"ERIKSSON", "SMITH", "JONES"});
    EXPECT_EQ(outcomes(outbox->import_lines("/data/shift-1.jsonl", lines, kDevice)), (Outcomes{kRecorded, kRecorded, kRecorded}));
    EXPECT_EQ(outcomes(outbox->import_lines("/data/shift-1.jsonl", lines, kDevice)), (Outcomes{kAlready, kAlready, kAlready}));
    EXPECT_EQ(outbox->stats().last_seq, 3);
}

TEST_F(OutboxTest, TheSameLinesFromAMovedFileAreNotRecordedAgain) {
    outbox->import_lines("/media/usb0/register.jsonl", import_file({"ERIKSSON", "SMITH"}), kDevice);
    EXPECT_EQ(outcomes(outbox->import_lines("/media/usb1/copy/register.jsonl", import_file({"ERIKSSON", "SMITH"}), kDevice)),
              (Outcomes{kAlready, kAlready}));
    EXPECT_EQ(outbox->stats().last_seq, 2);
}

TEST_F(OutboxTest, ALineInsertedInTheMiddleIsRecordedAndTheOthersAreNot) {
    outbox->import_lines("/data/shift-1.jsonl", import_file({"A", "B", "C"}), kDevice);
    EXPECT_EQ(outcomes(outbox->import_lines("/data/shift-1.jsonl", import_file({"A", "NEW", "B", "C"}), kDevice)),
              (Outcomes{kAlready, kRecorded, kAlready, kAlready}));
    EXPECT_EQ(outbox->stats().last_seq, 4);
}

TEST_F(OutboxTest, IdenticalLinesOfOneFileAreEachRecordedOnce) {
    EXPECT_EQ(outcomes(outbox->import_lines("/data/a.jsonl", import_file({"TWIN", "TWIN"}), kDevice)),
              (Outcomes{kRecorded, kRecorded}));
    EXPECT_EQ(outcomes(outbox->import_lines("/data/b.jsonl", import_file({"TWIN", "TWIN", "TWIN"}), kDevice)),
              (Outcomes{kAlready, kAlready, kRecorded}));
}

TEST_F(OutboxTest, ImportedRecordsShareTheSeqCounterWithRecordedOnes) {
    record(2);
    outbox->import_lines("/data/shift-1.jsonl", import_file({"A", "B"}), kDevice);
    EXPECT_EQ(outbox->record(draft(), kDevice).seq, 5);
}

// --- reconcile and purge ----------------------------------------------------------------------------

StreamReconciliation answer(const std::string& stream, std::int64_t max, std::vector<std::pair<std::int64_t, std::int64_t>> missing,
                            std::int64_t covered_to, const std::string& server_time = "2026-11-27T10:00:00.000Z") {
    return {stream, max, std::move(missing), covered_to, server_time, 1000000};
}

TEST_F(OutboxTest, ReconcilePutsAcknowledgedRecordsTheServerLacksBackInTheQueue) {
    record(6);
    ack(one_to(6));
    const ReconcileApplied applied = outbox->apply_reconcile(answer(stream(), 6, {{2, 3}, {5, 5}}, 6));
    EXPECT_EQ(applied.requeued, 3);
    EXPECT_TRUE(applied.gone.empty());
    EXPECT_EQ(pending_seqs(), (std::vector<std::int64_t>{2, 3, 5}));
    EXPECT_EQ(applied.confirmed, 3);
}

TEST_F(OutboxTest, ReconcileRequeuesWhatIsAcknowledgedBeyondTheServersHighestSeq) {
    record(5);
    ack(one_to(5));
    EXPECT_EQ(outbox->apply_reconcile(answer(stream(), 3, {}, 3)).requeued, 2);
    EXPECT_EQ(pending_seqs(), (std::vector<std::int64_t>{4, 5}));
}

TEST_F(OutboxTest, ReconcileLeavesPendingAndRejectedRecordsAsTheyAre) {
    record(3);
    ack({1});
    reject(2, "forbidden", "");
    const ReconcileApplied applied = outbox->apply_reconcile(answer(stream(), 3, {{1, 2}}, 3));
    EXPECT_EQ(applied.requeued, 1);
    EXPECT_EQ(pending_seqs(), (std::vector<std::int64_t>{1, 3}));
    EXPECT_EQ(outbox->stats().rejected, 1);
}

TEST_F(OutboxTest, ReconcileRequeuesNoMoreThanItsLimit) {
    record(10);
    ack(one_to(10));
    StreamReconciliation rec = answer(stream(), 10, {{1, 4}, {6, 9}}, 10);
    rec.requeue_limit = 5;
    const ReconcileApplied applied = outbox->apply_reconcile(rec);
    EXPECT_EQ(applied.requeued, 5);
    EXPECT_EQ(pending_seqs(), (std::vector<std::int64_t>{1, 2, 3, 4, 6}));
}

TEST_F(OutboxTest, ReconcileConfirmsOnlyWhatTheAnswerCoveredAndDidNotNameMissing) {
    record(8);
    ack(one_to(8));
    // Pages read up to seq 6; 3 is missing: 1, 2, 4, 5, 6 are seen stored; 7 and 8 are not yet known.
    const ReconcileApplied applied = outbox->apply_reconcile(answer(stream(), 8, {{3, 3}}, 6));
    EXPECT_EQ(applied.confirmed, 5);
    EXPECT_EQ(applied.requeued, 1);
}

TEST_F(OutboxTest, AnAcknowledgedRecordIsPurgedOnlyAfterAReconcileSawItStoredAndTheRetentionPassedOnBothClocks) {
    record(3);
    ack({1, 2, 3});
    // Acknowledged long ago by the local clock, but no reconcile has seen them: kept.
    poke("UPDATE outbox SET acked_at = '2000-01-01T00:00:00.000Z'");
    outbox->note_server_time("2026-12-31T00:00:00.000Z");
    EXPECT_EQ(outbox->purge_acknowledged(14), 0);
    // A reconcile on 2026-11-27 saw 1 and 2 stored (3 is missing).
    outbox->apply_reconcile(answer(stream(), 3, {{3, 3}}, 3, "2026-11-27T00:00:00.000Z"));
    EXPECT_EQ(outbox->purge_acknowledged(14), 2);
    EXPECT_EQ(pending_seqs(), (std::vector<std::int64_t>{3}));
}

TEST_F(OutboxTest, AWrongLocalClockCannotShortenTheRetention) {
    record(2);
    ack({1, 2});
    outbox->apply_reconcile(answer(stream(), 2, {}, 2, "2026-11-27T00:00:00.000Z"));
    // The local clock jumped far ahead (or acked_at looks ancient): the server's clock has not moved.
    poke("UPDATE outbox SET acked_at = '2000-01-01T00:00:00.000Z'");
    EXPECT_EQ(outbox->purge_acknowledged(14), 0);
    outbox->note_server_time("2026-12-01T00:00:00.000Z");  // the centre's clock: 4 days later only
    EXPECT_EQ(outbox->purge_acknowledged(14), 0);
    outbox->note_server_time("2026-12-20T00:00:00.000Z");
    EXPECT_EQ(outbox->purge_acknowledged(14), 2);
}

TEST_F(OutboxTest, AWrongServerClockCannotShortenTheRetentionEither) {
    record(1);
    ack({1});
    outbox->apply_reconcile(answer(stream(), 1, {}, 1, "2026-11-27T00:00:00.000Z"));
    outbox->note_server_time("2099-01-01T00:00:00.000Z");  // a server clock gone wild
    EXPECT_EQ(outbox->purge_acknowledged(14), 0) << "acknowledged just now by the local clock";
}

TEST_F(OutboxTest, TheLatestServerTimeOnlyMovesForward) {
    outbox->note_server_time("2026-11-27T10:00:00.000Z");
    outbox->note_server_time("2026-11-01T10:00:00.000Z");
    outbox->note_server_time("not a time");
    EXPECT_EQ(outbox->meta("latest_server_time"), "2026-11-27T10:00:00.000Z");
}

TEST_F(OutboxTest, ARequeuedRecordNeedsANewConfirmation) {
    record(1);
    ack({1});
    outbox->apply_reconcile(answer(stream(), 1, {}, 1, "2026-11-01T00:00:00.000Z"));
    outbox->apply_reconcile(answer(stream(), 0, {}, 0, "2026-11-02T00:00:00.000Z"));  // the server lost it
    EXPECT_EQ(pending_seqs(), (std::vector<std::int64_t>{1}));
    ack({1});
    poke("UPDATE outbox SET acked_at = '2000-01-01T00:00:00.000Z'");
    outbox->note_server_time("2026-12-31T00:00:00.000Z");
    EXPECT_EQ(outbox->purge_acknowledged(14), 0);
}

TEST_F(OutboxTest, RequeueReportsRangesNoLongerHeld) {
    record(6);
    ack({1, 2, 3, 4});
    outbox->apply_reconcile(answer(stream(), 6, {}, 6, "2026-11-01T00:00:00.000Z"));
    poke("UPDATE outbox SET acked_at = '2000-01-01T00:00:00.000Z'");
    outbox->note_server_time("2026-12-31T00:00:00.000Z");
    EXPECT_EQ(outbox->purge_acknowledged(14), 4);
    const ReconcileApplied applied = outbox->apply_reconcile(answer(stream(), 6, {{2, 3}, {5, 5}}, 6));
    EXPECT_EQ(applied.requeued, 0);
    EXPECT_EQ(applied.gone, (Ranges{{2, 3}}));
}

TEST_F(OutboxTest, TheSeqCounterContinuesAfterEverythingIsPurged) {
    record(3);
    ack({1, 2, 3});
    outbox->apply_reconcile(answer(stream(), 3, {}, 3, "2026-11-01T00:00:00.000Z"));
    poke("UPDATE outbox SET acked_at = '2000-01-01T00:00:00.000Z'");
    outbox->note_server_time("2026-12-31T00:00:00.000Z");
    EXPECT_EQ(outbox->purge_acknowledged(14), 3);
    EXPECT_EQ(outbox->record(draft(), kDevice).seq, 4);
    EXPECT_EQ(outbox->stats().last_seq, 4);
}

// --- meta and notices --------------------------------------------------------------------------------

TEST_F(OutboxTest, MetaValuesAreSetReplacedReadAndErased) {
    EXPECT_FALSE(outbox->meta("central").has_value());
    outbox->set_meta("central", "offline");
    EXPECT_EQ(outbox->meta("central"), "offline");
    outbox->set_meta("central", "online");
    Outbox other(file());
    EXPECT_EQ(other.meta("central"), "online");
    other.erase_meta("central");
    EXPECT_FALSE(outbox->meta("central").has_value());
}

TEST_F(OutboxTest, NoticesAreKeptNewestFirstAndBounded) {
    for (int i = 0; i < 60; ++i) outbox->add_notice("stale_outbox", "notice " + std::to_string(i));
    const auto notices = outbox->notices(100);
    EXPECT_EQ(notices.size(), 50u);
    EXPECT_EQ(notices.front().message, "notice 59");
}

}  // namespace
}  // namespace borderlog::client
