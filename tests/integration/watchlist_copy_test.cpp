#include "client/queue/watchlist_copy.hpp"

#include "client/recorder.hpp"
#include "client/sync/watchlist_pull.hpp"
#include "core/ids.hpp"

#include <gtest/gtest.h>

#include <SQLiteCpp/SQLiteCpp.h>
#include <boost/json.hpp>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace borderlog::client {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

const DeviceIdentity kDevice{"KAKAVIJE", "KAK-01"};
constexpr const char* kNow = "2026-11-27T10:00:00.000Z";

core::WatchlistEntry entry(std::string number, std::string country, std::string surname = "", std::string given = "",
                           std::string birth = "", std::string action = "deny", std::int64_t version = 1) {
    core::WatchlistEntry e;
    e.document_number = std::move(number);
    e.issuing_country = std::move(country);
    e.surname = std::move(surname);
    e.given_names = std::move(given);
    e.birth_date = std::move(birth);
    e.reason = "test reason";
    e.action = std::move(action);
    e.version = version;
    e.id = core::watchlist_entry_id(e);
    return e;
}

core::WatchlistEntry person(std::string surname, std::string given, std::string birth, std::int64_t version = 1) {
    return entry("", "", std::move(surname), std::move(given), std::move(birth), "refer", version);
}

core::Traveler traveler(std::string number, std::string country, std::string surname, std::string given,
                        std::string birth) {
    return {"P", std::move(number), std::move(country), std::move(country), std::move(surname), std::move(given),
            std::move(birth), "F", ""};
}

core::Traveler anna() { return traveler("L898902C3", "UTO", "ERIKSSON", "ANNA MARIA", "1974-08-12"); }

WatchlistChanges full(std::int64_t version, std::vector<core::WatchlistEntry> entries) {
    return {version, true, std::move(entries), {}};
}

class WatchlistCopyTest : public testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::path("/tmp") / ("borderlog-watchlist-test-" + core::sha256_hex(core::random_urlsafe(16)).substr(0, 16));
        fs::create_directories(dir_);
        outbox = std::make_unique<Outbox>(dir_ / "outbox.db", OpenMode::create);
        copy = std::make_unique<WatchlistCopy>(*outbox);
    }
    void TearDown() override {
        copy.reset();
        outbox.reset();
        std::error_code ec;
        fs::remove_all(dir_, ec);
    }
    std::int64_t rows(const char* table) {
        SQLite::Database db(dir_ / "outbox.db");
        return db.execAndGet(std::string("SELECT count(*) FROM ") + table).getInt64();
    }

    fs::path dir_;
    std::unique_ptr<Outbox> outbox;
    std::unique_ptr<WatchlistCopy> copy;
};

TEST_F(WatchlistCopyTest, ANewTerminalHasNoCopyAndScreensNothing) {
    const Screening s = copy->screen(anna());
    EXPECT_FALSE(s.list.version.has_value());
    EXPECT_TRUE(s.hits.empty());
    EXPECT_EQ(describe(s.list, core::now_millis()), "no copy yet (the daemon pulls it from the centre)");
}

TEST_F(WatchlistCopyTest, AWholeListBecomesTheCopyAndFindsTheDocument) {
    copy->apply(full(4, {entry("L898902C3", "UTO"), entry("X1", "ALB")}), kNow);
    const Screening s = copy->screen(anna());
    ASSERT_EQ(s.hits.size(), 1u);
    EXPECT_EQ(s.hits[0].entry.document_number, "L898902C3");
    EXPECT_EQ(s.hits[0].by, core::MatchKind::document);
    EXPECT_EQ(s.list.version, 4);
    EXPECT_EQ(s.list.entries, 2);
    EXPECT_EQ(s.list.checked_at, kNow);
}

TEST_F(WatchlistCopyTest, ChangesRemoveThenAdd) {
    const auto stolen = entry("L898902C3", "UTO");
    copy->apply(full(1, {stolen, entry("X1", "ALB")}), kNow);
    copy->apply({2, false, {entry("Y2", "GRC", "", "", "", "deny", 2)}, {stolen.id}}, kNow);
    EXPECT_TRUE(copy->screen(anna()).hits.empty()) << "a removed entry no longer matches";
    EXPECT_EQ(copy->screen(traveler("Y2", "GRC", "A", "B", "1990-01-01")).hits.size(), 1u);
    EXPECT_EQ(copy->info().version, 2);
    EXPECT_EQ(copy->info().entries, 2);
    EXPECT_EQ(rows("watchlist_keys"), 2) << "the removed entry's keys are gone too";
}

