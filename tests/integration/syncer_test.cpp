// What the checkpoint's sync believes of the centre, against a fake centre on a loopback socket and a
// real SQLite outbox: batches sized under the centre's limits, an answer applied whole or not at all,
// reconcile answers that claim too much refused, pages and re-sending bounded, a server fault shown.
#include "client/sync/syncer.hpp"

#include "core/crossing_json.hpp"
#include "core/ids.hpp"
#include "fake_centre.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace borderlog::client {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using test::FakeAnswer;
using test::FakeCentre;
using test::FakeRequest;

const DeviceIdentity kDevice{"KAKAVIJE", "KAK-01"};

core::Crossing draft(int n) {
    core::Crossing x;
    x.direction = "entry";
    x.occurred_at = "2026-11-27T10:42:05.123Z";
    x.traveler = {"P", "DOC" + std::to_string(n), "UTO", "UTO", "ERIKSSON", "ANNA MARIA", "1974-08-12", "F", ""};
    return x;
}

// The answer a well-behaved centre gives a batch: every record stored.
FakeAnswer all_stored(const FakeRequest& req) {
    json::array results;
    const json::value batch = json::parse(req.body);
    for (const auto& r : batch.at("records").as_array()) results.push_back({{"id", r.at("id")}, {"status", "stored"}});
    return {200, json::serialize(json::object{{"results", std::move(results)}}), {}};
}

FakeAnswer token(std::int64_t max_body, std::int64_t max_records) {
    return {200, json::serialize(json::object{{"role", "device"}, {"checkpoint_id", "KAKAVIJE"}, {"device_id", "KAK-01"},
                                              {"name", ""},
                                              {"limits", {{"max_body_bytes", max_body}, {"max_batch_records", max_records}}}}),
            {}};
}

FakeAnswer reconcile_answer(const std::string& stream, std::int64_t max_seq, const json::array& missing, bool truncated = false) {
    return {200, json::serialize(json::object{{"device_id", "KAK-01"}, {"stream_id", stream}, {"received", max_seq},
                                              {"quarantined", 0}, {"max_seq", max_seq}, {"missing", missing},
                                              {"truncated", truncated}, {"server_time", "2026-11-27T12:00:00.000Z"}}),
            {}};
}

bool starts(const FakeRequest& r, const std::string& prefix) { return r.target.rfind(prefix, 0) == 0; }

// The stream a reconcile request asks about ('' when it names none).
std::string stream_in(const FakeRequest& r) {
    const auto at = r.target.find("stream=");
    if (at == std::string::npos) return "";
    return r.target.substr(at + 7, r.target.find('&', at) == std::string::npos ? std::string::npos
                                                                              : r.target.find('&', at) - at - 7);
}

class SyncerTest : public testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::path("/tmp") / ("borderlog-syncer-test-" + core::sha256_hex(core::random_urlsafe(16)).substr(0, 16));
        fs::create_directories(dir_);
        outbox = std::make_unique<Outbox>(dir_ / "outbox.db", OpenMode::create);
    }
    void TearDown() override {
        outbox.reset();
        std::error_code ec;
        fs::remove_all(dir_, ec);
    }

    void record(int n) {
        for (int i = 0; i < n; ++i) ids.push_back(outbox->record(draft(static_cast<int>(ids.size())), kDevice).id);
    }

    SyncReport sync(FakeCentre& centre, SyncOptions options = {}) {
        HttpClient http(centre.url(), std::chrono::seconds{5});
        return sync_once(*outbox, http, ClientConfig{centre.url(), "t", kDevice, {}, false}, options);
    }

    std::string stream() { return outbox->stats().stream_id; }

    std::unique_ptr<Outbox> outbox;
    std::vector<std::string> ids;

private:
    fs::path dir_;
};

// --- batches -------------------------------------------------------------------------------------------

