// The use case "were stored records altered or removed after the fact?" (`borderlog-server verify`):
// walks every stored chain, per (device, stream) in seq order, recomputing each record's hash, and
// names what it finds. Pure: the rows come from storage (ChainStore), one at a time, so that a walk of
// millions of rows holds one stream's last row in memory, not the table.
#pragma once

#include "core/crossing.hpp"

#include <boost/json/fwd.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace borderlog::server::service {

// One stored crossing as verify reads it: the record rebuilt from its columns, the stored JSON record,
// and the chain columns (empty when NULL: stored before the chain).
struct StoredLink {
    core::Crossing columns;  // id, device, stream, seq, traveller, ... as the columns hold them; no chain fields
    std::string record_json;  // crossings.record
    std::string record_hash;
    std::string prev_hash;
};

// What else verify needs to tell a removed record from one that was never removed.
struct ChainContext {
    using StreamKey = std::pair<std::string, std::string>;  // (device, stream)
    // Seqs held in quarantine (rejected_records): refused, never stored, so no gap of the chain.
    std::map<StreamKey, std::set<std::int64_t>> quarantined;
    // Months exported and dropped by retention ("YYYY-MM"): their records are gone on purpose.
    std::vector<std::string> dropped_months;
    // Keys (crossing_ids, crossing_seqs) whose row is gone. seq 0: only the id is known.
    struct OrphanKey {
        std::string id, device_id, stream_id;
        std::int64_t seq = 0;
    };
    std::vector<OrphanKey> orphan_keys;
    // Reconcile's memory (stream_progress): every seq up to scanned_to was once stored or quarantined.
    std::map<StreamKey, std::int64_t> scanned_to;
};

struct ChainFinding {
    std::string kind;  // altered | removed
    std::string device_id;
    std::string stream_id;
    std::int64_t seq = 0;     // 0: unknown (a key of an id alone)
    std::int64_t seq_to = 0;  // removed: the last seq of the range (== seq for one record)
    std::string id;           // empty when no trace of it is left
    std::string reason;
};

struct ChainReport {
    std::int64_t streams = 0;
    std::int64_t checked = 0;
    std::int64_t altered = 0;    // records
    std::int64_t removed = 0;    // records (seqs)
    std::int64_t unchained = 0;  // records stored before the chain
    std::vector<ChainFinding> findings;  // in (device, stream, seq) order of discovery
    bool clean() const { return altered == 0 && removed == 0; }
};

// Reasons, as printed.
// altered: hash_mismatch (the columns no longer give the stored record_hash), record_mismatch (the
//   stored JSON record does not), successor_prev_hash_mismatch (the next record's prev_hash is not this
//   record's hash: it was rewritten with its hash), not_genesis (seq 1 does not start from the genesis hash).
// removed: seq_gap (a seq missing below a present one), key_without_row (its key is kept, its row gone),
//   below_reconciled_top (missing at a stream's end, though reconcile once saw up to there).
class ChainVerifier {
public:
    explicit ChainVerifier(ChainContext context);
    // Rows in (device_id, stream_id, seq) order.
    void add(const StoredLink& row);
    ChainReport finish();

private:
    struct Last {
        std::int64_t seq = 0;
        std::string id, record_hash, month;
        bool altered = false;
    };
    void start_stream(const std::string& device_id, const std::string& stream_id);
    void end_stream();
    // Names the seqs from..to (before a row of `next_month`, or the stream's end) that are gone.
    void gap(std::int64_t from, std::int64_t to, const std::string& prev_month, const std::string& next_month,
             const std::string& reason);
    bool dropped_between(const std::string& from_month, const std::string& to_month) const;
    void altered(const std::string& id, std::int64_t seq, const std::string& reason);
    void removed(std::int64_t from, std::int64_t to, const std::string& id, const std::string& reason);

    ChainContext context_;
    std::map<ChainContext::StreamKey, std::map<std::int64_t, std::string>> orphans_;  // by stream: seq -> id
    std::set<ChainContext::StreamKey> seen_;
    ChainReport report_;
    ChainContext::StreamKey stream_;
    bool in_stream_ = false;
    std::optional<Last> last_;
};

// One line per finding ("altered device=... stream=... seq=... id=... reason=...") and the summary line.
std::string verify_text(const ChainReport& report);
std::string verify_summary(const ChainReport& report);
// {"streams","checked","altered","removed","unchained","clean","findings":[...]}
boost::json::object verify_json(const ChainReport& report);

}  // namespace borderlog::server::service
