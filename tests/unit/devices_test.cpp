#include "server/service/devices.hpp"

#include "core/errors.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <functional>
#include <map>
#include <string>

namespace borderlog::server::service {
namespace {

namespace json = boost::json;

TEST(Devices, AFullHeartbeatIsRead) {
    const Heartbeat b = parse_heartbeat(json::parse(R"({
        "pending": 12, "oldest_pending_at": "2026-11-27T12:42:05.123+02:00", "last_seq": 4711, "rejected": 2,
        "device_time": "2026-11-27T10:50:00Z", "lanes": [{"lane": "1", "waiting": 3}, {"lane": "2"}]})"));
    EXPECT_EQ(b.pending, 12);
    EXPECT_EQ(b.oldest_pending_at, "2026-11-27T10:42:05.123Z");
    EXPECT_EQ(b.last_seq, 4711);
    EXPECT_EQ(b.rejected, 2);
    EXPECT_EQ(b.device_time, "2026-11-27T10:50:00.000Z");
    EXPECT_EQ(json::parse(b.lanes_json), json::parse(R"([{"lane":"1","waiting":3},{"lane":"2","waiting":0}])"));
}

TEST(Devices, TheOptionalFieldsOfAHeartbeatAreRead) {
    const Heartbeat b = parse_heartbeat(json::parse(R"({
        "stream_id": "0193A5C2-7B7E-7C1D-8E3F-2A1B0C9D8E7F", "last_sync_at": "2026-11-27T10:49:00Z",
        "record_latency_ms": {"p50": 38, "p99": 210, "count": 57}, "watchlist_version": 12,
        "lanes": [{"lane": "Kamionë 2", "waiting": 4, "at": "2026-11-27T10:48:00Z"}]})"));
    EXPECT_EQ(b.stream_id, "0193a5c2-7b7e-7c1d-8e3f-2a1b0c9d8e7f");
    EXPECT_EQ(b.last_sync_at, "2026-11-27T10:49:00.000Z");
    ASSERT_TRUE(b.record_latency.has_value());
    EXPECT_EQ(b.record_latency->p50, 38);
    EXPECT_EQ(b.record_latency->p99, 210);
    EXPECT_EQ(b.record_latency->count, 57);
    EXPECT_EQ(b.watchlist_version, 12);
    ASSERT_EQ(b.lanes.size(), 1u);
    EXPECT_EQ(b.lanes[0].lane, "Kamionë 2");
    EXPECT_EQ(b.lanes[0].waiting, 4);
    EXPECT_EQ(b.lanes[0].at, "2026-11-27T10:48:00.000Z");
}

TEST(Devices, AnEmptyHeartbeatMeansNothingPending) {
    const Heartbeat b = parse_heartbeat(json::object{});
    EXPECT_EQ(b.pending, 0);
    EXPECT_EQ(b.last_seq, 0);
    EXPECT_EQ(b.rejected, 0);
    EXPECT_FALSE(b.oldest_pending_at.has_value());
    EXPECT_FALSE(b.device_time.has_value());
    EXPECT_EQ(b.lanes_json, "[]");
}

TEST(Devices, NullFieldsInAHeartbeatReadAsAbsent) {
    const Heartbeat b = parse_heartbeat(json::parse(R"({"pending":null,"oldest_pending_at":null,"lanes":null})"));
    EXPECT_EQ(b.pending, 0);
    EXPECT_FALSE(b.oldest_pending_at.has_value());
    EXPECT_EQ(b.lanes_json, "[]");
}

struct BadHeartbeatCase {
    const char* name;
    std::function<json::value()> body;
    const char* field;
};
void PrintTo(const BadHeartbeatCase& c, std::ostream* os) { *os << c.name; }

class ABadHeartbeatIsRefused : public testing::TestWithParam<BadHeartbeatCase> {};

TEST_P(ABadHeartbeatIsRefused, NamingTheField) {
    try {
        parse_heartbeat(GetParam().body());
        FAIL() << "no ValidationError";
    } catch (const core::ValidationError& e) {
        EXPECT_EQ(e.first().field, GetParam().field);
    }
}

json::value body(const char* text) { return json::parse(text); }

json::value many_lanes(std::size_t n) {
    json::array lanes;
    for (std::size_t i = 0; i < n; ++i) lanes.push_back(json::object{{"lane", std::to_string(i)}});
    return json::object{{"lanes", std::move(lanes)}};
}

INSTANTIATE_TEST_SUITE_P(
    Devices, ABadHeartbeatIsRefused,
    testing::Values(BadHeartbeatCase{"NotAnObject", [] { return body("[]"); }, ""},
                    BadHeartbeatCase{"PendingNegative", [] { return body(R"({"pending":-1})"); }, "pending"},
                    BadHeartbeatCase{"PendingAString", [] { return body(R"({"pending":"3"})"); }, "pending"},
                    BadHeartbeatCase{"PendingAFraction", [] { return body(R"({"pending":1.5})"); }, "pending"},
                    BadHeartbeatCase{"LastSeqNegative", [] { return body(R"({"last_seq":-2})"); }, "last_seq"},
                    BadHeartbeatCase{"RejectedABoolean", [] { return body(R"({"rejected":true})"); }, "rejected"},
                    BadHeartbeatCase{"OldestPendingAtNotATimestamp",
                                     [] { return body(R"({"oldest_pending_at":"yesterday"})"); }, "oldest_pending_at"},
                    BadHeartbeatCase{"DeviceTimeANumber", [] { return body(R"({"device_time":5})"); }, "device_time"},
                    BadHeartbeatCase{"LanesAnObject", [] { return body(R"({"lanes":{}})"); }, "lanes"},
                    BadHeartbeatCase{"SixtyFiveLanes", [] { return many_lanes(kMaxLanes + 1); }, "lanes"},
                    BadHeartbeatCase{"LaneWithoutName", [] { return body(R"({"lanes":[{"waiting":1}]})"); },
                                     "lanes.lane"},
                    BadHeartbeatCase{"LaneNameEmpty", [] { return body(R"({"lanes":[{"lane":""}]})"); },
                                     "lanes.lane"},
                    BadHeartbeatCase{"LaneNameTooLong",
                                     [] { return body(R"({"lanes":[{"lane":"12345678901234567"}]})"); }, "lanes.lane"},
                    BadHeartbeatCase{"LaneNotAnObject", [] { return body(R"({"lanes":["1"]})"); }, "lanes.lane"},
                    BadHeartbeatCase{"LaneNameWithAControlCharacter",
                                     [] { return body(R"({"lanes":[{"lane":"1\u0007"}]})"); }, "lanes.lane"},
                    BadHeartbeatCase{"LaneNameNotUtf8",
                                     [] { return json::value(json::object{{"lanes", json::array{json::object{{"lane", "\xff"}}}}}); },
                                     "lanes.lane"},
                    BadHeartbeatCase{"LaneNamedTwice",
                                     [] { return body(R"({"lanes":[{"lane":"1"},{"lane":"1","waiting":2}]})"); },
                                     "lanes.lane"},
                    BadHeartbeatCase{"WaitingBeyondAHundredThousand",
                                     [] { return body(R"({"lanes":[{"lane":"1","waiting":100001}]})"); },
                                     "lanes.waiting"},
                    BadHeartbeatCase{"LaneCountedAtNotATime",
                                     [] { return body(R"({"lanes":[{"lane":"1","at":"noon"}]})"); }, "lanes.at"},
                    BadHeartbeatCase{"StreamIdNotAUuid", [] { return body(R"({"stream_id":"stream-1"})"); },
                                     "stream_id"},
                    BadHeartbeatCase{"LastSyncAtNotATime", [] { return body(R"({"last_sync_at":"today"})"); },
                                     "last_sync_at"},
                    BadHeartbeatCase{"WatchlistVersionNegative", [] { return body(R"({"watchlist_version":-1})"); },
                                     "watchlist_version"},
                    BadHeartbeatCase{"WatchlistVersionText", [] { return body(R"({"watchlist_version":"v3"})"); },
                                     "watchlist_version"},
                    BadHeartbeatCase{"RecordLatencyNotAnObject", [] { return body(R"({"record_latency_ms":40})"); },
                                     "record_latency_ms"},
                    BadHeartbeatCase{"RecordLatencyP99Negative",
                                     [] { return body(R"({"record_latency_ms":{"p50":1,"p99":-5,"count":2}})"); },
                                     "record_latency_ms.p99"},
                    BadHeartbeatCase{"RecordLatencyUnknownField",
                                     [] { return body(R"({"record_latency_ms":{"p90":1}})"); },
                                     "record_latency_ms.p90"}),
    [](const auto& param_info) { return std::string(param_info.param.name); });

TEST(Devices, SixtyFourLanesAreAccepted) {
    EXPECT_EQ(json::parse(parse_heartbeat(many_lanes(kMaxLanes)).lanes_json).as_array().size(), kMaxLanes);
}

TEST(Devices, ANegativeWaitingCountIsRefusedNamingItsJsonPath) {
    try {
        parse_heartbeat(body(R"({"lanes":[{"lane":"1","waiting":-1}]})"));
        FAIL() << "no ValidationError";
    } catch (const core::ValidationError& e) {
        EXPECT_EQ(e.first().field, "lanes.waiting");
    }
}

TEST(Devices, ReconcileJsonHasTheContractsShapeWithItsStreamAndQuarantine) {
    Reconciliation rec;
    rec.stream_id = "01936f1e-8c2a-7b3e-9f00-3c5d2a1b4e77";
    rec.received = 5;
    rec.quarantined = 1;
    rec.max_seq = 9;
    rec.missing = {{3, 4}, {7, 7}};
    EXPECT_EQ(json::value(reconcile_json("KAK-01", rec, "2026-11-27T10:42:05.123Z")),
              json::parse(R"({"device_id":"KAK-01","stream_id":"01936f1e-8c2a-7b3e-9f00-3c5d2a1b4e77","received":5,
                              "quarantined":1,"max_seq":9,"missing":[[3,4],[7,7]],"truncated":false,
                              "server_time":"2026-11-27T10:42:05.123Z"})"));
}

TEST(Devices, ReconcileJsonOfADeviceWithNothingIsEmpty) {
    EXPECT_EQ(json::value(reconcile_json("KAK-01", Reconciliation{}, "2026-11-27T10:42:05.123Z")),
              json::parse(R"({"device_id":"KAK-01","stream_id":"","received":0,"quarantined":0,"max_seq":0,
                              "missing":[],"truncated":false,"server_time":"2026-11-27T10:42:05.123Z"})"));
}

TEST(Devices, AReconcileWithoutAStreamIsForTheLegacyStream) {
    const ReconcileQuery q = parse_reconcile_query({});
    EXPECT_EQ(q.stream_id, "");
    EXPECT_EQ(q.after, 0);
    EXPECT_EQ(parse_reconcile_query({{"stream", ""}}).stream_id, "");
}

TEST(Devices, AReconcileNamesItsStreamInLowerCaseAndMayGoOnAfterASeq) {
    const ReconcileQuery q = parse_reconcile_query({{"stream", "01936F1E-8C2A-7B3E-9F00-3C5D2A1B4E77"}, {"after", "42"}});
    EXPECT_EQ(q.stream_id, "01936f1e-8c2a-7b3e-9f00-3c5d2a1b4e77");
    EXPECT_EQ(q.after, 42);
}

struct BadReconcileCase {
    const char* name;
    std::map<std::string, std::string> query;
    const char* field;
};
void PrintTo(const BadReconcileCase& c, std::ostream* os) { *os << c.name; }

class ABadReconcileQueryIsRefused : public testing::TestWithParam<BadReconcileCase> {};

TEST_P(ABadReconcileQueryIsRefused, NamingTheParameter) {
    try {
        parse_reconcile_query(GetParam().query);
        FAIL() << "no ValidationError";
    } catch (const core::ValidationError& e) {
        EXPECT_EQ(e.first().field, GetParam().field);
    }
}

INSTANTIATE_TEST_SUITE_P(
    Devices, ABadReconcileQueryIsRefused,
    testing::Values(BadReconcileCase{"StreamNotAUuid", {{"stream", "KAK-01"}}, "stream"},
                    BadReconcileCase{"NegativeAfter", {{"after", "-1"}}, "after"},
                    BadReconcileCase{"AfterNotANumber", {{"after", "3x"}}, "after"},
                    BadReconcileCase{"UnknownParameter", {{"since", "3"}}, "since"}),
    [](const auto& param_info) { return std::string(param_info.param.name); });

struct ActForCase {
    const char* name;
    const char* role;
    const char* own_device;
    bool allowed;
};
void PrintTo(const ActForCase& c, std::ostream* os) { *os << c.name; }

class MayActForDevice : public testing::TestWithParam<ActForCase> {};

TEST_P(MayActForDevice, AllowsADeviceTokenOnlyItsOwnDevice) {
    Principal caller;
    caller.role = GetParam().role;
    caller.checkpoint_id = "KAKAVIJE";
    caller.device_id = GetParam().own_device;
    EXPECT_EQ(may_act_for_device(caller, "KAK-01"), GetParam().allowed);
}

INSTANTIATE_TEST_SUITE_P(Devices, MayActForDevice,
                         testing::Values(ActForCase{"DeviceItself", "device", "KAK-01", true},
                                         ActForCase{"AnotherDevice", "device", "KAK-02", false},
                                         ActForCase{"DeviceWithoutDeviceId", "device", "", false},
                                         ActForCase{"Operations", "operations", "", true},
                                         ActForCase{"Admin", "admin", "", true},
                                         ActForCase{"Trainer", "trainer", "", false},
                                         ActForCase{"NoRole", "", "KAK-01", false}),
                         [](const auto& param_info) { return std::string(param_info.param.name); });

}  // namespace
}  // namespace borderlog::server::service
