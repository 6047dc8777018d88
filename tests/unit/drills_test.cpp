#include "server/service/drills.hpp"

#include "server/service/drills_report.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace borderlog::server::service {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

const core::Millis kT0 = *core::parse_rfc3339("2026-11-27T10:00:00.000Z");

DrillPlan plan_of(const char* body) { return parse_drill_request(json::parse(body)); }

// A drill as the instances know it, started at kT0.
Drill drill_of(const char* body, std::string id = "d1") {
    const DrillPlan plan = plan_of(body);
    Drill d;
    d.id = std::move(id);
    d.name = plan.name;
    d.steps = plan.steps;
    d.telemetry = plan.telemetry;
    d.scope = plan.scope();
    d.started_at = kT0;
    d.ends_at = kT0 + std::chrono::seconds{plan.length_s()};
    return d;
}

constexpr const char* kTims = R"({"name":"TIMS shutdown","scenario":{"steps":[
    {"at_s":0,"fault":"unavailable","scope":{"all":true},"duration_s":1200},
    {"at_s":1200,"fault":"flaky","scope":{"checkpoints":["KAKAVIJE"]},"params":{"p":0.3},"duration_s":300}]}})";

TEST(DrillRequest, OneFaultIsOneStepAtTheStartLastingItsDuration) {
    const DrillPlan p = plan_of(R"({"name":"Rehearsal","fault":"unavailable","scope":{"devices":["KAK-01"]},"duration_s":600})");
    ASSERT_EQ(p.steps.size(), 1u);
    EXPECT_EQ(p.steps[0].at_s, 0);
    EXPECT_EQ(p.steps[0].duration_s, 600);
    EXPECT_EQ(p.steps[0].fault, Fault::unavailable);
    EXPECT_EQ(p.steps[0].scope.devices, std::set<std::string>{"KAK-01"});
    EXPECT_FALSE(p.telemetry);
    EXPECT_EQ(p.length_s(), 600);
}

TEST(DrillRequest, OneFaultWithoutDurationLastsAnHour) {
    EXPECT_EQ(plan_of(R"({"name":"x","fault":"reset","scope":{"all":true}})").length_s(), 3600);
}

TEST(DrillRequest, AScenarioEndsWithItsLastStepAndItsScopeIsEveryStepsScope) {
    const DrillPlan p = plan_of(kTims);
    EXPECT_EQ(p.length_s(), 1500);
    EXPECT_TRUE(p.scope().all);
    EXPECT_EQ(p.steps[1].params.p, 0.3);
    EXPECT_EQ(p.steps[1].params.kinds, std::vector<Fault>{Fault::unavailable});
}

TEST(DrillRequest, FlakyTakesTheKindsOfFailureItIsGiven) {
    const DrillPlan p = plan_of(
        R"({"name":"x","fault":"flaky","scope":{"all":true},"params":{"p":0.5,"kinds":["reset","lost_ack","slow"],"delay_ms":900}})");
    EXPECT_EQ(p.steps[0].params.kinds, (std::vector<Fault>{Fault::reset, Fault::lost_ack, Fault::slow}));
    EXPECT_EQ(p.steps[0].params.delay_ms, 900);
}

TEST(DrillRequest, StepsSurviveBeingStoredAndReadBack) {
    const DrillPlan p = plan_of(R"({"name":"x","telemetry":true,"scenario":{"steps":[
        {"at_s":0,"fault":"slow","scope":{"checkpoints":["A","B"]},"params":{"delay_ms":1500},"duration_s":5},
        {"at_s":5,"fault":"flaky","scope":{"devices":["A-1"]},"params":{"p":0.25,"kinds":["timeout","db_down"],"retry_after_s":7},"duration_s":5},
        {"at_s":10,"fault":"lost_ack","scope":{"all":true},"params":{"p":1},"duration_s":5}]}})");
    EXPECT_EQ(steps_from_json(json::serialize(steps_json(p.steps))), p.steps);
}

struct BadRequest {
    const char* name;
    const char* body;
    const char* field;
};
void PrintTo(const BadRequest& c, std::ostream* os) { *os << c.name; }

class ABadDrillRequest : public testing::TestWithParam<BadRequest> {};

