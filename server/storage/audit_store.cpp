#include "server/storage/audit_store.hpp"

#include "server/storage/sql.hpp"

#include <pqxx/pqxx>

namespace borderlog::server {

namespace {

const char* or_null(const std::optional<std::string>& v) { return v ? v->c_str() : nullptr; }

std::string text(const pqxx::field& f) { return f.is_null() ? std::string() : f.as<std::string>(); }

}  // namespace

std::vector<AuditRow> AuditStore::list(const AuditFilter& f) {
    pqxx::read_transaction tx(store_.connection());
    const pqxx::result rows =
        tx.exec_params(sql::kListAudit, or_null(f.action), or_null(f.action_prefix), or_null(f.actor), f.token_id,
                       or_null(f.from), or_null(f.to), f.after, f.limit);
    std::vector<AuditRow> out;
    out.reserve(rows.size());
    for (const auto& r : rows) {
        AuditRow row;
        row.id = r[0].as<std::int64_t>();
        row.at = text(r[1]);
        if (!r[2].is_null()) row.token_id = r[2].as<std::int64_t>();
        row.role = text(r[3]);
        row.actor = text(r[4]);
        row.address = text(r[5]);
        row.action = text(r[6]);
        row.target = text(r[7]);
        row.detail_json = text(r[8]);
        out.push_back(std::move(row));
    }
    return out;
}

}  // namespace borderlog::server