TEST_F(WatchlistCopyTest, AnEntrySentAgainReplacesItselfKeysIncluded) {
    const auto e = person("MÜLLER", "HANS", "1970-01-31");
    copy->apply(full(1, {e}), kNow);
    copy->apply({2, false, {e}, {}}, kNow);
    EXPECT_EQ(copy->info().entries, 1);
    EXPECT_EQ(copy->screen(traveler("A1", "D", "MUELLER", "HANS", "1970-01-31")).hits.size(), 1u);
}

TEST_F(WatchlistCopyTest, ALargeChangeIsBuiltBesideTheLiveCopyThenSwitched) {
    std::vector<core::WatchlistEntry> many;
    for (int i = 0; i < 1500; ++i) many.push_back(entry("N" + std::to_string(100000 + i), "ALB"));
    copy->apply(full(1, many), kNow);
    EXPECT_EQ(copy->info().entries, 1500);
    std::vector<std::string> removed;
    for (int i = 0; i < 600; ++i) removed.push_back(many[static_cast<std::size_t>(i)].id);
    std::vector<core::WatchlistEntry> added;
    for (int i = 0; i < 400; ++i) added.push_back(entry("M" + std::to_string(200000 + i), "GRC", "", "", "", "deny", 2));
    copy->apply({2, false, added, removed}, kNow);
    EXPECT_EQ(copy->info().entries, 1300);
    EXPECT_EQ(rows("watchlist"), 1300) << "the old copy is cleared after the switch";
    EXPECT_TRUE(copy->screen(traveler("N100000", "ALB", "A", "", "1990-01-01")).hits.empty());
    EXPECT_EQ(copy->screen(traveler("N101499", "ALB", "A", "", "1990-01-01")).hits.size(), 1u);
    EXPECT_EQ(copy->screen(traveler("M200399", "GRC", "A", "", "1990-01-01")).hits.size(), 1u);
}

TEST_F(WatchlistCopyTest, AWholeListReplacesEverythingBefore) {
    copy->apply(full(1, {entry("L898902C3", "UTO"), entry("X1", "ALB")}), kNow);
    copy->apply(full(5, {entry("Z9", "MNE", "", "", "", "monitor", 5)}), kNow);
    EXPECT_TRUE(copy->screen(anna()).hits.empty());
    EXPECT_EQ(copy->info().entries, 1);
    EXPECT_EQ(copy->info().version, 5);
}

struct NameCase {
    const char* entry_surname;
    const char* entry_given;
    const char* surname;
    const char* given;
    bool hit;
};
void PrintTo(const NameCase& c, std::ostream* os) {
    *os << c.entry_surname << " / " << c.surname << (c.hit ? ": a hit" : ": no hit");
}

class WatchlistNameMatching : public WatchlistCopyTest, public testing::WithParamInterface<NameCase> {};

TEST_P(WatchlistNameMatching, MatchesWholeNamesAfterIcaoTransliterationOnly) {
    const NameCase c = GetParam();
    copy->apply(full(1, {person(c.entry_surname, c.entry_given, "1970-01-31")}), kNow);
    const auto hits = copy->screen(traveler("Q1", "D", c.surname, c.given, "1970-01-31")).hits;
    EXPECT_EQ(hits.size(), c.hit ? 1u : 0u) << c.entry_surname << " / " << c.surname << " " << c.given;
    if (c.hit) {
        EXPECT_EQ(hits[0].by, core::MatchKind::person);
    }
    EXPECT_TRUE(copy->screen(traveler("Q1", "D", c.surname, c.given, "1970-02-01")).hits.empty())
        << "another birth date never matches by person";
}

INSTANTIATE_TEST_SUITE_P(
    Cases, WatchlistNameMatching,
    testing::Values(NameCase{"Müller", "Hans", "MUELLER", "HANS", true},   // Doc 9303: Ü -> UE
                    NameCase{"Müller", "Hans", "MULLER", "HANS", true},    // the folded spelling many issuers use
                    NameCase{"MUELLER", "HANS", "MUELLER<<HANS", "", false},  // the given names are a field of their own
                    NameCase{"Müller", "", "MUELLER", "HANS PETER", true},    // no given names: any given names
                    NameCase{"LI", "", "LILIAN", "", false},                  // never a part of a name
                    NameCase{"BERG", "", "VAN DER BERG", "", false},
                    NameCase{"D'ARTAGNAN", "CHARLES", "DARTAGNAN", "CHARLES", true},
                    NameCase{"Жуков", "", "ZHUKOV", "", true}));

