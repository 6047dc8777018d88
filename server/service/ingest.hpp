// The use case "a device hands over crossings": parse and check each record against the caller, so
// that a bad record is refused alone, then turn what the database did into the answer. No sockets,
// no SQL: the HTTP layer calls these around Store::insert_crossings.
#pragma once

#include "core/crossing.hpp"
#include "server/storage/store.hpp"

#include <boost/json/fwd.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace borderlog::server::service {

inline constexpr std::size_t kMaxBatch = 1000;

// Why one record is refused. `code` is the stable word of the contract.
struct Refusal {
    std::string code;  // invalid_field | forbidden | id_conflict | seq_conflict
    std::string detail;
    std::string field;  // for invalid_field
};

struct PlannedRecord {
    std::string id;  // as sent (may be empty or malformed when refused)
    std::optional<core::Crossing> crossing;  // set when the record may be stored
    std::optional<Refusal> refusal;
    // When refused: what the quarantine keeps of it, read from the record as sent.
    std::string stream_id;
    std::optional<std::int64_t> seq;
    std::string raw;  // the record as received (JSON)
};

// One record from a device: parsed, validated, and checked to belong to the caller's device.
PlannedRecord plan_record(const boost::json::value& record, const Principal& caller, int current_year);

// {"records":[...]}: throws core::ValidationError when the envelope itself is wrong (not an object,
// no array, more than kMaxBatch); records inside are planned one by one.
std::vector<PlannedRecord> plan_batch(const boost::json::value& body, const Principal& caller, int current_year);

Refusal refusal_for(InsertStatus status);

// The records of `plan` refused for their content, as the quarantine keeps them: under the caller's
// device and checkpoint (a refused record's own may not be trusted). A forbidden record is not among
// them: it refuses the whole request.
std::vector<RefusedRecord> refused_records(const std::vector<PlannedRecord>& plan, const Principal& caller);

// The device's clock as a request states it: the batch's "device_time", or the X-Device-Time header.
// Nullopt when absent or unreadable (it is a measurement, never a reason to refuse records).
std::optional<std::string> device_time_of(const boost::json::value& body, std::string_view header);

// What the centre tells devices of its limits (GET /api/v1/token): they size their batches under them.
boost::json::object limits_json(std::size_t max_body_bytes);

// {"id","status"} for one stored or duplicate record.
boost::json::object single_result(const std::string& id, InsertStatus status);

// {"results":[...]} in request order. `statuses` holds one entry per record that had a crossing.
boost::json::object batch_results(const std::vector<PlannedRecord>& plan, const std::vector<InsertStatus>& statuses);

}  // namespace borderlog::server::service
