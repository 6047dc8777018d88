// The hash chain end to end on real SQLite and PostgreSQL: the checkpoint's outbox chains every record
// (and an older outbox's records when it is upgraded), the server flags a break on ingest as an anomaly
// chain_break, and verify (ChainStore + ChainVerifier) names what was altered or removed by hand.
#include "client/queue/outbox.hpp"
#include "core/crossing_json.hpp"
#include "core/ids.hpp"
#include "core/record_hash.hpp"
#include "pg_fixture.hpp"
#include "server/service/chain_verify.hpp"
#include "server/storage/chain_store.hpp"
#include "server/storage/store.hpp"

#include <gtest/gtest.h>

#include <SQLiteCpp/SQLiteCpp.h>
#include <boost/json.hpp>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace borderlog {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

const client::DeviceIdentity kDevice{"KAKAVIJE", "KAK-01"};

core::Crossing draft(const std::string& surname = "ERIKSSON") {
    core::Crossing x;
    x.lane = "3";
    x.direction = "entry";
    x.occurred_at = "2026-11-27T10:42:05.123Z";
    x.traveler = {"P", "L898902C3", "UTO", "UTO", surname, "ANNA MARIA", "1974-08-12", "F", ""};
    return x;
}

core::Crossing body_of(const client::QueuedRecord& r) {
    return core::crossing_from_json(json::parse(r.body), core::Completeness::full);
}

// Each record's prev_hash is the hash of the one before it in its stream (the genesis hash for the
// first), and its hash is record_hash of what it holds.
void expect_chained(const std::vector<client::QueuedRecord>& records) {
    std::string head(core::kGenesisHash);
    for (const auto& r : records) {
        const core::Crossing x = body_of(r);
        EXPECT_EQ(x.prev_hash, head) << "seq " << r.seq;
        EXPECT_EQ(x.hash, core::record_hash(x)) << "seq " << r.seq;
        head = x.hash;
    }
}

class OutboxChain : public testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::path("/tmp") / ("borderlog-chain-test-" + core::sha256_hex(core::random_urlsafe(16)).substr(0, 16));
        fs::create_directories(dir_);
        outbox = std::make_unique<client::Outbox>(file(), client::OpenMode::create);
    }
    void TearDown() override {
        outbox.reset();
        std::error_code ec;
        fs::remove_all(dir_, ec);
    }
    fs::path file() const { return dir_ / "outbox.db"; }

    std::unique_ptr<client::Outbox> outbox;

private:
    fs::path dir_;
};

TEST_F(OutboxChain, RecordedAndImportedRecordsFormOneChainInTheirStream) {
    const core::Crossing first = outbox->record(draft("A"), kDevice);
    EXPECT_EQ(first.prev_hash, core::kGenesisHash);
    EXPECT_EQ(first.hash, core::record_hash(first));
    client::ImportLine line{"key:1", 1, "raw", draft("B")};
    outbox->import_lines("/data/paper.jsonl", {line}, kDevice);
    outbox->record(draft("C"), kDevice);
    const auto pending = outbox->next_pending(10);
    ASSERT_EQ(pending.size(), 3u);
    expect_chained(pending);
    // The columns hold the same chain as the bodies sent.
    SQLite::Database db(file().string(), SQLite::OPEN_READONLY);
    SQLite::Statement q(db, "SELECT prev_hash, hash, body FROM outbox ORDER BY seq");
    while (q.executeStep()) {
        const core::Crossing x = core::crossing_from_json(json::parse(q.getColumn(2).getString()), core::Completeness::full);
        EXPECT_EQ(q.getColumn(0).getString(), x.prev_hash);
        EXPECT_EQ(q.getColumn(1).getString(), x.hash);
    }
}

TEST_F(OutboxChain, TheChainGoesOnAfterItsRecordsArePurgedAndTheFileReopened) {
    const core::Crossing a = outbox->record(draft(), kDevice);
    outbox->mark_acknowledged({a.id});
    outbox.reset();
    {
        SQLite::Database db(file().string(), SQLite::OPEN_READWRITE);
        db.exec("DELETE FROM outbox");  // as a purge leaves it
    }
    outbox = std::make_unique<client::Outbox>(file());
    const core::Crossing b = outbox->record(draft(), kDevice);
    EXPECT_EQ(b.seq, 2);
    EXPECT_EQ(b.prev_hash, a.hash);
}

