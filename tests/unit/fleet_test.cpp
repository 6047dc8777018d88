#include "server/service/fleet.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace borderlog::server::service {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

const core::Millis kT0 = *core::parse_rfc3339("2026-11-27T10:00:00.000Z");

Heartbeat beat(std::int64_t pending, std::vector<LaneQueue> lanes = {}) {
    Heartbeat b;
    b.pending = pending;
    b.lanes = std::move(lanes);
    return b;
}

json::object checkpoint(const Fleet& f, const std::string& id, core::Millis now) { return *f.checkpoint_view(id, now); }

json::object device(const Fleet& f, const std::string& cp, const std::string& id, core::Millis now) {
    const json::object view = checkpoint(f, cp, now);
    for (const auto& d : view.at("devices").as_array())
        if (d.at("device_id").as_string() == id) return d.as_object();
    ADD_FAILURE() << "no device " << id;
    return {};
}

TEST(Fleet, AHeartbeatMakesItsDeviceAndCheckpointOnline) {
    Fleet f;
    f.heartbeat("KAK-01", "KAKAVIJE", beat(3), kT0);
    EXPECT_EQ(checkpoint(f, "KAKAVIJE", kT0 + 1s).at("state"), "online");
    EXPECT_EQ(device(f, "KAKAVIJE", "KAK-01", kT0 + 1s).at("last_heartbeat_at"), "2026-11-27T10:00:00.000Z");
    EXPECT_EQ(checkpoint(f, "KAKAVIJE", kT0).at("pending"), 3);
}

TEST(Fleet, ATerminalGivenATokenAfterTheViewWasLoadedIsListedSilentAtTheNextCount) {
    Fleet f;
    f.load(FleetSnapshot{});
    FleetCounts counts;
    counts.tokens = {{"KAK-09", "KAKAVIJE"}};
    f.counts(counts, kT0);
    EXPECT_EQ(device(f, "KAKAVIJE", "KAK-09", kT0).at("state"), "silent");
    // A later count changes nothing for a device already heard.
    f.heartbeat("KAK-09", "KAKAVIJE", beat(2), kT0);
    f.counts(counts, kT0);
    EXPECT_EQ(device(f, "KAKAVIJE", "KAK-09", kT0).at("pending"), 2);
}

TEST(Fleet, ADeviceWithoutContactForTheSilentPeriodIsSilent) {
    Fleet f({std::chrono::seconds{300}});
    f.heartbeat("KAK-01", "KAKAVIJE", beat(0), kT0);
    EXPECT_EQ(device(f, "KAKAVIJE", "KAK-01", kT0 + 300s).at("state"), "online");
    EXPECT_EQ(device(f, "KAKAVIJE", "KAK-01", kT0 + 301s).at("state"), "silent");
    EXPECT_EQ(checkpoint(f, "KAKAVIJE", kT0 + 301s).at("state"), "silent");
}

TEST(Fleet, ASyncCountsAsContact) {
    Fleet f({std::chrono::seconds{300}});
    f.heartbeat("KAK-01", "KAKAVIJE", beat(0), kT0);
    f.synced("KAK-01", "KAKAVIJE", kT0 + 200s);
    EXPECT_EQ(device(f, "KAKAVIJE", "KAK-01", kT0 + 400s).at("state"), "online");
    EXPECT_EQ(device(f, "KAKAVIJE", "KAK-01", kT0 + 400s).at("last_sync_at"), "2026-11-27T10:03:20.000Z");
}

TEST(Fleet, TheCentralSwitchTurnsTalkingDevicesCentralOfflineButLeavesSilentOnesSilent) {
    Fleet f({std::chrono::seconds{300}});
    f.heartbeat("KAK-01", "KAKAVIJE", beat(0), kT0 + 400s);
    f.heartbeat("KAP-01", "KAPSHTICE", beat(0), kT0);
    f.set_central_offline(true);
    EXPECT_EQ(checkpoint(f, "KAKAVIJE", kT0 + 401s).at("state"), "central_offline");
    EXPECT_EQ(checkpoint(f, "KAPSHTICE", kT0 + 401s).at("state"), "silent");
    const auto view = f.view(kT0 + 401s);
    EXPECT_EQ(view.at("central"), "offline");
    EXPECT_EQ(view.at("summary").at("checkpoints_offline"), 2);
}

