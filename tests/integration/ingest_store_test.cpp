// Ingest against a real PostgreSQL: streams, the flags column, durable commits, the central quarantine,
// which database errors reject one record and which are faults, the devices' clocks, and release.
#include "server/storage/store.hpp"

#include "core/crossing_json.hpp"
#include "core/time.hpp"
#include "pg_fixture.hpp"
#include "server/service/ingest.hpp"
#include "server/service/quarantine.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace borderlog::server {
namespace {

namespace json = boost::json;
using test::make_crossing;

const Principal kDevice{1, "device", "KAKAVIJE", "KAK-01", "lane 3"};
constexpr const char* kStreamA = "01936f1e-0000-7000-8000-00000000000a";
constexpr const char* kStreamB = "01936f1e-0000-7000-8000-00000000000b";

class IngestStore : public test::FreshDatabase {
protected:
    void SetUp() override {
        FreshDatabase::SetUp();
        if (HasFatalFailure()) return;
        store = std::make_unique<Store>(url());
    }
    void TearDown() override {
        store.reset();
        FreshDatabase::TearDown();
    }

    std::vector<InsertStatus> insert(const std::vector<core::Crossing>& crossings, std::vector<RefusedRecord> refused = {}) {
        IngestRequest req;
        for (const auto& x : crossings) req.crossings.push_back(&x);
        req.refused = std::move(refused);
        return store->ingest(req);
    }

    // A batch as a device sends it, planned and stored the way the batch route does.
    std::vector<service::PlannedRecord> send(const json::array& records) {
        auto plan = service::plan_batch(json::object{{"records", records}}, kDevice, 2026);
        IngestRequest req;
        req.refused = service::refused_records(plan, kDevice);
        for (const auto& p : plan)
            if (p.crossing) req.crossings.push_back(&*p.crossing);
        store->ingest(req);
        return plan;
    }

    std::int64_t count(const std::string& sql) { return scalar(sql); }

