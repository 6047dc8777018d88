// PostgreSQL storage of the officers' area: the analyser's batches (anomalies, watchlist alerts), the
// traveller view, anomaly and alert listings, the watchlist's versions and the daily report. Works on
// a Store's connection, on the Store's thread; libpqxx stays in the .cpp.
#pragma once

#include "core/traveler.hpp"
#include "core/watchlist.hpp"
#include "server/storage/store.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace borderlog::server {

// Which crossing a finding is about, as anomaly and alert rows keep it.
struct CrossingRef {
    std::string crossing_id;
    std::string checkpoint_id;
    std::string device_id;
    std::string direction;
    std::string occurred_at;  // RFC 3339 UTC
    std::string issuing_country;
    std::string document_number;
    bool synthetic = false;
};

// A stored crossing the analyser has not judged yet.
struct PendingCrossing {
    std::int64_t ingest_no = 0;
    CrossingRef ref;
    core::Traveler traveler;
    bool recorded_offline = false;
    std::vector<std::string> flags;  // the device's (record) and the server's (crossings.flags) together
    std::int64_t watchlist_version = 0;
};

// One crossing in a traveller's timeline.
struct TimelineCrossing {
    std::int64_t ingest_no = 0;
    CrossingRef ref;
    std::string nationality;
};

// A stored anomaly of the timeline kinds (see service/anomalies.hpp).
struct StoredFinding {
    std::int64_t id = 0;
    std::string crossing_id;
    std::string kind;
    std::string state;
};

// An anomaly to hold open (new, reopened, or confirmed).
struct Finding {
    std::string kind;
    CrossingRef crossing;
    std::string detail_json = "{}";
};

struct AlertFinding {
    CrossingRef crossing;
    std::string entry_id;
    std::int64_t entry_version = 0;
    std::string matched_by;  // document | person
    std::string action;
    std::string reason;
    bool late = false;
    std::int64_t record_watchlist_version = 0;  // 0: the record names none
};

struct CentralChange {
    bool offline = false;
    std::string changed_at;  // RFC 3339 UTC
};

// What the analyser is given for one batch.
struct AnalysisBatch {
    std::vector<PendingCrossing> crossings;       // new ones, in ingest order
    std::vector<TimelineCrossing> timelines;      // every crossing of every document they touch
    std::vector<StoredFinding> timeline_findings;  // stored timeline anomalies of those documents
    std::vector<CentralChange> central_history;   // the central-offline switch, oldest change first
    std::vector<core::WatchlistEntry> watchlist;  // current entries that may match a new crossing
};

// What the analyser decided; stored in the batch's transaction.
struct AnalysisDecision {
    std::vector<Finding> open;          // at most one per (crossing, kind)
    std::vector<std::int64_t> resolve;  // ids of stored anomalies that no longer hold
    std::vector<AlertFinding> alerts;
};

using Analyst = std::function<AnalysisDecision(const AnalysisBatch&)>;

struct AnalysisRun {
    bool locked_out = false;  // another server is analysing: nothing was done
    std::size_t analysed = 0;
    bool more = false;        // the batch was full: more may be waiting
    std::int64_t watermark = 0;
};

// One stored anomaly, as listed.
struct AnomalyRow {
    std::int64_t id = 0;
    std::string kind;
    std::string state;
    CrossingRef crossing;
    std::string detected_at;
    std::string resolved_at;  // empty while open
    std::string detail_json;
};

struct AnomalyFilter {
    std::optional<std::string> kind, checkpoint, device, from, to;  // from/to: RFC 3339, on occurred_at
    std::string state = "open";          // open | resolved | all
    std::string synthetic = "exclude";   // exclude | include | only
    std::int64_t after = 0;
    int limit = 100;
};

struct AnomalyCount {
    std::string checkpoint_id;
    std::string kind;
    std::int64_t count = 0;
};

