#include "server/storage/migrations.hpp"

#include "core/ids.hpp"
#include "server/storage/sql.hpp"

#include <pqxx/pqxx>

#include <algorithm>
#include <map>
#include <stdexcept>

namespace borderlog::server {

namespace generated {
std::vector<core::EmbeddedFile> postgres_schema_files();  // cmake/EmbedFiles.cmake
}

namespace {

struct Applied {
    std::string name;
    std::string checksum;
};

std::map<int, Applied> read_applied(pqxx::connection& conn) {
    pqxx::work tx(conn);
    if (!tx.exec1(sql::kMigrationsTableExists)[0].as<bool>()) {
        try {
            tx.exec(sql::kCreateMigrationsTable);
        } catch (const pqxx::insufficient_privilege&) {
            throw std::runtime_error("the database has no borderlog schema and this database login may not "
                                     "create one: run `borderlog-server migrate` with the owner's URL");
        }
    }
    std::map<int, Applied> applied;
    for (const auto& r : tx.exec(sql::kAppliedMigrations))
        applied[r[0].as<int>()] = {r[1].as<std::string>(), r[2].as<std::string>()};
    tx.commit();
    return applied;
}

void check_applied(const std::map<int, Applied>& applied, const std::vector<Migration>& migrations) {
    for (const auto& [version, a] : applied) {
        const auto it = std::find_if(migrations.begin(), migrations.end(),
                                     [&](const Migration& m) { return m.version == version; });
        if (it == migrations.end())
            throw std::runtime_error("the database has migration " + std::to_string(version) + " (" + a.name +
                                     ") that this server does not know: it is newer than this server");
        if (it->checksum != a.checksum)
            throw std::runtime_error("migration " + std::to_string(version) + " (" + a.name +
                                     ") was changed after it was applied: its checksum differs");
    }
}

}  // namespace

std::vector<Migration> to_migrations(const std::vector<core::EmbeddedFile>& files) {
    std::vector<Migration> out;
    for (const auto& f : files) {
        const auto underscore = f.name.find('_');
        const bool digits = underscore == 4 && std::all_of(f.name.begin(), f.name.begin() + 4,
                                                           [](char c) { return c >= '0' && c <= '9'; });
        if (!digits || f.name.size() < 10 || f.name.substr(f.name.size() - 4) != ".sql")
            throw std::runtime_error("migration file name must be NNNN_name.sql: " + f.name);
        out.push_back({std::stoi(f.name.substr(0, 4)), f.name.substr(5, f.name.size() - 9), core::sha256_hex(f.text),
                       f.text});
    }
    std::sort(out.begin(), out.end(), [](const Migration& a, const Migration& b) { return a.version < b.version; });
    for (std::size_t i = 1; i < out.size(); ++i)
        if (out[i].version == out[i - 1].version)
            throw std::runtime_error("two migrations share version " + std::to_string(out[i].version));
    return out;
}

std::vector<Migration> bundled_migrations() { return to_migrations(generated::postgres_schema_files()); }

MigrationReport apply_migrations(const std::string& db_url, const std::vector<Migration>& migrations) {
    pqxx::connection conn(db_url);
    {
        pqxx::nontransaction lock(conn);
        lock.exec(sql::kMigrationLock);  // held by this session until unlocked or disconnected
    }
    MigrationReport report;
    try {
        auto applied = read_applied(conn);
        check_applied(applied, migrations);
        for (const auto& m : migrations) {
            if (applied.count(m.version)) continue;
            try {
                pqxx::work tx(conn);
                tx.exec(m.text);
                tx.exec_params(sql::kRecordMigration, m.version, m.name, m.checksum);
                tx.commit();
            } catch (const pqxx::insufficient_privilege& e) {
                // Typically a server whose login holds only borderlog_server, started before migrating.
                throw std::runtime_error("migration " + std::to_string(m.version) + " (" + m.name +
                                         ") is pending and this database login may not apply it (" +
                                         e.what() + "): run `borderlog-server migrate` with the owner's URL");
            }
            report.applied.push_back(m.name);
        }
        if (!report.applied.empty()) {
            pqxx::work tx(conn);
            tx.exec(sql::kGrantRoles);
            tx.commit();
        }
        report.current_version = migrations.empty() ? 0 : migrations.back().version;
    } catch (...) {
        pqxx::nontransaction unlock(conn);
        unlock.exec(sql::kMigrationUnlock);
        throw;
    }
    pqxx::nontransaction unlock(conn);
    unlock.exec(sql::kMigrationUnlock);
    return report;
}

bool migrations_current(const std::string& db_url, const std::vector<Migration>& migrations) {
    pqxx::connection conn(db_url);
    const auto applied = read_applied(conn);
    check_applied(applied, migrations);
    return applied.size() == migrations.size();
}

}  // namespace borderlog::server
