// Crossings partitioned by month (migration 0008): the migration keeps every row of a database that
// already has some, exactly-once holds across months through the key tables, partitions are made ahead,
// reconcile's memory follows rows deleted by hand, and the keys are fit for Citus (docs/citus.md).
#include "server/storage/migrations.hpp"
#include "server/storage/store.hpp"

#include "core/crossing_json.hpp"
#include "pg_fixture.hpp"

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

namespace borderlog::server {
namespace {

using test::make_crossing;

std::vector<Migration> up_to(int last) {
    auto all = bundled_migrations();
    all.erase(std::remove_if(all.begin(), all.end(), [last](const Migration& m) { return m.version > last; }),
              all.end());
    return all;
}

// A database at the schema before 0008, holding rows of several months, one far ahead, two streams
// with gaps and a quarantined seq.
class BeforePartitioning : public test::FreshDatabase {
protected:
    BeforePartitioning() : FreshDatabase(false) {}
    void SetUp() override {
        FreshDatabase::SetUp();
        if (HasFatalFailure()) return;
        apply_migrations(url(), up_to(7));
        run("INSERT INTO crossings (id, device_id, stream_id, seq, checkpoint_id, direction, occurred_at, "
            "document_number, issuing_country, nationality, surname, birth_date, sex, record) "
            "SELECT gen_random_uuid(), 'D' || (i % 3), CASE WHEN i % 5 = 0 THEN 's1' ELSE '' END, i, 'CP', 'entry', "
            "timestamptz '2025-09-10' + (i || ' days')::interval * 7, 'N' || i, 'ALB', 'ALB', 'X', '1980-01-01', 'F', "
            "jsonb_build_object('n', i) FROM generate_series(1, 30) i WHERE i % 7 <> 0");
        run("INSERT INTO crossings (id, device_id, seq, checkpoint_id, direction, occurred_at, document_number, "
            "issuing_country, nationality, surname, birth_date, sex, record) VALUES (gen_random_uuid(), 'FUT', 1, "
            "'CP', 'exit', '2099-01-01', 'F1', 'ALB', 'ALB', 'X', '1980-01-01', 'F', '{}')");
        run("INSERT INTO rejected_records (device_id, checkpoint_id, stream_id, seq, code, detail, body) "
            "VALUES ('D0', 'CP', '', 7, 'invalid_field', 'x', '{}')");
    }
    // Every row as text, in ingest order: what must survive the migration unchanged.
    std::string all_rows() {
        return scalar<std::string>(
            "SELECT string_agg(format('%s|%s|%s|%s|%s|%s|%s', ingest_no, id, device_id, stream_id, seq, occurred_at, "
            "record), E'\\n' ORDER BY ingest_no) FROM crossings");
    }
};

TEST_F(BeforePartitioning, TheMigrationKeepsEveryRowWithItsIngestNumber) {
    const std::string before = all_rows();
    const auto max_ingest = scalar("SELECT max(ingest_no) FROM crossings");
    apply_migrations(url(), bundled_migrations());
    EXPECT_EQ(all_rows(), before);
    EXPECT_EQ(scalar<bool>("SELECT relkind = 'p' FROM pg_class WHERE relname = 'crossings'"), true);
    // Each row sits in its month's partition, made for every month the old table held (2099 too).
    EXPECT_EQ(scalar("SELECT count(*) FROM crossings WHERE tableoid::regclass::text <> "
                     "'crossings_p' || to_char(occurred_at AT TIME ZONE 'UTC', 'YYYYMM') "
                     "AND tableoid::regclass::text <> 'crossings_default'"),
              0);
    EXPECT_EQ(scalar("SELECT count(*) FROM crossings_default"), 0);
    EXPECT_EQ(scalar("SELECT count(*) FROM crossings_p209901"), 1);
    EXPECT_EQ(scalar("SELECT count(*) FROM crossing_ids"), scalar("SELECT count(*) FROM crossings"));
    EXPECT_EQ(scalar("SELECT count(*) FROM crossing_seqs"), scalar("SELECT count(*) FROM crossings"));
    // The cursor goes on after the last number given.
    Store store(url());
    const auto x = make_crossing("D1", 1000);
    ASSERT_EQ(store.insert_crossings({&x}).front(), InsertStatus::stored);
    EXPECT_GT(scalar("SELECT ingest_no FROM crossings WHERE id = $1::uuid", x.id), max_ingest);
}

TEST_F(BeforePartitioning, ARowStoredBeforeTheMigrationIsStillADuplicateOrAConflictAfterIt) {
    const auto x = make_crossing("KAK-01", 1);
    // Stored before 0008 (by hand: the server of today prepares statements on the new tables).
    run("INSERT INTO crossings (id, device_id, seq, checkpoint_id, direction, occurred_at, document_number, "
        "issuing_country, nationality, surname, birth_date, sex, record) VALUES ($1::uuid, 'KAK-01', 1, 'KAKAVIJE', "
        "'entry', $2::timestamptz, 'L898902C3', 'UTO', 'UTO', 'ERIKSSON', '1974-08-12', 'F', $3::jsonb)",
        x.id, x.occurred_at, core::canonical_json(x));
    apply_migrations(url(), bundled_migrations());
    Store store(url());
    EXPECT_EQ(store.insert_crossings({&x}).front(), InsertStatus::duplicate);
    auto same_seq = make_crossing("KAK-01", 1);
    EXPECT_EQ(store.insert_crossings({&same_seq}).front(), InsertStatus::seq_conflict);
    EXPECT_EQ(scalar("SELECT count(*) FROM crossings WHERE device_id = 'KAK-01'"), 1);
}

TEST_F(BeforePartitioning, ReconcileAfterTheMigrationNamesTheGapsTheRowsLeave) {
    apply_migrations(url(), bundled_migrations());
    Store store(url());
    // Device D0, stream '': seqs 3, 6, 9, 12, 18, 24, 27 stored (multiples of 3 but not of 5 or 7);
    // 7 is not a multiple of 3, so the quarantined 7 changes nothing between 6 and 9 but is counted.
    const Reconciliation rec = store.reconcile("D0", "", 100);
    EXPECT_EQ(rec.max_seq, 27);
    EXPECT_EQ(rec.quarantined, 1);
    const std::vector<std::pair<std::int64_t, std::int64_t>> expected{
        {1, 2}, {4, 5}, {8, 8}, {10, 11}, {13, 17}, {19, 23}, {25, 26}};
    EXPECT_EQ(rec.missing, expected);
}

class Partitioned : public test::FreshDatabase {
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
    std::unique_ptr<Store> store;
};

TEST_F(Partitioned, ARowOfAMonthWithoutPartitionWaitsInTheDefaultAndMovesWhenItsPartitionIsMade) {
    auto x = make_crossing("KAK-01", 1);
    x.occurred_at = "2031-05-04T10:00:00.000Z";
    ASSERT_EQ(store->insert_crossings({&x}).front(), InsertStatus::stored);
    EXPECT_EQ(scalar("SELECT count(*) FROM crossings_default"), 1);
    run("SELECT crossings_make_partition('2031-05-01')");
    EXPECT_EQ(scalar("SELECT count(*) FROM crossings_default"), 0);
    EXPECT_EQ(scalar<std::string>("SELECT tableoid::regclass::text FROM crossings WHERE id = $1::uuid", x.id),
              "crossings_p203105");
    // Moving is not deleting: the keys stay, and the record is still a duplicate.
    EXPECT_EQ(store->insert_crossings({&x}).front(), InsertStatus::duplicate);
}

TEST_F(Partitioned, ThePartitionsAheadAreMadeOnceAndNamedByMonth) {
    run("SELECT crossings_drop_partition(name) FROM crossing_partitions WHERE month > now()");
    const auto made = store->make_partitions_ahead(2);
    EXPECT_EQ(made.size(), 2u);
    for (const auto& name : made) EXPECT_EQ(name.rfind("crossings_p", 0), 0u) << name;
    EXPECT_TRUE(store->make_partitions_ahead(2).empty());
}

TEST_F(Partitioned, ARowInsertedByHandTakesItsKeysAndADuplicateByHandIsRefused) {
    const std::string insert =
        "INSERT INTO crossings (id, device_id, seq, checkpoint_id, direction, occurred_at, document_number, "
        "issuing_country, nationality, surname, birth_date, sex, record) VALUES ($1::uuid, 'KAK-01', $2, 'KAKAVIJE', "
        "'entry', $3::timestamptz, 'X', 'UTO', 'UTO', 'E', '1974-08-12', 'F', '{}')";
    const auto x = make_crossing("KAK-01", 1);
    run(insert, x.id, 1, "2026-11-27T10:00:00Z");
    EXPECT_EQ(scalar("SELECT count(*) FROM crossing_ids WHERE id = $1::uuid", x.id), 1);
    // The same id in another month, and the same seq under another id: both refused by the keys.
    EXPECT_THROW(run(insert, x.id, 2, "2026-08-01T10:00:00Z"), pqxx::unique_violation);
    EXPECT_THROW(run(insert, make_crossing("KAK-01", 1).id, 1, "2026-08-01T10:00:00Z"), pqxx::unique_violation);
    EXPECT_EQ(scalar("SELECT count(*) FROM crossings"), 1);
}

TEST_F(Partitioned, ARowDeletedByHandIsMissingAgainForReconcile) {
    std::vector<core::Crossing> xs;
    for (int seq = 1; seq <= 5; ++seq) xs.push_back(make_crossing("KAK-01", seq));
    std::vector<const core::Crossing*> ptrs;
    for (const auto& x : xs) ptrs.push_back(&x);
    store->insert_crossings(ptrs);
    EXPECT_TRUE(store->reconcile("KAK-01", "", 10).missing.empty());
    run("DELETE FROM crossings WHERE device_id = 'KAK-01' AND seq IN (3, 5)");
    const Reconciliation rec = store->reconcile("KAK-01", "", 10);
    // 5 was the highest: now 4 is, and nothing above it is named missing (as before any reconcile).
    const std::vector<std::pair<std::int64_t, std::int64_t>> expected{{3, 3}};
    EXPECT_EQ(rec.missing, expected);
    EXPECT_EQ(rec.max_seq, 4);
    EXPECT_EQ(rec.received, 3);
    // Sent again, they fill the gaps.
    EXPECT_EQ(store->insert_crossings({&xs[2], &xs[4]}), (std::vector<InsertStatus>{InsertStatus::stored, InsertStatus::stored}));
    const Reconciliation after = store->reconcile("KAK-01", "", 10);
    EXPECT_TRUE(after.missing.empty());
    EXPECT_EQ(after.max_seq, 5);
    EXPECT_EQ(after.received, 5);
}

TEST_F(Partitioned, TruncatingCrossingsEmptiesTheKeysSoThatTheSameRecordsStoreAgain) {
    const auto x = make_crossing("KAK-01", 1);
    ASSERT_EQ(store->insert_crossings({&x}).front(), InsertStatus::stored);
    store->reconcile("KAK-01", "", 10);
    run("TRUNCATE crossings");
    EXPECT_EQ(scalar("SELECT (SELECT count(*) FROM crossing_ids) + (SELECT count(*) FROM crossing_seqs) + "
                     "(SELECT count(*) FROM stream_progress)"),
              0);
    EXPECT_EQ(store->insert_crossings({&x}).front(), InsertStatus::stored);
}

// Under Citus every unique index of a distributed table includes its distribution column: device_id
// for crossings, crossing_seqs and stream_progress, id for crossing_ids (docs/citus.md).
struct Distributed {
    const char* table;
    const char* column;
};

class ADistributedTable : public test::FreshDatabase, public ::testing::WithParamInterface<Distributed> {};

TEST_P(ADistributedTable, HasTheDistributionColumnInEveryUniqueIndex) {
    const auto& [table, column] = GetParam();
    // The table and, for crossings, every partition of it.
    const auto unique_indexes = scalar(
        "SELECT count(*) FROM pg_index i WHERE i.indisunique AND i.indrelid IN "
        "(SELECT $1::regclass UNION SELECT inhrelid FROM pg_inherits WHERE inhparent = $1::regclass)",
        table);
    const auto without_column = scalar(
        "SELECT count(*) FROM pg_index i WHERE i.indisunique AND i.indrelid IN "
        "(SELECT $1::regclass UNION SELECT inhrelid FROM pg_inherits WHERE inhparent = $1::regclass) "
        "AND NOT EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = i.indrelid AND a.attname = $2 "
        "AND a.attnum = ANY (i.indkey))",
        table, column);
    EXPECT_EQ(without_column, 0) << table << " has a unique index without " << column;
    if (std::string(table) != "crossings") {
        EXPECT_GT(unique_indexes, 0) << table << " keeps no key";
    }
}

INSTANTIATE_TEST_SUITE_P(Citus, ADistributedTable,
                         ::testing::Values(Distributed{"crossings", "device_id"}, Distributed{"crossing_seqs", "device_id"},
                                           Distributed{"stream_progress", "device_id"},
                                           Distributed{"crossing_ids", "id"}, Distributed{"devices", "device_id"}),
                         [](const auto& param_info) { return std::string(param_info.param.table); });

}  // namespace
}  // namespace borderlog::server