TEST_P(ABadDrillRequest, IsRefusedNamingTheField) {
    try {
        parse_drill_request(json::parse(GetParam().body));
        FAIL() << "no ValidationError";
    } catch (const core::ValidationError& e) {
        EXPECT_EQ(e.first().field, GetParam().field) << e.first().message;
    }
}

INSTANTIATE_TEST_SUITE_P(
    Drills, ABadDrillRequest,
    testing::Values(
        BadRequest{"NotAnObject", R"([1])", "body"},
        BadRequest{"NoName", R"({"fault":"reset","scope":{"all":true}})", "name"},
        BadRequest{"EmptyName", R"({"name":"","fault":"reset","scope":{"all":true}})", "name"},
        BadRequest{"NameWithAControlCharacter", "{\"name\":\"a\\u0007\",\"fault\":\"reset\",\"scope\":{\"all\":true}}", "name"},
        BadRequest{"UnknownField", R"({"name":"x","fault":"reset","scope":{"all":true},"when":1})", "when"},
        BadRequest{"UnknownFault", R"({"name":"x","fault":"fire","scope":{"all":true}})", "fault"},
        BadRequest{"NoFault", R"({"name":"x","scope":{"all":true}})", "fault"},
        BadRequest{"NoScope", R"({"name":"x","fault":"reset"})", "scope"},
        BadRequest{"TwoScopes", R"({"name":"x","fault":"reset","scope":{"all":true,"devices":["A"]}})", "scope"},
        BadRequest{"AllFalse", R"({"name":"x","fault":"reset","scope":{"all":false}})", "scope.all"},
        BadRequest{"EmptyCheckpoints", R"({"name":"x","fault":"reset","scope":{"checkpoints":[]}})", "scope.checkpoints"},
        BadRequest{"BadDeviceId", R"({"name":"x","fault":"reset","scope":{"devices":["KAK 01"]}})", "scope.devices[0]"},
        BadRequest{"ZeroDuration", R"({"name":"x","fault":"reset","scope":{"all":true},"duration_s":0})", "duration_s"},
        BadRequest{"DurationOverADay", R"({"name":"x","fault":"reset","scope":{"all":true},"duration_s":86401})", "duration_s"},
        BadRequest{"FractionalDuration", R"({"name":"x","fault":"reset","scope":{"all":true},"duration_s":1.5})", "duration_s"},
        BadRequest{"FlakyWithoutShare", R"({"name":"x","fault":"flaky","scope":{"all":true}})", "params.p"},
        BadRequest{"ShareAboveOne", R"({"name":"x","fault":"flaky","scope":{"all":true},"params":{"p":1.5}})", "params.p"},
        BadRequest{"FlakyOfFlaky", R"({"name":"x","fault":"flaky","scope":{"all":true},"params":{"p":0.5,"kinds":["flaky"]}})", "params.kinds[0]"},
        BadRequest{"KindTwice", R"({"name":"x","fault":"flaky","scope":{"all":true},"params":{"p":0.5,"kinds":["reset","reset"]}})", "params.kinds[1]"},
        BadRequest{"ParamOfAnotherFault", R"({"name":"x","fault":"reset","scope":{"all":true},"params":{"delay_ms":5}})", "params.delay_ms"},
        BadRequest{"DelayTooLong", R"({"name":"x","fault":"slow","scope":{"all":true},"params":{"delay_ms":600001}})", "params.delay_ms"},
        BadRequest{"RetryAfterZero", R"({"name":"x","fault":"unavailable","scope":{"all":true},"params":{"retry_after_s":0}})", "params.retry_after_s"},
        BadRequest{"TelemetryNotABoolean", R"({"name":"x","fault":"reset","scope":{"all":true},"telemetry":"yes"})", "telemetry"},
        BadRequest{"FaultBesideScenario", R"({"name":"x","fault":"reset","scenario":{"steps":[]}})", "fault"},
        BadRequest{"NoSteps", R"({"name":"x","scenario":{}})", "scenario.steps"},
        BadRequest{"EmptySteps", R"({"name":"x","scenario":{"steps":[]}})", "scenario.steps"},
        BadRequest{"StepWithoutStart", R"({"name":"x","scenario":{"steps":[{"fault":"reset","scope":{"all":true},"duration_s":5}]}})", "scenario.steps[0].at_s"},
        BadRequest{"StepWithoutDuration", R"({"name":"x","scenario":{"steps":[{"at_s":0,"fault":"reset","scope":{"all":true}}]}})", "scenario.steps[0].duration_s"},
        BadRequest{"StepStartingNegative", R"({"name":"x","scenario":{"steps":[{"at_s":-1,"fault":"reset","scope":{"all":true},"duration_s":5}]}})", "scenario.steps[0].at_s"},
        BadRequest{"StepWithABadParam", R"({"name":"x","scenario":{"steps":[{"at_s":0,"fault":"flaky","scope":{"all":true},"params":{"p":-0.1},"duration_s":5}]}})", "scenario.steps[0].params.p"},
        BadRequest{"StepWithAnUnknownField", R"({"name":"x","scenario":{"steps":[{"at_s":0,"fault":"reset","scope":{"all":true},"duration_s":5,"x":1}]}})", "scenario.steps[0].x"}),
    [](const auto& param_info) { return std::string(param_info.param.name); });

