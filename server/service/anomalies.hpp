// The use case "judge what arrived": anomalies in each traveller's timeline and in each record, and
// watchlist hits, decided for one batch of stored crossings (see OfficerStore::analyse). Also the
// listing of anomalies. Pure: no SQL, no Beast, no clock.
#pragma once

#include "server/service/travelers.hpp"
#include "server/storage/officer_store.hpp"

#include <boost/json/fwd.hpp>

#include <array>
#include <chrono>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace borderlog::server::service {

// The kinds. The first three judge a traveller's timeline (in occurred_at order, re-judged whenever a
// crossing of that document arrives, late or not); the others judge one record.
inline constexpr std::string_view kExitWithoutEntry = "exit_without_entry";
inline constexpr std::string_view kEntryWhileInCountry = "entry_while_in_country";
inline constexpr std::string_view kOverstayAtExit = "overstay_at_exit";
inline constexpr std::string_view kDocumentExpired = "document_expired";
inline constexpr std::string_view kMrzInvalid = "mrz_invalid";
inline constexpr std::string_view kClockSuspect = "clock_suspect";
inline constexpr std::string_view kRecordedWhileMarkedOffline = "recorded_while_marked_offline";
// Found by ingest, not by the analyser: the record breaks its stream's hash chain (sql::kChainBreaks).
inline constexpr std::string_view kChainBreak = "chain_break";
inline constexpr std::array<std::string_view, 8> kAnomalyKinds{kExitWithoutEntry,    kEntryWhileInCountry,
                                                               kOverstayAtExit,      kDocumentExpired,
                                                               kMrzInvalid,          kClockSuspect,
                                                               kRecordedWhileMarkedOffline, kChainBreak};

// The analyser's pace: crossings per batch; how long an ingest transaction may stay open (the
// watermark waits that long before passing a number; the statement timeout is 30 s); how often it
// looks for crossings that committed after higher numbers were judged.
inline constexpr std::size_t kAnalysisBatch = 500;
inline constexpr std::chrono::seconds kAnalysisSettle{300};
inline constexpr std::chrono::seconds kAnalysisSweepEvery{5};

struct AnalysisRules {
    StayPolicy stay;
    // A device learns that the centre went offline on its next call (its sync or heartbeat, seconds
    // apart): a record made online within this time after the switch is not suspect.
    std::chrono::seconds offline_grace{60};
};

// Decides one batch:
// - each document's crossings (real and synthetic records apart) are walked in occurred_at order:
//   an exit with no entry before it (first crossing, or after an exit) is exit_without_entry; an entry
//   after an entry is entry_while_in_country; an exit after which the 180-day window holds more than
//   90 days (core::compute_stay's rules) is overstay_at_exit, unless the nationality is exempt. Stored
//   timeline anomalies of these documents that the walk no longer finds are resolved;
// - each new record: document_expired (expiry_date before occurred_at's UTC day), mrz_invalid (flag),
//   clock_suspect (the server's flag), recorded_while_marked_offline (see below);
// - each new record is screened against the watchlist: an alert per matching entry, `late` when the
//   record's watchlist_version is older than the version that added the entry (or absent).
// recorded_while_marked_offline: the record says it was made online (recorded_offline false) but it
// occurred while the centre's central-offline switch was on, more than `offline_grace` after it was
// switched on: the terminal answered 503 central_offline to every call then, so it cannot have been
// online. Back-captured records (typed in later from paper) are not judged so.
AnalysisDecision judge(const AnalysisBatch& batch, const AnalysisRules& rules);

// Query parameters to a filter: kind, checkpoint, device, from, to (RFC 3339, on occurred_at), state
// (open | resolved | all; default open), synthetic (exclude | include | only), limit (1-1000) and after
// (the cursor) when `with_cursor`, format (json | csv), header (true | false). Throws
// core::ValidationError naming the parameter.
AnomalyFilter parse_anomaly_filter(const std::map<std::string, std::string>& query, bool with_cursor);

// {"anomalies":[...],"next_after":"id"|null}
boost::json::object anomalies_page(const std::vector<AnomalyRow>& rows, const AnomalyFilter& filter);
std::string anomalies_csv(const std::vector<AnomalyRow>& rows, bool with_header);
// {"checkpoints":[{"checkpoint_id","total","by_kind":{kind:n}}],"total"}
boost::json::object anomaly_summary(const std::vector<AnomalyCount>& counts);

}  // namespace borderlog::server::service
