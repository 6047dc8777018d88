#include "client/sync/watchlist_pull.hpp"

#include "client/sync/syncer.hpp"
#include "core/ids.hpp"
#include "fake_centre.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <filesystem>
#include <memory>
#include <mutex>
#include <string>

namespace borderlog::client {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

core::WatchlistEntry by_document(const std::string& number, std::int64_t version) {
    core::WatchlistEntry e;
    e.document_number = number;
    e.issuing_country = "UTO";
    e.reason = "Reported stolen";
    e.action = "deny";
    e.version = version;
    e.id = core::watchlist_entry_id(e);
    return e;
}

core::Traveler holder(const std::string& number) { return {"P", number, "UTO", "UTO", "ERIKSSON", "ANNA", "1974-08-12", "F", ""}; }

// What the checkpoint pulls and tells, against a fake centre that answers as each test wants.
class BoothSyncTest : public testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::path("/tmp") / ("borderlog-booth-sync-test-" + core::sha256_hex(core::random_urlsafe(16)).substr(0, 16));
        fs::create_directories(dir_);
        outbox = std::make_unique<Outbox>(dir_ / "outbox.db", OpenMode::create);
    }
    void TearDown() override {
        outbox.reset();
        std::error_code ec;
        fs::remove_all(dir_, ec);
    }
    ClientConfig config_for(const test::FakeCentre& centre) {
        return ClientConfig{centre.url(), "device-token", {"KAKAVIJE", "KAK-01"}, {}, false};
    }

    fs::path dir_;
    std::unique_ptr<Outbox> outbox;
};

TEST_F(BoothSyncTest, APullAsksForTheChangesSinceTheCopysVersionAndAppliesThem) {
    const auto a = by_document("A1", 1), b = by_document("B2", 1), c = by_document("C3", 2);
    test::FakeCentre centre([&](const test::FakeRequest& r) {
        if (r.target == "/api/v1/watchlist?since=0")
            return test::FakeAnswer{200, json::serialize(json::object{{"version", 1}, {"since", 0}, {"full", true},
                                                                      {"added", json::array{core::to_json(a), core::to_json(b)}},
                                                                      {"removed", json::array{}}}), {}};
        if (r.target == "/api/v1/watchlist?since=1")
            return test::FakeAnswer{200, json::serialize(json::object{{"version", 2}, {"since", 1}, {"full", false},
                                                                      {"added", json::array{core::to_json(c)}},
                                                                      {"removed", json::array{a.id}}}), {}};
        if (r.target == "/api/v1/watchlist?since=2")
            return test::FakeAnswer{200, R"({"version":2,"since":2,"full":false,"added":[],"removed":[]})", {}};
        return test::FakeAnswer{404, "{}", {}};
    });
    HttpClient http(centre.url(), std::chrono::seconds{5});
    const ClientConfig config = config_for(centre);
    WatchlistCopy copy(*outbox);

    EXPECT_EQ(pull_watchlist(*outbox, http, config).outcome, WatchlistPull::Outcome::updated);
    EXPECT_EQ(copy.info().version, 1);
    EXPECT_EQ(copy.screen(holder("A1")).hits.size(), 1u);

    EXPECT_EQ(pull_watchlist(*outbox, http, config).outcome, WatchlistPull::Outcome::updated);
    EXPECT_EQ(copy.info().version, 2);
    EXPECT_TRUE(copy.screen(holder("A1")).hits.empty());
    EXPECT_EQ(copy.screen(holder("C3")).hits.size(), 1u);

    EXPECT_EQ(pull_watchlist(*outbox, http, config).outcome, WatchlistPull::Outcome::current);
    EXPECT_EQ(copy.info().entries, 2);
}

TEST_F(BoothSyncTest, ACentreSwitchedOfflineOrAnAnswerNotBelievedLeavesTheCopyAsItIs) {
    std::mutex m;
    test::FakeAnswer next{200, json::serialize(json::object{{"version", 3}, {"full", true},
                                                            {"added", json::array{core::to_json(by_document("A1", 3))}},
                                                            {"removed", json::array{}}}), {}};
    test::FakeCentre centre([&](const test::FakeRequest&) {
        std::lock_guard lock(m);
        return next;
    });
    HttpClient http(centre.url(), std::chrono::seconds{5});
    const ClientConfig config = config_for(centre);
    ASSERT_EQ(pull_watchlist(*outbox, http, config).outcome, WatchlistPull::Outcome::updated);
    const auto checked = WatchlistCopy(*outbox).info().checked_at;
    {
        std::lock_guard lock(m);
        next = {503, R"({"code":"central_offline"})", {{"Retry-After", "5"}}};
    }
    EXPECT_EQ(pull_watchlist(*outbox, http, config).outcome, WatchlistPull::Outcome::unavailable);
    {
        std::lock_guard lock(m);
        next = {200, R"({"version":4,"since":3,"full":false,"added":[{"id":"x"}],"removed":[]})", {}};
    }
    const WatchlistPull refused = pull_watchlist(*outbox, http, config);
    EXPECT_EQ(refused.outcome, WatchlistPull::Outcome::failed);
    EXPECT_NE(refused.error.find("added[0]"), std::string::npos) << refused.error;
    const WatchlistInfo info = WatchlistCopy(*outbox).info();
    EXPECT_EQ(info.version, 3);
    EXPECT_EQ(info.checked_at, checked) << "the copy was not confirmed current by an answer not taken";
    EXPECT_EQ(WatchlistCopy(*outbox).screen(holder("A1")).hits.size(), 1u);
}

