#include "server/storage/migrations.hpp"

#include "core/ids.hpp"
#include "pg_fixture.hpp"

#include <gtest/gtest.h>

#include <exception>
#include <latch>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace borderlog::server {
namespace {

// A fresh database with no schema at all: the migrations are what is under test.
class EmptyDatabase : public test::FreshDatabase {
protected:
    EmptyDatabase() : FreshDatabase(false) {}

    std::int64_t recorded() { return scalar("SELECT count(*) FROM schema_migrations"); }
    bool has_table(const char* name) { return scalar<bool>("SELECT to_regclass($1) IS NOT NULL", name); }
};

std::vector<std::string> names(const std::vector<Migration>& migrations) {
    std::vector<std::string> out;
    for (const auto& m : migrations) out.push_back(m.name);
    return out;
}

TEST_F(EmptyDatabase, ApplyingToAnEmptyDatabaseAppliesEveryBundledMigration) {
    const auto bundled = bundled_migrations();
    ASSERT_FALSE(bundled.empty());
    const MigrationReport report = apply_migrations(url(), bundled);
    EXPECT_EQ(report.applied, names(bundled));
    EXPECT_EQ(report.current_version, bundled.back().version);
    EXPECT_EQ(recorded(), static_cast<std::int64_t>(bundled.size()));
    for (const char* table : {"crossings", "api_tokens", "devices", "central_state"}) EXPECT_TRUE(has_table(table)) << table;
}

TEST_F(EmptyDatabase, ApplyingASecondTimeAppliesNothing) {
    const auto bundled = bundled_migrations();
    apply_migrations(url(), bundled);
    const MigrationReport again = apply_migrations(url(), bundled);
    EXPECT_TRUE(again.applied.empty());
    EXPECT_EQ(again.current_version, bundled.back().version);
    EXPECT_EQ(recorded(), static_cast<std::int64_t>(bundled.size()));
}

TEST_F(EmptyDatabase, MigrationsAreCurrentOnlyOnceApplied) {
    const auto bundled = bundled_migrations();
    EXPECT_FALSE(migrations_current(url(), bundled));
    apply_migrations(url(), bundled);
    EXPECT_TRUE(migrations_current(url(), bundled));
}

TEST_F(EmptyDatabase, AMigrationChangedAfterItWasAppliedStopsTheServer) {
    const auto bundled = bundled_migrations();
    apply_migrations(url(), bundled);
    run("UPDATE schema_migrations SET checksum = 'x' WHERE version = $1", bundled.front().version);
    try {
        apply_migrations(url(), bundled);
        FAIL() << "apply_migrations accepted a changed checksum";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("checksum"), std::string::npos) << e.what();
    }
    EXPECT_THROW(migrations_current(url(), bundled), std::runtime_error);
}

TEST_F(EmptyDatabase, ADatabaseNewerThanTheServerStopsTheServer) {
    const auto bundled = bundled_migrations();
    apply_migrations(url(), bundled);
    run("INSERT INTO schema_migrations (version, name, checksum) VALUES (9999, 'from_the_future', 'y')");
    try {
        apply_migrations(url(), bundled);
        FAIL() << "apply_migrations accepted an unknown applied migration";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("9999"), std::string::npos) << e.what();
    }
}

TEST_F(EmptyDatabase, TheAdvisoryLockIsReleasedAfterAFailure) {
    const auto bundled = bundled_migrations();
    apply_migrations(url(), bundled);
    run("UPDATE schema_migrations SET checksum = 'x' WHERE version = $1", bundled.front().version);
    EXPECT_THROW(apply_migrations(url(), bundled), std::runtime_error);
    run("UPDATE schema_migrations SET checksum = $1 WHERE version = $2", bundled.front().checksum,
        bundled.front().version);
    // Would wait forever if the failed call had kept the lock.
    EXPECT_TRUE(apply_migrations(url(), bundled).applied.empty());
}

