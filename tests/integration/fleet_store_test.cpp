// The fleet view's storage and the notification listener, against a real PostgreSQL.
#include "server/storage/notification_listener.hpp"
#include "server/storage/sql.hpp"
#include "server/storage/store.hpp"

#include "core/ids.hpp"
#include "core/time.hpp"
#include "pg_fixture.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace borderlog::server {
namespace {

class FleetStoreTest : public test::FreshDatabase {
protected:
    void SetUp() override {
        FreshDatabase::SetUp();
        if (HasFatalFailure()) return;
        store = std::make_unique<Store>(url());
    }
    void TearDown() override {
        store.reset();
        FreshDatabase::TearDown();
    }
    std::unique_ptr<Store> store;
};

FleetDeviceRow row(const std::string& heartbeat_at, std::int64_t pending) {
    FleetDeviceRow r;
    r.device_id = "KAK-01";
    r.checkpoint_id = "KAKAVIJE";
    r.last_heartbeat_at = heartbeat_at;
    r.pending = pending;
    r.oldest_pending_at = "2026-11-27T09:00:00.000Z";
    r.last_seq = 40;
    r.rejected = 1;
    r.device_time = heartbeat_at;
    r.clock_offset_ms = -1500;
    r.stream_id = "0193a5c2-7b7e-7c1d-8e3f-2a1b0c9d8e7f";
    r.watchlist_version = 3;
    r.record_latency_json = R"({"p50":40,"p99":200,"count":9})";
    r.lanes_json = R"([{"lane":"1","waiting":4}])";
    return r;
}

TEST_F(FleetStoreTest, ADeviceWrittenBackIsLoadedAgainWithEveryField) {
    FleetDeviceRow r = row("2026-11-27T10:00:00.000Z", 12);
    r.last_sync_at = "2026-11-27T09:59:00.000Z";
    r.reported_last_sync_at = "2026-11-27T09:58:00.000Z";
    store->save_fleet({r}, {{"KAKAVIJE", "2026-11-27T10:00:00.000Z", 12, 4}}, {});
    const FleetSnapshot s = store->load_fleet("2026-11-27T09:00:00.000Z");
    ASSERT_EQ(s.devices.size(), 1u);
    const auto& d = s.devices[0];
    EXPECT_EQ(d.last_heartbeat_at, r.last_heartbeat_at);
    EXPECT_EQ(d.pending, 12);
    EXPECT_EQ(d.oldest_pending_at, r.oldest_pending_at);
    EXPECT_EQ(d.last_seq, 40);
    EXPECT_EQ(d.rejected, 1);
    EXPECT_EQ(d.last_sync_at, r.last_sync_at);
    EXPECT_EQ(d.reported_last_sync_at, r.reported_last_sync_at);
    EXPECT_EQ(d.clock_offset_ms, -1500);
    EXPECT_EQ(d.stream_id, r.stream_id);
    EXPECT_EQ(d.watchlist_version, 3);
    EXPECT_EQ(boost::json::parse(*d.record_latency_json), boost::json::parse(*r.record_latency_json));
    EXPECT_EQ(boost::json::parse(d.lanes_json), boost::json::parse(r.lanes_json));
    ASSERT_EQ(s.history.size(), 1u);
    EXPECT_EQ(s.history[0].backlog, 12);
    EXPECT_EQ(s.history[0].waiting, 4);
}

TEST_F(FleetStoreTest, AnOlderHeartbeatWrittenLaterDoesNotReplaceANewerOneButALaterSyncDoes) {
    store->save_fleet({row("2026-11-27T10:00:10.000Z", 5)}, {}, {});
    FleetDeviceRow older = row("2026-11-27T10:00:05.000Z", 99);
    older.last_sync_at = "2026-11-27T10:00:20.000Z";
    store->save_fleet({older}, {}, {});
    const auto d = store->load_fleet("2026-11-27T09:00:00.000Z").devices.at(0);
    EXPECT_EQ(d.pending, 5);
    EXPECT_EQ(d.last_heartbeat_at, "2026-11-27T10:00:10.000Z");
    EXPECT_EQ(d.last_sync_at, "2026-11-27T10:00:20.000Z");
}

TEST_F(FleetStoreTest, HistoryIsUpsertedPerBucketAndPruned) {
    store->save_fleet({}, {{"KAKAVIJE", "2026-11-27T10:00:00.000Z", 1, 0}, {"KAKAVIJE", "2026-11-27T08:00:00.000Z", 9, 9}}, {});
    store->save_fleet({}, {{"KAKAVIJE", "2026-11-27T10:00:00.000Z", 7, 2}}, {});
    EXPECT_EQ(scalar("SELECT backlog FROM fleet_history WHERE bucket_at = '2026-11-27T10:00:00Z'"), 7);
    EXPECT_EQ(store->load_fleet("2026-11-27T09:00:00.000Z").history.size(), 1u);
    store->prune_fleet("2026-11-27T09:00:00.000Z");
    EXPECT_EQ(scalar("SELECT count(*) FROM fleet_history"), 1);
}

TEST_F(FleetStoreTest, DevicesWithAValidTokenAreKnownBeforeTheirFirstHeartbeat) {
    Principal p{0, "device", "KAKAVIJE", "KAK-07", ""};
    store->create_token(core::sha256_hex("a"), p);
    const auto revoked = store->create_token(core::sha256_hex("b"), Principal{0, "device", "KAKAVIJE", "KAK-08", ""});
    store->revoke_token(revoked);
    const auto tokens = store->load_fleet("2026-11-27T09:00:00.000Z").tokens;
    ASSERT_EQ(tokens.size(), 1u);
    EXPECT_EQ(tokens[0], (std::pair<std::string, std::string>{"KAK-07", "KAKAVIJE"}));
    EXPECT_EQ(store->fleet_counts(std::nullopt).tokens, tokens);  // what each count brings in, too
}

TEST_F(FleetStoreTest, CountsSayWhatWasStoredSinceTheCursorAndWhatIsQuarantined) {
    const auto first = store->fleet_counts(std::nullopt);
    EXPECT_EQ(first.ingested, 0);
    std::vector<core::Crossing> xs{test::make_crossing("KAK-01", 1), test::make_crossing("KAK-01", 2)};
    const auto now = core::format_rfc3339(core::now_millis() - std::chrono::minutes{2});
    for (auto& x : xs) x.occurred_at = now;
    store->insert_crossings({&xs[0], &xs[1]});
    run("INSERT INTO rejected_records (device_id, checkpoint_id, seq, code, detail, body) VALUES "
        "('KAK-01', 'KAKAVIJE', 7, 'invalid_field', 'x', '{}'), ('KAK-01', 'KAKAVIJE', 8, 'invalid_field', 'y', '{}')");
    run("UPDATE rejected_records SET released_at = now() WHERE detail = 'y'");
    const auto counts = store->fleet_counts(first.ingest_cursor);
    EXPECT_EQ(counts.ingested, 2);
    EXPECT_EQ(counts.quarantined, (std::vector<std::pair<std::string, std::int64_t>>{{"KAK-01", 1}}));
    EXPECT_EQ(counts.last_hour, (std::vector<std::pair<std::string, std::int64_t>>{{"KAK-01", 2}}));
    ASSERT_EQ(counts.lanes_15m.size(), 1u);
    EXPECT_EQ(counts.lanes_15m[0].lane, "3");
    EXPECT_EQ(counts.lanes_15m[0].count, 2);
    EXPECT_EQ(store->fleet_counts(counts.ingest_cursor).ingested, 0);
}

TEST_F(FleetStoreTest, CountsNameOpenAnomaliesAndUnacknowledgedAlertsPerDeviceLeavingTrainingOut) {
    const char* anomaly = "INSERT INTO anomalies (kind, crossing_id, checkpoint_id, device_id, direction, occurred_at, "
                          "issuing_country, document_number, synthetic, state) VALUES ($1, gen_random_uuid(), "
                          "'KAKAVIJE', $2, 'entry', now(), 'UTO', 'L898902C3', $3, $4)";
    run(anomaly, "document_expired", "KAK-01", false, "open");
    run(anomaly, "mrz_invalid", "KAK-01", false, "open");
    run(anomaly, "document_expired", "KAK-02", false, "resolved");
    run(anomaly, "document_expired", "KAK-02", true, "open");
    const char* alert = "INSERT INTO alerts (crossing_id, entry_id, entry_version, matched_by, action, reason, late, "
                        "checkpoint_id, device_id, direction, occurred_at, issuing_country, document_number, synthetic, "
                        "acknowledged_at) VALUES (gen_random_uuid(), 'e1', 1, 'document', 'deny', 'stolen', false, "
                        "'KAKAVIJE', $1, 'entry', now(), 'UTO', 'L898902C3', $2, $3::timestamptz)";
    run(alert, "KAK-02", false, nullptr);
    run(alert, "KAK-02", false, "2026-11-27T10:00:00Z");
    run(alert, "KAK-01", true, nullptr);
    const auto counts = store->fleet_counts(std::nullopt);
    EXPECT_EQ(counts.open_anomalies, (std::map<std::string, std::int64_t>{{"KAK-01", 2}}));
    EXPECT_EQ(counts.open_alerts, (std::map<std::string, std::int64_t>{{"KAK-02", 1}}));
}

TEST_F(FleetStoreTest, ASessionLivesUntilItEndsItExpiresOrItsTokenIsRevoked) {
    const auto token = store->create_token(core::sha256_hex("ops"), Principal{0, "operations", "", "", "ops"});
    const std::string expires = store->create_session("s1", token, "127.0.0.1", 3600);
    EXPECT_TRUE(core::parse_rfc3339(expires).has_value());
    const auto found = store->find_session("s1");
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(found->principal.role, "operations");
    EXPECT_EQ(found->principal.token_id, token);
    EXPECT_FALSE(store->find_session("other").has_value());
    EXPECT_TRUE(store->end_session("s1"));
    EXPECT_FALSE(store->find_session("s1").has_value());
    EXPECT_FALSE(store->end_session("s1"));

    store->create_session("s2", token, "", 3600);
    run("UPDATE dashboard_sessions SET expires_at = now() - interval '1 second' WHERE secret_hash = 's2'");
    EXPECT_FALSE(store->find_session("s2").has_value());

    store->create_session("s3", token, "", 3600);
    store->revoke_token(token);
    EXPECT_FALSE(store->find_session("s3").has_value());
    EXPECT_EQ(scalar("SELECT count(*) FROM dashboard_sessions WHERE secret_hash IN ('s1', 's2', 's3')"), 3);
}

// Waits for `predicate` with a deadline, on the condition the listener's callbacks signal.
class Heard {
public:
    void add(const std::string& payload) {
        std::lock_guard lock(mutex_);
        payloads_.push_back(payload);
        changed_.notify_all();
    }
    void connection(bool up) {
        std::lock_guard lock(mutex_);
        connected_ = up;
        changed_.notify_all();
    }
    template <class P>
    bool wait(P predicate) {
        std::unique_lock lock(mutex_);
        return changed_.wait_for(lock, std::chrono::seconds{20}, [&] { return predicate(payloads_, connected_); });
    }

private:
    std::mutex mutex_;
    std::condition_variable changed_;
    std::vector<std::string> payloads_;
    bool connected_ = false;
};

TEST_F(FleetStoreTest, TheListenerHearsWhatAnotherConnectionNotifiesOnceItCommits) {
    Heard heard;
    NotificationListener listener(url(), sql::kFleetChannel,
                                  {[&](const std::string& p) { heard.add(p); }, [&](bool up) { heard.connection(up); }});
    ASSERT_TRUE(heard.wait([](const auto&, bool up) { return up; }));
    store->save_fleet({row("2026-11-27T10:00:00.000Z", 1)}, {}, {"first", "second"});
    EXPECT_TRUE(heard.wait([](const auto& p, bool) { return p.size() == 2; }));
    listener.stop();
}

TEST_F(FleetStoreTest, TheListenerSaysWhenItsConnectionIsCutAndReconnects) {
    Heard heard;
    NotificationListener listener(url(), sql::kFleetChannel,
                                  {[&](const std::string& p) { heard.add(p); }, [&](bool up) { heard.connection(up); }});
    ASSERT_TRUE(heard.wait([](const auto&, bool up) { return up; }));
    run("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE 'LISTEN%' AND datname = current_database()");
    // It reconnects by itself and hears what is sent after.
    bool cut_seen = heard.wait([](const auto&, bool up) { return !up; });
    EXPECT_TRUE(cut_seen);
    ASSERT_TRUE(heard.wait([](const auto&, bool up) { return up; }));
    store->save_fleet({}, {}, {"after"});
    EXPECT_TRUE(heard.wait([](const auto& p, bool) { return !p.empty() && p.back() == "after"; }));
    listener.stop();
}

}  // namespace
}  // namespace borderlog::server