TEST_F(OutboxChain, AVersion3OutboxIsChainedInSeqOrderWhenUpgraded) {
    for (int i = 0; i < 4; ++i) outbox->record(draft("V" + std::to_string(i)), kDevice);
    const std::string acked = outbox->next_pending(1).at(0).id;
    outbox->mark_acknowledged({acked});
    outbox.reset();
    std::vector<std::string> old_bodies;
    {
        // What version 3 was: no chain columns, bodies without chain fields.
        SQLite::Database db(file().string(), SQLite::OPEN_READWRITE);
        SQLite::Statement rows(db, "SELECT id, body FROM outbox ORDER BY seq");
        std::vector<std::pair<std::string, std::string>> bodies;
        while (rows.executeStep()) {
            const core::Crossing x = core::crossing_from_json(json::parse(rows.getColumn(1).getString()),
                                                              core::Completeness::full);
            bodies.emplace_back(rows.getColumn(0).getString(), core::canonical_json(core::content_of(x)));
        }
        for (const auto& [id, body] : bodies) {
            SQLite::Statement u(db, "UPDATE outbox SET body = ? WHERE id = ?");
            u.bind(1, body);
            u.bind(2, id);
            u.exec();
            old_bodies.push_back(body);
        }
        // (streams.last_hash is emptied rather than dropped: SQLite cannot drop a table's last column
        // behind a comment; the upgrade adds only the columns missing.)
        db.exec("ALTER TABLE outbox DROP COLUMN prev_hash; ALTER TABLE outbox DROP COLUMN hash; "
                "UPDATE streams SET last_hash = NULL; PRAGMA user_version=3");
    }
    outbox = std::make_unique<client::Outbox>(file());
    {
        SQLite::Database db(file().string(), SQLite::OPEN_READONLY);
        EXPECT_EQ(db.execAndGet("PRAGMA user_version").getInt(), 4);
        // Every record, the acknowledged one too, is chained; its content is unchanged.
        SQLite::Statement q(db, "SELECT id, stream_no, seq, body FROM outbox ORDER BY seq");
        std::vector<client::QueuedRecord> all;
        while (q.executeStep())
            all.push_back({q.getColumn(0).getString(), "", q.getColumn(2).getInt64(), q.getColumn(3).getString()});
        ASSERT_EQ(all.size(), 4u);
        expect_chained(all);
        for (std::size_t i = 0; i < all.size(); ++i)
            EXPECT_EQ(core::canonical_json(core::content_of(body_of(all[i]))), old_bodies[i]);
    }
    // A new record goes on from the last one's hash.
    const auto last = body_of(outbox->next_pending(10).back());
    const core::Crossing next = outbox->record(draft(), kDevice);
    EXPECT_EQ(next.seq, 5);
    EXPECT_EQ(next.prev_hash, last.hash);
}

TEST_F(OutboxChain, RecordsCarriedIntoANewStreamAreChainedAnewThere) {
    for (int i = 0; i < 3; ++i) outbox->record(draft(), kDevice);
    const auto before = outbox->next_pending(10);
    const auto applied = outbox->apply_answer({{before[1].id, client::RecordAnswer::Kind::seq_conflict, "", ""},
                                               {before[2].id, client::RecordAnswer::Kind::seq_conflict, "", ""}});
    ASSERT_TRUE(applied.new_stream_id);
    auto moved = outbox->next_pending(10);
    moved.erase(moved.begin());  // the first stays in the old stream
    ASSERT_EQ(moved.size(), 2u);
    EXPECT_EQ(moved[0].stream_id, *applied.new_stream_id);
    expect_chained(moved);
    EXPECT_EQ(outbox->record(draft(), kDevice).prev_hash, body_of(moved[1]).hash);
}

// --- the server --------------------------------------------------------------------------------------

const std::string kStream = "01936f1e-0000-7000-8000-00000000000a";

// `n` records of one stream chained as a checkpoint chains them.
std::vector<core::Crossing> chained(std::int64_t n, const std::string& device = "KAK-01") {
    std::vector<core::Crossing> out;
    std::string head(core::kGenesisHash);
    for (std::int64_t seq = 1; seq <= n; ++seq) {
        core::Crossing x = test::make_crossing(device, seq);
        x.stream_id = kStream;
        x.traveler.surname = "TRAVELLER" + std::string(1, static_cast<char>('A' + seq % 26));
        x.prev_hash = head;
        x.hash = core::record_hash(x);
        head = x.hash;
        out.push_back(x);
    }
    return out;
}

