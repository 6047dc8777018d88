#include "client/ui/local_api.hpp"

#include "client/queue/lane_queues.hpp"
#include "client/queue/watchlist_copy.hpp"
#include "client/sync/watchlist_pull.hpp"
#include "client/ui/record_latency.hpp"
#include "core/crossing_json.hpp"
#include "core/ids.hpp"
#include "fake_centre.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <filesystem>
#include <memory>
#include <string>

namespace borderlog::client::ui {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

constexpr const char* kLine1 = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<";
constexpr const char* kLine2 = "L898902C36UTO7408122F1204159ZE184226B<<<<<10";
// The specimen with its document number's check digit changed from 6 to 7.
constexpr const char* kLine2Wrong = "L898902C37UTO7408122F1204159ZE184226B<<<<<10";

std::string specimen(const char* second = kLine2) { return std::string(kLine1) + "\n" + second; }

core::Millis at(const char* text) { return *core::parse_rfc3339(text); }
const core::Millis kNow = at("2026-11-27T10:42:05.123Z");

// The officer screen's calls on a real outbox (SQLite in a directory of its own), without sockets.
class LocalApiTest : public testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::path("/tmp") / ("borderlog-local-api-test-" + core::sha256_hex(core::random_urlsafe(16)).substr(0, 16));
        fs::create_directories(dir_);
        outbox = std::make_unique<Outbox>(dir_ / "outbox.db", OpenMode::create);
        config.server_url = "http://127.0.0.1:9";
        config.token = "token";
        config.device = {"KAKAVIJE", "KAK-01"};
    }
    void TearDown() override {
        outbox.reset();
        std::error_code ec;
        fs::remove_all(dir_, ec);
    }

    ApiAnswer record(json::object body) { return api_record(*outbox, config, body, kNow); }

    // The problem an API call is refused with.
    template <class Fn>
    ApiProblem refusal(Fn fn) {
        try {
            fn();
        } catch (const ApiProblem& p) {
            return p;
        }
        ADD_FAILURE() << "not refused";
        return ApiProblem(0, "", "", "");
    }

    void load_watchlist(std::int64_t version, std::vector<core::WatchlistEntry> entries) {
        for (auto& e : entries) {
            e.version = version;
            e.id = core::watchlist_entry_id(e);
        }
        WatchlistCopy(*outbox).apply({version, true, std::move(entries), {}}, "2026-11-27T10:40:05.123Z");
    }

    fs::path dir_;
    std::unique_ptr<Outbox> outbox;
    ClientConfig config;
};

core::WatchlistEntry stolen_specimen() {
    core::WatchlistEntry e;
    e.document_number = "L898902C3";
    e.issuing_country = "UTO";
    e.reason = "Reported stolen";
    e.action = "deny";
    return e;
}

TEST_F(LocalApiTest, TheSpecimenPassportIsRecordedDurablyFromItsMrz) {
    const ApiAnswer a = record({{"direction", "entry"}, {"mrz", specimen()}, {"lane", "3"}, {"officer_id", "officer-112"}});
    EXPECT_EQ(a.status, 201u);
    const auto& rec = a.body.at("record").as_object();
    EXPECT_EQ(rec.at("traveler").at("surname"), "ERIKSSON");
    EXPECT_EQ(rec.at("traveler").at("given_names"), "ANNA MARIA");
    EXPECT_EQ(rec.at("seq"), 1);
    EXPECT_EQ(rec.at("device_id"), "KAK-01");
    EXPECT_EQ(rec.at("lane"), "3");
    EXPECT_EQ(rec.at("recorded_offline"), true);
    EXPECT_FALSE(rec.contains("flags"));
    EXPECT_EQ(a.body.at("central"), "unknown");
    // In the outbox, as sync sends it.
    const auto pending = outbox->next_pending(10);
    ASSERT_EQ(pending.size(), 1u);
    EXPECT_EQ(pending[0].id, rec.at("id").as_string());
}

