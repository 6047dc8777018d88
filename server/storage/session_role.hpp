// Running as a database role of less power than the owner: the server's connections assume
// borderlog_server (schema/postgres/0011_database_roles.sql) from their first statement, while
// migrations still run as the login role that owns the tables.
#pragma once

#include <string>

namespace borderlog::server {

// True for a role name PostgreSQL takes unquoted: a letter or _, then letters, digits or _, at most 63.
bool is_role_name(const std::string& role);

// The connection string that also sets `role` when the session starts (libpq's `options=-c role=...`),
// in the string's own form: a postgres:// URI or key=value pairs. An empty role returns `db_url` as is.
std::string with_session_role(const std::string& db_url, const std::string& role);

}  // namespace borderlog::server