class ServerChain : public test::FreshDatabase {
protected:
    void SetUp() override {
        FreshDatabase::SetUp();
        if (HasFatalFailure()) return;
        store = std::make_unique<server::Store>(url());
    }
    void TearDown() override {
        store.reset();
        FreshDatabase::TearDown();
    }
    std::vector<server::InsertStatus> insert(const std::vector<core::Crossing>& crossings) {
        server::IngestRequest req;
        for (const auto& x : crossings) req.crossings.push_back(&x);
        return store->ingest(req);
    }
    // "seq:reasons" of every open chain_break, by seq.
    std::vector<std::string> breaks() {
        std::vector<std::string> out;
        for (const auto& r : run("SELECT (detail ->> 'seq') || ':' || (detail -> 'reasons')::text FROM anomalies "
                                 "WHERE kind = 'chain_break' AND state = 'open' ORDER BY (detail ->> 'seq')::bigint"))
            out.push_back(r[0].as<std::string>());
        return out;
    }
    server::service::ChainReport verify(const std::optional<std::string>& device = std::nullopt) {
        std::optional<server::service::ChainVerifier> verifier;
        server::ChainStore(*store).scan(
            device, [&](server::service::ChainContext c) { verifier.emplace(std::move(c)); },
            [&](const server::service::StoredLink& row) { verifier->add(row); });
        return verifier->finish();
    }
    std::unique_ptr<server::Store> store;
};

std::vector<std::string> named(const server::service::ChainReport& r) {
    std::vector<std::string> out;
    for (const auto& f : r.findings)
        out.push_back(f.kind + " " + std::to_string(f.seq) + " " + f.reason);
    return out;
}

TEST_F(ServerChain, AnIntactChainIsStoredWithItsHashesAndFlagsNothing) {
    const auto xs = chained(5);
    insert({xs[0], xs[1]});
    insert({xs[2], xs[3], xs[4]});
    EXPECT_TRUE(breaks().empty()) << testing::PrintToString(breaks());
    EXPECT_EQ(scalar<std::string>("SELECT record_hash FROM crossings WHERE seq = 3"), xs[2].hash);
    EXPECT_EQ(scalar<std::string>("SELECT prev_hash FROM crossings WHERE seq = 3"), xs[1].hash);
    EXPECT_EQ(scalar("SELECT count(*) FROM crossings WHERE record ? 'hash' OR record ? 'prev_hash'"), 0)
        << "the record column holds the content, the chain its own columns";
    const auto r = verify();
    EXPECT_TRUE(r.clean()) << testing::PrintToString(named(r));
    EXPECT_EQ(r.checked, 5);
}

TEST_F(ServerChain, ARecordWhoseHashDisagreesWithItsContentIsStoredAndFlagged) {
    auto xs = chained(3);
    xs[1].traveler.surname = "CHANGED";  // altered after the checkpoint hashed it
    EXPECT_EQ(insert(xs), std::vector<server::InsertStatus>(3, server::InsertStatus::stored));
    EXPECT_EQ(breaks(), (std::vector<std::string>{"2:[\"hash_mismatch\"]", "3:[\"prev_hash_mismatch\"]"}));
}

TEST_F(ServerChain, ARecordWhosePrevHashIsNotItsPredecessorsHashIsFlagged) {
    auto xs = chained(3);
    xs[2].prev_hash = xs[0].hash;  // linked past its predecessor
    xs[2].hash = core::record_hash(xs[2]);
    insert({xs[0], xs[1]});
    insert({xs[2]});
    EXPECT_EQ(breaks(), (std::vector<std::string>{"3:[\"prev_hash_mismatch\"]"}));
    EXPECT_EQ(scalar("SELECT count(*) FROM crossings"), 3);
}

TEST_F(ServerChain, ABreakFoundWhenThePredecessorArrivesAfterItsSuccessorFlagsTheSuccessor) {
    auto xs = chained(3);
    core::Crossing other = xs[1];
    other.traveler.surname = "NOT THE ONE CHAINED";
    other.hash = core::record_hash(other);  // a self-consistent record, but not the one seq 3 follows
    insert({xs[2]});
    insert({xs[0]});
    EXPECT_TRUE(breaks().empty());
    insert({other});
    EXPECT_EQ(breaks(), (std::vector<std::string>{"3:[\"prev_hash_mismatch\"]"}));
}

TEST_F(ServerChain, AChainArrivingOutOfOrderButWholeFlagsNothing) {
    const auto xs = chained(4);
    insert({xs[3]});
    insert({xs[1], xs[0]});
    insert({xs[2]});
    EXPECT_TRUE(breaks().empty()) << testing::PrintToString(breaks());
    EXPECT_TRUE(verify().clean());
}

