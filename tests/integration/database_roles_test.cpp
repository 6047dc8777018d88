// The database roles of migration 0011, against a real PostgreSQL: the role the server runs as
// (borderlog_server) may insert and read crossings, their keys and audit lines but never change or
// remove them, reaches partitions only through their parent, and still does everything the server does;
// the reader reads but never writes, and never sees token hashes.
#include "pg_fixture.hpp"
#include "server/storage/chain_store.hpp"
#include "server/storage/session_role.hpp"
#include "server/storage/store.hpp"

#include <gtest/gtest.h>

#include <pqxx/pqxx>

#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace borderlog::server {
namespace {

constexpr const char* kServerRole = "borderlog_server";
constexpr const char* kReaderRole = "borderlog_reader";
constexpr const char* kInsufficientPrivilege = "42501";

class DatabaseRoles : public test::FreshDatabase {
protected:
    void SetUp() override {
        FreshDatabase::SetUp();
        if (HasFatalFailure()) return;
        // One stored crossing and one audit line, written by the owner, for the refusals to aim at.
        Store owner(url());
        stored = test::make_crossing("KAK-01", 1);
        ASSERT_EQ(owner.insert_crossings({&stored}), std::vector<InsertStatus>{InsertStatus::stored});
        owner.append_audit({0, "admin", "cli", "127.0.0.1", "token.create", "7", "{}"});
    }

    // Runs `sql` on a connection that assumed `role` the way `serve --db-role` does; returns the
    // SQLSTATE it failed with, or "" when it succeeded. (libpqxx 6.4 leaves sqlstate() empty on the
    // errors it has a class for, so the refusal is known by its class.)
    std::string run_as(const std::string& role, const std::string& sql) {
        try {
            pqxx::connection conn(with_session_role(url(), role));
            pqxx::work tx(conn);
            tx.exec(sql);
            tx.commit();
            return "";
        } catch (const pqxx::insufficient_privilege&) {
            return kInsufficientPrivilege;
        } catch (const pqxx::sql_error& e) {
            return e.sqlstate().empty() ? std::string("error: ") + e.what() : e.sqlstate();
        }
    }

