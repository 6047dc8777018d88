#include "server/storage/store.hpp"

#include "core/crossing_json.hpp"
#include "core/time.hpp"
#include "pg_fixture.hpp"
#include "server/service/crossing_queries.hpp"
#include "server/service/ingest.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace borderlog::server {
namespace {

namespace json = boost::json;
using test::make_crossing;

class StoreTest : public test::FreshDatabase {
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

    std::vector<InsertStatus> insert(const std::vector<core::Crossing>& crossings) {
        std::vector<const core::Crossing*> pointers;
        for (const auto& x : crossings) pointers.push_back(&x);
        return store->insert_crossings(pointers);
    }

    std::int64_t rows() { return scalar("SELECT count(*) FROM crossings"); }

    std::unique_ptr<Store> store;
};

// --- insert_crossings -------------------------------------------------------------------------------

TEST_F(StoreTest, ANewCrossingIsStored) {
    EXPECT_EQ(insert({make_crossing("KAK-01", 1)}), std::vector<InsertStatus>{InsertStatus::stored});
    EXPECT_EQ(rows(), 1);
}

TEST_F(StoreTest, TheSameCrossingSentAgainIsADuplicateAndMakesNoSecondRow) {
    const core::Crossing x = make_crossing("KAK-01", 1);
    insert({x});
    EXPECT_EQ(insert({x}), std::vector<InsertStatus>{InsertStatus::duplicate});
    EXPECT_EQ(insert({x}), std::vector<InsertStatus>{InsertStatus::duplicate});
    EXPECT_EQ(rows(), 1);
}

TEST_F(StoreTest, TheSameIdWithOtherContentIsAnIdConflictAndTheStoredRowIsKept) {
    const core::Crossing x = make_crossing("KAK-01", 1);
    insert({x});
    core::Crossing changed = x;
    changed.direction = "exit";
    EXPECT_EQ(insert({changed}), std::vector<InsertStatus>{InsertStatus::id_conflict});
    EXPECT_EQ(rows(), 1);
    EXPECT_EQ(scalar<std::string>("SELECT direction FROM crossings WHERE id = $1::uuid", x.id), "entry");
}

TEST_F(StoreTest, AnotherIdWithTheSameDeviceAndSeqIsASeqConflict) {
    const core::Crossing x = make_crossing("KAK-01", 1);
    insert({x});
    EXPECT_EQ(insert({make_crossing("KAK-01", 1)}), std::vector<InsertStatus>{InsertStatus::seq_conflict});
    EXPECT_EQ(rows(), 1);
    EXPECT_EQ(scalar<std::string>("SELECT id::text FROM crossings"), x.id);
}

TEST_F(StoreTest, TheSameSeqOnAnotherDeviceIsNoConflict) {
    EXPECT_EQ(insert({make_crossing("KAK-01", 1), make_crossing("KAK-02", 1)}),
              (std::vector<InsertStatus>{InsertStatus::stored, InsertStatus::stored}));
    EXPECT_EQ(rows(), 2);
}

TEST_F(StoreTest, ABatchMixingEveryOutcomeGetsEachStatusInInputOrder) {
    const core::Crossing kept = make_crossing("KAK-01", 1);
    const core::Crossing conflicting = make_crossing("KAK-01", 2);
    insert({kept, conflicting});

    core::Crossing other_content = conflicting;
    other_content.traveler.surname = "ERIKSON";
    const std::vector<core::Crossing> batch{
        make_crossing("KAK-01", 3),  // new
        kept,                        // same id, same content
        other_content,               // same id, other content
        make_crossing("KAK-01", 1),  // other id, seq 1 is taken
        make_crossing("KAK-01", 4),  // new
    };
    EXPECT_EQ(insert(batch), (std::vector<InsertStatus>{InsertStatus::stored, InsertStatus::duplicate,
                                                        InsertStatus::id_conflict, InsertStatus::seq_conflict,
                                                        InsertStatus::stored}));
    EXPECT_EQ(rows(), 4);
}

TEST_F(StoreTest, TheSameIdTwiceInOneBatchIsStoredThenDuplicate) {
    const core::Crossing x = make_crossing("KAK-01", 1);
    EXPECT_EQ(insert({x, x}), (std::vector<InsertStatus>{InsertStatus::stored, InsertStatus::duplicate}));
    EXPECT_EQ(rows(), 1);
}

TEST_F(StoreTest, TwoIdsClaimingOneSeqInOneBatchStoreTheFirstOnly) {
    const core::Crossing first = make_crossing("KAK-01", 1);
    EXPECT_EQ(insert({first, make_crossing("KAK-01", 1)}),
              (std::vector<InsertStatus>{InsertStatus::stored, InsertStatus::seq_conflict}));
    EXPECT_EQ(scalar<std::string>("SELECT id::text FROM crossings"), first.id);
}

TEST_F(StoreTest, AStoredIdSentTwiceInOneBatchWithTwoContentsGetsOneStatusPerContent) {
    const core::Crossing x = make_crossing("KAK-01", 1);
    insert({x});
    core::Crossing changed = x;
    changed.direction = "exit";
    const auto conflict_first = insert({changed, x});
    const auto same_first = insert({x, changed});
    EXPECT_EQ(conflict_first, (std::vector<InsertStatus>{InsertStatus::id_conflict, InsertStatus::duplicate}));
    EXPECT_EQ(same_first, (std::vector<InsertStatus>{InsertStatus::duplicate, InsertStatus::id_conflict}));
}

TEST_F(StoreTest, AnEmptyBatchStoresNothing) {
    EXPECT_TRUE(insert({}).empty());
    EXPECT_EQ(rows(), 0);
}

TEST_F(StoreTest, TheTypedColumnsAndTheRecordAreFilled) {
    const core::Crossing x = make_crossing("KAK-01", 17);
    insert({x});
    pqxx::connection conn(url());
    pqxx::read_transaction tx(conn);
    const pqxx::row r = tx.exec_params1(
        "SELECT id::text, device_id, seq, checkpoint_id, lane, direction,"
        "       to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), officer_id,"
        "       document_type, document_number, issuing_country, nationality, surname, given_names,"
        "       birth_date::text, sex, expiry_date::text, transport_mode, vehicle_plate, recorded_offline,"
        "       record::text, received_at <= now()"
        "  FROM crossings WHERE id = $1::uuid",
        x.id);
    EXPECT_EQ(r[0].as<std::string>(), x.id);
    EXPECT_EQ(r[1].as<std::string>(), "KAK-01");
    EXPECT_EQ(r[2].as<std::int64_t>(), 17);
    EXPECT_EQ(r[3].as<std::string>(), "KAKAVIJE");
    EXPECT_EQ(r[4].as<std::string>(), "3");
    EXPECT_EQ(r[5].as<std::string>(), "entry");
    EXPECT_EQ(r[6].as<std::string>(), "2026-11-27T10:42:05.123Z");
    EXPECT_EQ(r[7].as<std::string>(), "officer-112");
    EXPECT_EQ(r[8].as<std::string>(), "P");
    EXPECT_EQ(r[9].as<std::string>(), "L898902C3");
    EXPECT_EQ(r[10].as<std::string>(), "UTO");
    EXPECT_EQ(r[11].as<std::string>(), "UTO");
    EXPECT_EQ(r[12].as<std::string>(), "ERIKSSON");
    EXPECT_EQ(r[13].as<std::string>(), "ANNA MARIA");
    EXPECT_EQ(r[14].as<std::string>(), "1974-08-12");
    EXPECT_EQ(r[15].as<std::string>(), "F");
    EXPECT_EQ(r[16].as<std::string>(), "2012-04-15");
    EXPECT_EQ(r[17].as<std::string>(), "car");
    EXPECT_EQ(r[18].as<std::string>(), "AA123BB");
    EXPECT_TRUE(r[19].as<bool>());
    EXPECT_EQ(json::parse(r[20].as<std::string>()), json::value(core::to_json(x)));
    EXPECT_TRUE(r[21].as<bool>());
}

TEST_F(StoreTest, AbsentOptionalFieldsAreStoredAsNull) {
    core::Crossing x = make_crossing("KAK-01", 1);
    x.lane.clear();
    x.officer_id.clear();
    x.traveler.document_type.clear();
    x.traveler.given_names.clear();
    x.traveler.expiry_date.clear();
    x.transport = {};
    insert({x});
    EXPECT_EQ(scalar("SELECT count(*) FROM crossings WHERE lane IS NULL AND officer_id IS NULL AND document_type IS "
                     "NULL AND given_names IS NULL AND expiry_date IS NULL AND transport_mode IS NULL AND "
                     "vehicle_plate IS NULL"),
              1);
}

TEST_F(StoreTest, OccurredAtIsStoredAsTheInstantItNames) {
    core::Crossing x = make_crossing("KAK-01", 1);
    x.occurred_at = "2026-01-01T00:30:00.250Z";
    insert({x});
    EXPECT_EQ(scalar("SELECT (extract(epoch FROM occurred_at) * 1000)::bigint FROM crossings"),
              core::parse_rfc3339(x.occurred_at)->time_since_epoch().count());
}

// A record that passes validation must be storable: otherwise one record sinks its whole batch (and
// every other crossing group-committed with it), the device is answered 503 for ever, and the records
// behind it never get through.
struct UnstorableCase {
    const char* name;
    std::function<void(json::object&)> corrupt;
    const char* field;
};
void PrintTo(const UnstorableCase& c, std::ostream* os) { *os << c.name; }

class ARecordPostgresCannotHold : public StoreTest, public testing::WithParamInterface<UnstorableCase> {};

TEST_P(ARecordPostgresCannotHold, IsRefusedAloneAndTheRestOfItsBatchIsStored) {
    json::object poison = core::to_json(make_crossing("KAK-01", 2));
    GetParam().corrupt(poison);
    json::array records{core::to_json(make_crossing("KAK-01", 1)), poison, core::to_json(make_crossing("KAK-01", 3))};
    const Principal device{1, "device", "KAKAVIJE", "KAK-01", ""};
    const auto plan = service::plan_batch(json::object{{"records", std::move(records)}}, device, 2026);
    ASSERT_EQ(plan.size(), 3u);

    std::vector<const core::Crossing*> crossings;
    for (const auto& p : plan)
        if (p.crossing) crossings.push_back(&*p.crossing);
    try {
        store->insert_crossings(crossings);
    } catch (const std::exception& e) {
        FAIL() << "the batch failed as a whole: " << e.what();
    }
    EXPECT_EQ(rows(), 2);
    ASSERT_TRUE(plan[1].refusal.has_value());
    EXPECT_EQ(plan[1].refusal->field, GetParam().field);
}

INSTANTIATE_TEST_SUITE_P(
    Store, ARecordPostgresCannotHold,
    testing::Values(
        UnstorableCase{"BirthDateInYearZero",
                       [](json::object& o) { o["traveler"].as_object()["birth_date"] = "0000-01-01"; },
                       "traveler.birth_date"},
        UnstorableCase{"ExpiryDateInYearZero",
                       [](json::object& o) { o["traveler"].as_object()["expiry_date"] = "0000-01-01"; },
                       "traveler.expiry_date"},
        UnstorableCase{"OccurredAtInYearZero", [](json::object& o) { o["occurred_at"] = "0000-06-01T00:00:00Z"; },
                       "occurred_at"}),
    [](const auto& param_info) { return std::string(param_info.param.name); });

// --- reconcile --------------------------------------------------------------------------------------

struct ReconcileCase {
    const char* name;
    std::vector<std::int64_t> stored;
    std::vector<std::pair<std::int64_t, std::int64_t>> missing;
    std::int64_t max_seq;
};
void PrintTo(const ReconcileCase& c, std::ostream* os) { *os << c.name; }

class StoreReconcile : public StoreTest, public testing::WithParamInterface<ReconcileCase> {};

TEST_P(StoreReconcile, NamesTheMissingSequenceNumbers) {
    std::vector<core::Crossing> crossings;
    for (const auto seq : GetParam().stored) crossings.push_back(make_crossing("KAK-01", seq));
    for (std::int64_t seq = 1; seq <= 12; ++seq) crossings.push_back(make_crossing("KAK-02", seq));  // no gaps
    insert(crossings);
    const Reconciliation rec = store->reconcile("KAK-01", "", 1000);
    EXPECT_EQ(rec.missing, GetParam().missing);
    EXPECT_EQ(rec.max_seq, GetParam().max_seq);
    EXPECT_EQ(rec.received, static_cast<std::int64_t>(GetParam().stored.size()));
}

INSTANTIATE_TEST_SUITE_P(
    Store, StoreReconcile,
    testing::Values(ReconcileCase{"TwoGaps", {1, 2, 5, 6, 9}, {{3, 4}, {7, 8}}, 9},
                    ReconcileCase{"StartingAtThree", {3, 4}, {{1, 2}}, 4},
                    ReconcileCase{"StartingAtThreeWithAGap", {3, 5}, {{1, 2}, {4, 4}}, 5},
                    ReconcileCase{"NoGaps", {1, 2, 3}, {}, 3},
                    ReconcileCase{"SingleMissingNumbers", {2, 4, 7}, {{1, 1}, {3, 3}, {5, 6}}, 7},
                    ReconcileCase{"NothingStored", {}, {}, 0}),
    [](const auto& param_info) { return std::string(param_info.param.name); });

TEST_F(StoreTest, ReconcileGivesAtMostTheRangesAskedFor) {
    insert({make_crossing("KAK-01", 2), make_crossing("KAK-01", 4), make_crossing("KAK-01", 6),
            make_crossing("KAK-01", 8)});
    const Reconciliation rec = store->reconcile("KAK-01", "", 2);
    EXPECT_EQ(rec.missing, (std::vector<std::pair<std::int64_t, std::int64_t>>{{1, 1}, {3, 3}}));
    EXPECT_TRUE(rec.truncated);
    EXPECT_EQ(rec.max_seq, 8);
    EXPECT_EQ(rec.received, 4);
}

TEST_F(StoreTest, ReconcileAfterTheLastRangeGivenGoesOnWhereItStopped) {
    insert({make_crossing("KAK-01", 2), make_crossing("KAK-01", 4), make_crossing("KAK-01", 6),
            make_crossing("KAK-01", 8)});
    const Reconciliation next = store->reconcile("KAK-01", "", 2, 3);
    EXPECT_EQ(next.missing, (std::vector<std::pair<std::int64_t, std::int64_t>>{{5, 5}, {7, 7}}));
    EXPECT_FALSE(next.truncated);
    EXPECT_TRUE(store->reconcile("KAK-01", "", 2, 7).missing.empty());
}

// --- list_crossings ---------------------------------------------------------------------------------

class StoreListing : public StoreTest {
protected:
    void SetUp() override {
        StoreTest::SetUp();
        if (HasFatalFailure()) return;
        // lane = the row's number, to name rows in expectations. One insert each: ingest order 1..5.
        add("1", "KAK-01", "KAKAVIJE", "entry", "UTO", "L898902C3", "2026-11-27T08:00:00.000Z");
        add("2", "KAK-01", "KAKAVIJE", "exit", "ALB", "X1", "2026-11-27T09:00:00.000Z");
        add("3", "KAK-02", "KAKAVIJE", "entry", "UTO", "L898902C3", "2026-11-27T10:00:00.000Z");
        add("4", "QAF-01", "QAFETHANES", "entry", "ALB", "X2", "2026-11-27T11:00:00.000Z");
        add("5", "QAF-01", "QAFETHANES", "exit", "UTO", "L898902C3", "2026-11-27T12:00:00.000Z");
    }