TEST_F(LocalApiTest, AWrongCheckDigitIsRefusedNamingItsFieldAndNothingIsStored) {
    const ApiProblem p = refusal([&] { record({{"direction", "entry"}, {"mrz", specimen(kLine2Wrong)}}); });
    EXPECT_EQ(p.status, 422u);
    EXPECT_EQ(p.code, "mrz_invalid");
    EXPECT_EQ(p.field, "mrz.document_number");
    EXPECT_NE(std::string(p.what()).find("document_number check digit"), std::string::npos) << p.what();
    EXPECT_NE(std::string(p.what()).find("line 2 position 10"), std::string::npos) << p.what();
    const auto& errors = p.extra.at("errors").as_array();
    ASSERT_FALSE(errors.empty());
    EXPECT_EQ(errors[0].at("field"), "document_number");
    EXPECT_EQ(errors[0].at("line"), 2);
    EXPECT_EQ(errors[0].at("position"), 10);
    EXPECT_EQ(outbox->stats().pending, 0);
    EXPECT_EQ(outbox->stats().last_seq, 0);
}

TEST_F(LocalApiTest, AForcedWrongCheckDigitIsRecordedAsReadAndFlaggedMrzInvalid) {
    const ApiAnswer a = record({{"direction", "exit"}, {"mrz", specimen(kLine2Wrong)}, {"force", true}});
    EXPECT_EQ(a.status, 201u);
    const auto& rec = a.body.at("record").as_object();
    EXPECT_EQ(rec.at("flags"), (json::array{"mrz_invalid"}));
    EXPECT_EQ(rec.at("mrz"), json::value(specimen(kLine2Wrong)));
    EXPECT_EQ(rec.at("traveler").at("document_number"), "L898902C3");
    // What the centre receives is a record the core accepts as complete.
    const core::Crossing stored = core::crossing_from_json(json::parse(outbox->next_pending(1).at(0).body),
                                                           core::Completeness::full);
    EXPECT_TRUE(core::validate(stored, core::Completeness::full, 2026).empty());
    EXPECT_TRUE(stored.has_flag(core::kFlagMrzInvalid));
}

TEST_F(LocalApiTest, ForceOnARightMrzRecordsItUnflagged) {
    const ApiAnswer a = record({{"direction", "entry"}, {"mrz", specimen()}, {"force", true}});
    EXPECT_FALSE(a.body.at("record").as_object().contains("flags"));
}

TEST_F(LocalApiTest, TheMrzMayComeAsAListOfLinesEndedByCarriageReturns) {
    const ApiAnswer a = record({{"direction", "entry"}, {"mrz", json::array{std::string(kLine1) + "\r", kLine2}}});
    EXPECT_EQ(a.status, 201u);
    EXPECT_EQ(a.body.at("record").at("mrz"), json::value(specimen())) << "kept as lines separated by \\n";
    const ApiAnswer b = record({{"direction", "entry"}, {"mrz", " " + std::string(kLine1) + "\r\n" + kLine2 + "\r\n"}});
    EXPECT_EQ(b.body.at("record").at("mrz"), json::value(specimen()));
}

struct RefusedRecord {
    const char* name;
    const char* body;
    unsigned status;
    const char* field;
};
void PrintTo(const RefusedRecord& c, std::ostream* os) { *os << c.name; }

class LocalApiRefusals : public LocalApiTest, public testing::WithParamInterface<RefusedRecord> {};

