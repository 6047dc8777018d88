// A fresh PostgreSQL database for each test, on the server named by BORDERLOG_TEST_DB, dropped when
// the test ends; and crossings to store in it.
#pragma once

#include "core/crossing.hpp"
#include "core/ids.hpp"
#include "server/storage/migrations.hpp"

#include <gtest/gtest.h>

#include <pqxx/pqxx>

#include <cstdint>
#include <cstdlib>
#include <string>

namespace borderlog::test {

inline constexpr const char* kTestDbVariable = "BORDERLOG_TEST_DB";

// The URL of database `name` on the server that `server_url` points at (a postgresql:// URL or a
// "key=value" connection string).
inline std::string with_database(const std::string& server_url, const std::string& name) {
    const auto scheme = server_url.find("://");
    if (scheme == std::string::npos) return server_url + " dbname=" + name;
    const auto query = server_url.find('?', scheme + 3);
    const std::string before_query = server_url.substr(0, query);
    const std::string rest = query == std::string::npos ? "" : server_url.substr(query);
    const auto slash = before_query.find('/', scheme + 3);
    return (slash == std::string::npos ? before_query : before_query.substr(0, slash)) + "/" + name + rest;
}

// Creates bl_it_<random> in SetUp (applying the bundled migrations unless told not to) and drops
// it in TearDown. Fails the test, loudly, when BORDERLOG_TEST_DB is not set.
class FreshDatabase : public testing::Test {
protected:
    explicit FreshDatabase(bool migrate = true) : migrate_(migrate) {}

    void SetUp() override {
        const char* server = std::getenv(kTestDbVariable);
        if (!server || !*server)
            FAIL() << kTestDbVariable
                   << " is not set: the integration tests need a PostgreSQL server to create their databases on, "
                      "e.g. BORDERLOG_TEST_DB=postgresql://postgres@127.0.0.1:5432/postgres (deploy/test.sh sets it)";
        server_url_ = server;
        const std::string name = "bl_it_" + core::sha256_hex(core::random_urlsafe(16)).substr(0, 16);
        {
            pqxx::connection conn(server_url_);
            pqxx::nontransaction tx(conn);
            tx.exec("CREATE DATABASE " + tx.quote_name(name));
        }
        name_ = name;
        url_ = with_database(server_url_, name_);
        if (migrate_) server::apply_migrations(url_, server::bundled_migrations());
    }

    void TearDown() override {
        if (name_.empty()) return;
        pqxx::connection conn(server_url_);
        pqxx::nontransaction tx(conn);
        tx.exec("DROP DATABASE IF EXISTS " + tx.quote_name(name_) + " WITH (FORCE)");
    }

    // The first column of the first row of `sql`, run in the fresh database.
    template <typename T = std::int64_t, typename... Args>
    T scalar(const std::string& sql, Args&&... args) {
        pqxx::connection conn(url_);
        pqxx::nontransaction tx(conn);
        return tx.exec_params1(sql, std::forward<Args>(args)...)[0].template as<T>();
    }

    // Runs `sql` in the fresh database.
    template <typename... Args>
    pqxx::result run(const std::string& sql, Args&&... args) {
        pqxx::connection conn(url_);
        pqxx::work tx(conn);
        pqxx::result r = tx.exec_params(sql, std::forward<Args>(args)...);
        tx.commit();
        return r;
    }

    const std::string& url() const { return url_; }

private:
    bool migrate_;
    std::string server_url_;
    std::string name_;
    std::string url_;
};

// A valid crossing of `device` at `checkpoint` with a new UUIDv7 id.
inline core::Crossing make_crossing(const std::string& device, std::int64_t seq,
                                    const std::string& checkpoint = "KAKAVIJE") {
    core::Crossing x;
    x.id = core::new_uuid_v7();
    x.device_id = device;
    x.seq = seq;
    x.checkpoint_id = checkpoint;
    x.lane = "3";
    x.direction = "entry";
    x.occurred_at = "2026-11-27T10:42:05.123Z";
    x.officer_id = "officer-112";
    x.traveler = {"P", "L898902C3", "UTO", "UTO", "ERIKSSON", "ANNA MARIA", "1974-08-12", "F", "2012-04-15"};
    x.transport = {"car", "AA123BB"};
    x.recorded_offline = true;
    return x;
}

}  // namespace borderlog::test