TEST(DrillScopes, OverlapWhenTheyCanCoverOneDevice) {
    const DeviceCheckpoints known{{"KAK-01", "KAKAVIJE"}, {"KAK-02", "KAKAVIJE"}, {"QTH-01", "QAFETHANE"}};
    const auto scope = [](const char* json_scope) { return plan_of(("{\"name\":\"x\",\"fault\":\"reset\",\"scope\":" + std::string(json_scope) + "}").c_str()).scope(); };
    EXPECT_TRUE(scopes_overlap(scope(R"({"all":true})"), scope(R"({"devices":["QTH-01"]})"), known));
    EXPECT_TRUE(scopes_overlap(scope(R"({"checkpoints":["KAKAVIJE","MURIQAN"]})"), scope(R"({"checkpoints":["MURIQAN"]})"), known));
    EXPECT_TRUE(scopes_overlap(scope(R"({"checkpoints":["KAKAVIJE"]})"), scope(R"({"devices":["KAK-02"]})"), known));
    EXPECT_TRUE(scopes_overlap(scope(R"({"devices":["KAK-02"]})"), scope(R"({"checkpoints":["KAKAVIJE"]})"), known));
    EXPECT_FALSE(scopes_overlap(scope(R"({"checkpoints":["KAKAVIJE"]})"), scope(R"({"devices":["QTH-01"]})"), known));
    EXPECT_FALSE(scopes_overlap(scope(R"({"devices":["KAK-01"]})"), scope(R"({"devices":["KAK-02"]})"), known));
    EXPECT_FALSE(scopes_overlap(scope(R"({"checkpoints":["KAKAVIJE"]})"), scope(R"({"devices":["UNKNOWN-9"]})"), known));
}

TEST(DrillScopes, ListTheKnownDevicesTheyCoverAndTheUnknownOnesTheyName) {
    const DeviceCheckpoints known{{"KAK-01", "KAKAVIJE"}, {"QTH-01", "QAFETHANE"}};
    DrillScope s;
    s.checkpoints = {"KAKAVIJE"};
    EXPECT_EQ(devices_in_scope(s, known), (std::vector<std::pair<std::string, std::string>>{{"KAK-01", "KAKAVIJE"}}));
    DrillScope d;
    d.devices = {"QTH-01", "NEW-1"};
    EXPECT_EQ(devices_in_scope(d, known),
              (std::vector<std::pair<std::string, std::string>>{{"NEW-1", ""}, {"QTH-01", "QAFETHANE"}}));
}

TEST(DrillDecisions, NoDrillNoFault) {
    Drills drills(1);
    EXPECT_FALSE(drills.any());
    const auto d = drills.decide("KAK-01", "KAKAVIJE", CallKind::records, kT0);
    EXPECT_TRUE(d.drill_id.empty());
    EXPECT_FALSE(d.fault);
}

