// The audit trail as admins read it: who did what, when and from where, filtered and paged. Lines are
// written by Store::append_audit (each in the transaction of what it records, where there is one).
#pragma once

#include "server/storage/store.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace borderlog::server {

struct AuditFilter {
    std::optional<std::string> action;         // exact
    std::optional<std::string> action_prefix;  // "token." for token.create and token.revoke
    std::optional<std::string> actor;          // exact
    std::optional<std::int64_t> token_id;
    std::optional<std::string> from, to;       // on `at`, RFC 3339 (from inclusive, to exclusive)
    std::int64_t after = 0;                    // the cursor: the id of the previous page's last line
    int limit = 100;
};

struct AuditRow {
    std::int64_t id = 0;
    std::string at;  // RFC 3339 UTC, milliseconds
    std::optional<std::int64_t> token_id;
    std::string role, actor, address, action, target;  // empty where NULL
    std::string detail_json;
};

class AuditStore {
public:
    explicit AuditStore(Store& store) : store_(store) {}

    // Oldest first, ids above filter.after, at most filter.limit.
    std::vector<AuditRow> list(const AuditFilter& filter);

private:
    Store& store_;
};

}  // namespace borderlog::server