TEST(Fleet, ACheckpointIsSilentOnlyWhenAllItsDevicesAre) {
    Fleet f({std::chrono::seconds{300}});
    f.heartbeat("KAK-01", "KAKAVIJE", beat(0), kT0);
    f.heartbeat("KAK-02", "KAKAVIJE", beat(0), kT0 + 250s);
    const auto cp = checkpoint(f, "KAKAVIJE", kT0 + 350s);
    EXPECT_EQ(cp.at("state"), "online");
    EXPECT_EQ(cp.at("devices_silent"), 1);
    EXPECT_EQ(cp.at("devices_total"), 2);
    EXPECT_EQ(checkpoint(f, "KAKAVIJE", kT0 + 600s).at("state"), "silent");
}

TEST(Fleet, TheBacklogIsTheSumOfItsDevicesAndTheOldestPendingTheEarliest) {
    Fleet f;
    Heartbeat a = beat(5);
    a.oldest_pending_at = "2026-11-27T09:50:00.000Z";
    Heartbeat b = beat(7);
    b.oldest_pending_at = "2026-11-27T09:40:00.000Z";
    f.heartbeat("KAK-01", "KAKAVIJE", a, kT0);
    f.heartbeat("KAK-02", "KAKAVIJE", b, kT0);
    const auto cp = checkpoint(f, "KAKAVIJE", kT0);
    EXPECT_EQ(cp.at("pending"), 12);
    EXPECT_EQ(cp.at("oldest_pending_at"), "2026-11-27T09:40:00.000Z");
    EXPECT_EQ(cp.at("oldest_pending_age_s"), 1200);
    EXPECT_EQ(f.view(kT0).at("summary").at("backlog"), 12);
}

TEST(Fleet, TheClockOffsetIsDeviceTimeMinusServerTimeAtTheHeartbeat) {
    Fleet f;
    Heartbeat b = beat(0);
    b.device_time = "2026-11-27T09:58:30.000Z";
    f.heartbeat("KAK-01", "KAKAVIJE", b, kT0);
    EXPECT_EQ(device(f, "KAKAVIJE", "KAK-01", kT0).at("clock_offset_ms"), -90000);
    EXPECT_EQ(checkpoint(f, "KAKAVIJE", kT0).at("clock_offset_ms_max"), -90000);
}

struct LaneCase {
    const char* name;
    std::int64_t waiting;
    std::int64_t processed_15m;
    json::value wait;
};
void PrintTo(const LaneCase& c, std::ostream* os) { *os << c.name; }
class ALanesWait : public testing::TestWithParam<LaneCase> {};

TEST_P(ALanesWait, IsEstimatedFromItsRecentProcessingRate) {
    Fleet f;
    f.heartbeat("KAK-01", "KAKAVIJE", beat(0, {{"3", GetParam().waiting, std::nullopt}}), kT0);
    FleetCounts counts;
    counts.lanes_15m.push_back({"KAKAVIJE", "3", GetParam().processed_15m});
    f.counts(counts, kT0);
    const json::object cp = checkpoint(f, "KAKAVIJE", kT0);
    const auto& lane = cp.at("lanes").at(0);
    EXPECT_EQ(lane.at("waiting"), GetParam().waiting);
    EXPECT_EQ(lane.at("wait_estimate_s"), GetParam().wait);
}

INSTANTIATE_TEST_SUITE_P(Fleet, ALanesWait,
                         testing::Values(LaneCase{"TenWaitingTwoPerMinute", 10, 30, 300},
                                         LaneCase{"NobodyWaiting", 0, 0, 0},
                                         LaneCase{"WaitingButNoneProcessedIsUnknown", 4, 0, nullptr},
                                         LaneCase{"OnePerFifteenMinutes", 2, 1, 1800}),
                         [](const auto& param_info) { return std::string(param_info.param.name); });

TEST(Fleet, TheNewestReportOfALaneWinsAcrossDevices) {
    Fleet f;
    f.heartbeat("KAK-01", "KAKAVIJE", beat(0, {{"1", 9, "2026-11-27T09:59:00.000Z"}}), kT0);
    f.heartbeat("KAK-02", "KAKAVIJE", beat(0, {{"1", 4, "2026-11-27T09:59:30.000Z"}, {"2", 6, std::nullopt}}), kT0);
    const auto cp = checkpoint(f, "KAKAVIJE", kT0);
    EXPECT_EQ(cp.at("waiting"), 10);
    EXPECT_EQ(cp.at("lanes").at(0).at("waiting"), 4);
    EXPECT_EQ(cp.at("lanes").at(0).at("updated_at"), "2026-11-27T09:59:30.000Z");
}