TEST_F(SyncerTest, BatchesAreSizedUnderTheLimitsTheCentreTells) {
    record(40);
    FakeCentre centre([&](const FakeRequest& r) {
        if (starts(r, "/api/v1/token")) return token(2048, 7);
        if (starts(r, "/api/v1/crossings/batch")) return all_stored(r);
        return reconcile_answer(stream_in(r), 40, {});
    });
    const SyncReport report = sync(centre);
    EXPECT_EQ(report.status, SyncStatus::drained) << report.error;
    EXPECT_EQ(report.stored, 40);
    std::size_t batches = 0;
    for (const auto& r : centre.requests()) {
        if (!starts(r, "/api/v1/crossings/batch")) continue;
        ++batches;
        EXPECT_LE(r.body.size(), 2048u);
        EXPECT_LE(json::parse(r.body).at("records").as_array().size(), 7u);
        EXPECT_TRUE(json::parse(r.body).as_object().contains("device_time"));
    }
    EXPECT_GE(batches, 40u / 4);
    EXPECT_EQ(centre.count("/api/v1/token"), 1u) << "the limits are asked once per process";
}

TEST_F(SyncerTest, A413NarrowsTheBatchAndAsksTheLimitsAgain) {
    record(20);
    int tokens = 0;
    FakeCentre centre([&](const FakeRequest& r) {
        if (starts(r, "/api/v1/token")) return ++tokens == 1 ? token(1 << 20, 1000) : token(3000, 1000);
        if (starts(r, "/api/v1/crossings/batch")) {
            if (r.body.size() > 3000) return FakeAnswer{413, R"({"code":"payload_too_large"})", {}};
            return all_stored(r);
        }
        return reconcile_answer(stream_in(r), 20, {});
    });
    const SyncReport report = sync(centre);
    EXPECT_EQ(report.status, SyncStatus::drained) << report.error;
    EXPECT_EQ(report.stored, 20);
    EXPECT_EQ(report.rejected, 0);
    EXPECT_EQ(tokens, 2);
}

TEST_F(SyncerTest, ABatchAnswerThatDoesNotMatchTheBatchChangesNothing) {
    record(4);
    FakeCentre centre([&](const FakeRequest& r) {
        if (starts(r, "/api/v1/token")) return token(1 << 20, 1000);
        // A rejection, then a stored record, then an id this batch did not send.
        json::array results{{{"id", ids[0]}, {"status", "rejected"}, {"error", {{"code", "invalid_field"}}}},
                            {{"id", ids[1]}, {"status", "stored"}},
                            {{"id", core::new_uuid_v7()}, {"status", "stored"}},
                            {{"id", ids[3]}, {"status", "stored"}}};
        return FakeAnswer{200, json::serialize(json::object{{"results", results}}), {}};
    });
    const SyncReport report = sync(centre);
    EXPECT_EQ(report.status, SyncStatus::failed);
    const OutboxStats s = outbox->stats();
    EXPECT_EQ(s.pending, 4);
    EXPECT_EQ(s.rejected, 0);
    EXPECT_EQ(s.acknowledged, 0);
}

TEST_F(SyncerTest, AServerFaultIsRetriedLaterShownAndDoesNotMakeTheCentreLookOffline) {
    record(2);
    unsigned status = 500;
    FakeCentre centre([&](const FakeRequest& r) {
        if (starts(r, "/api/v1/token")) return token(1 << 20, 1000);
        if (starts(r, "/api/v1/crossings/batch"))
            return status == 200 ? all_stored(r) : FakeAnswer{status, R"({"code":"internal"})", {}};
        return reconcile_answer(stream_in(r), 2, {});
    });
    SyncReport report = sync(centre);
    EXPECT_EQ(report.status, SyncStatus::failed);
    EXPECT_EQ(outbox->meta("central"), "online");
    ASSERT_TRUE(outbox->meta("last_error").has_value());
    EXPECT_NE(outbox->meta("last_error")->find("500 internal"), std::string::npos) << *outbox->meta("last_error");
    EXPECT_EQ(outbox->stats().pending, 2);
    status = 200;
    report = sync(centre);
    EXPECT_EQ(report.status, SyncStatus::drained);
    EXPECT_FALSE(outbox->meta("last_error").has_value());
}

