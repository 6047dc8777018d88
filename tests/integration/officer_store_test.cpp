#include "server/storage/officer_store.hpp"

#include "core/ids.hpp"
#include "core/time.hpp"
#include "core/watchlist.hpp"
#include "officer_fixture.hpp"
#include "server/service/anomalies.hpp"
#include "server/storage/sql.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <pqxx/pqxx>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

namespace borderlog::server {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;
using test::make_crossing;

class OfficerStoreTest : public test::OfficerDatabase {
protected:
    AnalysisRun analyse(std::chrono::seconds settle = 0s, std::size_t limit = 500, bool sweep = true) {
        return officers->analyse(limit, false, sweep, settle,
                                 [this](const AnalysisBatch& b) { return service::judge(b, rules); });
    }

    // A crossing of the specimen traveller whose passport is still valid (the specimen's expired in 2012).
    static core::Crossing current(core::Crossing x) {
        x.traveler.expiry_date = "2030-01-01";
        return x;
    }

    core::Crossing crossing(std::int64_t seq, const char* direction, const std::string& occurred_at) {
        core::Crossing x = current(make_crossing("KAK-01", seq));
        x.direction = direction;
        x.occurred_at = occurred_at;
        return x;
    }
};

using Kinds = std::vector<std::string>;

TEST_F(OfficerStoreTest, AnExitWithoutEntryIsFoundOnceAndTheNextRunFindsNothingNew) {
    const auto exit = crossing(1, "exit", "2026-11-20T10:00:00.000Z");
    insert({exit});
    const AnalysisRun first = analyse(300s);
    EXPECT_EQ(first.analysed, 1u);
    EXPECT_FALSE(first.more);
    EXPECT_EQ(anomalies_of(exit.id), Kinds{"exit_without_entry:open"});
    EXPECT_EQ(analyse(300s).analysed, 0u);
    EXPECT_EQ(scalar("SELECT count(*) FROM anomalies"), 1);
}

TEST_F(OfficerStoreTest, AnEntrySyncedLateResolvesTheExitJudgedWithoutIt) {
    const auto exit = crossing(2, "exit", "2026-11-20T10:00:00.000Z");
    const auto entry = crossing(1, "entry", "2026-11-01T10:00:00.000Z");
    insert({exit});
    analyse();
    ASSERT_EQ(anomalies_of(exit.id), Kinds{"exit_without_entry:open"});
    insert({entry});
    EXPECT_EQ(analyse().analysed, 1u);
    EXPECT_EQ(anomalies_of(exit.id), Kinds{"exit_without_entry:resolved"});
    EXPECT_TRUE(anomalies_of(entry.id).empty());
    AnomalyFilter open;
    EXPECT_TRUE(officers->list_anomalies(open).empty());
    AnomalyFilter all;
    all.state = "all";
    EXPECT_EQ(officers->list_anomalies(all).size(), 1u);
}

TEST_F(OfficerStoreTest, AResolvedAnomalyReopensWhenTheTimelineBreaksAgain) {
    const auto exit = crossing(3, "exit", "2026-11-20T10:00:00.000Z");
    insert({exit});
    analyse();
    insert({crossing(1, "entry", "2026-11-01T10:00:00.000Z")});
    analyse();
    ASSERT_EQ(anomalies_of(exit.id), Kinds{"exit_without_entry:resolved"});
    // Another late one: entry 1 Nov, exit 10 Nov, exit 20 Nov. The later exit has no entry before it again.
    const auto between = crossing(2, "exit", "2026-11-10T10:00:00.000Z");
    insert({between});
    analyse();
    EXPECT_EQ(anomalies_of(exit.id), Kinds{"exit_without_entry:open"});
    EXPECT_TRUE(anomalies_of(between.id).empty());
    EXPECT_EQ(scalar("SELECT count(*) FROM anomalies"), 1);
}

TEST_F(OfficerStoreTest, RecordAnomaliesComeFromTheRecordAndFromTheServersFlagsColumn) {
    auto expired = crossing(1, "entry", "2026-11-20T10:00:00.000Z");
    expired.traveler.expiry_date = "2026-11-19";
    auto misprinted = crossing(2, "exit", "2026-11-21T10:00:00.000Z");
    misprinted.flags = {"mrz_invalid"};
    auto late_clock = crossing(3, "entry", "2026-11-22T10:00:00.000Z");
    insert({expired, misprinted, late_clock});
    run("UPDATE crossings SET flags = '{clock_suspect}' WHERE id = $1::uuid", late_clock.id);
    analyse();
    EXPECT_EQ(anomalies_of(expired.id), Kinds{"document_expired:open"});
    EXPECT_EQ(anomalies_of(misprinted.id), Kinds{"mrz_invalid:open"});
    EXPECT_EQ(anomalies_of(late_clock.id), Kinds{"clock_suspect:open"});
}

TEST_F(OfficerStoreTest, ARecordClaimingOnlineWhileTheCentreWasOfflineIsSuspect) {
    store->set_central_state(true, "drill", "test");
    EXPECT_EQ(scalar("SELECT count(*) FROM central_state_history WHERE offline"), 1);
    const auto switched = *core::parse_rfc3339(scalar<std::string>(
        "SELECT to_char(changed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') FROM central_state"));
    auto online_claim = crossing(1, "entry", core::format_rfc3339(switched + 5min));
    online_claim.recorded_offline = false;
    auto honest = crossing(2, "exit", core::format_rfc3339(switched + 6min));
    honest.recorded_offline = true;
    insert({online_claim, honest});
    analyse();
    EXPECT_EQ(anomalies_of(online_claim.id), Kinds{"recorded_while_marked_offline:open"});
    EXPECT_TRUE(anomalies_of(honest.id).empty());
}

TEST_F(OfficerStoreTest, TheWatermarkPassesOnlyNumbersOlderThanTheSettleTime) {
    insert({crossing(1, "entry", "2026-11-01T10:00:00.000Z"), crossing(2, "exit", "2026-11-02T10:00:00.000Z")});
    EXPECT_EQ(analyse(300s).watermark, 0);
    EXPECT_EQ(scalar("SELECT count(*) FROM analysis_done"), 2);
    const auto top = scalar("SELECT max(ingest_no) FROM crossings");
    EXPECT_EQ(analyse(0s).watermark, top);
    EXPECT_EQ(scalar("SELECT count(*) FROM analysis_done"), 0);
}

TEST_F(OfficerStoreTest, AFullBatchKeepsTheWatermarkBelowWhatIsStillWaiting) {
    std::vector<core::Crossing> five;
    for (int i = 1; i <= 5; ++i) five.push_back(crossing(i, i % 2 ? "entry" : "exit", "2026-11-0" + std::to_string(i) + "T10:00:00.000Z"));
    insert(five);
    const AnalysisRun first = analyse(0s, 2);
    EXPECT_EQ(first.analysed, 2u);
    EXPECT_TRUE(first.more);
    EXPECT_EQ(first.watermark, scalar("SELECT ingest_no FROM crossings WHERE seq = 2"));
    EXPECT_EQ(analyse(0s, 2).analysed, 2u);
    const AnalysisRun last = analyse(0s, 2);
    EXPECT_EQ(last.analysed, 1u);
    EXPECT_FALSE(last.more);
    EXPECT_EQ(last.watermark, scalar("SELECT max(ingest_no) FROM crossings"));
}

TEST_F(OfficerStoreTest, TheWatermarkWaitsUntilASweepFindsNothingLeftBelow) {
    std::vector<core::Crossing> five;
    for (int i = 1; i <= 5; ++i) five.push_back(crossing(i, "entry", "2026-11-0" + std::to_string(i) + "T10:00:00.000Z"));
    insert(five);
    analyse(300s);
    ASSERT_EQ(scalar("SELECT count(*) FROM analysis_done"), 5);
    // As if the three oldest had committed after the others were judged.
    run("DELETE FROM analysis_done WHERE ingest_no IN (SELECT ingest_no FROM crossings WHERE seq <= 3)");
    const AnalysisRun first = analyse(0s, 2);
    EXPECT_EQ(first.analysed, 2u);
    EXPECT_TRUE(first.more);
    EXPECT_EQ(first.watermark, 0);
    const AnalysisRun second = analyse(0s, 2);
    EXPECT_EQ(second.analysed, 1u);
    EXPECT_EQ(second.watermark, scalar("SELECT max(ingest_no) FROM crossings"));
    EXPECT_EQ(analyse(0s, 2).analysed, 0u);
}

// Crossings are numbered when inserted and visible when committed: a transaction that took a lower
// number and commits after a higher one was judged must still be judged.
TEST_F(OfficerStoreTest, ACrossingCommittedAfterAHigherNumberWasJudgedIsStillJudged) {
    const auto slow = crossing(1, "exit", "2026-11-20T10:00:00.000Z");
    pqxx::connection other(url());
    pqxx::work held(other);
    held.exec_params(
        "INSERT INTO crossings (id, device_id, seq, checkpoint_id, direction, occurred_at, document_number, "
        "issuing_country, nationality, surname, birth_date, sex, record) "
        "VALUES ($1::uuid, 'KAK-01', 1, 'KAKAVIJE', 'exit', $2::timestamptz, 'OTHER1', 'UTO', 'UTO', 'DOE', "
        "'1980-01-01', 'F', '{}'::jsonb)",
        slow.id, slow.occurred_at);
    const auto fast = crossing(2, "exit", "2026-11-21T10:00:00.000Z");
    insert({fast});
    EXPECT_EQ(analyse(300s).analysed, 1u);
    held.commit();
    EXPECT_EQ(analyse(300s, 500, false).analysed, 0u);  // only a sweep looks below the newest judged
    EXPECT_EQ(analyse(300s).analysed, 1u);
    EXPECT_EQ(anomalies_of(slow.id), Kinds{"exit_without_entry:open"});
    EXPECT_EQ(analyse(0s, 500, false).watermark, 0);  // without a sweep the watermark stays
    EXPECT_EQ(analyse(0s).watermark, scalar("SELECT max(ingest_no) FROM crossings"));
}

TEST_F(OfficerStoreTest, OnlyOneAnalyserAtATime) {
    insert({crossing(1, "exit", "2026-11-20T10:00:00.000Z")});
    pqxx::connection other(url());
    pqxx::work holder(other);
    holder.exec("SELECT pg_advisory_xact_lock(7368201956)");
    const AnalysisRun run_while_held = analyse();
    EXPECT_TRUE(run_while_held.locked_out);
    EXPECT_EQ(run_while_held.analysed, 0u);
    holder.commit();
    EXPECT_EQ(analyse().analysed, 1u);
}

// --- watchlist ---

core::WatchlistEntry entry(const std::string& number, const std::string& action = "deny") {
    core::WatchlistEntry e;
    e.document_number = number;
    e.issuing_country = "UTO";
    e.reason = "stolen";
    e.action = action;
    e.id = core::watchlist_entry_id(e);
    return e;
}

std::vector<std::string> ids_of(const std::vector<core::WatchlistEntry>& entries) {
    std::vector<std::string> out;
    for (const auto& e : entries) out.push_back(e.id);
    std::sort(out.begin(), out.end());
    return out;
}

std::vector<std::string> sorted(std::vector<std::string> v) {
    std::sort(v.begin(), v.end());
    return v;
}

TEST_F(OfficerStoreTest, EachLoadReplacesTheListAsANewVersionAndDeltasSayWhatChanged) {
    const auto a = entry("A1"), b = entry("B1"), c = entry("C1");
    const WatchlistLoad v1 = officers->load_watchlist({a, b, b}, "admin");
    EXPECT_EQ(v1.version, 1);
    EXPECT_EQ(v1.entries, 2u);
    EXPECT_EQ(v1.added, 2u);
    const WatchlistLoad v2 = officers->load_watchlist({b, c}, "admin");
    EXPECT_EQ(v2.version, 2);
    EXPECT_EQ(v2.added, 1u);
    EXPECT_EQ(v2.removed, 1u);

    const WatchlistDelta since1 = officers->watchlist_since(1);
    EXPECT_EQ(since1.version, 2);
    EXPECT_FALSE(since1.full);
    EXPECT_EQ(ids_of(since1.added), std::vector<std::string>{c.id});
    EXPECT_EQ(since1.added[0].version, 2);
    EXPECT_EQ(since1.removed, std::vector<std::string>{a.id});

    const WatchlistDelta whole = officers->watchlist_since(0);
    EXPECT_TRUE(whole.full);
    EXPECT_EQ(ids_of(whole.added), sorted({b.id, c.id}));
    EXPECT_TRUE(officers->watchlist_since(99).full);
    const WatchlistDelta current = officers->watchlist_since(2);
    EXPECT_TRUE(current.added.empty() && current.removed.empty());

    // The same list again is still a new version, with nothing changed; an entry may come back.
    EXPECT_EQ(officers->load_watchlist({b, c}, "admin").added, 0u);
    const WatchlistLoad v4 = officers->load_watchlist({a, b, c}, "admin");
    EXPECT_EQ(v4.version, 4);
    const WatchlistDelta again = officers->watchlist_since(1);
    EXPECT_EQ(again.removed, std::vector<std::string>{a.id});  // the copy at 1 drops its old row of A ...
    EXPECT_EQ(ids_of(again.added), sorted({a.id, c.id}));      // ... and takes A's new one
    // An empty load empties the list.
    EXPECT_EQ(officers->load_watchlist({}, "admin").removed, 3u);
    EXPECT_TRUE(officers->watchlist_since(0).added.empty());
}

TEST_F(OfficerStoreTest, AHitRecordedAgainstAnOlderListIsALateAlertAndCanBeAcknowledged) {
    officers->load_watchlist({entry("X0")}, "admin");             // version 1
    officers->load_watchlist({entry("X0"), entry("L898902C3")}, "admin");  // version 2 adds the document
    auto seen_at_booth = crossing(1, "entry", "2026-11-20T10:00:00.000Z");
    seen_at_booth.watchlist_version = 2;
    auto missed_offline = current(make_crossing("KAK-02", 1));
    missed_offline.watchlist_version = 1;
    insert({seen_at_booth, missed_offline});
    analyse();

    AlertFilter all;
    all.state = "all";
    const auto alerts = officers->list_alerts(all);
    ASSERT_EQ(alerts.size(), 2u);
    EXPECT_FALSE(alerts[0].finding.late);
    EXPECT_TRUE(alerts[1].finding.late);
    EXPECT_EQ(alerts[1].finding.entry_version, 2);
    EXPECT_EQ(alerts[1].finding.record_watchlist_version, 1);
    EXPECT_EQ(alerts[1].finding.matched_by, "document");
    EXPECT_EQ(alerts[1].traveler.surname, "ERIKSSON");

    AlertFilter late;
    late.late = true;
    ASSERT_EQ(officers->list_alerts(late).size(), 1u);
    const auto acknowledged = officers->acknowledge_alert(alerts[1].id, "duty desk", "called the booth");
    ASSERT_TRUE(acknowledged.has_value());
    EXPECT_EQ(acknowledged->acknowledged_by, "duty desk");
    EXPECT_EQ(acknowledged->note, "called the booth");
    EXPECT_TRUE(officers->list_alerts(late).empty());
    EXPECT_FALSE(officers->acknowledge_alert(999, "x", "").has_value());
    // Judging again raises nothing twice.
    run("DELETE FROM analysis_done");
    run("UPDATE analysis_state SET watermark = 0");
    analyse();
    EXPECT_EQ(scalar("SELECT count(*) FROM alerts"), 2);
}

TEST_F(OfficerStoreTest, APersonEntryMatchesTheTransliteratedName) {
    core::WatchlistEntry e;
    e.surname = "Eriksson";
    e.given_names = "Anna-Maria";
    e.birth_date = "1974-08-12";
    e.reason = "notice";
    e.action = "refer";
    e.id = core::watchlist_entry_id(e);
    officers->load_watchlist({e}, "admin");
    insert({crossing(1, "entry", "2026-11-20T10:00:00.000Z")});
    analyse();
    AlertFilter f;
    const auto alerts = officers->list_alerts(f);
    ASSERT_EQ(alerts.size(), 1u);
    EXPECT_EQ(alerts[0].finding.matched_by, "person");
}

// --- traveller view and report ---

TEST_F(OfficerStoreTest, TheTravellerViewLeavesSyntheticRecordsOutUnlessAsked) {
    auto real = crossing(1, "entry", "2026-11-20T10:00:00.000Z");
    auto drill = crossing(2, "exit", "2026-11-21T10:00:00.000Z");
    drill.flags = {"synthetic"};
    insert({real, drill});
    EXPECT_EQ(officers->traveler_crossings("UTO", "L898902C3", false).size(), 1u);
    const auto both = officers->traveler_crossings("UTO", "L898902C3", true);
    ASSERT_EQ(both.size(), 2u);
    EXPECT_NE(both[0].find("\"received_at\""), std::string::npos);
    EXPECT_NE(both[0].find(real.id), std::string::npos);  // oldest first
    analyse();
    EXPECT_TRUE(officers->traveler_anomalies("UTO", "L898902C3", false).empty());
    EXPECT_EQ(officers->traveler_anomalies("UTO", "L898902C3", true).size(), 1u);  // the drill's exit
}

TEST_F(OfficerStoreTest, TheDailyReportCountsOneUtcDayByCheckpointDirectionAndNationality) {
    auto a = crossing(1, "entry", "2026-11-27T00:00:00.000Z");
    auto b = crossing(2, "entry", "2026-11-27T23:59:59.999Z");
    b.flags = {"back_captured"};
    b.paper_ref = "P-1";
    auto c = crossing(3, "exit", "2026-11-27T12:00:00.000Z");
    c.traveler.nationality = "ALB";
    auto d = crossing(4, "entry", "2026-11-28T00:00:00.000Z");   // the next day
    auto e = crossing(5, "entry", "2026-11-27T12:00:00.000Z");
    e.flags = {"synthetic"};
    auto f = make_crossing("QAF-01", 1, "QAFTHANE");
    f.occurred_at = "2026-11-27T08:00:00.000Z";
    insert({a, b, c, d, e, f});
    const auto counts = officers->daily_counts("2026-11-27", "exclude");
    ASSERT_EQ(counts.size(), 3u);
    EXPECT_EQ(counts[0].checkpoint_id, "KAKAVIJE");
    EXPECT_EQ(counts[0].direction, "entry");
    EXPECT_EQ(counts[0].nationality, "UTO");
    EXPECT_EQ(counts[0].count, 2);
    EXPECT_EQ(counts[0].back_captured, 1);
    EXPECT_EQ(counts[1].direction, "exit");
    EXPECT_EQ(counts[1].nationality, "ALB");
    EXPECT_EQ(counts[2].checkpoint_id, "QAFTHANE");
    EXPECT_EQ(officers->daily_counts("2026-11-27", "include")[0].count, 3);
    const auto only = officers->daily_counts("2026-11-27", "only");
    ASSERT_EQ(only.size(), 1u);
    EXPECT_EQ(only[0].count, 1);
}

TEST_F(OfficerStoreTest, AnomaliesAreCountedPerCheckpoint) {
    insert({crossing(1, "exit", "2026-11-20T10:00:00.000Z")});
    auto other = current(make_crossing("QAF-01", 1, "QAFTHANE"));
    other.traveler.document_number = "Q1";
    other.direction = "exit";
    other.flags = {"mrz_invalid"};
    other.mrz = "x";
    insert({other});
    analyse();
    AnomalyFilter f;
    const auto counts = officers->count_anomalies(f);
    ASSERT_EQ(counts.size(), 3u);
    EXPECT_EQ(counts[0].checkpoint_id, "KAKAVIJE");
    EXPECT_EQ(counts[1].checkpoint_id, "QAFTHANE");
    f.checkpoint = "QAFTHANE";
    f.kind = "mrz_invalid";
    EXPECT_EQ(officers->list_anomalies(f).size(), 1u);
}

}  // namespace
}  // namespace borderlog::server