TEST_P(LocalApiRefusals, NameTheFieldAndStoreNothing) {
    const RefusedRecord c = GetParam();
    const json::value body = json::parse(c.body);
    const ApiProblem p = refusal([&] { api_record(*outbox, config, body, kNow); });
    EXPECT_EQ(p.status, c.status) << c.name << ": " << p.what();
    EXPECT_EQ(p.field, c.field) << c.name << ": " << p.what();
    EXPECT_EQ(p.json().at("field"), c.field);
    EXPECT_EQ(p.json().at("status"), c.status);
    EXPECT_EQ(outbox->stats().last_seq, 0) << c.name;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, LocalApiRefusals,
    testing::Values(
        RefusedRecord{"not an MRZ", R"({"direction":"entry","mrz":"HELLO\nWORLD"})", 400, "mrz"},
        RefusedRecord{"no direction", R"({"mrz":"P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10"})",
                      400, "direction"},
        RefusedRecord{"a direction unknown",
                      R"({"direction":"sideways","mrz":"P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10"})",
                      400, "direction"},
        RefusedRecord{"no traveller", R"({"direction":"entry"})", 400, "traveler"},
        RefusedRecord{"a typed birth date", R"({"direction":"entry","traveler":{"document_number":"BA1234567",
            "issuing_country":"ALB","nationality":"ALB","surname":"HOXHA","birth_date":"02.06.1988","sex":"M"}})", 400,
                      "traveler.birth_date"},
        RefusedRecord{"a typed sex", R"({"direction":"entry","traveler":{"document_number":"BA1234567",
            "issuing_country":"ALB","nationality":"ALB","surname":"HOXHA","birth_date":"1988-06-02","sex":"Q"}})", 400,
                      "traveler.sex"},
        RefusedRecord{"an unknown field", R"({"direction":"entry","colour":"red"})", 400, "colour"},
        RefusedRecord{"force without an MRZ", R"({"direction":"entry","force":true,"traveler":{"document_number":"B1",
            "issuing_country":"ALB","nationality":"ALB","surname":"HOXHA","birth_date":"1988-06-02","sex":"M"}})", 400,
                      "force"},
        RefusedRecord{"force not a boolean",
                      R"({"direction":"entry","force":"yes","mrz":"P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10"})",
                      400, "force"},
        RefusedRecord{"a lane too long",
                      R"({"direction":"entry","lane":"12345678901234567","mrz":"P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10"})",
                      400, "lane"},
        RefusedRecord{"an MRZ too long", R"({"direction":"entry","mrz":["A","B","C","D"]})", 400, "mrz"},
        RefusedRecord{"a wrong composite digit",
                      R"({"direction":"entry","mrz":"P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<11"})",
                      422, "mrz.composite"}),
    [](const auto& test_info) {
        std::string n = test_info.param.name;
        for (char& ch : n)
            if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
        return n;
    });

TEST_F(LocalApiTest, AMrzIsReadLocallyAsTheCentreReadsIt) {
    const ApiAnswer a = api_parse(*outbox, json::object{{"mrz", specimen(kLine2Wrong)}}, kNow);
    EXPECT_EQ(a.body.at("valid"), false);
    EXPECT_EQ(a.body.at("format"), "TD3");
    EXPECT_EQ(a.body.at("traveler").at("surname"), "ERIKSSON");
    const auto& errors = a.body.at("errors").as_array();
    ASSERT_FALSE(errors.empty());
    EXPECT_EQ(errors[0].at("field"), "document_number");
    EXPECT_EQ(errors[0].at("position"), 10);
    bool number_check_wrong = false;
    for (const auto& c : a.body.at("checks").as_array())
        if (c.at("field") == "document_number") number_check_wrong = c.at("valid") == false;
    EXPECT_TRUE(number_check_wrong);
    EXPECT_TRUE(a.body.at("watchlist").at("version").is_null()) << "no copy yet";
    EXPECT_EQ(refusal([&] { api_parse(*outbox, json::object{{"mrz", "NOT AN MRZ"}}, kNow); }).field, "mrz");
}

TEST_F(LocalApiTest, AWatchlistHitShowsAtOnceOnTheLocalCopyAndIsStampedOnTheRecord) {
    load_watchlist(4, {stolen_specimen()});
    const ApiAnswer parsed = api_parse(*outbox, json::object{{"mrz", specimen()}}, kNow);
    const auto& w = parsed.body.at("watchlist").as_object();
    EXPECT_EQ(w.at("version"), 4);
    EXPECT_EQ(w.at("age_s"), 120);
    ASSERT_EQ(w.at("hits").as_array().size(), 1u);
    EXPECT_EQ(w.at("hits").at(0).at("action"), "deny");
    EXPECT_EQ(w.at("hits").at(0).at("reason"), "Reported stolen");
    EXPECT_EQ(w.at("hits").at(0).at("matched_by"), "document");

    const ApiAnswer done = record({{"direction", "entry"}, {"mrz", specimen()}});
    EXPECT_EQ(done.body.at("record").at("watchlist_version"), 4);
    EXPECT_EQ(done.body.at("watchlist").at("hits").as_array().size(), 1u);
}