TEST_F(SyncerTest, ADatabaseUnavailableIs503AndTheCentreLooksOffline) {
    record(1);
    FakeCentre centre([&](const FakeRequest& r) {
        if (starts(r, "/api/v1/token")) return token(1 << 20, 1000);
        return FakeAnswer{503, R"({"code":"database_unavailable"})", {{"Retry-After", "9223372036854775807"}}};
    });
    const SyncReport report = sync(centre);
    EXPECT_EQ(report.status, SyncStatus::unavailable);
    EXPECT_EQ(outbox->meta("central"), "offline");
}

// --- reconcile --------------------------------------------------------------------------------------------

class SyncerReconcile : public SyncerTest {
protected:
    // Records n, and has the fake centre store every batch; reconcile answers come from `answer`.
    void run_with(int n, std::function<FakeAnswer(const FakeRequest&)> answer, SyncOptions options = {}) {
        record(n);
        FakeCentre centre([&](const FakeRequest& r) {
            if (starts(r, "/api/v1/token")) return token(1 << 20, 1000);
            if (starts(r, "/api/v1/crossings/batch")) return all_stored(r);
            ++reconciles;
            return answer(r);
        });
        report = sync(centre, options);
    }
    SyncReport report;
    int reconciles = 0;
};

struct ClaimCase {
    const char* name;
    std::int64_t max_seq;
    const char* missing;
};
void PrintTo(const ClaimCase& c, std::ostream* os) { *os << c.name; }

class AReconcileAnswerThatDoesNotAddUp : public SyncerReconcile, public testing::WithParamInterface<ClaimCase> {};

TEST_P(AReconcileAnswerThatDoesNotAddUp, IsRefusedAndNothingIsQueuedAgain) {
    run_with(5, [&](const FakeRequest& r) {
        return reconcile_answer(stream_in(r), GetParam().max_seq, json::parse(GetParam().missing).as_array());
    });
    EXPECT_EQ(report.status, SyncStatus::drained);
    EXPECT_EQ(report.requeued, 0);
    EXPECT_EQ(outbox->stats().pending, 0);
    ASSERT_TRUE(outbox->meta("last_error").has_value());
    EXPECT_NE(outbox->meta("last_error")->find("reconcile answer was refused"), std::string::npos);
    EXPECT_EQ(outbox->streams().size(), 1u) << "a refused answer does not start a stream either";
}

INSTANTIATE_TEST_SUITE_P(
    Syncer, AReconcileAnswerThatDoesNotAddUp,
    testing::Values(ClaimCase{"MoreMissingThanTheDeviceEverSent", 9000000000000, "[[4,8999999999999]]"},
                    ClaimCase{"MissingBeyondItsOwnMaxSeq", 5, "[[1,9000000000000]]"},
                    ClaimCase{"OneSeqMoreThanTheDeviceSent", 7, "[[6,6]]"},
                    ClaimCase{"ARangeAtMaxSeq", 5, "[[2,5]]"},
                    ClaimCase{"RangesOutOfOrder", 5, "[[3,3],[1,1]]"},
                    ClaimCase{"OverlappingRanges", 5, "[[1,3],[2,4]]"},
                    ClaimCase{"AnEmptyRange", 5, "[[3,2]]"},
                    ClaimCase{"SeqZero", 5, "[[0,1]]"},
                    ClaimCase{"NotPairs", 5, "[[1,2,3]]"},
                    ClaimCase{"NotNumbers", 5, R"([["1","2"]])"}),
    [](const auto& param_info) { return std::string(param_info.param.name); });