TEST(DrillDecisions, EachStepActsOnItsScopeForItsTimeAndTheDrillEndsWithTheLastStep) {
    Drills drills(1);
    drills.set({drill_of(kTims)});
    EXPECT_TRUE(drills.any());
    EXPECT_EQ(drills.decide("QTH-01", "QAFETHANE", CallKind::records, kT0 + 10s).fault, Fault::unavailable);
    EXPECT_EQ(drills.decide("QTH-01", "QAFETHANE", CallKind::other, kT0 + 1199s).fault, Fault::unavailable);
    // The flaky step covers KAKAVIJE only: the others are in the drill, untouched.
    const auto other = drills.decide("QTH-01", "QAFETHANE", CallKind::records, kT0 + 1300s);
    EXPECT_EQ(other.drill_id, "d1");
    EXPECT_FALSE(other.fault);
    const auto after = drills.decide("KAK-01", "KAKAVIJE", CallKind::records, kT0 + 1500s);
    EXPECT_TRUE(after.drill_id.empty());
    EXPECT_FALSE(after.fault);
}

TEST(DrillDecisions, ADeviceOutsideTheScopeIsNotInTheDrill) {
    Drills drills(1);
    drills.set({drill_of(R"({"name":"x","fault":"reset","scope":{"checkpoints":["KAKAVIJE"]},"duration_s":60})")});
    const auto d = drills.decide("QTH-01", "QAFETHANE", CallKind::records, kT0 + 1s);
    EXPECT_TRUE(d.drill_id.empty());
    EXPECT_FALSE(d.fault);
}

TEST(DrillDecisions, HeartbeatsPassWithTelemetryAndUnderDbDownButAreLabelled) {
    Drills drills(1);
    drills.set({drill_of(R"({"name":"x","fault":"unavailable","scope":{"all":true},"duration_s":60,"telemetry":true})", "a"),
                drill_of(R"({"name":"y","fault":"db_down","scope":{"devices":["Z-1"]},"duration_s":60})", "b")});
    // (Scopes of running drills never overlap in practice; here the first covering drill answers.)
    const auto beat = drills.decide("KAK-01", "KAKAVIJE", CallKind::heartbeat, kT0 + 1s);
    EXPECT_EQ(beat.drill_id, "a");
    EXPECT_FALSE(beat.fault);
    EXPECT_EQ(drills.decide("KAK-01", "KAKAVIJE", CallKind::records, kT0 + 1s).fault, Fault::unavailable);
    Drills db(1);
    db.set({drill_of(R"({"name":"y","fault":"db_down","scope":{"all":true},"duration_s":60})")});
    EXPECT_FALSE(db.decide("KAK-01", "KAKAVIJE", CallKind::heartbeat, kT0 + 1s).fault);
    EXPECT_EQ(db.decide("KAK-01", "KAKAVIJE", CallKind::other, kT0 + 1s).fault, Fault::db_down);
}

TEST(DrillDecisions, WithoutTelemetryHeartbeatsMeetTheFault) {
    Drills drills(1);
    drills.set({drill_of(R"({"name":"x","fault":"reset","scope":{"all":true},"duration_s":60})")});
    EXPECT_EQ(drills.decide("KAK-01", "KAKAVIJE", CallKind::heartbeat, kT0 + 1s).fault, Fault::reset);
}

TEST(DrillDecisions, LostAckDropsOnlyAnswersThatCarryRecords) {
    Drills drills(1);
    drills.set({drill_of(R"({"name":"x","fault":"lost_ack","scope":{"all":true},"duration_s":60})")});
    EXPECT_EQ(drills.decide("KAK-01", "KAKAVIJE", CallKind::records, kT0 + 1s).fault, Fault::lost_ack);
    EXPECT_FALSE(drills.decide("KAK-01", "KAKAVIJE", CallKind::other, kT0 + 1s).fault);
    EXPECT_FALSE(drills.decide("KAK-01", "KAKAVIJE", CallKind::heartbeat, kT0 + 1s).fault);
}

TEST(DrillDecisions, FlakyFailsItsShareOfCallsAsTheKindsItIsGiven) {
    Drills drills(42);
    drills.set({drill_of(
        R"({"name":"x","fault":"flaky","scope":{"all":true},"params":{"p":0.3,"kinds":["reset","unavailable"]},"duration_s":60})")});
    int failed = 0, resets = 0;
    constexpr int kCalls = 10000;
    for (int i = 0; i < kCalls; ++i) {
        const auto d = drills.decide("KAK-01", "KAKAVIJE", CallKind::records, kT0 + 1s);
        ASSERT_EQ(d.drill_id, "d1");
        if (!d.fault) continue;
        ++failed;
        ASSERT_TRUE(*d.fault == Fault::reset || *d.fault == Fault::unavailable);
        if (*d.fault == Fault::reset) ++resets;
    }
    EXPECT_NEAR(failed, kCalls * 0.3, kCalls * 0.03);
    EXPECT_NEAR(resets, failed / 2, failed * 0.1);
}