    std::unique_ptr<Store> store;
};

core::Crossing in_stream(std::int64_t seq, const char* stream) {
    core::Crossing x = make_crossing("KAK-01", seq);
    x.stream_id = stream;
    return x;
}

// --- streams and columns -------------------------------------------------------------------------------

TEST_F(IngestStore, TheSameSeqInAnotherStreamOfTheDeviceIsNoConflict) {
    EXPECT_EQ(insert({in_stream(1, kStreamA), in_stream(1, kStreamB), make_crossing("KAK-01", 1)}),
              (std::vector<InsertStatus>{InsertStatus::stored, InsertStatus::stored, InsertStatus::stored}));
    EXPECT_EQ(insert({in_stream(1, kStreamA)}), std::vector<InsertStatus>{InsertStatus::seq_conflict});
    EXPECT_EQ(count("SELECT count(*) FROM crossings WHERE stream_id = ''"), 1);
}

TEST_F(IngestStore, StreamFlagsAndPaperRefAreStoredInTheirColumns) {
    core::Crossing x = in_stream(4, kStreamA);
    x.flags = {"back_captured", "synthetic"};
    x.paper_ref = "REG-2026/117";
    insert({x});
    EXPECT_EQ(scalar<std::string>("SELECT stream_id || ' ' || array_to_string(flags, ',') || ' ' || paper_ref FROM crossings"),
              std::string(kStreamA) + " back_captured,synthetic REG-2026/117");
    EXPECT_EQ(json::parse(scalar<std::string>("SELECT record::text FROM crossings")), json::value(core::to_json(x)));
}

// --- clocks ----------------------------------------------------------------------------------------------

struct ClockCase {
    const char* name;
    std::chrono::minutes ahead;
    bool suspect;
};
void PrintTo(const ClockCase& c, std::ostream* os) { *os << c.name; }

class ARecordsTimeAgainstTheServersClock : public IngestStore, public testing::WithParamInterface<ClockCase> {};

TEST_P(ARecordsTimeAgainstTheServersClock, FlagsItClockSuspectOnlyBeyondTenMinutesAheadAndNeverRefusesIt) {
    core::Crossing x = make_crossing("KAK-01", 1);
    x.occurred_at = core::format_rfc3339(core::now_millis() + GetParam().ahead);
    EXPECT_EQ(insert({x}), std::vector<InsertStatus>{InsertStatus::stored});
    EXPECT_EQ(count("SELECT count(*) FROM crossings WHERE 'clock_suspect' = ANY (flags)"), GetParam().suspect ? 1 : 0);
    // The stored record stays what the device sent.
    EXPECT_EQ(json::parse(scalar<std::string>("SELECT record::text FROM crossings")), json::value(core::to_json(x)));
    // Sent again, it is a duplicate, not a conflict: the flag is the server's, not the record's.
    EXPECT_EQ(insert({x}), std::vector<InsertStatus>{InsertStatus::duplicate});
}

INSTANTIATE_TEST_SUITE_P(IngestStore, ARecordsTimeAgainstTheServersClock,
                         testing::Values(ClockCase{"InThePast", std::chrono::minutes{-600}, false},
                                         ClockCase{"FiveMinutesAhead", std::chrono::minutes{5}, false},
                                         ClockCase{"NineMinutesAhead", std::chrono::minutes{9}, false},
                                         ClockCase{"ElevenMinutesAhead", std::chrono::minutes{11}, true},
                                         ClockCase{"ADayAhead", std::chrono::minutes{24 * 60}, true}),
                         [](const auto& param_info) { return std::string(param_info.param.name); });

TEST_F(IngestStore, TheDevicesClockOffsetIsKeptFromABatch) {
    const core::Crossing x = make_crossing("KAK-01", 1);
    IngestRequest req;
    req.crossings = {&x};
    req.clock = DeviceClock{"KAK-01", "KAKAVIJE", core::format_rfc3339(core::now_millis() + std::chrono::hours{2})};
    store->ingest(req);
    const std::int64_t offset = scalar("SELECT clock_offset_ms FROM devices WHERE device_id = 'KAK-01'");
    EXPECT_GT(offset, 2 * 3600 * 1000 - 60000);
    EXPECT_LT(offset, 2 * 3600 * 1000 + 60000);
}

TEST_F(IngestStore, TheDevicesClockOffsetIsKeptFromAHeartbeat) {
    Heartbeat beat;
    beat.device_time = core::format_rfc3339(core::now_millis() - std::chrono::minutes{30});
    store->record_heartbeat("KAK-01", "KAKAVIJE", beat);
    const std::int64_t offset = scalar("SELECT clock_offset_ms FROM devices WHERE device_id = 'KAK-01'");
    EXPECT_LT(offset, -30 * 60 * 1000 + 60000);
    EXPECT_GT(offset, -30 * 60 * 1000 - 60000);
    beat.device_time.reset();  // a heartbeat without its time keeps the last offset
    store->record_heartbeat("KAK-01", "KAKAVIJE", beat);
    EXPECT_EQ(scalar("SELECT clock_offset_ms FROM devices WHERE device_id = 'KAK-01'"), offset);
}

// --- durability ------------------------------------------------------------------------------------------

TEST_F(IngestStore, StoringPinsSynchronousCommitWhateverTheDatabaseDefault) {
    // The database says "off"; a trigger notes what the storing transaction ran with.
    run("ALTER DATABASE " + scalar<std::string>("SELECT current_database()") + " SET synchronous_commit = off");
    run("CREATE TABLE seen_setting (value text)");
    run("CREATE FUNCTION note_setting() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "INSERT INTO seen_setting VALUES (current_setting('synchronous_commit')); RETURN NEW; END $$");
    run("CREATE TRIGGER note_setting AFTER INSERT ON crossings FOR EACH ROW EXECUTE FUNCTION note_setting()");
    run("CREATE TRIGGER note_rejected AFTER INSERT ON rejected_records FOR EACH ROW EXECUTE FUNCTION note_setting()");
    store = std::make_unique<Store>(url());  // a new session, which takes the database default
    ASSERT_EQ(scalar<std::string>("SELECT current_setting('synchronous_commit')"), "off");
    insert({make_crossing("KAK-01", 1)}, {RefusedRecord{"KAK-01", "KAKAVIJE", "", 2, "x", "invalid_field", "d", "f", "{}"}});
    EXPECT_EQ(scalar("SELECT count(*) FROM seen_setting WHERE value = 'on'"), 2);
    EXPECT_EQ(scalar("SELECT count(*) FROM seen_setting WHERE value <> 'on'"), 0);
}

// --- database errors ---------------------------------------------------------------------------------------

TEST_F(IngestStore, AConstraintViolationValidationMissedRejectsThatRecordAloneAndQuarantinesIt) {
    // A rule the database holds and validation does not (class 23).
    run("ALTER TABLE crossings ADD CONSTRAINT no_poison CHECK (surname <> 'POISON')");
    core::Crossing poison = make_crossing("KAK-01", 2);
    poison.traveler.surname = "POISON";
    EXPECT_EQ(insert({make_crossing("KAK-01", 1), poison, make_crossing("KAK-01", 3)}),
              (std::vector<InsertStatus>{InsertStatus::stored, InsertStatus::unstorable, InsertStatus::stored}));
    EXPECT_EQ(count("SELECT count(*) FROM crossings"), 2);
    EXPECT_EQ(count("SELECT count(*) FROM rejected_records WHERE seq = 2 AND code = 'invalid_field' AND "
                    "detail LIKE '%SQLSTATE 23514%' AND record_id = '" + poison.id + "'"),
              1);
}

TEST_F(IngestStore, AnyOtherDatabaseErrorIsAFaultNotUnavailabilityAndStoresNothing) {
    run("CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "RAISE EXCEPTION 'something else is wrong'; END $$");
    run("CREATE TRIGGER refuse BEFORE INSERT ON crossings FOR EACH ROW EXECUTE FUNCTION refuse()");
    try {
        insert({make_crossing("KAK-01", 1)});
        FAIL() << "the insert went through";
    } catch (const std::exception& e) {
        EXPECT_TRUE(is_database_error(e));
        EXPECT_FALSE(is_unavailable(e)) << e.what();
        EXPECT_EQ(loggable(e).rfind("SQLSTATE P0001", 0), 0u) << loggable(e);
    }
    EXPECT_EQ(count("SELECT count(*) FROM crossings"), 0);
    EXPECT_EQ(count("SELECT count(*) FROM rejected_records"), 0);
}

TEST_F(IngestStore, ALostConnectionIsUnavailability) {
    Store victim(url());
    // Every other session of this database is ended, the victim's among them.
    run("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()");
    try {
        victim.ping();
        FAIL() << "the ended connection still answered";
    } catch (const std::exception& e) {
        EXPECT_TRUE(is_unavailable(e)) << e.what();
    }
}

TEST_F(IngestStore, AStatementTimeoutIsUnavailability) {
    store = std::make_unique<Store>(url() + (url().find('?') == std::string::npos ? "?" : "&") +
                                    "options=-c%20statement_timeout%3D50");
    run("CREATE FUNCTION slow() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(2); RETURN NEW; END $$");
    run("CREATE TRIGGER slow BEFORE INSERT ON crossings FOR EACH ROW EXECUTE FUNCTION slow()");
    try {
        insert({make_crossing("KAK-01", 1)});
        FAIL() << "the slow insert went through";
    } catch (const std::exception& e) {
        EXPECT_TRUE(is_unavailable(e)) << e.what();
    }
}

// --- the quarantine ----------------------------------------------------------------------------------------

TEST_F(IngestStore, ARecordRefusedForItsContentIsQuarantinedWithItsRawBodyAndKey) {
    json::object bad = core::to_json(in_stream(7, kStreamA));
    bad["direction"] = "sideways";
    const auto plan = send(json::array{core::to_json(in_stream(6, kStreamA)), bad});
    ASSERT_TRUE(plan[1].refusal.has_value());
    EXPECT_EQ(count("SELECT count(*) FROM crossings"), 1);
    const auto rows = store->list_rejected(RejectedFilter{});
    ASSERT_EQ(rows.size(), 1u);
    const RejectedRow& r = rows[0];
    EXPECT_EQ(r.device_id, "KAK-01");
    EXPECT_EQ(r.checkpoint_id, "KAKAVIJE");
    EXPECT_EQ(r.stream_id, kStreamA);
    EXPECT_EQ(r.seq, 7);
    EXPECT_EQ(r.record_id, std::string(bad.at("id").as_string()));
    EXPECT_EQ(r.code, "invalid_field");
    EXPECT_EQ(r.field, "direction");
    EXPECT_EQ(json::parse(r.body), json::value(bad));
    EXPECT_EQ(r.attempts, 1);
    EXPECT_TRUE(r.released_at.empty());
}

TEST_F(IngestStore, TheSameRefusedRecordSentAgainCountsAnAttemptNotASecondEntry) {
    json::object bad = core::to_json(make_crossing("KAK-01", 3));
    bad["seq"] = -4;
    send(json::array{bad});
    send(json::array{bad, bad});
    const auto rows = store->list_rejected(RejectedFilter{});
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].attempts, 2);
    EXPECT_EQ(rows[0].field, "seq");
}

TEST_F(IngestStore, ConflictsAreQuarantinedInTheTransactionThatStoresTheRest) {
    const core::Crossing kept = make_crossing("KAK-01", 1);
    insert({kept});
    core::Crossing other_content = kept;
    other_content.direction = "exit";
    const core::Crossing same_seq = make_crossing("KAK-01", 1);
    EXPECT_EQ(insert({other_content, same_seq, make_crossing("KAK-01", 2)}),
              (std::vector<InsertStatus>{InsertStatus::id_conflict, InsertStatus::seq_conflict, InsertStatus::stored}));
    EXPECT_EQ(count("SELECT count(*) FROM rejected_records WHERE code = 'id_conflict' AND record_id = '" + kept.id + "'"), 1);
    EXPECT_EQ(count("SELECT count(*) FROM rejected_records WHERE code = 'seq_conflict' AND record_id = '" + same_seq.id + "'"), 1);
}

TEST_F(IngestStore, AQuarantinedRecordThatArrivesStoredLaterLeavesTheQuarantine) {
    // A stale terminal's record collides on its seq; it is carried over into a new stream and stored.
    insert({in_stream(1, kStreamA)});
    core::Crossing carried = in_stream(1, kStreamA);
    EXPECT_EQ(insert({carried}), std::vector<InsertStatus>{InsertStatus::seq_conflict});
    carried.stream_id = kStreamB;
    EXPECT_EQ(insert({carried}), std::vector<InsertStatus>{InsertStatus::stored});
    RejectedFilter open;
    EXPECT_TRUE(store->list_rejected(open).empty());
    RejectedFilter all;
    all.state = "all";
    const auto rows = store->list_rejected(all);
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].release_result, "stored");
    EXPECT_EQ(rows[0].released_by, "ingest");
}

