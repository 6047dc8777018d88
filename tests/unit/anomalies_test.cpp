#include "server/service/anomalies.hpp"

#include "core/errors.hpp"
#include "core/stay.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

namespace borderlog::server::service {
namespace {

namespace json = boost::json;

// One crossing of the traveller UTO/X1 (or of `number`), as the analyser is given it.
struct C {
    const char* id;
    const char* direction;
    const char* at;
    const char* nationality = "UTO";
    bool synthetic = false;
};

CrossingRef ref(const C& c, const std::string& number = "X1") {
    CrossingRef r;
    r.crossing_id = c.id;
    r.checkpoint_id = "KAK";
    r.device_id = "KAK-01";
    r.direction = c.direction;
    r.occurred_at = core::format_rfc3339(*core::parse_rfc3339(c.at));
    r.issuing_country = "UTO";
    r.document_number = number;
    r.synthetic = c.synthetic;
    return r;
}

// A batch whose timeline is `cs` (ingest order = list order) and whose new crossing is the last one.
AnalysisBatch timeline_batch(const std::vector<C>& cs) {
    AnalysisBatch b;
    for (std::size_t i = 0; i < cs.size(); ++i)
        b.timelines.push_back({static_cast<std::int64_t>(i + 1), ref(cs[i]), cs[i].nationality});
    PendingCrossing p;
    p.ingest_no = static_cast<std::int64_t>(cs.size());
    p.ref = ref(cs.back());
    p.traveler = {"P", "X1", "UTO", cs.back().nationality, "DOE", "JANE", "1980-01-01", "F", ""};
    p.recorded_offline = true;
    b.crossings.push_back(p);
    return b;
}

// "id:kind" of every anomaly held open, sorted.
std::vector<std::string> found(const AnalysisDecision& d) {
    std::vector<std::string> out;
    for (const auto& f : d.open) out.push_back(f.crossing.crossing_id + ":" + f.kind);
    std::sort(out.begin(), out.end());
    return out;
}

AnalysisRules rules(std::string home = "ALB") {
    AnalysisRules r;
    r.stay.home_country = std::move(home);
    return r;
}

struct TimelineCase {
    std::string name;
    std::vector<C> crossings;
    std::vector<std::string> expected;  // sorted "id:kind"
};

class JudgeTimeline : public testing::TestWithParam<TimelineCase> {};

TEST_P(JudgeTimeline, JudgesEachDocumentInTimeOrder) {
    EXPECT_EQ(found(judge(timeline_batch(GetParam().crossings), rules())), GetParam().expected);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, JudgeTimeline,
    testing::Values(
        TimelineCase{"FirstCrossingAnExit", {{"a", "exit", "2026-03-01T10:00:00Z"}}, {"a:exit_without_entry"}},
        TimelineCase{"EntryThenExit", {{"a", "entry", "2026-03-01T10:00:00Z"}, {"b", "exit", "2026-03-05T10:00:00Z"}}, {}},
        TimelineCase{"TwoExits",
                     {{"a", "entry", "2026-03-01T10:00:00Z"}, {"b", "exit", "2026-03-05T10:00:00Z"},
                      {"c", "exit", "2026-03-06T10:00:00Z"}},
                     {"c:exit_without_entry"}},
        TimelineCase{"TwoEntries", {{"a", "entry", "2026-03-01T10:00:00Z"}, {"b", "entry", "2026-03-05T10:00:00Z"}},
                     {"b:entry_while_in_country"}},
        // Synced late: the entry arrives after the exit but happened before it.
        TimelineCase{"LateEntryBeforeTheExit",
                     {{"b", "exit", "2026-03-05T10:00:00Z"}, {"a", "entry", "2026-03-01T10:00:00Z"}}, {}},
        // A late exit splits two entries that looked like one stay entered twice.
        TimelineCase{"LateExitBetweenTwoEntries",
                     {{"a", "entry", "2026-03-01T10:00:00Z"}, {"c", "entry", "2026-03-09T10:00:00Z"},
                      {"b", "exit", "2026-03-05T10:00:00Z"}},
                     {}},
        TimelineCase{"ExitThenEntry",
                     {{"a", "exit", "2026-03-05T10:00:00Z"}, {"b", "entry", "2026-03-09T10:00:00Z"}},
                     {"a:exit_without_entry"}},
        TimelineCase{"SameInstantInIngestOrder",
                     {{"a", "entry", "2026-03-01T10:00:00Z"}, {"b", "exit", "2026-03-01T10:00:00Z"}}, {}},
        // 1 March .. 30 May is 91 days.
        TimelineCase{"ExitAfterNinetyOneDays",
                     {{"a", "entry", "2026-03-01T10:00:00Z"}, {"b", "exit", "2026-05-30T10:00:00Z"}},
                     {"b:overstay_at_exit"}},
        TimelineCase{"ExitAfterNinetyDays",
                     {{"a", "entry", "2026-03-01T10:00:00Z"}, {"b", "exit", "2026-05-29T10:00:00Z"}}, {}},
        TimelineCase{"OwnCitizensAreExempt",
                     {{"a", "entry", "2026-03-01T10:00:00Z", "ALB"}, {"b", "exit", "2026-08-30T10:00:00Z", "ALB"}}, {}},
        // 60 + 31 days in the window ending 30 July: the first stay's days from 1 Feb are in it.
        TimelineCase{"ShortStaysAddUp",
                     {{"a", "entry", "2026-02-01T10:00:00Z"}, {"b", "exit", "2026-04-01T10:00:00Z"},
                      {"c", "entry", "2026-06-30T10:00:00Z"}, {"d", "exit", "2026-07-30T10:00:00Z"}},
                     {"d:overstay_at_exit"}},
        // Later: the window (from 1 March) holds one day of the first stay, 1 + 59 days.
        TimelineCase{"OldDaysLeaveTheWindow",
                     {{"a", "entry", "2026-02-01T10:00:00Z"}, {"b", "exit", "2026-03-01T10:00:00Z"},
                      {"c", "entry", "2026-07-01T10:00:00Z"}, {"d", "exit", "2026-08-28T10:00:00Z"}},
                     {}},
        TimelineCase{"RealAndSyntheticRecordsAreJudgedApart",
                     {{"a", "entry", "2026-03-01T10:00:00Z"}, {"b", "exit", "2026-03-05T10:00:00Z", "UTO", true}},
                     {"b:exit_without_entry"}}),
    [](const testing::TestParamInfo<TimelineCase>& param_info) { return param_info.param.name; });

TEST(Judge, ResolvesAStoredTimelineAnomalyThatALateCrossingExplains) {
    AnalysisBatch b = timeline_batch({{"b", "exit", "2026-03-05T10:00:00Z"}, {"a", "entry", "2026-03-01T10:00:00Z"}});
    b.timeline_findings = {{7, "b", "exit_without_entry", "open"}, {8, "x", "entry_while_in_country", "resolved"}};
    const AnalysisDecision d = judge(b, rules());
    EXPECT_EQ(d.resolve, std::vector<std::int64_t>{7});
}

TEST(Judge, KeepsAStoredTimelineAnomalyThatStillHolds) {
    AnalysisBatch b = timeline_batch({{"a", "exit", "2026-03-05T10:00:00Z"}, {"b", "exit", "2026-03-06T10:00:00Z"}});
    b.timeline_findings = {{7, "a", "exit_without_entry", "open"}};
    const AnalysisDecision d = judge(b, rules());
    EXPECT_TRUE(d.resolve.empty());
    EXPECT_EQ(found(d), (std::vector<std::string>{"a:exit_without_entry", "b:exit_without_entry"}));
}

TEST(Judge, OverstayDetailNamesTheDaysUsed) {
    const AnalysisDecision d =
        judge(timeline_batch({{"a", "entry", "2026-03-01T10:00:00Z"}, {"b", "exit", "2026-05-30T10:00:00Z"}}), rules());
    ASSERT_EQ(d.open.size(), 1u);
    const json::value detail = json::parse(d.open[0].detail_json);
    EXPECT_EQ(detail.at("days_used").as_int64(), 91);
    EXPECT_EQ(detail.at("on").as_string(), "2026-05-30");
}

TEST(Judge, OtherExemptNationalitiesAreNotJudgedForOverstay) {
    AnalysisRules r = rules();
    r.stay.exempt = {"KOS"};
    const auto d = judge(timeline_batch({{"a", "entry", "2026-03-01T10:00:00Z", "KOS"},
                                         {"b", "exit", "2026-08-30T10:00:00Z", "KOS"}}),
                         r);
    EXPECT_TRUE(d.open.empty());
}

// The overstay judgement at each exit agrees with core::compute_stay over the crossings up to it, on
// many generated timelines (a fixed pseudo-random sequence, so that a failure repeats).
TEST(Judge, OverstayAtExitAgreesWithTheStayCalculator) {
    std::uint32_t seed = 12345;
    const auto next = [&seed](std::uint32_t n) {
        seed = seed * 1664525u + 1013904223u;
        return (seed >> 8) % n;
    };
    const auto start = *core::parse_rfc3339("2025-01-01T08:00:00Z");
    for (int round = 0; round < 200; ++round) {
        AnalysisBatch b;
        std::vector<core::Movement> movements;
        auto at = start;
        const std::size_t n = 2 + next(30);
        std::vector<std::string> ids, times;
        for (std::size_t i = 0; i < n; ++i) {
            at += std::chrono::hours{6 + 24 * next(40)};
            const bool exit = next(2) == 1;
            ids.push_back("c" + std::to_string(i));
            times.push_back(core::format_rfc3339(at));
            b.timelines.push_back({static_cast<std::int64_t>(i + 1),
                                   ref({ids.back().c_str(), exit ? "exit" : "entry", times.back().c_str()}), "UTO"});
            movements.push_back({at, exit ? core::Direction::exit : core::Direction::entry});
        }
        const AnalysisDecision d = judge(b, rules());
        std::set<std::string> overstays;
        for (const auto& f : d.open)
            if (f.kind == kOverstayAtExit) overstays.insert(f.crossing.crossing_id);
        for (std::size_t i = 0; i < n; ++i) {
            if (movements[i].direction != core::Direction::exit) continue;
            const std::vector<core::Movement> prefix(movements.begin(), movements.begin() + static_cast<long>(i) + 1);
            const bool expected = core::compute_stay(prefix, core::utc_day(movements[i].occurred_at)).overstay;
            EXPECT_EQ(overstays.count(ids[i]) == 1, expected) << "round " << round << " crossing " << i;
        }
    }
}

// --- one record ---

PendingCrossing record(const char* at, bool recorded_offline = true, std::vector<std::string> flags = {},
                       std::string expiry = "") {
    PendingCrossing p;
    p.ingest_no = 1;
    p.ref = ref({"r", "entry", at}, "R1");
    p.traveler = {"P", "R1", "UTO", "UTO", "DOE", "JANE", "1980-01-01", "F", std::move(expiry)};
    p.recorded_offline = recorded_offline;
    p.flags = std::move(flags);
    return p;
}

std::vector<std::string> kinds_of(const PendingCrossing& p, const std::vector<CentralChange>& history = {}) {
    AnalysisBatch b;
    b.crossings.push_back(p);
    b.central_history = history;
    std::vector<std::string> out;
    for (const auto& f : judge(b, rules()).open) out.push_back(f.kind);
    std::sort(out.begin(), out.end());
    return out;
}

using Kinds = std::vector<std::string>;

TEST(JudgeRecord, ADocumentExpiredBeforeTheCrossingDay) {
    EXPECT_EQ(kinds_of(record("2026-11-27T10:00:00Z", true, {}, "2026-11-26")), Kinds{"document_expired"});
    EXPECT_EQ(kinds_of(record("2026-11-27T10:00:00Z", true, {}, "2026-11-27")), Kinds{});
    EXPECT_EQ(kinds_of(record("2026-11-27T10:00:00Z", true, {}, "")), Kinds{});
}

TEST(JudgeRecord, FlagsOfTheDeviceAndOfTheServer) {
    EXPECT_EQ(kinds_of(record("2026-11-27T10:00:00Z", true, {"mrz_invalid"})), Kinds{"mrz_invalid"});
    EXPECT_EQ(kinds_of(record("2026-11-27T10:00:00Z", true, {"clock_suspect", "synthetic"})), Kinds{"clock_suspect"});
}

struct OfflineCase {
    std::string name;
    const char* at;
    bool recorded_offline;
    std::vector<std::string> flags;
    bool expected;
};

class JudgeRecordedWhileMarkedOffline : public testing::TestWithParam<OfflineCase> {};

// The switch went on at 10:00 and off at 12:00, and on again at 18:00 for good.
TEST_P(JudgeRecordedWhileMarkedOffline, OnlyARecordClaimingOnlineWellInsideAnOfflinePeriod) {
    const std::vector<CentralChange> history{{false, "2026-11-27T00:00:00.000Z"},
                                             {true, "2026-11-27T10:00:00.000Z"},
                                             {true, "2026-11-27T11:00:00.000Z"},  // switched on again: no new period
                                             {false, "2026-11-27T12:00:00.000Z"},
                                             {true, "2026-11-27T18:00:00.000Z"}};
    const auto& c = GetParam();
    const auto kinds = kinds_of(record(c.at, c.recorded_offline, c.flags), history);
    EXPECT_EQ(kinds == Kinds{"recorded_while_marked_offline"}, c.expected) << testing::PrintToString(kinds);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, JudgeRecordedWhileMarkedOffline,
    testing::Values(OfflineCase{"BeforeTheSwitch", "2026-11-27T09:59:00Z", false, {}, false},
                    OfflineCase{"WithinTheGrace", "2026-11-27T10:00:59Z", false, {}, false},
                    OfflineCase{"AfterTheGrace", "2026-11-27T10:01:00Z", false, {}, true},
                    OfflineCase{"RecordedOfflineAsItShould", "2026-11-27T11:30:00Z", true, {}, false},
                    OfflineCase{"BackCapturedFromPaper", "2026-11-27T11:30:00Z", false, {"back_captured"}, false},
                    OfflineCase{"AfterTheSwitchWentOff", "2026-11-27T12:00:00Z", false, {}, false},
                    OfflineCase{"InAnOpenPeriod", "2026-11-28T09:00:00Z", false, {}, true}),
    [](const testing::TestParamInfo<OfflineCase>& param_info) { return param_info.param.name; });

// --- watchlist ---

TEST(JudgeWatchlist, RaisesAnAlertPerMatchingEntryLateWhenTheBoothsListWasOlder) {
    core::WatchlistEntry by_document;
    by_document.id = "e1";
    by_document.issuing_country = "UTO";
    by_document.document_number = "R1";
    by_document.reason = "stolen";
    by_document.action = "deny";
    by_document.version = 3;
    core::WatchlistEntry by_person = by_document;
    by_person.id = "e2";
    by_person.document_number.clear();
    by_person.issuing_country.clear();
    by_person.surname = "Doe";
    by_person.birth_date = "1980-01-01";
    by_person.version = 2;
    core::WatchlistEntry other = by_person;
    other.id = "e3";
    other.birth_date = "1981-01-01";

    for (const auto& [booth_version, late_e1, late_e2] :
         std::vector<std::tuple<std::int64_t, bool, bool>>{{0, true, true}, {2, true, false}, {3, false, false}}) {
        AnalysisBatch b;
        PendingCrossing p = record("2026-11-27T10:00:00Z");
        p.watchlist_version = booth_version;
        b.crossings.push_back(p);
        b.watchlist = {by_document, by_person, other};
        const AnalysisDecision d = judge(b, rules());
        ASSERT_EQ(d.alerts.size(), 2u);
        EXPECT_EQ(d.alerts[0].entry_id, "e1");
        EXPECT_EQ(d.alerts[0].matched_by, "document");
        EXPECT_EQ(d.alerts[0].late, late_e1) << booth_version;
        EXPECT_EQ(d.alerts[1].entry_id, "e2");
        EXPECT_EQ(d.alerts[1].matched_by, "person");
        EXPECT_EQ(d.alerts[1].late, late_e2) << booth_version;
        EXPECT_EQ(d.alerts[0].record_watchlist_version, booth_version);
    }
}

// --- listing ---

TEST(AnomalyFilter, ReadsEveryParameterAndDefaultsToOpenRealAnomalies) {
    const AnomalyFilter none = parse_anomaly_filter({}, true);
    EXPECT_EQ(none.state, "open");
    EXPECT_EQ(none.synthetic, "exclude");
    EXPECT_EQ(none.limit, 100);
    const AnomalyFilter f = parse_anomaly_filter({{"kind", "mrz_invalid"}, {"checkpoint", "KAK"}, {"device", "KAK-01"},
                                                  {"from", "2026-11-27T00:00:00+01:00"}, {"state", "all"},
                                                  {"synthetic", "only"}, {"limit", "5"}, {"after", "9"}},
                                                 true);
    EXPECT_EQ(f.kind, "mrz_invalid");
    EXPECT_EQ(f.from, "2026-11-26T23:00:00.000Z");
    EXPECT_EQ(f.state, "all");
    EXPECT_EQ(f.limit, 5);
    EXPECT_EQ(f.after, 9);
}

TEST(AnomalyFilter, NamesTheParameterAtFault) {
    for (const auto& [key, value] : std::vector<std::pair<std::string, std::string>>{
             {"kind", "odd"}, {"state", "closed"}, {"limit", "0"}, {"from", "yesterday"}, {"colour", "red"},
             {"synthetic", "yes"}, {"checkpoint", "a b"}}) {
        try {
            parse_anomaly_filter({{key, value}}, true);
            ADD_FAILURE() << key << " was accepted";
        } catch (const core::ValidationError& e) {
            EXPECT_EQ(e.first().field, key);
        }
    }
    EXPECT_THROW(parse_anomaly_filter({{"limit", "5"}}, false), core::ValidationError);
}

TEST(AnomalySummary, CountsPerCheckpointAndKind) {
    const json::object s = anomaly_summary({{"KAK", "mrz_invalid", 2}, {"KAK", "overstay_at_exit", 1}, {"QAF", "clock_suspect", 4}});
    EXPECT_EQ(json::serialize(s),
              R"({"checkpoints":[{"checkpoint_id":"KAK","total":3,"by_kind":{"mrz_invalid":2,"overstay_at_exit":1}},)"
              R"({"checkpoint_id":"QAF","total":4,"by_kind":{"clock_suspect":4}}],"total":7})");
}

TEST(AnomaliesCsv, NeutralisesCellsAFormulaCouldHideIn) {
    AnomalyRow row;
    row.id = 1;
    row.kind = "mrz_invalid";
    row.state = "open";
    row.crossing.checkpoint_id = "=HYPERLINK(\"x\")";
    row.crossing.device_id = "@SUM(A1)";
    row.detail_json = "{}";
    const std::string csv = anomalies_csv({row}, false);
    EXPECT_NE(csv.find(",\"'=HYPERLINK(\"\"x\"\")\","), std::string::npos) << csv;
    EXPECT_NE(csv.find(",'@SUM(A1),"), std::string::npos) << csv;
    EXPECT_TRUE(csv.ends_with("\r\n"));
}

}  // namespace
}  // namespace borderlog::server::service
