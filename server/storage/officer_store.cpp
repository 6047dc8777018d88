#include "server/storage/officer_store.hpp"

#include "core/watchlist_match.hpp"
#include "server/storage/sql.hpp"

#include <boost/json.hpp>
#include <pqxx/pqxx>

#include <algorithm>
#include <set>
#include <unordered_set>

namespace borderlog::server {

namespace json = boost::json;

namespace {

const char* or_null(const std::optional<std::string>& v) { return v ? v->c_str() : nullptr; }

std::string text(const pqxx::field& f) { return f.is_null() ? std::string() : f.as<std::string>(); }

CrossingRef ref_from(const pqxx::row& r, int first) {
    // crossing_id, checkpoint_id, device_id, direction, occurred_at, issuing_country, document_number
    CrossingRef ref;
    ref.crossing_id = text(r[first]);
    ref.checkpoint_id = text(r[first + 1]);
    ref.device_id = text(r[first + 2]);
    ref.direction = text(r[first + 3]);
    ref.occurred_at = text(r[first + 4]);
    ref.issuing_country = text(r[first + 5]);
    ref.document_number = text(r[first + 6]);
    return ref;
}

json::object ref_json(const CrossingRef& ref) {
    return {{"crossing_id", ref.crossing_id},     {"checkpoint_id", ref.checkpoint_id},
            {"device_id", ref.device_id},         {"direction", ref.direction},
            {"occurred_at", ref.occurred_at},     {"issuing_country", ref.issuing_country},
            {"document_number", ref.document_number}, {"synthetic", ref.synthetic}};
}

core::WatchlistEntry entry_from(const pqxx::row& r) {
    core::WatchlistEntry e;
    e.id = text(r[0]);
    e.version = r[1].as<std::int64_t>();
    e.document_number = text(r[2]);
    e.issuing_country = text(r[3]);
    e.surname = text(r[4]);
    e.given_names = text(r[5]);
    e.birth_date = text(r[6]);
    e.reason = text(r[7]);
    e.action = text(r[8]);
    return e;
}

AnomalyRow anomaly_from(const pqxx::row& r) {
    AnomalyRow a;
    a.id = r[0].as<std::int64_t>();
    a.kind = text(r[1]);
    a.state = text(r[2]);
    a.crossing = ref_from(r, 3);
    a.crossing.synthetic = r[10].as<bool>();
    a.detected_at = text(r[11]);
    a.resolved_at = text(r[12]);
    a.detail_json = text(r[13]);
    return a;
}

AlertRow alert_from(const pqxx::row& r) {
    AlertRow a;
    a.id = r[0].as<std::int64_t>();
    AlertFinding& f = a.finding;
    f.crossing.crossing_id = text(r[1]);
    f.entry_id = text(r[2]);
    f.entry_version = r[3].as<std::int64_t>();
    f.matched_by = text(r[4]);
    f.action = text(r[5]);
    f.reason = text(r[6]);
    f.late = r[7].as<bool>();
    f.record_watchlist_version = r[8].as<std::int64_t>();
    f.crossing.checkpoint_id = text(r[9]);
    f.crossing.device_id = text(r[10]);
    f.crossing.direction = text(r[11]);
    f.crossing.occurred_at = text(r[12]);
    f.crossing.issuing_country = text(r[13]);
    f.crossing.document_number = text(r[14]);
    f.crossing.synthetic = r[15].as<bool>();
    a.raised_at = text(r[16]);
    a.acknowledged_at = text(r[17]);
    a.acknowledged_by = text(r[18]);
    a.note = text(r[19]);
    a.traveler.document_type = text(r[20]);
    a.traveler.document_number = f.crossing.document_number;
    a.traveler.issuing_country = f.crossing.issuing_country;
    a.traveler.nationality = text(r[21]);
    a.traveler.surname = text(r[22]);
    a.traveler.given_names = text(r[23]);
    a.traveler.birth_date = text(r[24]);
    a.traveler.sex = text(r[25]);
    return a;
}

std::vector<std::string> strings_of(const std::string& json_array) {
    std::vector<std::string> out;
    boost::system::error_code ec;
    const json::value v = json::parse(json_array, ec);
    if (ec || !v.is_array()) return out;
    for (const auto& item : v.get_array())
        if (item.is_string()) out.emplace_back(item.get_string());
    return out;
}

PendingCrossing pending_from(const pqxx::row& r) {
    PendingCrossing p;
    p.ingest_no = r[0].as<std::int64_t>();
    p.ref.crossing_id = text(r[1]);
    p.ref.checkpoint_id = text(r[2]);
    p.ref.device_id = text(r[3]);
    p.ref.direction = text(r[4]);
    p.ref.occurred_at = text(r[5]);
    p.ref.issuing_country = text(r[6]);
    p.ref.document_number = text(r[7]);
    core::Traveler& t = p.traveler;
    t.issuing_country = p.ref.issuing_country;
    t.document_number = p.ref.document_number;
    t.document_type = text(r[8]);
    t.nationality = text(r[9]);
    t.surname = text(r[10]);
    t.given_names = text(r[11]);
    t.birth_date = text(r[12]);
    t.sex = text(r[13]);
    t.expiry_date = text(r[14]);
    p.recorded_offline = r[15].as<bool>();
    for (auto& f : strings_of(text(r[16])))
        if (std::find(p.flags.begin(), p.flags.end(), f) == p.flags.end()) p.flags.push_back(std::move(f));
    p.ref.synthetic = std::find(p.flags.begin(), p.flags.end(), "synthetic") != p.flags.end();
    p.watchlist_version = r[17].as<std::int64_t>();
    return p;
}

std::string documents_json(const std::vector<PendingCrossing>& crossings) {
    json::array docs;
    std::set<std::pair<std::string, std::string>> seen;
    for (const auto& p : crossings)
        if (seen.emplace(p.ref.issuing_country, p.ref.document_number).second)
            docs.push_back(json::array{p.ref.issuing_country, p.ref.document_number});
    return json::serialize(docs);
}

std::string numbers_json(const std::vector<PendingCrossing>& crossings) {
    json::array numbers;
    for (const auto& p : crossings) numbers.emplace_back(std::to_string(p.ingest_no));
    return json::serialize(numbers);
}

std::vector<core::WatchlistEntry> watchlist_candidates(pqxx::work& tx, const std::vector<PendingCrossing>& crossings) {
    json::array document_keys, person_keys;
    for (const auto& p : crossings) {
        const std::string key = core::document_key(p.traveler.issuing_country, p.traveler.document_number);
        if (!key.empty()) document_keys.emplace_back(key);
        for (const auto& k : core::person_keys(p.traveler)) person_keys.emplace_back(k);
    }
    std::vector<core::WatchlistEntry> out;
    for (const auto& r : tx.exec_params(sql::kWatchlistCandidates, json::serialize(document_keys),
                                        json::serialize(person_keys)))
        out.push_back(entry_from(r));
    return out;
}

// Fills in what the analyst needs to judge `b.crossings`.
void read_context(pqxx::work& tx, AnalysisBatch& b) {
    const std::string docs = documents_json(b.crossings);
    for (const auto& r : tx.exec_params(sql::kTimelines, docs)) {
        TimelineCrossing t;
        t.ingest_no = r[0].as<std::int64_t>();
        t.ref = ref_from(r, 1);
        t.nationality = text(r[8]);
        t.ref.synthetic = r[9].as<bool>();
        b.timelines.push_back(std::move(t));
    }
    for (const auto& r : tx.exec_params(sql::kTimelineFindings, docs))
        b.timeline_findings.push_back({r[0].as<std::int64_t>(), text(r[1]), text(r[2]), text(r[3])});
    for (const auto& r : tx.exec(sql::kCentralHistory)) b.central_history.push_back({r[0].as<bool>(), text(r[1])});
    b.watchlist = watchlist_candidates(tx, b.crossings);
}

void store_decision(pqxx::work& tx, const AnalysisDecision& d) {
    if (!d.open.empty()) {
        json::array rows;
        for (const auto& f : d.open) {
            json::object row = ref_json(f.crossing);
            row["kind"] = f.kind;
            boost::system::error_code ec;
            json::value detail = json::parse(f.detail_json, ec);
            row["detail"] = ec ? json::value(json::object{}) : std::move(detail);
            rows.push_back(std::move(row));
        }
        tx.exec_params(sql::kUpsertAnomalies, json::serialize(rows));
    }
    if (!d.resolve.empty()) {
        json::array ids;
        for (const auto id : d.resolve) ids.emplace_back(std::to_string(id));
        tx.exec_params(sql::kResolveAnomalies, json::serialize(ids));
    }
    if (!d.alerts.empty()) {
        json::array rows;
        for (const auto& a : d.alerts) {
            json::object row = ref_json(a.crossing);
            row["entry_id"] = a.entry_id;
            row["entry_version"] = a.entry_version;
            row["matched_by"] = a.matched_by;
            row["action"] = a.action;
            row["reason"] = a.reason;
            row["late"] = a.late;
            row["record_watchlist_version"] = a.record_watchlist_version;
            rows.push_back(std::move(row));
        }
        tx.exec_params(sql::kInsertAlerts, json::serialize(rows));
    }
}

// Judges a batch and marks its crossings judged, in the caller's transaction: by the analyser, or by a
// traveller lookup (whose numbers the analyser does not count as its own progress).
void judge(pqxx::work& tx, AnalysisBatch& batch, const Analyst& analyst, bool by_lookup) {
    if (batch.crossings.empty()) return;
    read_context(tx, batch);
    store_decision(tx, analyst(batch));
    tx.exec_params(sql::kMarkAnalysed, numbers_json(batch.crossings), by_lookup);
}

}  // namespace

OfficerStore::OfficerStore(Store& store) : store_(store) {}

AnalysisRun OfficerStore::analyse(std::size_t limit, bool wait_for_lock, bool sweep, std::chrono::seconds settle,
                                  const Analyst& analyst) {
    AnalysisRun run;
    pqxx::work tx(store_.connection());
    if (wait_for_lock) {
        tx.exec(sql::kAnalysisLock);
    } else if (!tx.exec1(sql::kAnalysisTryLock)[0].as<bool>()) {
        run.locked_out = true;
        return run;
    }
    const auto watermark = tx.exec1(sql::kAnalysisWatermark)[0].as<std::int64_t>();
    const auto top = tx.exec_params1(sql::kAnalysedTop, watermark)[0].as<std::int64_t>();
    const auto max_rows = static_cast<std::int64_t>(limit);

    AnalysisBatch batch;
    bool below_complete = false;  // every crossing below `top` is judged (once this batch is)
    if (sweep) {
        for (const auto& r : tx.exec_params(sql::kPendingBelow, watermark, top, max_rows))
            batch.crossings.push_back(pending_from(r));
        below_complete = batch.crossings.size() < limit;
    }
    std::optional<std::int64_t> bound;  // crossings not judged yet may follow this one
    const std::size_t room = limit - batch.crossings.size();
    if (room > 0) {
        std::size_t above = 0;
        for (const auto& r : tx.exec_params(sql::kPendingAbove, top, static_cast<std::int64_t>(room))) {
            batch.crossings.push_back(pending_from(r));
            ++above;
        }
        if (above == room) bound = batch.crossings.back().ingest_no;
    }
    run.more = batch.crossings.size() == limit;
    if (!batch.crossings.empty()) {
        // The documents' locks, then what a traveller lookup judged before this took them.
        tx.exec_params(sql::kLockDocuments, documents_json(batch.crossings));
        std::set<std::int64_t> judged;
        for (const auto& r : tx.exec_params(sql::kJudgedAmong, numbers_json(batch.crossings)))
            judged.insert(r[0].as<std::int64_t>());
        std::erase_if(batch.crossings, [&judged](const PendingCrossing& p) { return judged.count(p.ingest_no) > 0; });
    }
    run.analysed = batch.crossings.size();
    judge(tx, batch, analyst, false);
    if (below_complete) {
        run.watermark = tx.exec_params1(sql::kAdvanceWatermark, static_cast<double>(settle.count()), bound)[0]
                            .as<std::int64_t>();
        tx.exec_params(sql::kForgetAnalysed, run.watermark);
    } else {
        run.watermark = watermark;
    }
    tx.commit();
    return run;
}

std::size_t OfficerStore::judge_document(const std::string& issuing_country, const std::string& document_number,
                                         const Analyst& analyst, std::size_t limit) {
    pqxx::work tx(store_.connection());
    // The document's lock first: a batch judging it now finishes, and its marks are then seen below.
    json::array document;
    document.push_back(json::array{issuing_country, document_number});
    tx.exec_prepared("lock_documents", json::serialize(document));
    AnalysisBatch batch;
    for (const auto& r : tx.exec_prepared("pending_of_document", issuing_country, document_number,
                                          static_cast<std::int64_t>(limit)))
        batch.crossings.push_back(pending_from(r));
    judge(tx, batch, analyst, true);
    tx.commit();
    return batch.crossings.size();
}

std::vector<std::string> OfficerStore::traveler_crossings(const std::string& issuing_country,
                                                          const std::string& document_number, bool include_synthetic) {
    pqxx::read_transaction tx(store_.connection());
    std::vector<std::string> out;
    for (const auto& r : tx.exec_params(sql::kTravelerCrossings, issuing_country, document_number, include_synthetic))
        out.push_back(text(r[0]));
    std::reverse(out.begin(), out.end());  // oldest first
    return out;
}

std::vector<AnomalyRow> OfficerStore::traveler_anomalies(const std::string& issuing_country,
                                                         const std::string& document_number, bool include_synthetic) {
    pqxx::read_transaction tx(store_.connection());
    std::vector<AnomalyRow> out;
    for (const auto& r : tx.exec_params(sql::kTravelerAnomalies, issuing_country, document_number, include_synthetic))
        out.push_back(anomaly_from(r));
    return out;
}

std::vector<AnomalyRow> OfficerStore::list_anomalies(const AnomalyFilter& f) {
    pqxx::read_transaction tx(store_.connection());
    std::vector<AnomalyRow> out;
    for (const auto& r : tx.exec_params(sql::kListAnomalies, or_null(f.kind), or_null(f.checkpoint), or_null(f.device),
                                        or_null(f.from), or_null(f.to), f.state, f.synthetic, f.after, f.limit))
        out.push_back(anomaly_from(r));
    return out;
}

std::vector<AnomalyCount> OfficerStore::count_anomalies(const AnomalyFilter& f) {
    pqxx::read_transaction tx(store_.connection());
    std::vector<AnomalyCount> out;
    for (const auto& r : tx.exec_params(sql::kCountAnomalies, or_null(f.kind), or_null(f.checkpoint),
                                        or_null(f.device), or_null(f.from), or_null(f.to), f.state, f.synthetic))
        out.push_back({text(r[0]), text(r[1]), r[2].as<std::int64_t>()});
    return out;
}

std::vector<AlertRow> OfficerStore::list_alerts(const AlertFilter& f) {
    pqxx::read_transaction tx(store_.connection());
    std::vector<AlertRow> out;
    for (const auto& r : tx.exec_params(sql::kListAlerts, or_null(f.checkpoint), f.state, f.late, f.synthetic,
                                        or_null(f.from), or_null(f.to), f.after, f.limit,
                                        std::optional<std::int64_t>{}))
        out.push_back(alert_from(r));
    return out;
}

std::optional<AlertRow> OfficerStore::acknowledge_alert(std::int64_t id, const std::string& by, const std::string& note) {
    pqxx::work tx(store_.connection());
    tx.exec_params(sql::kAcknowledgeAlert, id, by, note.empty() ? nullptr : note.c_str());
    const auto r = tx.exec_params(sql::kListAlerts, nullptr, "all", std::optional<bool>{}, "include", nullptr, nullptr,
                                  std::int64_t{0}, 1, id);
    tx.commit();
    if (r.empty()) return std::nullopt;
    return alert_from(r[0]);
}

WatchlistLoad OfficerStore::load_watchlist(const std::vector<core::WatchlistEntry>& entries,
                                           const std::string& loaded_by) {
    // The new list, each entry once.
    std::vector<const core::WatchlistEntry*> wanted;
    std::unordered_set<std::string> wanted_ids;
    for (const auto& e : entries)
        if (wanted_ids.insert(e.id).second) wanted.push_back(&e);

    pqxx::work tx(store_.connection());
    tx.exec(sql::kWatchlistLock);
    WatchlistLoad load;
    load.version = tx.exec1(sql::kWatchlistVersion)[0].as<std::int64_t>() + 1;
    std::unordered_set<std::string> current;
    for (const auto& r : tx.exec(sql::kWatchlistCurrentIds)) current.insert(text(r[0]));

    json::array removed;
    for (const auto& id : current)
        if (!wanted_ids.count(id)) removed.emplace_back(id);
    json::array added;
    for (const auto* e : wanted) {
        if (current.count(e->id)) continue;
        json::array keys;
        for (const auto& k : core::person_keys(*e)) keys.emplace_back(k);
        added.push_back({{"entry_id", e->id},
                         {"document_number", e->document_number},
                         {"issuing_country", e->issuing_country},
                         {"surname", e->surname},
                         {"given_names", e->given_names},
                         {"birth_date", e->birth_date},
                         {"reason", e->reason},
                         {"action", e->action},
                         {"document_key", core::document_key(e->issuing_country, e->document_number)},
                         {"person_keys", std::move(keys)}});
    }
    load.entries = wanted.size();
    load.added = added.size();
    load.removed = removed.size();
    tx.exec_params(sql::kInsertWatchlistVersion, load.version, loaded_by.empty() ? nullptr : loaded_by.c_str(),
                   static_cast<std::int64_t>(load.entries), static_cast<std::int64_t>(load.added),
                   static_cast<std::int64_t>(load.removed));
    if (!removed.empty()) tx.exec_params(sql::kRemoveWatchlistEntries, load.version, json::serialize(removed));
    if (!added.empty()) tx.exec_params(sql::kAddWatchlistEntries, load.version, json::serialize(added));
    tx.commit();
    return load;
}

WatchlistDelta OfficerStore::watchlist_since(std::int64_t since) {
    pqxx::read_transaction tx(store_.connection());
    WatchlistDelta d;
    d.version = tx.exec1(sql::kWatchlistVersion)[0].as<std::int64_t>();
    d.full = since <= 0 || since > d.version;
    const std::int64_t from = d.full ? 0 : since;
    for (const auto& r : tx.exec_params(sql::kWatchlistAddedSince, from)) d.added.push_back(entry_from(r));
    if (!d.full)
        for (const auto& r : tx.exec_params(sql::kWatchlistRemovedSince, from)) d.removed.push_back(text(r[0]));
    return d;
}

std::vector<DailyCount> OfficerStore::daily_counts(const std::string& day, const std::string& synthetic) {
    pqxx::read_transaction tx(store_.connection());
    std::vector<DailyCount> out;
    for (const auto& r : tx.exec_params(sql::kDailyCounts, day, synthetic))
        out.push_back({text(r[0]), text(r[1]), text(r[2]), r[3].as<std::int64_t>(), r[4].as<std::int64_t>()});
    return out;
}

}  // namespace borderlog::server
