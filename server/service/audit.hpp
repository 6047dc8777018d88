// The use case "read the audit trail": query parameters to a filter, rows to JSON or CSV, and the
// lines written for changes made from the command line. No SQL, no sockets.
#pragma once

#include "server/storage/audit_store.hpp"
#include "server/storage/store.hpp"

#include <boost/json/fwd.hpp>

#include <map>
#include <string>
#include <vector>

namespace borderlog::server::service {

// action (exact, or a prefix ending in `*`: `token.*`), actor, token (its id; or token_id), from, to (RFC 3339, on
// the time of the event), limit (1-1000, 100), after (the cursor), format (json|csv), header.
// Throws core::ValidationError naming the parameter at fault.
AuditFilter parse_audit_filter(const std::map<std::string, std::string>& query);

// {"events":[{"id","at","action","actor","token_id","role","address","target","detail"}],"next_after"}.
boost::json::object audit_page(const std::vector<AuditRow>& rows, const AuditFilter& filter);
boost::json::object audit_event_json(const AuditRow& row);

// One header line (unless `with_header` is false), then one line per event; `detail` as JSON text.
std::string audit_csv(const std::vector<AuditRow>& rows, bool with_header);

// The line of a token change made with `borderlog-server token ...`: no token and no address, the
// operating-system user as the actor. `action` is token.create or token.revoke.
AuditEvent command_line_token_event(const std::string& action, const Principal& token, const std::string& os_user,
                                    const std::string& sudo_user);

}  // namespace borderlog::server::service
