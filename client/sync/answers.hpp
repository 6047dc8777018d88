// What the checkpoint believes of the centre's answers to sync: the batch answer and a reconcile page,
// each read whole and checked before anything of it is applied. Pure functions (no sockets, no
// SQLite), so that they are unit-tested and fuzzed (fuzz/) on their own.
#pragma once

#include "client/queue/outbox.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace borderlog::client {

// Bounds on what one sync round takes from a reconcile answer, whatever the server says.
inline constexpr std::size_t kMaxRangesPerPage = 1000;               // the documented page size
inline constexpr int kMaxReconcilePagesPerRound = 20;                // over every stream of the round
inline constexpr std::size_t kMaxReconcileAnswerBytes = 256 * 1024;  // a full page is ~45 KB
inline constexpr std::int64_t kMaxRequeuedPerRound = 50000;          // records re-sent in one round at most

// A batch answer: one result per record, in order, with its id, and a status it knows. Nullopt when
// it does not match the batch (then none of it is applied).
std::optional<std::vector<RecordAnswer>> read_batch_answer(const std::vector<QueuedRecord>& batch,
                                                           const std::string& body);

struct ReconcilePage {
    std::int64_t max_seq = 0;
    std::vector<std::pair<std::int64_t, std::int64_t>> missing;
    bool truncated = false;
    std::string server_time;
};

// One page of a reconcile answer for `device_id`'s stream `stream_id`, asked with `after`, where the
// terminal gave the stream seqs up to `local_last`. Returns why it is not believed (empty when it is):
// not an object, another device or stream, no max_seq, ranges out of order or bounds, more than a page
// holds, seqs missing beyond what the terminal ever sent.
std::string read_reconcile_page(const std::string& body, const std::string& device_id, const std::string& stream_id,
                                std::int64_t after, std::int64_t local_last, ReconcilePage& page);

}  // namespace borderlog::client
