// The drill report: what happened to every device in a drill's scope, made from the facts PostgreSQL
// holds (records, quarantine, reconcile's gaps, the devices' heartbeats and the servers' counts), with a
// verdict. JSON (the contract's shape and more), CSV; the HTML page draws the JSON.
#pragma once

#include "core/time.hpp"
#include "server/service/drills.hpp"
#include "server/storage/drill_store.hpp"

#include <boost/json/fwd.hpp>

#include <optional>
#include <string>
#include <vector>

namespace borderlog::server::service {

// How far a device's drain is checked (see DrillStore::facts): the device's first heartbeat at or after
// the restore tells the last seq it had given by then; without one, its last heartbeat before. Nothing
// while the drill runs (`restore_ms` empty) or when the device sent no heartbeat at all.
std::optional<DrainBound> drain_bound(const std::vector<SamplePoint>& samples, std::optional<std::int64_t> restore_ms);

// When the faults ended: the drill's end once it is over; nothing while it runs.
std::optional<core::Millis> restore_time(const Drill& drill, core::Millis now);

// The largest backlog the records show: each record waited from when it was made until it arrived
// (pairs of Unix milliseconds). Records still on a terminal are not known here: heartbeats tell those.
std::int64_t backlog_peak_of(const std::vector<std::pair<std::int64_t, std::int64_t>>& records);
// The same as points to draw: at most `points` (time, largest backlog in the bucket), over [from, to].
std::vector<std::pair<std::int64_t, std::int64_t>> backlog_series_of(
    const std::vector<std::pair<std::int64_t, std::int64_t>>& records, std::int64_t from_ms, std::int64_t to_ms,
    std::size_t points);

// {"id","name","state","started_at","restored_at","generated_at","steps","totals":{...},
//  "checkpoints":[...],"devices":[...],"verdict":"pass"|"fail"|"pending","reasons":[...],"notes":[...]}.
boost::json::object drill_report(const Drill& drill, const std::vector<DeviceFacts>& facts, core::Millis now);

// One line per device, then per checkpoint, then the total (column `level`).
std::string drill_report_csv(const boost::json::object& report, bool with_header);

}  // namespace borderlog::server::service