    void add(const char* lane, const char* device, const char* checkpoint, const char* direction,
             const char* country, const char* number, const char* at) {
        core::Crossing x = make_crossing(device, ++seq_[device], checkpoint);
        x.lane = lane;
        x.direction = direction;
        x.traveler.issuing_country = country;
        x.traveler.nationality = country;
        x.traveler.document_number = number;
        x.occurred_at = at;
        ASSERT_EQ(insert({x}), std::vector<InsertStatus>{InsertStatus::stored});
    }

    static std::string lanes(const std::vector<CrossingRow>& rows) {
        std::string out;
        for (const auto& r : rows) out += std::string(json::parse(r.json).as_object().at("lane").as_string());
        return out;
    }

    std::string listed(const std::map<std::string, std::string>& query) {
        return lanes(store->list_crossings(service::parse_crossing_filter(query)));
    }

private:
    std::map<std::string, std::int64_t> seq_;
};

TEST_F(StoreListing, WithoutFiltersEveryRowIsListedInIngestOrder) { EXPECT_EQ(listed({}), "12345"); }

TEST_F(StoreListing, EachFilterNarrowsTheListing) {
    EXPECT_EQ(listed({{"checkpoint", "KAKAVIJE"}}), "123");
    EXPECT_EQ(listed({{"device", "KAK-01"}}), "12");
    EXPECT_EQ(listed({{"direction", "exit"}}), "25");
    EXPECT_EQ(listed({{"doc_country", "ALB"}}), "24");
    EXPECT_EQ(listed({{"doc_number", "L898902C3"}}), "135");
    EXPECT_EQ(listed({{"doc_country", "UTO"}, {"doc_number", "L898902C3"}, {"direction", "entry"}}), "13");
    EXPECT_EQ(listed({{"checkpoint", "NOWHERE"}}), "");
}

TEST_F(StoreListing, FromIsInclusiveAndToIsExclusive) {
    EXPECT_EQ(listed({{"from", "2026-11-27T10:00:00Z"}}), "345");
    EXPECT_EQ(listed({{"to", "2026-11-27T10:00:00Z"}}), "12");
    EXPECT_EQ(listed({{"from", "2026-11-27T09:00:00Z"}, {"to", "2026-11-27T11:00:00Z"}}), "23");
    EXPECT_EQ(listed({{"from", "2026-11-27T11:00:00+01:00"}, {"to", "2026-11-27T12:00:00+01:00"}}), "3");
}

TEST_F(StoreListing, LimitAndAfterPickAPage) {
    EXPECT_EQ(listed({{"limit", "2"}}), "12");
    const auto rows = store->list_crossings(service::parse_crossing_filter({{"limit", "2"}}));
    EXPECT_EQ(listed({{"after", std::to_string(rows.back().ingest_no)}}), "345");
}

TEST_F(StoreListing, ListedRowsCarryReceivedAtStreamAndFlags) {
    for (const auto& row : store->list_crossings(CrossingFilter{})) {
        EXPECT_TRUE(core::parse_rfc3339(row.received_at).has_value()) << row.received_at;
        EXPECT_EQ(row.stream_id, "");
        EXPECT_TRUE(row.flags.empty());
        // The listing answers the record as the device sent it, in the contract's order.
        const json::object listed = service::listed_crossing(row);
        EXPECT_EQ(listed.begin()->key(), "id");
        EXPECT_EQ((listed.end() - 1)->key(), "received_at");
        EXPECT_TRUE(listed.contains("traveler"));
    }
}

class StoreListingPages : public StoreListing, public testing::WithParamInterface<int> {};

TEST_P(StoreListingPages, FollowingTheCursorGivesEveryRowOnce) {
    std::string seen;
    std::map<std::string, std::string> query{{"limit", std::to_string(GetParam())}};
    for (int page = 0; page < 10; ++page) {
        const CrossingFilter filter = service::parse_crossing_filter(query);
        const auto rows = store->list_crossings(filter);
        seen += lanes(rows);
        const json::object answer = service::crossings_page(rows, filter);
        if (answer.at("next_after").is_null()) break;
        query["after"] = std::string(answer.at("next_after").as_string());
    }
    EXPECT_EQ(seen, "12345");
}

INSTANTIATE_TEST_SUITE_P(Store, StoreListingPages, testing::Values(1, 2, 3, 4, 5));

// --- tokens -----------------------------------------------------------------------------------------

TEST_F(StoreTest, ACreatedTokenIsFoundByItsHash) {
    const Principal device{0, "device", "KAKAVIJE", "KAK-01", "lane 3 terminal"};
    const std::int64_t id = store->create_token(core::sha256_hex("secret-1"), device);
    EXPECT_GT(id, 0);
    const auto found = store->find_token(core::sha256_hex("secret-1"));
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(found->principal.token_id, id);
    EXPECT_EQ(found->principal.role, "device");
    EXPECT_EQ(found->principal.checkpoint_id, "KAKAVIJE");
    EXPECT_EQ(found->principal.device_id, "KAK-01");
    EXPECT_EQ(found->principal.name, "lane 3 terminal");
    EXPECT_FALSE(found->expires_at.has_value()) << "a token made without an end lasts until revoked";
}

TEST_F(StoreTest, AnUnknownTokenIsNotFound) {
    store->create_token(core::sha256_hex("secret-1"), Principal{0, "admin", "", "", ""});
    EXPECT_FALSE(store->find_token(core::sha256_hex("secret-2")).has_value());
}

TEST_F(StoreTest, ATokenWithoutCheckpointOrDeviceReadsThemAsEmpty) {
    store->create_token(core::sha256_hex("ops"), Principal{0, "operations", "", "", ""});
    const auto found = store->find_token(core::sha256_hex("ops"));
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(found->principal.role, "operations");
    EXPECT_EQ(found->principal.checkpoint_id, "");
    EXPECT_EQ(found->principal.device_id, "");
    EXPECT_EQ(found->principal.name, "");
}

TEST_F(StoreTest, ATokenWorksUntilItsEndAndIsListedAsExpiredAfter) {
    const auto now = std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
    const auto end = now + std::chrono::hours{2};
    const auto id = store->create_token(core::sha256_hex("course"), Principal{0, "trainer", "", "", "course"}, end);
    const auto found = store->find_token(core::sha256_hex("course"));
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(found->expires_at, end);
    EXPECT_FALSE(store->list_tokens()[0].expired);
    EXPECT_EQ(store->list_tokens()[0].expires_at, core::format_rfc3339(end));

    run("UPDATE api_tokens SET expires_at = now() - interval '1 second' WHERE id = $1", id);
    EXPECT_FALSE(store->find_token(core::sha256_hex("course")).has_value());
    EXPECT_TRUE(store->list_tokens()[0].expired);
}

TEST_F(StoreTest, ADashboardSessionEndsNoLaterThanItsToken) {
    const auto now = std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
    const auto id = store->create_token(core::sha256_hex("ops"), Principal{0, "operations", "", "", "o"},
                                        now + std::chrono::minutes{10});
    const auto expires = core::parse_rfc3339(store->create_session("s1", id, "127.0.0.1", 12 * 3600));
    ASSERT_TRUE(expires.has_value());
    EXPECT_LE(*expires, now + std::chrono::minutes{10});
    ASSERT_TRUE(store->find_session("s1").has_value());
    run("UPDATE api_tokens SET expires_at = now() - interval '1 second' WHERE id = $1", id);
    EXPECT_FALSE(store->find_session("s1").has_value()) << "the session outlived its token";
}

TEST_F(StoreTest, ARevokedTokenIsNoLongerFoundButStillListed) {
    const std::int64_t id = store->create_token(core::sha256_hex("secret-1"), Principal{0, "trainer", "", "", "t"});
    const std::int64_t other = store->create_token(core::sha256_hex("secret-2"), Principal{0, "admin", "", "", "a"});
    EXPECT_TRUE(store->revoke_token(id));
    EXPECT_FALSE(store->find_token(core::sha256_hex("secret-1")).has_value());
    EXPECT_TRUE(store->find_token(core::sha256_hex("secret-2")).has_value());
    EXPECT_FALSE(store->revoke_token(id)) << "revoking twice";

    const auto tokens = store->list_tokens();
    ASSERT_EQ(tokens.size(), 2u);
    EXPECT_EQ(tokens[0].principal.token_id, id);
    EXPECT_EQ(tokens[0].principal.role, "trainer");
    EXPECT_TRUE(core::parse_rfc3339(tokens[0].created_at).has_value()) << tokens[0].created_at;
    EXPECT_TRUE(core::parse_rfc3339(tokens[0].revoked_at).has_value()) << tokens[0].revoked_at;
    EXPECT_EQ(tokens[1].principal.token_id, other);
    EXPECT_EQ(tokens[1].revoked_at, "");
}

TEST_F(StoreTest, RevokingAnUnknownTokenChangesNothing) { EXPECT_FALSE(store->revoke_token(4711)); }

TEST_F(StoreTest, ADeviceTokenNeedsACheckpointAndADevice) {
    EXPECT_THROW(store->create_token(core::sha256_hex("d"), Principal{0, "device", "", "", ""}), std::exception);
}

TEST_F(StoreTest, OneTokenHashCannotBeStoredTwice) {
    store->create_token(core::sha256_hex("same"), Principal{0, "admin", "", "", ""});
    EXPECT_THROW(store->create_token(core::sha256_hex("same"), Principal{0, "admin", "", "", ""}), std::exception);
}

// --- central state ----------------------------------------------------------------------------------

TEST_F(StoreTest, TheCentralSystemStartsOnline) { EXPECT_FALSE(store->central_state().offline); }

TEST_F(StoreTest, TheCentralStateIsSetAndReadBack) {
    store->set_central_state(true, "planned maintenance", "admin-1");
    CentralState s = store->central_state();
    EXPECT_TRUE(s.offline);
    EXPECT_EQ(s.reason, "planned maintenance");
    EXPECT_EQ(s.changed_by, "admin-1");
    EXPECT_TRUE(core::parse_rfc3339(s.changed_at).has_value()) << s.changed_at;

    store->set_central_state(false, "", "admin-2");
    s = store->central_state();
    EXPECT_FALSE(s.offline);
    EXPECT_EQ(s.reason, "");
    EXPECT_EQ(s.changed_by, "admin-2");
}

TEST_F(StoreTest, TheCentralStateIsSharedByEveryConnection) {
    store->set_central_state(true, "drill", "admin-1");
    Store other(url());
    EXPECT_TRUE(other.central_state().offline);
}

// --- heartbeats and the connection ------------------------------------------------------------------

TEST_F(StoreTest, AHeartbeatIsRecordedAndTheNextOneReplacesIt) {
    Heartbeat beat;
    beat.pending = 12;
    beat.oldest_pending_at = "2026-11-27T10:42:05.123Z";
    beat.last_seq = 4711;
    beat.rejected = 2;
    beat.device_time = "2026-11-27T10:50:00.000Z";
    beat.lanes_json = R"([{"lane":"1","waiting":3}])";
    store->record_heartbeat("KAK-01", "KAKAVIJE", beat);
    beat.pending = 0;
    beat.oldest_pending_at.reset();
    store->record_heartbeat("KAK-01", "KAKAVIJE", beat);
    EXPECT_EQ(scalar("SELECT count(*) FROM devices"), 1);
    EXPECT_EQ(scalar("SELECT count(*) FROM devices WHERE device_id = 'KAK-01' AND checkpoint_id = 'KAKAVIJE' AND "
                     "pending = 0 AND oldest_pending_at IS NULL AND last_seq = 4711 AND rejected = 2 AND "
                     "device_time = '2026-11-27T10:50:00Z' AND lanes = '[{\"lane\":\"1\",\"waiting\":3}]'::jsonb"),
              1);
}

TEST_F(StoreTest, PingSucceedsOnAnOpenConnection) {
    EXPECT_TRUE(store->is_open());
    EXPECT_NO_THROW(store->ping());
}

}  // namespace
}  // namespace borderlog::server
