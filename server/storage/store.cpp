#include "server/storage/store.hpp"

#include "core/crossing_json.hpp"
#include "server/storage/sql.hpp"

#include <boost/json.hpp>
#include <pqxx/pqxx>

#include <unordered_map>
#include <unordered_set>

namespace borderlog::server {

namespace json = boost::json;

struct Store::Impl {
    explicit Impl(const std::string& url) : conn(url) {
        // The ingest statements run for every batch: parse and plan them once per connection.
        conn.prepare("insert_crossings", sql::kInsertCrossings);
        conn.prepare("compare_stored", sql::kCompareStored);
    }
    pqxx::connection conn;
};

Store::Store(const std::string& db_url) : impl_(std::make_unique<Impl>(db_url)) {}
Store::~Store() = default;

bool Store::is_open() const { return impl_->conn.is_open(); }

namespace {

json::value text_or_null(const std::string& s) { return s.empty() ? json::value(nullptr) : json::value(s); }

// One row for jsonb_to_recordset: the typed columns and the canonical record.
json::object insert_row(const core::Crossing& x) {
    json::object row;
    row["id"] = x.id;
    row["device_id"] = x.device_id;
    row["seq"] = x.seq;
    row["checkpoint_id"] = x.checkpoint_id;
    row["lane"] = text_or_null(x.lane);
    row["direction"] = x.direction;
    row["occurred_at"] = x.occurred_at;
    row["officer_id"] = text_or_null(x.officer_id);
    row["document_type"] = text_or_null(x.traveler.document_type);
    row["document_number"] = x.traveler.document_number;
    row["issuing_country"] = x.traveler.issuing_country;
    row["nationality"] = x.traveler.nationality;
    row["surname"] = x.traveler.surname;
    row["given_names"] = text_or_null(x.traveler.given_names);
    row["birth_date"] = x.traveler.birth_date;
    row["sex"] = x.traveler.sex;
    row["expiry_date"] = text_or_null(x.traveler.expiry_date);
    row["transport_mode"] = text_or_null(x.transport.mode);
    row["vehicle_plate"] = text_or_null(x.transport.vehicle_plate);
    row["recorded_offline"] = x.recorded_offline;
    row["record"] = core::to_json(x);
    return row;
}

const char* or_null(const std::optional<std::string>& v) { return v ? v->c_str() : nullptr; }

}  // namespace

std::vector<InsertStatus> Store::insert_crossings(const std::vector<const core::Crossing*>& crossings) {
    try {
        return insert_together(crossings);
    } catch (const pqxx::data_exception&) {
        // One of them holds a value PostgreSQL refuses: store them one by one, so that only it fails.
    }
    std::vector<InsertStatus> out;
    out.reserve(crossings.size());
    for (const auto* x : crossings) {
        try {
            out.push_back(insert_together({x}).front());
        } catch (const pqxx::data_exception&) {
            out.push_back(InsertStatus::unstorable);
        }
    }
    return out;
}

std::vector<InsertStatus> Store::insert_together(const std::vector<const core::Crossing*>& crossings) {
    std::vector<InsertStatus> out(crossings.size(), InsertStatus::seq_conflict);
    if (crossings.empty()) return out;
    json::array rows;
    rows.reserve(crossings.size());
    for (const auto* x : crossings) rows.push_back(insert_row(*x));
    const std::string payload = json::serialize(rows);

    pqxx::work tx(impl_->conn);
    std::unordered_set<std::string> inserted;
    for (const auto& r : tx.exec_prepared("insert_crossings", payload)) inserted.insert(r[0].as<std::string>());
    // Per position in the batch: whether the row stored under its id has its content.
    std::unordered_map<std::size_t, bool> same_content;
    if (inserted.size() < crossings.size()) {
        for (const auto& r : tx.exec_prepared("compare_stored", payload))
            same_content[r[0].as<std::size_t>() - 1] = r[1].as<bool>();
    }
    tx.commit();

    const bool all_inserted = inserted.size() == crossings.size();
    for (std::size_t i = 0; i < crossings.size(); ++i) {
        const auto it = same_content.find(i);
        if (all_inserted || (it != same_content.end() && it->second)) {
            // The first copy with the stored content is the one stored; any later one is a duplicate.
            out[i] = inserted.erase(crossings[i]->id) > 0 ? InsertStatus::stored : InsertStatus::duplicate;
        } else if (it != same_content.end()) {
            out[i] = InsertStatus::id_conflict;
        }
    }
    return out;
}

std::vector<CrossingRow> Store::list_crossings(const CrossingFilter& f) {
    pqxx::read_transaction tx(impl_->conn);
    std::vector<CrossingRow> rows;
    for (const auto& r : tx.exec_params(sql::kListCrossings, or_null(f.checkpoint), or_null(f.device),
                                        or_null(f.direction), or_null(f.doc_country), or_null(f.doc_number),
                                        or_null(f.from), or_null(f.to), f.after, f.limit)) {
        rows.push_back({r[0].as<std::int64_t>(), r[1].as<std::string>()});
    }
    return rows;
}

Reconciliation Store::reconcile(const std::string& device_id, std::size_t max_ranges, std::int64_t after_seq) {
    pqxx::read_transaction tx(impl_->conn);
    Reconciliation rec;
    const auto summary = tx.exec_params1(sql::kReconcileSummary, device_id);
    rec.received = summary[0].as<std::int64_t>();
    rec.max_seq = summary[1].as<std::int64_t>();
    const auto min_seq = summary[2].as<std::int64_t>();
    if (min_seq > 1 && after_seq < 1) rec.missing.emplace_back(1, min_seq - 1);
    // One more than asked for tells whether the answer is complete.
    for (const auto& r : tx.exec_params(sql::kReconcileGaps, device_id, static_cast<std::int64_t>(max_ranges) + 1,
                                        after_seq))
        rec.missing.emplace_back(r[0].as<std::int64_t>(), r[1].as<std::int64_t>());
    if (rec.missing.size() > max_ranges) {
        rec.missing.resize(max_ranges);
        rec.truncated = true;
    }
    return rec;
}

void Store::record_heartbeat(const std::string& device_id, const std::string& checkpoint_id, const Heartbeat& b) {
    pqxx::work tx(impl_->conn);
    tx.exec_params(sql::kUpsertDevice, device_id, checkpoint_id, b.pending, or_null(b.oldest_pending_at), b.last_seq,
                   b.rejected, or_null(b.device_time), b.lanes_json);
    tx.commit();
}

std::int64_t Store::create_token(const std::string& token_hash, const Principal& p) {
    const auto opt = [](const std::string& s) { return s.empty() ? nullptr : s.c_str(); };
    pqxx::work tx(impl_->conn);
    const auto id = tx.exec_params1(sql::kInsertToken, token_hash, p.role, opt(p.checkpoint_id), opt(p.device_id),
                                    opt(p.name))[0]
                        .as<std::int64_t>();
    tx.commit();
    return id;
}

std::optional<std::string> Store::other_checkpoint_of_device(const std::string& device_id,
                                                             const std::string& checkpoint_id) {
    pqxx::read_transaction tx(impl_->conn);
    const auto r = tx.exec_params(sql::kDeviceCheckpoint, device_id, checkpoint_id);
    if (r.empty()) return std::nullopt;
    return r[0][0].as<std::string>();
}

std::optional<Principal> Store::find_token(const std::string& token_hash) {
    pqxx::read_transaction tx(impl_->conn);
    const auto r = tx.exec_params(sql::kFindToken, token_hash);
    if (r.empty()) return std::nullopt;
    return Principal{r[0][0].as<std::int64_t>(), r[0][1].as<std::string>(), r[0][2].as<std::string>(),
                     r[0][3].as<std::string>(), r[0][4].as<std::string>()};
}

std::vector<TokenInfo> Store::list_tokens() {
    pqxx::read_transaction tx(impl_->conn);
    std::vector<TokenInfo> out;
    for (const auto& r : tx.exec(sql::kListTokens)) {
        out.push_back({Principal{r[0].as<std::int64_t>(), r[1].as<std::string>(), r[2].as<std::string>(),
                                 r[3].as<std::string>(), r[4].as<std::string>()},
                       r[5].as<std::string>(), r[6].as<std::string>()});
    }
    return out;
}

bool Store::revoke_token(std::int64_t id) {
    pqxx::work tx(impl_->conn);
    const auto r = tx.exec_params(sql::kRevokeToken, id);
    tx.commit();
    return r.affected_rows() > 0;
}

CentralState Store::central_state() {
    pqxx::read_transaction tx(impl_->conn);
    const auto r = tx.exec1(sql::kGetCentral);
    return {r[0].as<bool>(), r[1].as<std::string>(), r[2].as<std::string>(), r[3].as<std::string>()};
}

void Store::set_central_state(bool offline, const std::string& reason, const std::string& changed_by) {
    pqxx::work tx(impl_->conn);
    tx.exec_params(sql::kSetCentral, offline, reason.empty() ? nullptr : reason.c_str(), changed_by);
    tx.commit();
}

void Store::append_audit(const AuditEvent& e) {
    const auto opt = [](const std::string& v) { return v.empty() ? nullptr : v.c_str(); };
    pqxx::work tx(impl_->conn);
    tx.exec_params(sql::kAppendAudit, e.token_id == 0 ? std::optional<std::int64_t>{} : e.token_id, opt(e.role),
                   opt(e.actor), opt(e.address), e.action, opt(e.target), e.detail_json);
    tx.commit();
}

pqxx::connection_base& Store::connection() { return impl_->conn; }

void Store::ping() {
    pqxx::nontransaction tx(impl_->conn);
    tx.exec(sql::kPing);
}

}  // namespace borderlog::server