TEST(Fleet, HistoryKeepsOnePointPerStepOverTheLastHour) {
    Fleet f({std::chrono::seconds{300}, std::chrono::seconds{30}, std::chrono::seconds{3600}});
    f.heartbeat("KAK-01", "KAKAVIJE", beat(2, {{"1", 5, std::nullopt}}), kT0);
    f.heartbeat("KAK-01", "KAKAVIJE", beat(8, {{"1", 1, std::nullopt}}), kT0 + 31s);
    const json::object cp = checkpoint(f, "KAKAVIJE", kT0 + 31s);
    const auto& h = cp.at("history").as_object();
    const auto& backlog = h.at("backlog").as_array();
    const auto& waiting = h.at("waiting").as_array();
    ASSERT_EQ(backlog.size(), 120u);
    EXPECT_EQ(h.at("step_s"), 30);
    EXPECT_EQ(h.at("from"), "2026-11-27T09:01:00.000Z");
    EXPECT_EQ(backlog[118], 2);
    EXPECT_EQ(backlog[119], 8);
    EXPECT_EQ(waiting[118], 5);
    EXPECT_EQ(waiting[119], 1);
    EXPECT_TRUE(backlog[117].is_null());
    // An hour later the old points are gone.
    f.tick(kT0 + 3700s);
    const json::object after = checkpoint(f, "KAKAVIJE", kT0 + 3700s);
    const auto& later = after.at("history").at("backlog").as_array();
    EXPECT_EQ(std::count_if(later.begin(), later.end(), [](const auto& v) { return v == 2; }), 0);
}

TEST(Fleet, AMergedRowWithAnOlderHeartbeatDoesNotUndoANewerOneButALaterSyncCounts) {
    Fleet f;
    f.heartbeat("KAK-01", "KAKAVIJE", beat(3), kT0 + 10s);
    FleetDeviceRow older;
    older.device_id = "KAK-01";
    older.checkpoint_id = "KAKAVIJE";
    older.last_heartbeat_at = "2026-11-27T10:00:05.000Z";
    older.pending = 99;
    older.last_sync_at = "2026-11-27T10:00:20.000Z";
    f.merge(older);
    const auto d = device(f, "KAKAVIJE", "KAK-01", kT0 + 20s);
    EXPECT_EQ(d.at("pending"), 3);
    EXPECT_EQ(d.at("last_sync_at"), "2026-11-27T10:00:20.000Z");
    FleetDeviceRow newer = older;
    newer.last_heartbeat_at = "2026-11-27T10:00:15.000Z";
    f.merge(newer);
    EXPECT_EQ(device(f, "KAKAVIJE", "KAK-01", kT0 + 20s).at("pending"), 99);
}

TEST(Fleet, ChangesMoveTheVersionAndNameTheChangedCheckpoint) {
    Fleet f;
    f.heartbeat("KAK-01", "KAKAVIJE", beat(0), kT0);
    f.heartbeat("KAP-01", "KAPSHTICE", beat(0), kT0);
    const auto v = f.version();
    f.heartbeat("KAP-01", "KAPSHTICE", beat(4), kT0 + 1s);
    EXPECT_GT(f.version(), v);
    EXPECT_EQ(f.changed_since(v), std::vector<std::string>{"KAPSHTICE"});
    const auto w = f.version();
    f.set_central_offline(true);
    EXPECT_EQ(f.changed_since(w), (std::vector<std::string>{"KAKAVIJE", "KAPSHTICE"}));
}

TEST(Fleet, ADeviceGoingSilentIsAChangeOnTheNextTick) {
    Fleet f({std::chrono::seconds{60}});
    f.heartbeat("KAK-01", "KAKAVIJE", beat(0), kT0);
    f.tick(kT0 + 30s);
    const auto v = f.version();
    f.tick(kT0 + 61s);
    EXPECT_EQ(f.changed_since(v), std::vector<std::string>{"KAKAVIJE"});
}

TEST(Fleet, DirtyStateIsTakenOnceAndGivenBackWhenItCouldNotBeWritten) {
    Fleet f;
    f.heartbeat("KAK-01", "KAKAVIJE", beat(6), kT0);
    const auto dirty = f.take_dirty();
    ASSERT_EQ(dirty.devices.size(), 1u);
    EXPECT_EQ(dirty.devices[0].pending, 6);
    EXPECT_EQ(dirty.devices[0].last_heartbeat_at, "2026-11-27T10:00:00.000Z");
    ASSERT_EQ(dirty.samples.size(), 1u);
    EXPECT_EQ(dirty.samples[0].backlog, 6);
    EXPECT_TRUE(f.take_dirty().empty());
    f.give_back(dirty);
    const auto again = f.take_dirty();
    EXPECT_EQ(again.devices.size(), 1u);
    EXPECT_EQ(again.samples.size(), 1u);
}