TEST_F(LocalApiTest, ATravellerTypedByHandIsScreenedByNameAfterTransliteration) {
    core::WatchlistEntry e;
    e.surname = "Müller";
    e.given_names = "Hans";
    e.birth_date = "1970-01-31";
    e.reason = "Interpol notice";
    e.action = "refer";
    load_watchlist(2, {e});
    const json::object hit{{"traveler", {{"surname", "MUELLER"}, {"given_names", "HANS"}, {"birth_date", "1970-01-31"}}}};
    EXPECT_EQ(api_screen(*outbox, hit, kNow).body.at("watchlist").at("hits").as_array().size(), 1u);
    const json::object part{{"traveler", {{"surname", "MUELL"}, {"given_names", "HANS"}, {"birth_date", "1970-01-31"}}}};
    EXPECT_TRUE(api_screen(*outbox, part, kNow).body.at("watchlist").at("hits").as_array().empty());
    EXPECT_EQ(refusal([&] { api_screen(*outbox, json::object{{"traveler", {{"age", "40"}}}}, kNow); }).field,
              "traveler.age");
}

TEST_F(LocalApiTest, TheLastCrossingsAreListedNewestFirstPerLane) {
    record({{"direction", "entry"}, {"mrz", specimen()}, {"lane", "1"}});
    record({{"direction", "exit"}, {"mrz", specimen()}, {"lane", "2"}});
    record({{"direction", "entry"}, {"mrz", specimen()}, {"lane", "1"}});
    const auto lane1 = api_recent(*outbox, {{"lane", "1"}}).body.at("crossings").as_array();
    ASSERT_EQ(lane1.size(), 2u);
    EXPECT_EQ(lane1[0].at("seq"), 3);
    EXPECT_EQ(lane1[1].at("seq"), 1);
    EXPECT_EQ(lane1[0].at("state"), "pending");
    EXPECT_EQ(api_recent(*outbox, {{"limit", "1"}}).body.at("crossings").as_array().size(), 1u);
    EXPECT_EQ(refusal([&] { api_recent(*outbox, {{"limit", "0"}}); }).field, "limit");
    EXPECT_EQ(refusal([&] { api_recent(*outbox, {{"limit", "5x"}}); }).field, "limit");
    EXPECT_EQ(refusal([&] { api_recent(*outbox, {{"who", "me"}}); }).field, "who");
}

TEST_F(LocalApiTest, ALaneCountIsKeptWhereTheQueueCommandKeepsIt) {
    const auto lock = dir_ / "queue.lock";
    const ApiAnswer a = api_set_lane(*outbox, lock, "3", json::object{{"waiting", 12}}, kNow);
    EXPECT_EQ(a.body.at("waiting"), 12);
    const auto lanes = lane_queues(*outbox);
    ASSERT_EQ(lanes.size(), 1u);
    EXPECT_EQ(lanes[0].lane, "3");
    EXPECT_EQ(lanes[0].waiting, 12);
    EXPECT_EQ(refusal([&] { api_set_lane(*outbox, lock, "3", json::object{{"waiting", -1}}, kNow); }).field, "waiting");
    EXPECT_EQ(refusal([&] { api_set_lane(*outbox, lock, "3", json::object{{"waiting", "9"}}, kNow); }).field, "waiting");
    EXPECT_EQ(refusal([&] { api_set_lane(*outbox, lock, "12345678901234567", json::object{{"waiting", 1}}, kNow); }).field,
              "lane");
}