TEST(DrillDecisions, FlakyOfNoneAndOfAllAreExact) {
    Drills none(7), all(7);
    none.set({drill_of(R"({"name":"x","fault":"flaky","scope":{"all":true},"params":{"p":0},"duration_s":60})")});
    all.set({drill_of(R"({"name":"x","fault":"flaky","scope":{"all":true},"params":{"p":1,"kinds":["timeout"]},"duration_s":60})")});
    for (int i = 0; i < 200; ++i) {
        EXPECT_FALSE(none.decide("A", "B", CallKind::records, kT0 + 1s).fault);
        EXPECT_EQ(all.decide("A", "B", CallKind::records, kT0 + 1s).fault, Fault::timeout);
    }
}

TEST(DrillDecisions, AStoppedDrillActsNoMore) {
    Drills drills(1);
    Drill d = drill_of(R"({"name":"x","fault":"reset","scope":{"all":true},"duration_s":600})");
    d.stopped_at = kT0 + 30s;
    drills.set({d});
    EXPECT_EQ(drills.decide("A", "B", CallKind::records, kT0 + 29s).fault, Fault::reset);
    EXPECT_TRUE(drills.decide("A", "B", CallKind::records, kT0 + 31s).drill_id.empty());
    EXPECT_EQ(d.state(kT0 + 31s), "stopped");
}

TEST(DrillDecisions, AnEndedDrillIsWatchedForAnHourForItsDrain) {
    Drills drills(1);
    drills.set({drill_of(R"({"name":"x","fault":"reset","scope":{"devices":["A"]},"duration_s":60})")});
    EXPECT_EQ(drills.watching("A", "B", kT0 + 30s), "d1");
    EXPECT_EQ(drills.watching("A", "B", kT0 + 60s + 3599s), "d1");
    EXPECT_FALSE(drills.watching("A", "B", kT0 + 60s + 3601s));
    EXPECT_FALSE(drills.watching("C", "B", kT0 + 30s));
}

TEST(DrillDecisions, CountsAddUpAndComeBackWhenTheyCouldNotBeWritten) {
    Drills drills(1);
    drills.count("d1", "A", "reset");
    drills.count("d1", "A", "reset", 2);
    drills.count("d1", "B", kCountLostAcks);
    auto counts = drills.take_counts();
    ASSERT_EQ(counts.size(), 2u);
    EXPECT_EQ(counts[0].count, 3);
    EXPECT_TRUE(drills.take_counts().empty());
    drills.give_back(counts);
    EXPECT_EQ(drills.take_counts().size(), 2u);
}

TEST(DrillDecisions, ARunningDrillLabelsTheFleet) {
    Drills drills(1);
    drills.set({drill_of(R"({"name":"TIMS","fault":"reset","scope":{"checkpoints":["KAKAVIJE"]},"duration_s":60})")});
    const auto labels = drills.labels(kT0 + 1s);
    ASSERT_EQ(labels.size(), 1u);
    EXPECT_EQ(labels[0].name, "TIMS");
    EXPECT_EQ(labels[0].checkpoints, std::set<std::string>{"KAKAVIJE"});
    EXPECT_TRUE(drills.labels(kT0 + 61s).empty());
}

TEST(DrillDecisions, ADatabasePollThatOverlappedAStartHereDoesNotUndoIt) {
    Drills drills(1);
    const auto before = drills.changes();
    drills.set({drill_of(R"({"name":"x","fault":"reset","scope":{"all":true},"duration_s":60})")});
    drills.learn({}, before);
    EXPECT_TRUE(drills.any());
    drills.learn({}, drills.changes());
    EXPECT_FALSE(drills.any());
}

TEST(DrillAnswers, DuplicatesAreCountedInSingleAndBatchAnswers) {
    EXPECT_EQ(duplicates_in_answer(R"({"id":"x","status":"duplicate"})"), 1);
    EXPECT_EQ(duplicates_in_answer(R"({"id":"x","status":"stored"})"), 0);
    EXPECT_EQ(duplicates_in_answer(
                  R"({"results":[{"id":"a","status":"duplicate"},{"id":"b","status":"stored"},{"id":"c","status":"duplicate"}]})"),
              2);
    EXPECT_EQ(duplicates_in_answer("not json"), 0);
}