TEST_F(IngestStore, TheQuarantineIsListedByDeviceCheckpointAndStateWithACursor) {
    for (int i = 1; i <= 3; ++i) {
        RefusedRecord r{i == 3 ? "QAF-01" : "KAK-01", i == 3 ? "QAFETHANES" : "KAKAVIJE", "", i, "r" + std::to_string(i),
                        "invalid_field", "d", "", "{}"};
        insert({}, {r});
    }
    RejectedFilter f;
    f.device = "KAK-01";
    EXPECT_EQ(store->list_rejected(f).size(), 2u);
    f = RejectedFilter{};
    f.checkpoint = "QAFETHANES";
    EXPECT_EQ(store->list_rejected(f).size(), 1u);
    f = RejectedFilter{};
    f.limit = 2;
    const auto page = store->list_rejected(f);
    ASSERT_EQ(page.size(), 2u);
    f.after = page.back().id;
    EXPECT_EQ(store->list_rejected(f).at(0).record_id, "r3");
    f = RejectedFilter{};
    f.state = "released";
    EXPECT_TRUE(store->list_rejected(f).empty());
}

// --- reconcile per stream ------------------------------------------------------------------------------------

TEST_F(IngestStore, ReconcileIsPerStreamAndAQuarantinedSeqIsAccountedFor) {
    insert({in_stream(1, kStreamA), in_stream(2, kStreamA), in_stream(5, kStreamA), in_stream(1, kStreamB),
            make_crossing("KAK-01", 9)});
    json::object bad = core::to_json(in_stream(3, kStreamA));
    bad["traveler"].as_object()["sex"] = "Q";
    send(json::array{bad});
    const Reconciliation a = store->reconcile("KAK-01", kStreamA, 1000);
    EXPECT_EQ(a.stream_id, kStreamA);
    EXPECT_EQ(a.received, 3);
    EXPECT_EQ(a.quarantined, 1);
    EXPECT_EQ(a.max_seq, 5);
    EXPECT_EQ(a.missing, (std::vector<std::pair<std::int64_t, std::int64_t>>{{4, 4}})) << "3 is refused, not lost";
    const Reconciliation b = store->reconcile("KAK-01", kStreamB, 1000);
    EXPECT_EQ(b.received, 1);
    EXPECT_TRUE(b.missing.empty());
    const Reconciliation legacy = store->reconcile("KAK-01", "", 1000);
    EXPECT_EQ(legacy.max_seq, 9);
    EXPECT_EQ(legacy.missing, (std::vector<std::pair<std::int64_t, std::int64_t>>{{1, 8}}));
}

