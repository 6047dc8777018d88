// Forward-only schema migrations: schema/postgres/NNNN_name.sql, compiled into the server, each applied
// in one transaction and recorded with its checksum, under an advisory lock so that several servers
// can start together.
#pragma once

#include "core/embedded_file.hpp"

#include <string>
#include <vector>

namespace borderlog::server {

struct Migration {
    int version = 0;
    std::string name;
    std::string checksum;  // SHA-256 of the file's text
    std::string text;
};

struct MigrationReport {
    std::vector<std::string> applied;  // file names applied by this call
    int current_version = 0;
};

// The server's own migrations, in version order (generated from schema/postgres at build time).
std::vector<Migration> bundled_migrations();

// Orders and checks file names (NNNN_name.sql, versions unique). Throws std::runtime_error otherwise.
std::vector<Migration> to_migrations(const std::vector<core::EmbeddedFile>& files);

// Applies what is pending. Throws when an applied migration's checksum differs from the bundled one
// (the schema was edited after it shipped) or when the database is newer than this server.
MigrationReport apply_migrations(const std::string& db_url, const std::vector<Migration>& migrations);

// True when every bundled migration is applied and nothing unknown is.
bool migrations_current(const std::string& db_url, const std::vector<Migration>& migrations);

}  // namespace borderlog::server