TEST_F(LocalApiTest, TheBannerTellsTheCentreBacklogAndWatchlist) {
    record({{"direction", "entry"}, {"mrz", specimen()}});
    outbox->set_meta("central", "offline");
    outbox->set_meta("drill", R"({"id":"0193","name":"TIMS rehearsal"})");
    load_watchlist(9, {stolen_specimen()});
    const ApiAnswer a = api_state(*outbox, config, "3", kNow);
    EXPECT_EQ(a.body.at("central"), "offline");
    EXPECT_EQ(a.body.at("pending"), 1);
    EXPECT_EQ(a.body.at("default_lane"), "3");
    EXPECT_EQ(a.body.at("drill"), "TIMS rehearsal");
    EXPECT_EQ(a.body.at("watchlist").at("version"), 9);
    EXPECT_EQ(a.body.at("watchlist").at("entries"), 1);
    EXPECT_EQ(a.body.at("checkpoint_id"), "KAKAVIJE");
}

TEST_F(LocalApiTest, TheTravellersStatusComesFromTheCentreForThisDevice) {
    test::FakeCentre centre([](const test::FakeRequest&) {
        return test::FakeAnswer{200, R"({"status":"in_country","stay":{"rule":"90/180","days_used":20,
            "days_remaining":70,"overstay":false},"on":"2026-11-27"})", {}};
    });
    config.server_url = centre.url();
    HttpClient http(centre.url(), std::chrono::milliseconds{2000});
    const ApiAnswer a = api_traveler_status(http, config, "UTO", "L898902C3");
    EXPECT_EQ(a.body.at("centre"), "online");
    EXPECT_EQ(a.body.at("status"), "in_country");
    EXPECT_EQ(a.body.at("stay").at("days_used"), 20);
    ASSERT_EQ(centre.requests().size(), 1u);
    EXPECT_EQ(centre.requests()[0].target, "/api/v1/devices/KAK-01/travelers/UTO/L898902C3/status");
    EXPECT_EQ(refusal([&] { api_traveler_status(http, config, "uto", "L898902C3"); }).field, "doc_country");
    EXPECT_EQ(refusal([&] { api_traveler_status(http, config, "UTO", "L898/02C3"); }).field, "doc_number");
}

TEST_F(LocalApiTest, ACentreSwitchedOfflineOrAwayGivesOfflineNeverAnError) {
    test::FakeCentre centre([](const test::FakeRequest&) {
        return test::FakeAnswer{503, R"({"code":"central_offline"})", {{"Retry-After", "5"}}};
    });
    HttpClient http(centre.url(), std::chrono::milliseconds{2000});
    EXPECT_EQ(api_traveler_status(http, config, "UTO", "L898902C3").body.at("centre"), "offline");
    HttpClient nobody("http://127.0.0.1:9", std::chrono::milliseconds{500});  // the discard port: nothing listens
    EXPECT_EQ(api_traveler_status(nobody, config, "UTO", "L898902C3").body.at("centre"), "offline");
}

// --- the record latency the daemon reports ---

TEST(RecordLatencyWindow, GivesNearestRankPercentilesRoundedUpForTheHeartbeat) {
    RecordLatency l;
    const auto t0 = RecordLatency::Clock::now();
    for (int i = 1; i <= 100; ++i) l.add(std::chrono::microseconds{i * 100}, t0);  // 0.1 .. 10 ms
    const auto f = l.figures(t0);
    ASSERT_TRUE(f.has_value());
    EXPECT_DOUBLE_EQ(f->p50_ms, 5.0);
    EXPECT_DOUBLE_EQ(f->p99_ms, 9.9);
    EXPECT_EQ(f->count, 100);
    const auto beat = l.for_heartbeat(t0);
    EXPECT_EQ(beat->p50, 5);
    EXPECT_EQ(beat->p99, 10);
    EXPECT_FALSE(l.figures(t0 + RecordLatency::kWindow + std::chrono::seconds{1}).has_value())
        << "records older than the window are forgotten";
}

}  // namespace
}  // namespace borderlog::client::ui