// Links inside a request are compared within it; at each end of a run of seqs the stored neighbour is
// looked up: here the stored 3 before the run 4-5, and the stored 6 after it.
TEST_F(ServerChain, ARequestOfTwoRunsIsCheckedAgainstTheStoredRecordsAtEachEnd) {
    auto xs = chained(6);
    core::Crossing third = xs[2];
    third.traveler.surname = "NOT THE ONE CHAINED";
    third.hash = core::record_hash(third);  // follows 2, but 4 does not follow it
    core::Crossing sixth = xs[5];
    sixth.prev_hash = xs[3].hash;  // links past 5
    sixth.hash = core::record_hash(sixth);
    insert({third, sixth});
    EXPECT_TRUE(breaks().empty()) << testing::PrintToString(breaks());
    insert({xs[0], xs[1], xs[3], xs[4]});
    EXPECT_EQ(breaks(), (std::vector<std::string>{"4:[\"prev_hash_mismatch\"]", "6:[\"prev_hash_mismatch\"]"}));
    EXPECT_EQ(scalar("SELECT count(*) FROM crossings"), 6);
}

TEST_F(ServerChain, ARecordSentBeforeTheChainAndAgainWithItIsADuplicate) {
    const auto xs = chained(1);
    EXPECT_EQ(insert({core::content_of(xs[0])}), std::vector<server::InsertStatus>{server::InsertStatus::stored});
    EXPECT_EQ(insert({xs[0]}), std::vector<server::InsertStatus>{server::InsertStatus::duplicate});
    const auto r = verify();
    EXPECT_EQ(r.unchained, 1);
    EXPECT_TRUE(r.clean());
}

TEST_F(ServerChain, ABreakIsListedWithTheOtherAnomaliesAndCountedForTheFleet) {
    auto xs = chained(2);
    xs[0].traveler.surname = "CHANGED";
    insert(xs);
    EXPECT_EQ(scalar("SELECT count(*) FROM anomalies WHERE kind = 'chain_break' AND device_id = 'KAK-01' "
                     "AND checkpoint_id = 'KAKAVIJE' AND NOT synthetic"),
              2);
    EXPECT_EQ(store->fleet_counts(std::nullopt).open_anomalies.at("KAK-01"), 2);
}

TEST_F(ServerChain, VerifyNamesEachRecordAlteredOrRemovedByPlainSql) {
    const auto xs = chained(8);
    insert(xs);
    insert(chained(3, "KAK-02"));
    ASSERT_TRUE(verify().clean());
    run("UPDATE crossings SET surname = 'SMITH' WHERE device_id = 'KAK-01' AND seq = 2");
    // Altered with its hash made to fit: only its successor's prev_hash still tells.
    core::Crossing forged = xs[4];
    forged.traveler.surname = "FORGED";
    forged.hash = core::record_hash(forged);
    run("UPDATE crossings SET surname = 'FORGED', record = jsonb_set(record, '{traveler,surname}', '\"FORGED\"'), "
        "record_hash = $1 WHERE device_id = 'KAK-01' AND seq = 5",
        forged.hash);
    run("DELETE FROM crossings WHERE device_id = 'KAK-01' AND seq = 7");
    const auto r = verify();
    EXPECT_EQ(named(r), (std::vector<std::string>{"altered 2 hash_mismatch", "altered 5 successor_prev_hash_mismatch",
                                                  "removed 7 seq_gap"}));
    EXPECT_EQ(r.streams, 2);
    EXPECT_EQ(r.checked, 10);
    // Only one device's streams when asked.
    EXPECT_TRUE(verify("KAK-02").clean());
    EXPECT_EQ(verify("KAK-01").altered, 2);
}

TEST_F(ServerChain, VerifyNamesARowDeletedBehindTheKeyTriggersByItsId) {
    const auto xs = chained(3);
    insert(xs);
    {
        pqxx::connection conn(url());
        pqxx::work tx(conn);
        tx.exec("SET LOCAL session_replication_role = replica");  // what a superuser may do: no triggers
        tx.exec_params("DELETE FROM crossings WHERE id = $1", xs[2].id);
        tx.commit();
    }
    const auto r = verify();
    ASSERT_EQ(named(r), (std::vector<std::string>{"removed 3 key_without_row"}));
    EXPECT_EQ(r.findings[0].id, xs[2].id);
}

TEST_F(ServerChain, VerifyDoesNotCallAQuarantinedSeqRemoved) {
    const auto xs = chained(3);
    insert({xs[0], xs[2]});
    run("INSERT INTO rejected_records (device_id, checkpoint_id, stream_id, seq, record_id, code, detail, body) "
        "VALUES ('KAK-01', 'KAKAVIJE', $1, 2, $2, 'invalid_field', 'x', '{}')",
        kStream, xs[1].id);
    EXPECT_TRUE(verify().clean());
}

}  // namespace
}  // namespace borderlog