TEST(Fleet, DevicesKnownOnlyByTheirTokenShowAsNeverSeen) {
    Fleet f;
    FleetSnapshot snapshot;
    snapshot.tokens.emplace_back("KAK-09", "KAKAVIJE");
    f.load(snapshot);
    const auto d = device(f, "KAKAVIJE", "KAK-09", kT0);
    EXPECT_EQ(d.at("state"), "silent");
    EXPECT_TRUE(d.at("last_contact_at").is_null());
}

TEST(Fleet, ADatabaseOutageAndADrillShowInTheView) {
    Fleet f;
    f.heartbeat("KAK-01", "KAKAVIJE", beat(0), kT0);
    f.heartbeat("KAP-01", "KAPSHTICE", beat(0), kT0);
    f.set_database_available(false);
    f.set_drill(DrillLabel{"d1", "TIMS rehearsal", false, {"KAPSHTICE"}, {}});
    const auto view = f.view(kT0);
    EXPECT_EQ(view.at("database"), "unavailable");
    EXPECT_EQ(view.at("drill").at("name"), "TIMS rehearsal");
    EXPECT_EQ(checkpoint(f, "KAPSHTICE", kT0).at("state"), "drill");
    EXPECT_EQ(checkpoint(f, "KAKAVIJE", kT0).at("state"), "online");
    EXPECT_TRUE(checkpoint(f, "KAKAVIJE", kT0).at("drill").is_null());
}

TEST(Fleet, OpenIssuesAndQuarantineAreCountedPerDeviceAndCheckpoint) {
    Fleet f;
    f.heartbeat("KAK-01", "KAKAVIJE", beat(0), kT0);
    f.set_open_issues({{"KAK-01", 2}}, {{"KAK-01", 1}});
    FleetCounts counts;
    counts.quarantined = {{"KAK-01", 3}};
    counts.last_hour = {{"KAK-01", 40}};
    counts.ingested = 12;
    f.counts(counts, kT0);
    const auto cp = checkpoint(f, "KAKAVIJE", kT0);
    EXPECT_EQ(cp.at("anomalies"), 2);
    EXPECT_EQ(cp.at("alerts"), 1);
    EXPECT_EQ(cp.at("quarantined"), 3);
    EXPECT_EQ(cp.at("crossings_last_hour"), 40);
    EXPECT_EQ(f.view(kT0 + 30s).at("summary").at("ingest_per_minute"), 12);
    EXPECT_EQ(f.view(kT0 + 61s).at("summary").at("ingest_per_minute"), 0);
}

TEST(Fleet, ANotificationCarriesADeviceRowToTheOtherInstances) {
    FleetDeviceRow r;
    r.device_id = "KAK-01";
    r.checkpoint_id = "KAKAVIJE";
    r.last_heartbeat_at = "2026-11-27T10:00:00.000Z";
    r.pending = 17;
    r.clock_offset_ms = -250;
    r.watchlist_version = 4;
    r.record_latency_json = R"({"p50":40,"p99":180,"count":12})";
    r.lanes_json = R"([{"lane":"1","waiting":3}])";
    const auto n = parse_notification(notification_payload(r, "instance-a"));
    ASSERT_TRUE(n && n->row);
    EXPECT_EQ(n->instance, "instance-a");
    EXPECT_EQ(n->row->pending, 17);
    EXPECT_EQ(n->row->clock_offset_ms, -250);
    EXPECT_EQ(n->row->watchlist_version, 4);
    EXPECT_EQ(n->row->record_latency_json, r.record_latency_json);
    EXPECT_EQ(n->row->lanes_json, r.lanes_json);
    EXPECT_EQ(n->row->last_heartbeat_at, r.last_heartbeat_at);
}

TEST(Fleet, ANotificationTooLargeForPostgresqlAsksForAReload) {
    FleetDeviceRow r;
    r.device_id = "KAK-01";
    r.checkpoint_id = "KAKAVIJE";
    r.lanes_json = "[" + std::string(9000, ' ') + "]";
    const std::string payload = notification_payload(r, "a");
    EXPECT_LT(payload.size(), 8000u);
    const auto n = parse_notification(payload);
    ASSERT_TRUE(n);
    EXPECT_FALSE(n->row.has_value());
    EXPECT_FALSE(parse_notification("not json").has_value());
}

}  // namespace
}  // namespace borderlog::server::service