TEST_F(EmptyDatabase, AFailingMigrationIsNotRecordedAndLeavesNothingBehind) {
    std::vector<Migration> broken = to_migrations({{"0001_good.sql", "CREATE TABLE good (x int);"},
                                                   {"0002_bad.sql", "CREATE TABLE half (x int); SELECT 1/0;"}});
    EXPECT_THROW(apply_migrations(url(), broken), std::exception);
    EXPECT_EQ(recorded(), 1);
    EXPECT_TRUE(has_table("good"));
    EXPECT_FALSE(has_table("half"));
}

TEST_F(EmptyDatabase, TwoServersApplyingAtOnceBothSucceedAndTheSchemaIsAppliedOnce) {
    const auto bundled = bundled_migrations();
    std::latch start(2);
    MigrationReport reports[2];
    std::exception_ptr errors[2];
    std::vector<std::thread> servers;
    for (int i = 0; i < 2; ++i) {
        servers.emplace_back([&, i] {
            start.arrive_and_wait();
            try {
                reports[i] = apply_migrations(url(), bundled);
            } catch (...) {
                errors[i] = std::current_exception();
            }
        });
    }
    for (auto& t : servers) t.join();
    for (int i = 0; i < 2; ++i) {
        if (errors[i]) {
            try {
                std::rethrow_exception(errors[i]);
            } catch (const std::exception& e) {
                ADD_FAILURE() << "server " << i << " failed: " << e.what();
            }
        }
    }
    EXPECT_EQ(reports[0].applied.size() + reports[1].applied.size(), bundled.size());
    EXPECT_TRUE(reports[0].applied.empty() || reports[1].applied.empty());
    EXPECT_EQ(recorded(), static_cast<std::int64_t>(bundled.size()));
    EXPECT_EQ(scalar("SELECT count(*) FROM central_state"), 1);
}

// --- to_migrations (no database) --------------------------------------------------------------------

TEST(Migrations, FileNamesGiveVersionAndNameInVersionOrder) {
    const auto migrations = to_migrations({{"0002_second.sql", "SELECT 2;"}, {"0001_first_one.sql", "SELECT 1;"}});
    ASSERT_EQ(migrations.size(), 2u);
    EXPECT_EQ(migrations[0].version, 1);
    EXPECT_EQ(migrations[0].name, "first_one");
    EXPECT_EQ(migrations[0].text, "SELECT 1;");
    EXPECT_EQ(migrations[0].checksum, core::sha256_hex("SELECT 1;"));
    EXPECT_EQ(migrations[1].version, 2);
    EXPECT_EQ(migrations[1].name, "second");
}

TEST(Migrations, TheBundledMigrationsStartAtVersionOne) {
    const auto bundled = bundled_migrations();
    ASSERT_FALSE(bundled.empty());
    EXPECT_EQ(bundled.front().version, 1);
    EXPECT_EQ(bundled.front().name, "core");
}

class ABadMigrationFileName : public testing::TestWithParam<const char*> {};

TEST_P(ABadMigrationFileName, IsRefused) {
    EXPECT_THROW(to_migrations({{GetParam(), "SELECT 1;"}}), std::runtime_error) << GetParam();
}

INSTANTIATE_TEST_SUITE_P(Migrations, ABadMigrationFileName,
                         testing::Values("core.sql", "1_core.sql", "001_core.sql", "00001_core.sql", "000a_core.sql",
                                         "0001-core.sql", "0001core.sql", "0001_.sql", "0001_core.txt",
                                         "0001_core.sql.bak", "0001_core", ""));

TEST(Migrations, TwoFilesWithOneVersionAreRefused) {
    EXPECT_THROW(to_migrations({{"0001_a.sql", "SELECT 1;"}, {"0001_b.sql", "SELECT 2;"}}), std::runtime_error);
}

}  // namespace
}  // namespace borderlog::server