// --- the report ---

SamplePoint sample(core::Millis at, std::int64_t pending, std::int64_t last_seq) {
    return {at.time_since_epoch().count(), pending, 0, last_seq, "s1", std::nullopt};
}

std::int64_t ms(core::Millis t) { return t.time_since_epoch().count(); }

TEST(DrillReport, TheDrainIsCheckedUpToTheFirstHeartbeatAfterTheRestore) {
    const std::vector<SamplePoint> samples{sample(kT0 + 10s, 5, 20), sample(kT0 + 59s, 9, 24), sample(kT0 + 61s, 7, 26),
                                           sample(kT0 + 70s, 0, 27)};
    const auto bound = drain_bound(samples, ms(kT0 + 60s));
    ASSERT_TRUE(bound);
    EXPECT_EQ(bound->last_seq, 26);
    EXPECT_EQ(drain_bound(samples, ms(kT0 + 80s))->last_seq, 27);  // none after: the last before
    EXPECT_FALSE(drain_bound(samples, std::nullopt));               // still running
    EXPECT_FALSE(drain_bound({}, ms(kT0)));
}

TEST(DrillReport, TheBacklogPeakIsTheMostRecordsWaitingAtOnce) {
    // Three records made at 0, 1 and 2 s; the first arrives at 5 s, the others at 6 s.
    const std::vector<std::pair<std::int64_t, std::int64_t>> records{{0, 5000}, {1000, 6000}, {2000, 6000}};
    EXPECT_EQ(backlog_peak_of(records), 3);
    EXPECT_EQ(backlog_peak_of({{0, 1000}, {1000, 2000}}), 1);  // one arrives as the next is made
    const auto series = backlog_series_of(records, 0, 8000, 8);
    ASSERT_EQ(series.size(), 8u);
    EXPECT_EQ(series[0].second, 1);
    EXPECT_EQ(series[2].second, 3);
    EXPECT_EQ(series[7].second, 0);
}

DeviceFacts facts(const char* device, const char* checkpoint) {
    DeviceFacts f;
    f.device_id = device;
    f.checkpoint_id = checkpoint;
    return f;
}

TEST(DrillReport, ADrainedDrillWithNothingLostOrDoubledPasses) {
    Drill d = drill_of(R"({"name":"x","fault":"unavailable","scope":{"all":true},"duration_s":60})");
    DeviceFacts a = facts("KAK-01", "KAKAVIJE");
    a.records_during = 30;
    a.samples = {sample(kT0 + 30s, 15, 15), sample(kT0 + 62s, 30, 30)};
    a.drain_bound = DrainBound{"s1", 30};
    a.drain_arrived = 30;
    a.drain_last_received_ms = ms(kT0 + 64500ms);
    a.streams = {{"s1", 30, 0}};
    a.counts = {{"unavailable", 12}, {kCountDuplicateAnswers, 2}};
    DeviceFacts idle = facts("KAK-02", "KAKAVIJE");
    const json::object r = drill_report(d, {a, idle}, kT0 + 120s);
    EXPECT_EQ(r.at("state"), "finished");
    EXPECT_EQ(r.at("verdict"), "pass");
    EXPECT_EQ(r.at("totals").at("records_during"), 30);
    EXPECT_EQ(r.at("totals").at("lost"), 0);
    EXPECT_EQ(r.at("totals").at("duplicates"), 0);
    EXPECT_EQ(r.at("totals").at("resent_duplicates"), 2);
    const auto& dev = r.at("devices").as_array()[0];
    EXPECT_EQ(dev.at("drain_seconds").as_double(), 4.5);
    EXPECT_EQ(dev.at("backlog_peak"), 30);
    EXPECT_EQ(dev.at("faults").at("unavailable"), 12);
    EXPECT_EQ(r.at("devices").as_array()[1].at("drained"), true);  // made nothing: nothing to drain
    EXPECT_EQ(r.at("checkpoints").as_array()[0].at("drain_seconds").as_double(), 4.5);
}

