// Retention (migration 0013, `serve --retention-months N`): a month older than the months kept leaves
// the centre only when it was exported with its exact row count, never the current or a later month,
// each drop with its audit line; and a role that may not drop tables can still run it.
#include "server/service/retention.hpp"
#include "server/storage/store.hpp"

#include "core/ids.hpp"
#include "pg_fixture.hpp"

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include <optional>
#include <string>
#include <vector>

namespace borderlog::server {
namespace {

class Retention : public test::FreshDatabase {
protected:
    // The first day of the month `months_ago` months before the current one (negative: ahead), UTC.
    std::string month_first(int months_ago) {
        return scalar<std::string>(
            "SELECT to_char(date_trunc('month', now() AT TIME ZONE 'UTC') - make_interval(months => $1), "
            "'YYYY-MM-DD')",
            months_ago);
    }
    std::string partition_of(int months_ago) {
        std::string first = month_first(months_ago);
        return "crossings_p" + first.substr(0, 4) + first.substr(5, 2);
    }
    // Makes the month's partition and stores `rows` crossings in it (through the server's store).
    void store_in_month(int months_ago, int rows) {
        const std::string first = month_first(months_ago);
        run("SELECT crossings_make_partition($1::date)", first);
        if (rows == 0) return;
        Store store(url());
        std::vector<core::Crossing> xs;
        for (int i = 0; i < rows; ++i) {
            xs.push_back(test::make_crossing("RET-" + std::to_string(months_ago + 100), next_seq_++));
            xs.back().occurred_at = first + "T12:00:00.000Z";
        }
        std::vector<const core::Crossing*> refs;
        for (const auto& x : xs) refs.push_back(&x);
        for (const auto status : store.insert_crossings(refs)) ASSERT_EQ(status, InsertStatus::stored);
    }
    void export_month(int months_ago, std::int64_t rows) {
        run("INSERT INTO crossing_exports (month, rows, sha256, exported_by) VALUES ($1::date, $2, 'abc', 'test')",
            month_first(months_ago), rows);
    }
    bool partition_exists(int months_ago) {
        return scalar<bool>("SELECT to_regclass($1) IS NOT NULL", partition_of(months_ago));
    }
    std::int64_t drop_lines(int months_ago) {
        return scalar("SELECT count(*) FROM audit_events WHERE action = 'crossings.month_dropped' AND target = $1",
                      partition_of(months_ago));
    }

private:
    std::int64_t next_seq_ = 1;
};

struct MonthCase {
    const char* name;
    int months_ago;                      // 0 = the current month, -1 = next month
    int rows;                            // stored in it
    std::optional<std::int64_t> export_rows;  // crossing_exports.rows, none: not exported
    int keep_months;
    bool dropped;
};

class RetentionOfAMonth : public Retention, public testing::WithParamInterface<MonthCase> {};

TEST_P(RetentionOfAMonth, DropsTheMonthOnlyWhenOldEnoughAndExportedWithItsExactCount) {
    const auto& c = GetParam();
    store_in_month(c.months_ago, c.rows);
    if (c.export_rows) export_month(c.months_ago, *c.export_rows);
    const auto ids_before = scalar("SELECT count(*) FROM crossing_ids");

    Store store(url());
    const auto pass = service::apply_retention(store, c.keep_months);

    EXPECT_EQ(partition_exists(c.months_ago), !c.dropped);
    EXPECT_EQ(drop_lines(c.months_ago), c.dropped ? 1 : 0);
    EXPECT_EQ(scalar("SELECT count(*) FROM crossing_ids"), c.dropped ? ids_before - c.rows : ids_before);
    EXPECT_EQ(scalar("SELECT count(*) FROM crossing_seqs"), c.dropped ? ids_before - c.rows : ids_before);
    ASSERT_EQ(pass.dropped.size(), c.dropped ? 1U : 0U);
    if (c.dropped) {
        EXPECT_EQ(pass.dropped[0].partition, partition_of(c.months_ago));
        EXPECT_EQ(pass.dropped[0].stored_rows, c.rows);
    } else {
        EXPECT_EQ(scalar("SELECT count(*) FROM crossings"), c.rows);
    }
}

INSTANTIATE_TEST_SUITE_P(
    Months, RetentionOfAMonth,
    testing::Values(MonthCase{"ExportedAndOlderThanKept", 4, 3, 3, 2, true},
                    MonthCase{"ExportedEmptyMonth", 3, 0, 0, 1, true},
                    MonthCase{"NotExported", 4, 3, std::nullopt, 2, false},
                    MonthCase{"ExportedWithFewerRowsThanStored", 4, 3, 2, 2, false},
                    MonthCase{"ExportedWithMoreRowsThanStored", 4, 3, 4, 2, false},
                    MonthCase{"ExportedButInsideTheMonthsKept", 2, 3, 3, 2, false},
                    MonthCase{"ExportedLastMonthWithTheShortestRetention", 1, 3, 3, 1, false},
                    MonthCase{"ExportedCurrentMonth", 0, 3, 3, 1, false},
                    MonthCase{"ExportedNextMonth", -1, 3, 3, 1, false}),
    [](const testing::TestParamInfo<MonthCase>& param) { return std::string(param.param.name); });

TEST_F(Retention, TheAuditLineNamesTheMonthItsRowsAndItsExport) {
    store_in_month(5, 2);
    export_month(5, 2);
    Store store(url());
    service::apply_retention(store, 3);
    const auto line = run("SELECT role, actor, detail->>'month', (detail->>'rows')::bigint, detail->>'export_sha256', "
                          "(detail->>'keep_months')::int FROM audit_events WHERE action = 'crossings.month_dropped'");
    ASSERT_EQ(line.size(), 1U);
    EXPECT_EQ(line[0][0].as<std::string>(), "system");
    EXPECT_EQ(line[0][1].as<std::string>(), "borderlog-server retention");
    EXPECT_EQ(line[0][2].as<std::string>(), month_first(5).substr(0, 7));
    EXPECT_EQ(line[0][3].as<std::int64_t>(), 2);
    EXPECT_EQ(line[0][4].as<std::string>(), "abc");
    EXPECT_EQ(line[0][5].as<int>(), 3);
}

TEST_F(Retention, OnlyTheMonthsOldEnoughAndExportedGoInOnePassTheOthersStay) {
    store_in_month(6, 2);
    export_month(6, 2);
    store_in_month(5, 2);  // not exported
    store_in_month(4, 1);
    export_month(4, 1);
    Store store(url());
    const auto pass = service::apply_retention(store, 2);
    EXPECT_FALSE(partition_exists(6));
    EXPECT_TRUE(partition_exists(5));
    EXPECT_FALSE(partition_exists(4));
    EXPECT_EQ(pass.dropped.size(), 2U);
    ASSERT_EQ(pass.kept.size(), 1U);
    EXPECT_EQ(pass.kept[0].partition, partition_of(5));
    EXPECT_FALSE(pass.kept[0].exported_rows.has_value());
    EXPECT_EQ(scalar("SELECT count(*) FROM crossings"), 2);
    // A second pass finds nothing more to drop.
    EXPECT_TRUE(service::apply_retention(store, 2).dropped.empty());
    EXPECT_EQ(scalar("SELECT count(*) FROM audit_events WHERE action = 'crossings.month_dropped'"), 2);
}

TEST_F(Retention, KeepingFewerThanOneMonthIsRefused) {
    Store store(url());
    EXPECT_THROW(store.drop_exported_months(0), std::exception);
    EXPECT_THROW(store.drop_exported_months(-3), std::exception);
}

// The server's role may not drop tables nor delete crossings; the function runs as its owner.
TEST_F(Retention, ARoleThatMayOnlyExecuteTheFunctionDropsAnExportedMonth) {
    store_in_month(4, 2);
    export_month(4, 2);
    const std::string role = "bl_retention_" + core::sha256_hex(core::random_urlsafe(8)).substr(0, 12);
    run("CREATE ROLE " + role + " NOLOGIN");
    run("GRANT EXECUTE ON FUNCTION crossings_drop_exported_months(int) TO " + role);
    bool refused_plain_drop = false;
    std::int64_t dropped = 0;
    {
        pqxx::connection conn(url());
        pqxx::nontransaction tx(conn);
        tx.exec("SET ROLE " + role);
        try {
            tx.exec("DROP TABLE " + partition_of(4));
        } catch (const pqxx::sql_error&) {
            refused_plain_drop = true;
        }
        dropped = tx.exec("SELECT count(*) FROM crossings_drop_exported_months(2) WHERE dropped")[0][0].as<std::int64_t>();
        tx.exec("RESET ROLE");
    }
    run("DROP OWNED BY " + role);
    run("DROP ROLE " + role);
    EXPECT_TRUE(refused_plain_drop);
    EXPECT_EQ(dropped, 1);
    EXPECT_FALSE(partition_exists(4));
    EXPECT_EQ(drop_lines(4), 1);
}

}  // namespace
}  // namespace borderlog::server
