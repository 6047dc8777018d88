// The server's PostgreSQL storage: one Store per database connection, used by one thread at a time
// (a Pool's worker). libpqxx stays behind this header.
#pragma once

#include "core/crossing.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace pqxx {
class connection_base;
}

namespace borderlog::server {

// Who is calling: what a token stands for.
struct Principal {
    std::int64_t token_id = 0;
    std::string role;  // device | operations | trainer | admin
    std::string checkpoint_id;
    std::string device_id;
    std::string name;
};

struct TokenInfo {
    Principal principal;
    std::string created_at;
    std::string revoked_at;  // empty while the token is valid
};

// What became of one crossing offered for storage.
enum class InsertStatus {
    stored,        // a new row was committed
    duplicate,     // that id was already stored with the same content
    id_conflict,   // that id is stored with other content
    seq_conflict,  // another id already holds this device's sequence number
    unstorable,    // PostgreSQL refused a value of it (out of range): refused alone, the others stored
};

struct CrossingFilter {
    std::optional<std::string> checkpoint, device, direction, doc_country, doc_number, from, to;
    std::int64_t after = 0;  // the listing cursor: rows after this ingest number
    int limit = 100;
};

struct CrossingRow {
    std::int64_t ingest_no = 0;
    std::string json;  // the stored record with received_at added
};

struct Reconciliation {
    std::int64_t received = 0;
    std::int64_t max_seq = 0;
    std::vector<std::pair<std::int64_t, std::int64_t>> missing;  // inclusive ranges
    bool truncated = false;  // more ranges follow the last one given
};

struct Heartbeat {
    std::int64_t pending = 0;
    std::optional<std::string> oldest_pending_at;
    std::int64_t last_seq = 0;
    std::int64_t rejected = 0;
    std::optional<std::string> device_time;
    std::string lanes_json = "[]";
};

// One line of the audit trail. Empty strings are stored as NULL.
struct AuditEvent {
    std::int64_t token_id = 0;  // 0: no token (a failed sign-in, the command line)
    std::string role;
    std::string actor;
    std::string address;
    std::string action;       // e.g. traveler.read, central_offline.on
    std::string target;       // e.g. UTO/L898902C3
    std::string detail_json = "{}";
};

struct CentralState {
    bool offline = false;
    std::string reason;
    std::string changed_at;
    std::string changed_by;
};

class Store {
public:
    explicit Store(const std::string& db_url);
    ~Store();
    Store(const Store&) = delete;
    Store& operator=(const Store&) = delete;

    bool is_open() const;

    // Inserts all in one transaction and returns, in input order, what became of each. Returns only
    // after COMMIT. Crossings must already be valid.
    std::vector<InsertStatus> insert_crossings(const std::vector<const core::Crossing*>& crossings);

    std::vector<CrossingRow> list_crossings(const CrossingFilter& filter);
    // The missing ranges that start after `after_seq`, at most `max_ranges` of them.
    Reconciliation reconcile(const std::string& device_id, std::size_t max_ranges, std::int64_t after_seq = 0);
    void record_heartbeat(const std::string& device_id, const std::string& checkpoint_id, const Heartbeat& beat);

    std::int64_t create_token(const std::string& token_hash, const Principal& principal);
    std::optional<Principal> find_token(const std::string& token_hash);
    // Another checkpoint a device id already has tokens for, if any: a device id names one terminal.
    std::optional<std::string> other_checkpoint_of_device(const std::string& device_id, const std::string& checkpoint_id);
    std::vector<TokenInfo> list_tokens();
    bool revoke_token(std::int64_t id);

    CentralState central_state();
    void set_central_state(bool offline, const std::string& reason, const std::string& changed_by);

    void append_audit(const AuditEvent& event);

    void ping();

    // This Store's connection, for the storage classes of other areas that work on it (OfficerStore).
    pqxx::connection_base& connection();

private:
    struct Impl;
    std::vector<InsertStatus> insert_together(const std::vector<const core::Crossing*>& crossings);
    std::unique_ptr<Impl> impl_;
};

}  // namespace borderlog::server