TEST(DrillReport, OfficersLatencyIsTheWorstTheHeartbeatsReportedWhileTheFaultsWereOn) {
    Drill d = drill_of(R"({"name":"x","fault":"unavailable","scope":{"all":true},"duration_s":60})");
    DeviceFacts a = facts("KAK-01", "KAKAVIJE");
    const auto with_latency = [](SamplePoint s, std::int64_t p50, std::int64_t p99, std::int64_t count) {
        s.latency = RecordLatency{p50, p99, count};
        return s;
    };
    a.samples = {with_latency(sample(kT0 + 10s, 1, 1), 2, 4, 10), with_latency(sample(kT0 + 40s, 2, 2), 3, 3, 20),
                 with_latency(sample(kT0 + 50s, 3, 3), 1, 1, 0),     // no record in its window: no figure
                 with_latency(sample(kT0 + 90s, 0, 3), 40, 90, 5)};  // after the restore: not the outage's
    DeviceFacts none = facts("KAK-02", "KAKAVIJE");
    const json::object r = drill_report(d, {a, none}, kT0 + 120s);
    const auto& latency = r.at("devices").as_array()[0].at("record_latency_ms");
    ASSERT_TRUE(latency.is_object());
    EXPECT_EQ(latency.at("p50"), 3);
    EXPECT_EQ(latency.at("p99"), 4);
    EXPECT_TRUE(r.at("devices").as_array()[1].at("record_latency_ms").is_null());  // no heartbeat told it
    const std::string csv = drill_report_csv(r, true);
    EXPECT_NE(csv.find("device,KAKAVIJE,KAK-01,"), std::string::npos);
    EXPECT_NE(csv.find(",3,4,"), std::string::npos) << csv;
}

TEST(DrillReport, AGapAfterTheDrainFails) {
    Drill d = drill_of(R"({"name":"x","fault":"lost_ack","scope":{"all":true},"duration_s":60})");
    DeviceFacts a = facts("KAK-01", "KAKAVIJE");
    a.records_during = 10;
    a.samples = {sample(kT0 + 61s, 0, 10)};
    a.drain_bound = DrainBound{"s1", 10};
    a.drain_arrived = 10;
    a.streams = {{"s1", 12, 2}};
    const json::object r = drill_report(d, {a}, kT0 + 90s);
    EXPECT_EQ(r.at("verdict"), "fail");
    EXPECT_EQ(r.at("totals").at("lost"), 2);
}

TEST(DrillReport, AnUndrainedDeviceOrARunningDrillLeavesTheVerdictPending) {
    Drill d = drill_of(R"({"name":"x","fault":"unavailable","scope":{"all":true},"duration_s":60})");
    DeviceFacts a = facts("KAK-01", "KAKAVIJE");
    a.records_during = 10;
    a.samples = {sample(kT0 + 61s, 4, 10)};
    a.drain_bound = DrainBound{"s1", 10};
    a.drain_arrived = 6;
    EXPECT_EQ(drill_report(d, {a}, kT0 + 90s).at("verdict"), "pending");
    EXPECT_TRUE(drill_report(d, {a}, kT0 + 90s).at("devices").as_array()[0].at("drain_seconds").is_null());
    EXPECT_EQ(drill_report(d, {a}, kT0 + 30s).at("verdict"), "pending");
    EXPECT_EQ(drill_report(d, {a}, kT0 + 30s).at("state"), "running");
}

TEST(DrillReport, TheCsvHasALinePerDeviceAndCheckpointAndATotal) {
    Drill d = drill_of(R"({"name":"x","fault":"unavailable","scope":{"all":true},"duration_s":60})");
    const json::object r = drill_report(d, {facts("A-1", "A"), facts("A-2", "A"), facts("B-1", "B")}, kT0 + 90s);
    const std::string csv = drill_report_csv(r, true);
    EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 1 + 3 + 2 + 1);
    EXPECT_EQ(csv.rfind("level,checkpoint_id,device_id,records_during,backlog_peak,drain_seconds,lost,duplicates", 0), 0u);
    EXPECT_NE(csv.find("\r\ntotal,,,0,0,0.000,0,0,0,0,true,0,0,,,pass\r\n"), std::string::npos) << csv;
}

}  // namespace
}  // namespace borderlog::server::service
