#include "server/storage/store.hpp"

#include "core/crossing_json.hpp"
#include "core/record_hash.hpp"
#include "server/storage/sql.hpp"

#include <boost/json.hpp>
#include <pqxx/pqxx>

#include <set>
#include <tuple>
#include <unordered_map>
#include <unordered_set>

namespace borderlog::server {

namespace json = boost::json;

struct Store::Impl {
    explicit Impl(const std::string& url) : conn(url) {
        // Statements that run for every request that stores: parsed and planned once per connection.
        conn.prepare("ingest_staged", sql::kIngestStaged);
        conn.prepare("compare_staged", sql::kCompareStaged);
        conn.prepare("chain_breaks", sql::kChainBreaks);
        conn.prepare("forget_orphan_ids", sql::kForgetOrphanIds);
        conn.prepare("quarantine", sql::kQuarantine);
        conn.prepare("reconcile_advance", sql::kReconcileAdvance);
        conn.prepare("reconcile_ranges", sql::kReconcileRanges);
        // A traveller lookup judges its document's pending crossings first (OfficerStore::judge_document).
        conn.prepare("lock_documents", sql::kLockDocuments);
        conn.prepare("pending_of_document", sql::kPendingOfDocument);
    }
    // The staging table is made on the connection's first ingest, outside its transaction (a rolled
    // back transaction would take it away): a connection that never stores does not make it. A new
    // backend (libpqxx reconnected) makes it again.
    void ensure_staging() {
        if (staging_backend != 0 && staging_backend == conn.backendpid()) return;
        pqxx::nontransaction tx(conn);
        tx.exec(sql::kCreateStaging);
        staging_backend = conn.backendpid();
    }
    pqxx::connection conn;
    int staging_backend = 0;
};

Store::Store(const std::string& db_url) : impl_(std::make_unique<Impl>(db_url)) {}
Store::~Store() = default;

bool Store::is_open() const { return impl_->conn.is_open(); }

bool is_unavailable(const std::exception& error) {
    if (dynamic_cast<const DatabaseUnavailable*>(&error) || dynamic_cast<const pqxx::broken_connection*>(&error) ||
        dynamic_cast<const pqxx::in_doubt_error*>(&error))
        return true;
    const auto* sql_error = dynamic_cast<const pqxx::sql_error*>(&error);
    if (!sql_error) return false;
    const std::string state = sql_error->sqlstate();
    return state.rfind("08", 0) == 0     // connection exception
           || state == "57014"           // query_canceled: statement_timeout
           || state == "55P03"           // lock_not_available: lock_timeout
           || state.rfind("57P0", 0) == 0  // admin or crash shutdown, cannot connect now
           || state == "53300";          // too_many_connections
}

bool is_database_error(const std::exception& error) { return dynamic_cast<const pqxx::failure*>(&error) != nullptr; }

std::string loggable(const std::exception& error) {
    std::string text = error.what();
    text = text.substr(0, text.find('\n'));
    if (const auto* sql_error = dynamic_cast<const pqxx::sql_error*>(&error))
        return "SQLSTATE " + sql_error->sqlstate() + ": " + text;
    return text;
}

std::vector<std::string> flags_at_ingest(const core::Crossing& x, core::Millis server_now) {
    std::vector<std::string> flags = x.flags;
    const auto at = core::parse_rfc3339(x.occurred_at);
    if (at && *at > server_now + kClockSuspectAfter && !x.has_flag(kFlagClockSuspect))
        flags.emplace_back(kFlagClockSuspect);
    return flags;
}

namespace {

json::value text_or_null(const std::string& s) { return s.empty() ? json::value(nullptr) : json::value(s); }
const char* c_str_or_null(const std::string& s) { return s.empty() ? nullptr : s.c_str(); }

const char* or_null(const std::optional<std::string>& v) { return v ? v->c_str() : nullptr; }

// SQLSTATE classes 22 (data exception) and 23 (integrity constraint violation): one record holds what
// validation let through but PostgreSQL refuses. Anything else is not the record's fault.
bool is_data_error(const pqxx::sql_error& e) {
    const std::string state = e.sqlstate();
    return state.rfind("22", 0) == 0 || state.rfind("23", 0) == 0;
}

// What is staged of one crossing beside its fields: the columns the server computes.
struct Staged {
    std::string flags;   // a text[] literal: the device's flags and clock_suspect (known words, no quoting)
    std::string record;  // the record as the device sent it, canonical JSON, without its chain fields
    std::string record_hash;  // the hash the server computes of it; empty for a record without the chain
    bool lead = false;
};

std::string flags_literal(const std::vector<std::string>& flags) {
    std::string out = "{";
    for (std::size_t i = 0; i < flags.size(); ++i) out += (i ? "," : "") + flags[i];
    return out + "}";
}

// COPYs the crossings into the staging table, position i as ord i + 1.
void stage(pqxx::transaction_base& tx, const std::vector<const core::Crossing*>& crossings,
           const std::vector<Staged>& staged) {
    pqxx::stream_to copy(tx, sql::kStagingTable, std::begin(sql::kStagingColumns), std::end(sql::kStagingColumns));
    for (std::size_t i = 0; i < crossings.size(); ++i) {
        const core::Crossing& x = *crossings[i];
        const Staged& s = staged[i];
        copy << std::make_tuple(static_cast<std::int64_t>(i + 1), s.lead, x.id.c_str(), x.device_id.c_str(),
                                x.stream_id.c_str(), x.seq, x.checkpoint_id.c_str(), c_str_or_null(x.lane),
                                x.direction.c_str(), x.occurred_at.c_str(), c_str_or_null(x.officer_id),
                                c_str_or_null(x.traveler.document_type), x.traveler.document_number.c_str(),
                                x.traveler.issuing_country.c_str(), x.traveler.nationality.c_str(),
                                x.traveler.surname.c_str(), c_str_or_null(x.traveler.given_names),
                                x.traveler.birth_date.c_str(), x.traveler.sex.c_str(),
                                c_str_or_null(x.traveler.expiry_date), c_str_or_null(x.transport.mode),
                                c_str_or_null(x.transport.vehicle_plate), x.recorded_offline, s.flags.c_str(),
                                c_str_or_null(x.paper_ref), s.record.c_str(), c_str_or_null(s.record_hash),
                                c_str_or_null(x.prev_hash), c_str_or_null(x.hash));
    }
    copy.complete();
}

std::string json_array_of(const std::vector<std::string>& items) {
    json::array a;
    a.reserve(items.size());
    for (const auto& i : items) a.emplace_back(i);
    return json::serialize(a);
}

// Inserts the crossings in `tx` and says what became of each, in input order: the rows are staged,
// stored by one statement, and those not stored are compared with what holds their id.
std::vector<InsertStatus> insert_in(pqxx::transaction_base& tx, const std::vector<const core::Crossing*>& crossings,
                                    core::Millis now) {
    std::vector<InsertStatus> out(crossings.size(), InsertStatus::seq_conflict);
    if (crossings.empty()) return out;
    // Only the first of the request with an id, and the first with a (device, stream, seq), may be
    // stored; a later one is a duplicate or a conflict, found by comparison like any other.
    std::vector<Staged> staged(crossings.size());
    std::unordered_set<std::string_view> ids;
    std::set<std::tuple<std::string_view, std::string_view, std::int64_t>> seqs;
    for (std::size_t i = 0; i < crossings.size(); ++i) {
        const core::Crossing& x = *crossings[i];
        const bool new_id = ids.insert(x.id).second;
        const bool new_seq = seqs.emplace(x.device_id, x.stream_id, x.seq).second;
        staged[i].lead = new_id && new_seq;
        staged[i].flags = flags_literal(flags_at_ingest(x, now));
        // The content only: a record sent again with or without its chain fields is the same record.
        staged[i].record = core::canonical_json(core::content_of(x));
        if (!x.prev_hash.empty()) staged[i].record_hash = core::record_hash(x);
    }
    stage(tx, crossings, staged);

    std::size_t stored = 0;
    std::vector<std::string> orphans, chained;
    for (const auto& r : tx.exec_prepared("ingest_staged")) {
        if (r[0].is_null()) {
            orphans.push_back(r[1].as<std::string>());
        } else {
            const auto ord = r[0].as<std::size_t>();
            out[ord - 1] = InsertStatus::stored;
            ++stored;
            if (!crossings[ord - 1]->prev_hash.empty()) chained.push_back(std::to_string(ord));
        }
    }
    // The chain is checked in the same transaction: a break is flagged with the records it concerns.
    if (!chained.empty()) tx.exec_prepared("chain_breaks", json_array_of(chained));
    if (stored == crossings.size()) return out;
    // An id taken for a row whose seq was not free goes back before anything is compared with it.
    if (!orphans.empty()) tx.exec_prepared("forget_orphan_ids", json_array_of(orphans));
    std::vector<std::string> unstored;
    for (std::size_t i = 0; i < out.size(); ++i)
        if (out[i] != InsertStatus::stored) unstored.push_back(std::to_string(i + 1));
    for (const auto& r : tx.exec_prepared("compare_staged", json_array_of(unstored))) {
        const std::size_t i = r[0].as<std::size_t>() - 1;
        if (!r[1].as<bool>()) continue;  // no row holds its id: its seq is another's
        // The same content (or a row gone while its key stays): it is stored already, once.
        out[i] = r[2].is_null() || r[2].as<bool>() ? InsertStatus::duplicate : InsertStatus::id_conflict;
    }
    return out;
}

// The same, each crossing in a savepoint of its own: one PostgreSQL refuses fails alone. (Savepoints by
// statement: libpqxx 6.4's subtransaction does not open its savepoint before a prepared statement.)
std::vector<InsertStatus> insert_each_alone(pqxx::dbtransaction& tx,
                                            const std::vector<const core::Crossing*>& crossings, core::Millis now,
                                            std::vector<std::string>& sqlstates) {
    std::vector<InsertStatus> out;
    out.reserve(crossings.size());
    sqlstates.assign(crossings.size(), "");
    for (std::size_t i = 0; i < crossings.size(); ++i) {
        tx.exec(sql::kSavepoint);
        try {
            tx.exec(sql::kClearStaging);
            out.push_back(insert_in(tx, {crossings[i]}, now).front());
            tx.exec(sql::kReleaseSavepoint);
        } catch (const pqxx::sql_error& e) {
            if (!is_data_error(e)) throw;
            tx.exec(sql::kRollbackToSavepoint);
            out.push_back(InsertStatus::unstorable);
            sqlstates[i] = e.sqlstate();
        }
    }
    return out;
}

json::object quarantine_row(const RefusedRecord& r) {
    json::object row{{"device_id", r.device_id}, {"checkpoint_id", r.checkpoint_id}, {"stream_id", r.stream_id},
                     {"record_id", text_or_null(r.record_id)}, {"code", r.code}, {"detail", r.detail},
                     {"field", text_or_null(r.field)}, {"body", r.body}};
    row["seq"] = r.seq ? json::value(*r.seq) : json::value(nullptr);
    return row;
}

// Writes the refused records, and the crossings the database refused, into the quarantine.
void quarantine(pqxx::transaction_base& tx, const IngestRequest& req, const std::vector<InsertStatus>& statuses,
                const std::vector<std::string>& sqlstates) {
    json::array rows;
    std::set<std::tuple<std::string, std::string, std::int64_t, std::string>> keys;  // one row per key
    const auto add = [&](const RefusedRecord& r) {
        if (keys.emplace(r.device_id, r.stream_id, r.seq.value_or(-1), r.record_id).second)
            rows.push_back(quarantine_row(r));
    };
    for (const auto& r : req.refused) add(r);
    for (std::size_t i = 0; i < statuses.size(); ++i) {
        if (statuses[i] == InsertStatus::stored || statuses[i] == InsertStatus::duplicate) continue;
        const core::Crossing& x = *req.crossings[i];
        const StatusText text = refusal_text(statuses[i]);
        std::string detail = text.detail;
        if (i < sqlstates.size() && !sqlstates[i].empty()) detail += " (SQLSTATE " + sqlstates[i] + ")";
        add(RefusedRecord{x.device_id, x.checkpoint_id, x.stream_id, x.seq, x.id, text.code, detail, text.field,
                          core::canonical_json(x)});
    }
    if (!rows.empty()) tx.exec_prepared("quarantine", json::serialize(rows));
}

std::vector<InsertStatus> store_request(pqxx::dbtransaction& tx, const IngestRequest& req, bool each_alone,
                                        core::Millis now) {
    tx.exec(sql::kDurableCommit);
    std::vector<std::string> sqlstates;
    const std::vector<InsertStatus> statuses =
        each_alone ? insert_each_alone(tx, req.crossings, now, sqlstates) : insert_in(tx, req.crossings, now);
    quarantine(tx, req, statuses, sqlstates);
    if (req.clock)
        tx.exec_params(sql::kNoteDeviceClock, req.clock->device_id, req.clock->checkpoint_id, req.clock->device_time);
    return statuses;
}

RejectedRow rejected_row(const pqxx::row& r) {
    RejectedRow out;
    out.id = r[0].as<std::int64_t>();
    out.received_at = r[1].as<std::string>();
    out.device_id = r[2].as<std::string>();
    out.checkpoint_id = r[3].as<std::string>();
    out.stream_id = r[4].as<std::string>();
    if (!r[5].is_null()) out.seq = r[5].as<std::int64_t>();
    out.record_id = r[6].as<std::string>();
    out.code = r[7].as<std::string>();
    out.detail = r[8].as<std::string>();
    out.field = r[9].as<std::string>();
    out.body = r[10].as<std::string>();
    out.attempts = r[11].as<std::int64_t>();
    out.released_at = r[12].as<std::string>();
    out.released_by = r[13].as<std::string>();
    out.release_result = r[14].as<std::string>();
    return out;
}

}  // namespace

std::vector<InsertStatus> Store::insert_crossings(const std::vector<const core::Crossing*>& crossings) {
    return ingest(IngestRequest{crossings, {}, {}});
}

std::vector<InsertStatus> Store::ingest(const IngestRequest& req) {
    const core::Millis now = core::now_millis();
    impl_->ensure_staging();
    try {
        pqxx::work tx(impl_->conn);
        auto statuses = store_request(tx, req, false, now);
        tx.commit();
        return statuses;
    } catch (const pqxx::sql_error& e) {
        if (!is_data_error(e)) throw;
        // One of them holds a value PostgreSQL refuses: again, each in a savepoint, so that only it fails.
    }
    pqxx::work tx(impl_->conn);
    auto statuses = store_request(tx, req, true, now);
    tx.commit();
    return statuses;
}

std::vector<CrossingRow> Store::list_crossings(const CrossingFilter& f) {
    // The statement whose leading filter is the most selective one given (see sql.hpp).
    const char* statement = f.doc_number ? sql::kListCrossingsByDocument
                            : f.device   ? sql::kListCrossingsByDevice
                            : f.checkpoint ? sql::kListCrossingsByCheckpoint
                                           : sql::kListCrossingsInOrder;
    pqxx::read_transaction tx(impl_->conn);
    std::vector<CrossingRow> rows;
    for (const auto& r : tx.exec_params(statement, or_null(f.checkpoint), or_null(f.device), or_null(f.direction),
                                        or_null(f.doc_country), or_null(f.doc_number),
                                        f.from ? f.from->c_str() : "-infinity", f.to ? f.to->c_str() : "infinity",
                                        f.after, f.limit, f.synthetic)) {
        CrossingRow row{r[0].as<std::int64_t>(), r[1].as<std::string>(), r[2].as<std::string>(),
                        r[3].as<std::string>(), {}};
        const json::value flags = json::parse(r[4].as<std::string>());
        for (const auto& flag : flags.as_array()) row.flags.emplace_back(flag.as_string());
        rows.push_back(std::move(row));
    }
    return rows;
}

std::vector<std::string> Store::make_partitions_ahead(int months_ahead) {
    pqxx::work tx(impl_->conn);
    tx.exec(sql::kPartitionUpkeepLock);
    std::vector<std::string> made;
    for (const auto& r : tx.exec_params(sql::kMakePartitionsAhead, months_ahead)) made.push_back(r[0].as<std::string>());
    tx.commit();
    return made;
}

std::vector<RetentionMonth> Store::drop_exported_months(int keep_months) {
    pqxx::work tx(impl_->conn);
    std::vector<RetentionMonth> months;
    for (const auto& r : tx.exec_params(sql::kDropExportedMonths, keep_months)) {
        RetentionMonth m;
        m.month = r[0].as<std::string>();
        m.partition = r[1].as<std::string>();
        if (!r[2].is_null()) m.stored_rows = r[2].as<std::int64_t>();
        if (!r[3].is_null()) m.exported_rows = r[3].as<std::int64_t>();
        m.dropped = r[4].as<bool>();
        months.push_back(std::move(m));
    }
    tx.commit();
    return months;
}

Reconciliation Store::reconcile(const std::string& device_id, const std::string& stream_id, std::size_t max_ranges,
                                std::int64_t after_seq) {
    pqxx::work tx(impl_->conn);
    // What it saves is a summary of committed rows, rebuilt from them if lost: no need to wait for the disk.
    tx.exec(sql::kRelaxedCommit);
    tx.exec_params(sql::kReconcileLock, device_id, stream_id);
    Reconciliation rec;
    rec.stream_id = stream_id;
    const auto summary = tx.exec_prepared1("reconcile_advance", device_id, stream_id);
    rec.max_seq = summary[0].as<std::int64_t>();
    const auto missing = summary[1].as<std::int64_t>();
    const auto quarantined_all = summary[2].as<std::int64_t>();
    rec.quarantined = summary[3].as<std::int64_t>();
    // Every seq up to max_seq is stored, quarantined or missing.
    rec.received = rec.max_seq - missing - quarantined_all;
    // One more than asked for tells whether the answer is complete.
    for (const auto& r : tx.exec_prepared("reconcile_ranges", device_id, stream_id,
                                          static_cast<std::int64_t>(max_ranges) + 1, after_seq, rec.max_seq))
        rec.missing.emplace_back(r[0].as<std::int64_t>(), r[1].as<std::int64_t>());
    if (rec.missing.size() > max_ranges) {
        rec.missing.resize(max_ranges);
        rec.truncated = true;
    }
    tx.commit();
    return rec;
}

std::vector<RejectedRow> Store::list_rejected(const RejectedFilter& f) {
    pqxx::read_transaction tx(impl_->conn);
    std::vector<RejectedRow> rows;
    for (const auto& r : tx.exec_params(sql::kListRejected, or_null(f.device), or_null(f.checkpoint), f.state, f.after,
                                        f.limit))
        rows.push_back(rejected_row(r));
    return rows;
}

std::optional<RejectedRow> Store::find_rejected(std::int64_t id) {
    pqxx::read_transaction tx(impl_->conn);
    const auto r = tx.exec_params(sql::kFindRejected, id);
    if (r.empty()) return std::nullopt;
    return rejected_row(r[0]);
}

ReleaseResult Store::release_rejected(std::int64_t id, const core::Crossing* crossing, const RefusedRecord* refusal,
                                      const std::string& released_by, const AuditEvent& audit) {
    ReleaseResult result;
    impl_->ensure_staging();
    pqxx::work tx(impl_->conn);
    tx.exec(sql::kDurableCommit);
    const auto lock = tx.exec_params(sql::kLockRejected, id);
    if (lock.empty()) return result;
    if (lock[0][0].as<bool>()) {
        result.kind = ReleaseResult::Kind::already_released;
        result.row = rejected_row(tx.exec_params1(sql::kFindRejected, id));
        return result;
    }
    InsertStatus status = InsertStatus::unstorable;
    std::vector<std::string> sqlstates;
    if (crossing) status = insert_each_alone(tx, {crossing}, core::now_millis(), sqlstates).front();
    std::string word;
    if (crossing && (status == InsertStatus::stored || status == InsertStatus::duplicate)) {
        result.kind = status == InsertStatus::stored ? ReleaseResult::Kind::stored : ReleaseResult::Kind::duplicate;
        word = status == InsertStatus::stored ? "stored" : "duplicate";
    } else {
        result.kind = ReleaseResult::Kind::refused;
        word = "refused";
        if (crossing) {
            const StatusText text = refusal_text(status);
            result.code = text.code;
            result.detail = text.detail;
            result.field = text.field;
        } else if (refusal) {
            result.code = refusal->code;
            result.detail = refusal->detail;
            result.field = refusal->field;
        }
    }
    tx.exec_params(sql::kNoteRelease, id, word, released_by, result.code, result.detail, result.field);
    // The audit line says what the release did, beside what the caller said of it.
    json::object detail;
    if (const json::value given = json::parse(audit.detail_json); given.is_object()) detail = given.get_object();
    detail["result"] = word;
    if (!result.code.empty()) detail["code"] = result.code;
    const auto opt = [](const std::string& v) { return v.empty() ? nullptr : v.c_str(); };
    tx.exec_params(sql::kAppendAudit, audit.token_id == 0 ? std::optional<std::int64_t>{} : audit.token_id,
                   opt(audit.role), opt(audit.actor), opt(audit.address), audit.action, opt(audit.target),
                   json::serialize(detail));
    result.row = rejected_row(tx.exec_params1(sql::kFindRejected, id));
    tx.commit();
    return result;
}

void Store::record_heartbeat(const std::string& device_id, const std::string& checkpoint_id, const Heartbeat& b) {
    pqxx::work tx(impl_->conn);
    tx.exec_params(sql::kUpsertDevice, device_id, checkpoint_id, b.pending, or_null(b.oldest_pending_at), b.last_seq,
                   b.rejected, or_null(b.device_time), b.lanes_json);
    tx.commit();
}

std::int64_t Store::create_token(const std::string& token_hash, const Principal& p, TokenExpiry expires_at) {
    const auto opt = [](const std::string& s) { return s.empty() ? nullptr : s.c_str(); };
    pqxx::work tx(impl_->conn);
    const std::optional<std::int64_t> expires_ms =
        expires_at ? std::optional<std::int64_t>(expires_at->time_since_epoch().count()) : std::nullopt;
    const auto id = tx.exec_params1(sql::kInsertToken, token_hash, p.role, opt(p.checkpoint_id), opt(p.device_id),
                                    opt(p.name), expires_ms)[0]
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

std::optional<FoundToken> Store::find_token(const std::string& token_hash) {
    pqxx::read_transaction tx(impl_->conn);
    const auto r = tx.exec_params(sql::kFindToken, token_hash);
    if (r.empty()) return std::nullopt;
    FoundToken found{Principal{r[0][0].as<std::int64_t>(), r[0][1].as<std::string>(), r[0][2].as<std::string>(),
                               r[0][3].as<std::string>(), r[0][4].as<std::string>()},
                     std::nullopt};
    if (!r[0][5].is_null())
        found.expires_at = std::chrono::sys_time<std::chrono::milliseconds>{std::chrono::milliseconds{r[0][5].as<std::int64_t>()}};
    return found;
}

std::vector<TokenInfo> Store::list_tokens() {
    pqxx::read_transaction tx(impl_->conn);
    std::vector<TokenInfo> out;
    for (const auto& r : tx.exec(sql::kListTokens)) {
        out.push_back({Principal{r[0].as<std::int64_t>(), r[1].as<std::string>(), r[2].as<std::string>(),
                                 r[3].as<std::string>(), r[4].as<std::string>()},
                       r[5].as<std::string>(), r[6].as<std::string>(), r[7].as<std::string>(), r[8].as<bool>()});
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

namespace {

std::optional<std::string> opt_text(const pqxx::field& f) {
    if (f.is_null()) return std::nullopt;
    return f.as<std::string>();
}

}  // namespace

void Store::save_fleet(const std::vector<FleetDeviceRow>& devices, const std::vector<FleetSample>& samples,
                       const std::vector<std::string>& notifications) {
    pqxx::work tx(impl_->conn);
    for (const auto& d : devices) {
        tx.exec_params(sql::kSaveFleetDevice, d.device_id, d.checkpoint_id, or_null(d.last_heartbeat_at), d.pending,
                       or_null(d.oldest_pending_at), d.last_seq, d.rejected, or_null(d.device_time), d.lanes_json,
                       or_null(d.last_sync_at), or_null(d.reported_last_sync_at), d.clock_offset_ms,
                       or_null(d.stream_id), d.watchlist_version, or_null(d.record_latency_json));
    }
    for (const auto& s : samples) tx.exec_params(sql::kSaveFleetSample, s.checkpoint_id, s.bucket_at, s.backlog, s.waiting);
    for (const auto& n : notifications) tx.exec_params(sql::kNotifyFleet, n);
    tx.commit();
}

FleetSnapshot Store::load_fleet(const std::string& history_since) {
    pqxx::read_transaction tx(impl_->conn);
    FleetSnapshot out;
    for (const auto& r : tx.exec(sql::kLoadFleetDevices)) {
        FleetDeviceRow d;
        d.device_id = r[0].as<std::string>();
        d.checkpoint_id = r[1].as<std::string>();
        d.last_heartbeat_at = opt_text(r[2]);
        d.pending = r[3].as<std::int64_t>();
        d.oldest_pending_at = opt_text(r[4]);
        d.last_seq = r[5].as<std::int64_t>();
        d.rejected = r[6].as<std::int64_t>();
        d.device_time = opt_text(r[7]);
        d.lanes_json = r[8].as<std::string>();
        d.last_sync_at = opt_text(r[9]);
        d.reported_last_sync_at = opt_text(r[10]);
        if (!r[11].is_null()) d.clock_offset_ms = r[11].as<std::int64_t>();
        d.stream_id = opt_text(r[12]);
        if (!r[13].is_null()) d.watchlist_version = r[13].as<std::int64_t>();
        d.record_latency_json = opt_text(r[14]);
        out.devices.push_back(std::move(d));
    }
    for (const auto& r : tx.exec(sql::kLoadDeviceTokens))
        out.tokens.emplace_back(r[0].as<std::string>(), r[1].as<std::string>());
    for (const auto& r : tx.exec_params(sql::kLoadFleetHistory, history_since))
        out.history.push_back({r[0].as<std::string>(), r[1].as<std::string>(), r[2].as<std::int64_t>(),
                               r[3].as<std::int64_t>()});
    return out;
}

FleetCounts Store::fleet_counts(std::optional<std::int64_t> after_ingest_no) {
    pqxx::read_transaction tx(impl_->conn);
    FleetCounts out;
    if (after_ingest_no) {
        const auto r = tx.exec_params1(sql::kIngestedSince, *after_ingest_no);
        out.ingested = r[0].as<std::int64_t>();
        out.ingest_cursor = r[1].as<std::int64_t>();
    } else {
        out.ingest_cursor = tx.exec1(sql::kIngestCursor)[0].as<std::int64_t>();
    }
    for (const auto& r : tx.exec(sql::kQuarantinedByDevice))
        out.quarantined.emplace_back(r[0].as<std::string>(), r[1].as<std::int64_t>());
    for (const auto& r : tx.exec(sql::kCrossingsLastHourByDevice)) {
        out.last_hour.emplace_back(r[0].as<std::string>(), r[1].as<std::int64_t>());
        out.synthetic_last_hour.emplace_back(r[0].as<std::string>(), r[2].as<std::int64_t>());
    }
    for (const auto& r : tx.exec(sql::kCrossingsByLane))
        out.lanes_15m.push_back({r[0].as<std::string>(), r[1].as<std::string>(), r[2].as<std::int64_t>()});
    for (const auto& r : tx.exec(sql::kOpenAnomaliesByDevice)) out.open_anomalies[r[0].as<std::string>()] = r[1].as<std::int64_t>();
    for (const auto& r : tx.exec(sql::kOpenAlertsByDevice)) out.open_alerts[r[0].as<std::string>()] = r[1].as<std::int64_t>();
    for (const auto& r : tx.exec(sql::kLoadDeviceTokens))
        out.tokens.emplace_back(r[0].as<std::string>(), r[1].as<std::string>());
    return out;
}

void Store::prune_fleet(const std::string& history_before) {
    pqxx::work tx(impl_->conn);
    tx.exec_params(sql::kPruneFleetHistory, history_before);
    tx.exec(sql::kPruneSessions);
    tx.commit();
}

std::string Store::create_session(const std::string& secret_hash, std::int64_t token_id, const std::string& address,
                                  std::int64_t lifetime_s) {
    pqxx::work tx(impl_->conn);
    const auto expires = tx.exec_params1(sql::kCreateSession, secret_hash, token_id,
                                         address.empty() ? nullptr : address.c_str(), lifetime_s)[0]
                             .as<std::string>();
    tx.commit();
    return expires;
}

std::optional<SessionInfo> Store::find_session(const std::string& secret_hash) {
    pqxx::read_transaction tx(impl_->conn);
    const auto r = tx.exec_params(sql::kFindSession, secret_hash);
    if (r.empty()) return std::nullopt;
    return SessionInfo{Principal{r[0][0].as<std::int64_t>(), r[0][1].as<std::string>(), r[0][2].as<std::string>(),
                                 r[0][3].as<std::string>(), r[0][4].as<std::string>()},
                       r[0][5].as<std::string>()};
}

bool Store::end_session(const std::string& secret_hash) {
    pqxx::work tx(impl_->conn);
    const auto r = tx.exec_params(sql::kEndSession, secret_hash);
    tx.commit();
    return r.affected_rows() > 0;
}

pqxx::connection_base& Store::connection() { return impl_->conn; }

void Store::ping() {
    pqxx::nontransaction tx(impl_->conn);
    tx.exec(sql::kPing);
}

}  // namespace borderlog::server