TEST_F(IngestStore, AnUnreadableQuarantinedSeqCountsForNothing) {
    insert({in_stream(1, kStreamA)});
    insert({}, {RefusedRecord{"KAK-01", "KAKAVIJE", kStreamA, 9007199254740993, "x", "invalid_field", "d", "seq", "{}"},
                RefusedRecord{"KAK-01", "KAKAVIJE", kStreamA, -3, "y", "invalid_field", "d", "seq", "{}"}});
    const Reconciliation a = store->reconcile("KAK-01", kStreamA, 1000);
    EXPECT_EQ(a.max_seq, 1);
    EXPECT_TRUE(a.missing.empty());
}

// --- release ---------------------------------------------------------------------------------------------------

class Release : public IngestStore {
protected:
    ReleaseResult release(std::int64_t id) {
        const auto row = store->find_rejected(id);
        if (!row) return {};
        const service::PlannedRecord planned = service::plan_release(*row, 2026);
        std::optional<RefusedRecord> refusal;
        if (planned.refusal)
            refusal = RefusedRecord{row->device_id, row->checkpoint_id, row->stream_id, row->seq, row->record_id,
                                    planned.refusal->code, planned.refusal->detail, planned.refusal->field, row->body};
        const AuditEvent audit{9, "admin", "duty admin", "127.0.0.1", "rejected.release", "rejected/" + std::to_string(id), "{}"};
        return store->release_rejected(id, planned.crossing ? &*planned.crossing : nullptr, refusal ? &*refusal : nullptr,
                                       "duty admin", audit);
    }
    std::int64_t only_entry() { return store->list_rejected(RejectedFilter{}).at(0).id; }
};