    core::Crossing stored;
};

TEST_F(DatabaseRoles, TheServersConnectionsRunAsTheRoleTheyAreGiven) {
    pqxx::connection conn(with_session_role(url(), kServerRole));
    pqxx::nontransaction tx(conn);
    EXPECT_EQ(tx.exec1("SELECT current_user")[0].as<std::string>(), kServerRole);
}

// Every way of changing or removing a stored crossing, its keys or an audit line is refused to the server.
class ServerRoleRefuses : public DatabaseRoles, public testing::WithParamInterface<const char*> {};

TEST_P(ServerRoleRefuses, AChangeToWhatItGuards) {
    EXPECT_EQ(run_as(kServerRole, GetParam()), kInsufficientPrivilege) << GetParam();
}

INSTANTIATE_TEST_SUITE_P(
    AppendOnlyTables, ServerRoleRefuses,
    testing::Values("UPDATE crossings SET surname = 'ALTERED'", "DELETE FROM crossings", "TRUNCATE crossings",
                    "UPDATE audit_events SET actor = 'someone else'", "DELETE FROM audit_events",
                    "TRUNCATE audit_events", "DELETE FROM crossing_ids", "UPDATE crossing_ids SET device_id = 'X'",
                    "DELETE FROM crossing_seqs", "UPDATE crossing_seqs SET seq = seq + 1",
                    "DELETE FROM append_only_tables", "DELETE FROM crossings_default",
                    "INSERT INTO crossings_default SELECT * FROM crossings",
                    "SELECT crossings_drop_partition(name) FROM crossing_partitions LIMIT 1",
                    "DROP TABLE crossings", "ALTER TABLE crossings DISABLE TRIGGER USER",
                    "CREATE TABLE planted (x int)"));

TEST_F(DatabaseRoles, TheServerStoresCrossingsThroughTheRealIngestPathAndAnswersEachRecordExactly) {
    Store server(with_session_role(url(), kServerRole));
    core::Crossing fresh = test::make_crossing("KAK-01", 2);
    core::Crossing same_seq_other_id = test::make_crossing("KAK-01", 1);  // its id key is taken, then given back
    core::Crossing next_month = test::make_crossing("KAK-01", 3);
    next_month.occurred_at = "2026-12-02T08:00:00.000Z";

    const auto answers = server.insert_crossings({&fresh, &stored, &same_seq_other_id, &next_month});

    EXPECT_EQ(answers, (std::vector<InsertStatus>{InsertStatus::stored, InsertStatus::duplicate,
                                                  InsertStatus::seq_conflict, InsertStatus::stored}));
    EXPECT_EQ(scalar("SELECT count(*) FROM crossings"), 3);
    EXPECT_EQ(scalar("SELECT count(*) FROM crossing_ids"), 3);  // the refused record's id went back
    EXPECT_EQ(scalar("SELECT count(*) FROM crossing_ids WHERE id = $1::uuid", same_seq_other_id.id), 0);
}

TEST_F(DatabaseRoles, TheServerMakesNextMonthsPartitionsThoughItCannotCreateTables) {
    Store server(with_session_role(url(), kServerRole));
    const auto before = scalar("SELECT count(*) FROM crossing_partitions");
    server.make_partitions_ahead(14);  // more months than the migrations made
    EXPECT_GT(scalar("SELECT count(*) FROM crossing_partitions"), before);
    EXPECT_EQ(run_as(kServerRole, "CREATE TABLE planted (x int)"), kInsufficientPrivilege);
}

TEST_F(DatabaseRoles, GivingBackAnIdKeyNeverRemovesTheKeyOfAStoredCrossing) {
    const std::string call = "SELECT crossing_ids_give_back('[\"" + stored.id + "\"]'::jsonb)";
    EXPECT_EQ(run_as(kServerRole, call), "");
    EXPECT_EQ(scalar("SELECT count(*) FROM crossing_ids WHERE id = $1::uuid", stored.id), 1);
    EXPECT_EQ(run_as(kReaderRole, call), kInsufficientPrivilege);  // and only the server may call it
}

TEST_F(DatabaseRoles, TheServerWritesAuditLinesAndStillChangesItsWorkingTables) {
    Store server(with_session_role(url(), kServerRole));
    server.append_audit({0, "admin", "cli", "127.0.0.1", "central_offline.on", "", "{}"});
    EXPECT_EQ(scalar("SELECT count(*) FROM audit_events"), 2);
    server.set_central_state(true, "drill", "admin");  // an UPDATE of an ordinary table
    EXPECT_TRUE(server.central_state().offline);
    EXPECT_EQ(run_as(kServerRole, "DELETE FROM rejected_records"), "");
}

TEST_F(DatabaseRoles, TheReaderReadsRecordsButNeverWritesNorSeesTokenHashes) {
    EXPECT_EQ(run_as(kReaderRole, "SELECT count(*) FROM crossings"), "");
    EXPECT_EQ(run_as(kReaderRole, "SELECT count(*) FROM audit_events"), "");
    EXPECT_EQ(run_as(kReaderRole, "SELECT count(*) FROM crossing_partitions"), "");
    EXPECT_EQ(run_as(kReaderRole, "SELECT token_hash FROM api_tokens"), kInsufficientPrivilege);
    EXPECT_EQ(run_as(kReaderRole, "SELECT count(*) FROM dashboard_sessions"), kInsufficientPrivilege);
    EXPECT_EQ(run_as(kReaderRole, "INSERT INTO audit_events (role, actor, action) VALUES ('x', 'y', 'z')"),
              kInsufficientPrivilege);
    EXPECT_EQ(run_as(kReaderRole, "UPDATE central_state SET offline = true"), kInsufficientPrivilege);
}

// `borderlog-server verify` needs no more than reading: an auditor's login in borderlog_reader runs it.
TEST_F(DatabaseRoles, TheReaderRunsVerifyOverEveryStoredChain) {
    Store reader(with_session_role(url(), kReaderRole));
    std::optional<service::ChainVerifier> verifier;
    ChainStore(reader).scan(
        std::nullopt, [&](service::ChainContext context) { verifier.emplace(std::move(context)); },
        [&](const service::StoredLink& row) { verifier->add(row); });
    ASSERT_TRUE(verifier.has_value());
    const auto report = verifier->finish();
    EXPECT_EQ(report.checked, 1);
    EXPECT_TRUE(report.clean());
}

TEST_F(DatabaseRoles, ATableALaterMigrationAddsIsGrantedWithoutAnyoneRemembering) {
    auto migrations = bundled_migrations();
    Migration later;
    later.version = migrations.back().version + 1;
    later.name = "9999_later_feature.sql";
    later.text = "CREATE TABLE later_feature (id bigint PRIMARY KEY, note text)";
    later.checksum = core::sha256_hex(later.text);
    migrations.push_back(later);
    apply_migrations(url(), migrations);

    EXPECT_EQ(run_as(kServerRole, "INSERT INTO later_feature VALUES (1, 'a')"), "");
    EXPECT_EQ(run_as(kServerRole, "UPDATE later_feature SET note = 'b'"), "");
    EXPECT_EQ(run_as(kReaderRole, "SELECT * FROM later_feature"), "");
    EXPECT_EQ(run_as(kServerRole, "DELETE FROM crossings"), kInsufficientPrivilege);  // still append-only
}

// The production layout: a login of its own that holds nothing but borderlog_server. It serves a
// database whose migrations are current, and refuses, saying what to do, one that needs migrating.
TEST_F(DatabaseRoles, ALoginHoldingOnlyTheServerRoleServesACurrentSchemaButNeverMigrates) {
    const std::string login = "bl_app_" + core::sha256_hex(core::random_urlsafe(8)).substr(0, 10);
    run("CREATE ROLE " + login + " LOGIN IN ROLE borderlog_server");
    run("ALTER ROLE " + login + " SET role = 'borderlog_server'");
    const bool uri = url().find("://") != std::string::npos;
    const std::string as_login =
        url() + (!uri ? " " : url().find('?') == std::string::npos ? "?" : "&") + "user=" + login;

    EXPECT_TRUE(apply_migrations(as_login, bundled_migrations()).applied.empty());  // current: nothing to do
    {
        Store server(as_login);
        core::Crossing fresh = test::make_crossing("KAK-01", 2);
        EXPECT_EQ(server.insert_crossings({&fresh}), std::vector<InsertStatus>{InsertStatus::stored});
        pqxx::connection conn(as_login);
        pqxx::work tx(conn);
        EXPECT_THROW(tx.exec("DELETE FROM crossings"), pqxx::insufficient_privilege);
    }

    auto migrations = bundled_migrations();
    Migration later;
    later.version = migrations.back().version + 1;
    later.name = "later_feature";
    later.text = "CREATE TABLE later_feature (id bigint PRIMARY KEY)";
    later.checksum = core::sha256_hex(later.text);
    migrations.push_back(later);
    try {
        apply_migrations(as_login, migrations);
        ADD_FAILURE() << "a login holding only borderlog_server applied a migration";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("borderlog-server migrate"), std::string::npos) << e.what();
    }
    EXPECT_EQ(scalar("SELECT count(*) FROM schema_migrations WHERE name = 'later_feature'"), 0);
    run("DROP OWNED BY " + login);
    run("DROP ROLE " + login);
}

