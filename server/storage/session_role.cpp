#include "server/storage/session_role.hpp"

#include <cctype>
#include <stdexcept>

namespace borderlog::server {

bool is_role_name(const std::string& role) {
    if (role.empty() || role.size() > 63) return false;
    if (!std::islower(static_cast<unsigned char>(role[0])) && role[0] != '_') return false;
    for (const unsigned char c : role)
        if (!std::islower(c) && !std::isdigit(c) && c != '_') return false;
    return true;
}

std::string with_session_role(const std::string& db_url, const std::string& role) {
    if (role.empty()) return db_url;
    if (!is_role_name(role)) throw std::invalid_argument("not a database role name: " + role);
    const bool uri = db_url.rfind("postgres://", 0) == 0 || db_url.rfind("postgresql://", 0) == 0;
    if (uri) {
        const char joiner = db_url.find('?') == std::string::npos ? '?' : '&';
        return db_url + joiner + "options=-c%20role%3D" + role;
    }
    return db_url + (db_url.empty() ? "" : " ") + "options='-c role=" + role + "'";
}

}  // namespace borderlog::server