TEST_F(Release, AfterTheConflictingRowIsFixedTheRecordIsStoredAndTheEntryClosedWithWhoReleasedIt) {
    const core::Crossing wrong = make_crossing("KAK-01", 1);
    insert({wrong});
    core::Crossing mine = make_crossing("KAK-01", 2);
    mine.id = wrong.id;  // another record already holds this id (a clash the operators must look at)
    EXPECT_EQ(insert({mine}), std::vector<InsertStatus>{InsertStatus::id_conflict});
    const std::int64_t entry = only_entry();
    EXPECT_EQ(release(entry).kind, ReleaseResult::Kind::refused) << "nothing was fixed yet";
    EXPECT_TRUE(store->find_rejected(entry)->released_at.empty());
    run("DELETE FROM crossings WHERE id = $1::uuid", wrong.id);
    const ReleaseResult released = release(entry);
    EXPECT_EQ(released.kind, ReleaseResult::Kind::stored);
    EXPECT_EQ(released.row.released_by, "duty admin");
    EXPECT_EQ(released.row.release_result, "stored");
    EXPECT_FALSE(released.row.released_at.empty());
    EXPECT_EQ(scalar<std::string>("SELECT direction || seq FROM crossings WHERE id = $1::uuid", wrong.id), "entry2");
    EXPECT_EQ(count("SELECT count(*) FROM audit_events WHERE action = 'rejected.release' AND actor = 'duty admin' "
                    "AND detail ->> 'result' = 'stored'"),
              1);
    EXPECT_EQ(release(entry).kind, ReleaseResult::Kind::already_released);
}

TEST_F(Release, ARecordStillInvalidStaysQuarantinedWithTheReason) {
    json::object bad = core::to_json(make_crossing("KAK-01", 1));
    bad["traveler"].as_object()["birth_date"] = "1974-13-01";
    send(json::array{bad});
    const ReleaseResult r = release(only_entry());
    EXPECT_EQ(r.kind, ReleaseResult::Kind::refused);
    EXPECT_EQ(r.code, "invalid_field");
    EXPECT_EQ(r.field, "traveler.birth_date");
    EXPECT_EQ(r.row.release_result, "refused");
    EXPECT_TRUE(r.row.released_at.empty());
    EXPECT_EQ(count("SELECT count(*) FROM crossings"), 0);
}

TEST_F(Release, ARecordAlreadyStoredMeanwhileIsADuplicate) {
    const core::Crossing x = make_crossing("KAK-01", 1);
    insert({}, {RefusedRecord{"KAK-01", "KAKAVIJE", "", 1, x.id, "invalid_field", "d", "", core::canonical_json(x)}});
    run("INSERT INTO crossings (id, device_id, seq, checkpoint_id, direction, occurred_at, document_number, "
        "issuing_country, nationality, surname, birth_date, sex, record) SELECT $1::uuid, 'KAK-01', 1, 'KAKAVIJE', "
        "'entry', now(), 'X', 'UTO', 'UTO', 'E', '1974-08-12', 'F', $2::jsonb",
        x.id, core::canonical_json(x));
    EXPECT_EQ(release(only_entry()).kind, ReleaseResult::Kind::duplicate);
}

TEST_F(Release, AnUnknownEntryIsNotFound) { EXPECT_EQ(release(4711).kind, ReleaseResult::Kind::not_found); }

}  // namespace
}  // namespace borderlog::server