TEST_F(WatchlistCopyTest, ARecordIsStampedWithTheVersionItWasScreenedAgainst) {
    copy->apply(full(7, {entry("L898902C3", "UTO")}), kNow);
    core::Crossing x;
    x.direction = "entry";
    x.occurred_at = "2026-11-27T10:42:05.123Z";
    x.traveler = anna();
    const RecordedCrossing done = record_screened(*outbox, x, kDevice);
    EXPECT_EQ(done.record.watchlist_version, 7);
    EXPECT_EQ(done.screening.hits.size(), 1u);
    EXPECT_TRUE(done.record.recorded_offline) << "the terminal never saw the centre online";
}

TEST_F(WatchlistCopyTest, AnOutboxOfVersion2GainsTheCopyInPlaceAndKeepsItsRecords) {
    core::Crossing x;
    x.direction = "entry";
    x.occurred_at = "2026-11-27T10:42:05.123Z";
    x.traveler = anna();
    const std::string id = outbox->record(x, kDevice).id;
    copy.reset();
    outbox.reset();
    {
        // What a version-2 outbox is: the same tables without the watchlist copy's.
        SQLite::Database db(dir_ / "outbox.db", SQLite::OPEN_READWRITE);
        db.exec("DROP TABLE watchlist; DROP TABLE watchlist_keys; PRAGMA user_version=2");
    }
    outbox = std::make_unique<Outbox>(dir_ / "outbox.db");
    copy = std::make_unique<WatchlistCopy>(*outbox);
    EXPECT_EQ(outbox->stats().pending, 1);
    EXPECT_EQ(outbox->next_pending(1).at(0).id, id);
    copy->apply(full(1, {entry("L898902C3", "UTO")}), kNow);
    EXPECT_EQ(copy->screen(anna()).hits.size(), 1u);
    SQLite::Database db(dir_ / "outbox.db");
    EXPECT_EQ(db.execAndGet("PRAGMA user_version").getInt(), 4);
}

// --- the centre's answer, as the terminal reads it ---

TEST(WatchlistAnswer, IsReadWhole) {
    const auto e = entry("L898902C3", "UTO");
    const std::string body = json::serialize(json::object{{"version", 3}, {"since", 2}, {"full", false},
                                                           {"added", json::array{core::to_json(e)}},
                                                           {"removed", json::array{"abc"}}});
    const WatchlistChanges c = read_watchlist_changes(body, 2);
    EXPECT_EQ(c.version, 3);
    EXPECT_FALSE(c.full);
    ASSERT_EQ(c.added.size(), 1u);
    EXPECT_EQ(c.added[0], e);
    EXPECT_EQ(c.removed, std::vector<std::string>{"abc"});
}

struct Refused {
    const char* body;
    std::int64_t since;
    const char* why;
};
void PrintTo(const Refused& r, std::ostream* os) { *os << r.why; }

class WatchlistAnswerRefused : public testing::TestWithParam<Refused> {};

TEST_P(WatchlistAnswerRefused, NothingOfItIsBelieved) {
    const Refused r = GetParam();
    try {
        read_watchlist_changes(r.body, r.since);
        FAIL() << "believed: " << r.body;
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find(r.why), std::string::npos) << e.what();
    }
}

INSTANTIATE_TEST_SUITE_P(
    Cases, WatchlistAnswerRefused,
    testing::Values(
        Refused{"[]", 0, "not a JSON object"},
        Refused{R"({"version":-1,"full":true,"added":[],"removed":[]})", 0, "version"},
        Refused{R"({"version":2,"since":1,"full":false,"added":[],"removed":[]})", 2, "another version"},
        Refused{R"({"version":1,"since":4,"full":false,"added":[],"removed":[]})", 4, "older than the copy"},
        Refused{R"({"version":4,"full":true,"added":[{"id":"x","reason":"r","action":"deny"}],"removed":[]})", 0,
                "added[0].document_number"},
        Refused{R"({"version":4,"full":true,"added":[{"id":"x","document_number":"A1","issuing_country":"UTO",
                 "reason":"r","action":"DENY NOW"}],"removed":[]})", 0, "added[0].action"},
        Refused{R"({"version":4,"full":false,"added":[],"removed":[7]})", 0, "removed"},
        Refused{R"({"version":4,"added":[],"removed":[]})", 0, "full"}));

}  // namespace
}  // namespace borderlog::client