TEST_F(SyncerReconcile, APageOfMoreThanAThousandRangesIsRefused) {
    run_with(3, [&](const FakeRequest& r) {
        json::array missing;
        for (std::int64_t i = 0; i < 1001; ++i) missing.push_back(json::array{2 * i + 1, 2 * i + 1});
        return reconcile_answer(stream_in(r), 5000, missing);
    });
    EXPECT_EQ(report.requeued, 0);
    EXPECT_EQ(outbox->streams().size(), 1u);
}

TEST_F(SyncerReconcile, AnAnswerForAnotherDeviceOrStreamIsRefused) {
    run_with(2, [&](const FakeRequest&) {
        FakeAnswer a = reconcile_answer("01936f1e-0000-7000-8000-000000000000", 0, {});
        return a;
    });
    EXPECT_EQ(outbox->stats().acknowledged, 2) << "an answer for another stream must not re-queue anything";
    EXPECT_TRUE(outbox->meta("last_error").has_value());
}

TEST_F(SyncerReconcile, PagesAreBoundedPerRoundWhateverTheServerSays) {
    // 5,000 records, acknowledged; a server that always says "truncated": more pages follow, each of a
    // thousand single-seq gaps.
    std::vector<ImportLine> lines;
    for (int i = 0; i < 5000; ++i) lines.push_back({"k" + std::to_string(i), i, "", draft(1000 + i)});
    outbox->import_lines("/data/many.jsonl", lines, kDevice);
    SyncOptions options;
    options.max_reconcile_pages = 3;
    run_with(0, [&](const FakeRequest& r) {
        const auto at = r.target.find("after=");
        const std::int64_t after = at == std::string::npos ? 0 : std::stoll(r.target.substr(at + 6));
        json::array missing;
        for (std::int64_t i = 1; i <= 1000; ++i) missing.push_back(json::array{after + i, after + i});
        return reconcile_answer(stream_in(r), 5000, missing, true);
    }, options);
    EXPECT_EQ(reconciles, 3) << "3 pages in one sync, over all its reconcile rounds";
    EXPECT_EQ(report.requeued, 3000);
    EXPECT_GE(kMaxReconcilePagesPerRound, 10);
    EXPECT_LE(kMaxReconcilePagesPerRound, 100);
}

TEST_F(SyncerReconcile, ReSendingIsBoundedPerRound) {
    SyncOptions options;
    options.max_requeued = 4;
    // The centre lost everything: each reconcile says every seq is missing.
    run_with(10, [&](const FakeRequest& r) { return reconcile_answer(stream_in(r), 10, json::parse("[[1,9]]").as_array()); },
             options);
    EXPECT_LE(report.requeued, 4);
    EXPECT_GT(report.requeued, 0);
}

TEST_F(SyncerReconcile, ACentreHoldingMoreOfTheStreamThanThisOutboxGaveItStartsANewStream) {
    const std::string before = stream();
    run_with(3, [&](const FakeRequest& r) {
        // The centre holds 1..9 of this stream: this outbox is an old copy that stopped at 3.
        if (stream_in(r) == before) return reconcile_answer(before, 9, {});
        return reconcile_answer(stream_in(r), 0, {});
    });
    EXPECT_EQ(report.status, SyncStatus::drained);
    EXPECT_NE(outbox->stats().stream_id, before) << "new records go straight into a new stream";
    EXPECT_EQ(outbox->notices(1).at(0).code, "stale_outbox");
    EXPECT_EQ(outbox->record(draft(99), kDevice).seq, 1);
}

TEST_F(SyncerReconcile, AConfirmingReconcileLetsRecordsAgeOnTheServersClock) {
    run_with(2, [&](const FakeRequest& r) { return reconcile_answer(stream_in(r), 2, {}); });
    EXPECT_EQ(outbox->meta("latest_server_time"), "2026-11-27T12:00:00.000Z");
    EXPECT_EQ(outbox->apply_reconcile({stream(), 2, {}, 2, "2026-11-27T12:00:00.000Z", 0}).confirmed, 0)
        << "both were confirmed by the sync's reconcile already";
}

}  // namespace
}  // namespace borderlog::client