// Restores PGOPTIONS as it was when the test began.
class PgOptionsGuard {
public:
    explicit PgOptionsGuard(const char* value) {
        if (const char* old = std::getenv("PGOPTIONS")) saved_ = old;
        if (value != nullptr) ::setenv("PGOPTIONS", value, 1);
        else ::unsetenv("PGOPTIONS");
    }
    ~PgOptionsGuard() {
        if (saved_) ::setenv("PGOPTIONS", saved_->c_str(), 1);
        else ::unsetenv("PGOPTIONS");
    }

private:
    std::optional<std::string> saved_;
};

// libpq ignores PGOPTIONS once the connection string carries options, so the role must bring the
// settings given there (the server's statement and lock timeouts) with it.
TEST_F(DatabaseRoles, TheTimeoutsOfPgOptionsStillHoldUnderTheRole) {
    const PgOptionsGuard options("-c statement_timeout=4321 -c lock_timeout=1234");
    pqxx::connection conn(with_session_role(url(), kServerRole));
    pqxx::nontransaction tx(conn);
    EXPECT_EQ(tx.exec1("SELECT current_user")[0].as<std::string>(), kServerRole);
    EXPECT_EQ(tx.exec1("SHOW lock_timeout")[0].as<std::string>(), "1234ms");
    EXPECT_EQ(tx.exec1("SHOW statement_timeout")[0].as<std::string>(), "4321ms");
}

TEST(SessionRole, ARoleIsAddedInTheConnectionStringsOwnForm) {
    const PgOptionsGuard options(nullptr);
    EXPECT_EQ(with_session_role("postgresql://app@db/borderlog", "borderlog_server"),
              "postgresql://app@db/borderlog?options=-c%20role%3Dborderlog_server");
    EXPECT_EQ(with_session_role("postgresql://app@db/borderlog?sslmode=require", "borderlog_server"),
              "postgresql://app@db/borderlog?sslmode=require&options=-c%20role%3Dborderlog_server");
    EXPECT_EQ(with_session_role("host=db dbname=borderlog", "borderlog_server"),
              "host=db dbname=borderlog options='-c role=borderlog_server'");
    EXPECT_EQ(with_session_role("postgresql://app@db/borderlog", ""), "postgresql://app@db/borderlog");
}

TEST(SessionRole, PgOptionsTravelWithTheRoleQuotedForEachForm) {
    const PgOptionsGuard options("-c lock_timeout=10000 -c search_path='a b'");
    EXPECT_EQ(with_session_role("postgresql://app@db/borderlog", "borderlog_server"),
              "postgresql://app@db/borderlog?options=-c%20lock_timeout%3D10000%20-c%20search_path%3D%27a%20b%27"
              "%20-c%20role%3Dborderlog_server");
    EXPECT_EQ(with_session_role("host=db", "borderlog_server"),
              "host=db options='-c lock_timeout=10000 -c search_path=\\'a b\\' -c role=borderlog_server'");
}

TEST(SessionRole, OnlyAPlainRoleNameIsTaken) {
    EXPECT_TRUE(is_role_name("borderlog_server"));
    EXPECT_FALSE(is_role_name(""));
    EXPECT_FALSE(is_role_name("Borderlog"));
    EXPECT_FALSE(is_role_name("x' options='-c role=postgres"));
    EXPECT_FALSE(is_role_name("a b"));
    EXPECT_FALSE(is_role_name(std::string(64, 'a')));
    EXPECT_THROW(with_session_role("postgresql://db/x", "bad role"), std::invalid_argument);
}

}  // namespace
}  // namespace borderlog::server