TEST_F(BoothSyncTest, AHeartbeatCarriesTheCopysVersionTheRecordLatencyAndBringsBackTheDrill) {
    std::mutex m;
    std::map<std::string, std::string> headers{{"Borderlog-Drill", "0193a4"},
                                               {"Borderlog-Drill-Name", "TIMS%20shutdown%20rehearsal"}};
    test::FakeCentre centre([&](const test::FakeRequest&) {
        std::lock_guard lock(m);
        return test::FakeAnswer{204, "", headers};
    });
    HttpClient http(centre.url(), std::chrono::seconds{5});
    const ClientConfig config = config_for(centre);
    WatchlistCopy(*outbox).apply({6, true, {by_document("A1", 6)}, {}}, "2026-11-27T10:00:00.000Z");
    HeartbeatExtras extras;
    extras.record_latency = HeartbeatExtras::Latency{1, 3, 42};
    EXPECT_TRUE(send_heartbeat(*outbox, http, config, extras));
    const json::value beat = json::parse(centre.requests().back().body);
    EXPECT_EQ(beat.at("watchlist_version"), 6);
    EXPECT_EQ(beat.at("record_latency_ms"), (json::object{{"p50", 1}, {"p99", 3}, {"count", 42}}));
    EXPECT_EQ(outbox->meta("drill"), R"({"id":"0193a4","name":"TIMS shutdown rehearsal"})");
    {
        std::lock_guard lock(m);
        headers.clear();
    }
    EXPECT_TRUE(send_heartbeat(*outbox, http, config));
    EXPECT_FALSE(json::parse(centre.requests().back().body).as_object().contains("record_latency_ms"));
    EXPECT_FALSE(outbox->meta("drill").has_value()) << "the drill is over when the centre no longer names it";
}

// The banner's central state between syncs: a terminal with nothing to send learns it from its heartbeats.
TEST_F(BoothSyncTest, AHeartbeatTellsTheCentresStateWhereNoSyncWillSayIt) {
    std::mutex m;
    std::string central = "online";
    test::FakeCentre centre([&](const test::FakeRequest&) {
        std::lock_guard lock(m);
        return test::FakeAnswer{204, "", {{"Borderlog-Central", central}}};
    });
    HttpClient http(centre.url(), std::chrono::seconds{5});
    const ClientConfig config = config_for(centre);
    ASSERT_FALSE(outbox->meta("central").has_value());
    EXPECT_TRUE(send_heartbeat(*outbox, http, config));
    EXPECT_EQ(outbox->meta("central"), "online") << "a terminal that never synced has reached the centre";
    EXPECT_FALSE(outbox->meta("last_sync_at").has_value()) << "a heartbeat is not a sync";
    {
        std::lock_guard lock(m);
        central = "offline";
    }
    EXPECT_TRUE(send_heartbeat(*outbox, http, config));
    EXPECT_EQ(outbox->meta("central"), "offline");

    // With records waiting, only a sync that gets them through says the centre is back.
    core::Crossing x;
    x.direction = "entry";
    x.occurred_at = "2026-11-27T10:42:05.123Z";
    x.traveler = holder("A1");
    outbox->record(std::move(x), config.device);
    {
        std::lock_guard lock(m);
        central = "online";
    }
    EXPECT_TRUE(send_heartbeat(*outbox, http, config));
    EXPECT_EQ(outbox->meta("central"), "offline");
}

TEST_F(BoothSyncTest, AHeartbeatThatCannotReachTheCentreMarksItOffline) {
    outbox->set_meta("central", "online");
    std::string url;
    {
        test::FakeCentre gone([](const test::FakeRequest&) { return test::FakeAnswer{204, "", {}}; });
        url = gone.url();
    }
    HttpClient http(url, std::chrono::seconds{2});
    EXPECT_FALSE(send_heartbeat(*outbox, http, ClientConfig{url, "device-token", {"KAKAVIJE", "KAK-01"}, {}, false}));
    EXPECT_EQ(outbox->meta("central"), "offline");
}

}  // namespace
}  // namespace borderlog::client
