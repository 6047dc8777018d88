#include "server/storage/session_role.hpp"

#include <cctype>
#include <cstdlib>
#include <stdexcept>

namespace borderlog::server {

bool is_role_name(const std::string& role) {
    if (role.empty() || role.size() > 63) return false;
    if (!std::islower(static_cast<unsigned char>(role[0])) && role[0] != '_') return false;
    for (const unsigned char c : role)
        if (!std::islower(c) && !std::isdigit(c) && c != '_') return false;
    return true;
}

namespace {

// Percent-encodes everything but unreserved characters, for a value inside a postgres:// URI.
std::string uri_encoded(const std::string& text) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    for (const unsigned char c : text) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += kHex[c >> 4];
            out += kHex[c & 15];
        }
    }
    return out;
}

// A value inside single quotes of a key=value connection string: ' and \ are escaped.
std::string quoted(const std::string& text) {
    std::string out = "'";
    for (const char c : text) {
        if (c == '\'' || c == '\\') out += '\\';
        out += c;
    }
    return out + "'";
}

}  // namespace

std::string with_session_role(const std::string& db_url, const std::string& role) {
    if (role.empty()) return db_url;
    if (!is_role_name(role)) throw std::invalid_argument("not a database role name: " + role);
    // libpq reads PGOPTIONS only when the connection string has no options of its own, so the settings
    // given there (the server's statement and lock timeouts) travel with the role.
    const char* inherited = std::getenv("PGOPTIONS");
    std::string options = inherited != nullptr && *inherited != '\0' ? std::string(inherited) + " " : "";
    options += "-c role=" + role;
    const bool uri = db_url.rfind("postgres://", 0) == 0 || db_url.rfind("postgresql://", 0) == 0;
    if (uri) {
        const char joiner = db_url.find('?') == std::string::npos ? '?' : '&';
        return db_url + joiner + "options=" + uri_encoded(options);
    }
    return db_url + (db_url.empty() ? "" : " ") + "options=" + quoted(options);
}

}  // namespace borderlog::server