struct AlertRow {
    std::int64_t id = 0;
    AlertFinding finding;
    core::Traveler traveler;  // names and birth date from the crossing
    std::string raised_at;
    std::string acknowledged_at;  // empty while open
    std::string acknowledged_by;
    std::string note;
};

struct AlertFilter {
    std::optional<std::string> checkpoint, from, to;
    std::optional<bool> late;
    std::string state = "open";  // open | acknowledged | all
    std::string synthetic = "exclude";
    std::int64_t after = 0;
    int limit = 100;
};

struct WatchlistLoad {
    std::int64_t version = 0;
    std::size_t entries = 0;
    std::size_t added = 0;
    std::size_t removed = 0;
};

struct WatchlistDelta {
    std::int64_t version = 0;  // the current version
    bool full = false;         // `added` is the whole list: replace the local copy
    std::vector<core::WatchlistEntry> added;
    std::vector<std::string> removed;  // entry ids
};

struct DailyCount {
    std::string checkpoint_id;
    std::string direction;
    std::string nationality;
    std::int64_t count = 0;
    std::int64_t back_captured = 0;
};

class OfficerStore {
public:
    explicit OfficerStore(Store& store);

    // Judges up to `limit` crossings not yet judged, in ingest order, in one transaction under an
    // advisory lock (so that two servers never judge at once) and the locks of the documents in the
    // batch: `analyst` decides, this stores the decision and marks the crossings judged. Crossings a
    // traveller lookup judged meanwhile are left out (`analysed` counts the ones judged here). With
    // `wait_for_lock` false it gives up at once when another session holds the lock.
    // Crossings received after the newest judged one are always taken. With `sweep`, crossings numbered
    // below it that committed late are looked for first (a scan of the judged ones since the
    // watermark), and the watermark moves: past numbers whose transactions began more than `settle`
    // ago, as long as nothing below them is left unjudged.
    AnalysisRun analyse(std::size_t limit, bool wait_for_lock, bool sweep, std::chrono::seconds settle,
                        const Analyst& analyst);

    // Judges the crossings of one document that are not judged yet (at most `limit`, oldest first), in
    // one transaction, for a traveller lookup: without the analyser's lock, so never waiting for another
    // server's batch, and without moving its watermark. Returns how many it judged. The analyser's batches
    // and these take a lock per document, so that a crossing is judged once, by one or the other.
    std::size_t judge_document(const std::string& issuing_country, const std::string& document_number,
                               const Analyst& analyst, std::size_t limit = 500);

    // The crossings of the document (record JSON with received_at), oldest first: the newest 10,000.
    std::vector<std::string> traveler_crossings(const std::string& issuing_country, const std::string& document_number,
                                                bool include_synthetic);
    std::vector<AnomalyRow> traveler_anomalies(const std::string& issuing_country, const std::string& document_number,
                                               bool include_synthetic);

    std::vector<AnomalyRow> list_anomalies(const AnomalyFilter& filter);
    std::vector<AnomalyCount> count_anomalies(const AnomalyFilter& filter);

    std::vector<AlertRow> list_alerts(const AlertFilter& filter);
    // Acknowledges an open alert (an acknowledged one is left as it was). std::nullopt: no such alert.
    std::optional<AlertRow> acknowledge_alert(std::int64_t id, const std::string& by, const std::string& note);

    // Replaces the whole list with `entries` (ids set, duplicates removed) as a new version.
    WatchlistLoad load_watchlist(const std::vector<core::WatchlistEntry>& entries, const std::string& loaded_by);
    // The changes after version `since`; the whole list when `since` is 0 or newer than the current one.
    WatchlistDelta watchlist_since(std::int64_t since);

    // Crossings that occurred on `day` (UTC), by checkpoint, direction and nationality.
    std::vector<DailyCount> daily_counts(const std::string& day, const std::string& synthetic);

private:
    Store& store_;
};

}  // namespace borderlog::server
