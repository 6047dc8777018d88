#include "client/simulation/synthetic_travellers.hpp"

#include "core/crossing.hpp"
#include "core/mrz.hpp"
#include "core/watchlist_match.hpp"

#include <gtest/gtest.h>

#include <map>

namespace borderlog::client::sim {
namespace {

const core::Millis kToday = *core::parse_rfc3339("2026-11-27T10:00:00.000Z");
constexpr int kYear = 2026;

core::Traveler eriksson() {
    return {"P", "L898902C3", "UTO", "UTO", "ERIKSSON", "ANNA MARIA", "1974-08-12", "F", "2012-04-15"};
}

TEST(SyntheticMrz, APassportZoneIsTheSpecimenOfDoc9303) {
    // ICAO Doc 9303 Part 4's specimen without its optional data (personal number): the composite check digit becomes 8.
    const std::string mrz = td3_mrz(eriksson());
    EXPECT_EQ(mrz,
              "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n"
              "L898902C36UTO7408122F1204159<<<<<<<<<<<<<<08");
    const auto parsed = core::parse_mrz(mrz, kYear);
    ASSERT_TRUE(parsed);
    EXPECT_TRUE(parsed->valid);
}

TEST(SyntheticMrz, AnIdentityCardZoneReadsBackWithEveryCheckDigitRight) {
    core::Traveler t = eriksson();
    t.document_number = "D23145890";
    const std::string mrz = td1_mrz(t);
    const auto parsed = core::parse_mrz(mrz, kYear);
    ASSERT_TRUE(parsed);
    EXPECT_TRUE(parsed->valid) << mrz;
    EXPECT_EQ(parsed->format, "TD1");
    EXPECT_EQ(parsed->traveler.document_number, "D23145890");
    EXPECT_EQ(parsed->traveler.surname, "ERIKSSON");
    EXPECT_TRUE(core::mrz_disagreements(*parsed, t).empty());
}

TEST(SyntheticMrz, LongNamesAreCutAndStillAgree) {
    core::Traveler t = eriksson();
    t.surname = "VAN DEN BERG DE LA FUENTE";
    t.given_names = "MARIA ALEXANDRA KATHARINA";
    const auto parsed = core::parse_mrz(td1_mrz(t), kYear);
    ASSERT_TRUE(parsed);
    EXPECT_TRUE(parsed->valid);
    EXPECT_TRUE(core::mrz_disagreements(*parsed, t).empty());
}

TEST(SyntheticTravellers, EveryOneMakesAValidCrossingWithItsZone) {
    TravellerMaker maker(2026);
    std::map<std::string, int> nationalities;
    for (int i = 0; i < 2000; ++i) {
        const Document d = maker.make(kToday);
        const auto parsed = core::parse_mrz(d.mrz, kYear);
        ASSERT_TRUE(parsed) << d.mrz;
        ASSERT_TRUE(parsed->valid) << d.mrz;
        core::Crossing x;
        x.direction = "entry";
        x.occurred_at = "2026-11-27T10:00:00.000Z";
        x.traveler = d.traveler;
        x.mrz = d.mrz;
        x.flags = {"synthetic"};
        const auto errors = core::validate(x, core::Completeness::draft, kYear);
        ASSERT_TRUE(errors.empty()) << d.mrz << ": " << errors.front().field << " " << errors.front().message;
        ASSERT_GT(d.traveler.expiry_date, "2026-11-27");  // valid on the day
        ++nationalities[d.traveler.nationality];
    }
    // Plausible for Albania's borders: mostly Albanians, with their neighbours and visitors.
    EXPECT_GT(nationalities["ALB"], 2000 / 3);
    EXPECT_GT(nationalities.size(), 8u);
}

TEST(SyntheticTravellers, TheSameSeedMakesTheSameTravellers) {
    TravellerMaker a(7), b(7);
    for (int i = 0; i < 20; ++i) EXPECT_EQ(a.make(kToday).mrz, b.make(kToday).mrz);
}

TEST(SyntheticTravellers, AWatchlistHitMatchesItsEntry) {
    TravellerMaker maker(3);
    core::WatchlistEntry by_document;
    by_document.document_number = "AB1234567";
    by_document.issuing_country = "GRC";
    core::WatchlistEntry by_person;
    by_person.surname = "Müller";
    by_person.given_names = "Hans";
    by_person.birth_date = "1970-01-31";
    for (const auto& entry : {by_document, by_person}) {
        const auto hit = maker.make_hit(entry, kToday);
        ASSERT_TRUE(hit);
        EXPECT_TRUE(core::parse_mrz(hit->mrz, kYear)->valid);
        EXPECT_TRUE(core::match(entry, hit->traveler)) << hit->mrz;
    }
    core::WatchlistEntry too_long;
    too_long.document_number = "ABCDEFGHIJ12";
    too_long.issuing_country = "ITA";
    EXPECT_FALSE(maker.make_hit(too_long, kToday));
}

TEST(SyntheticTravellers, VehiclesHavePlatesAndFootPassengersNone) {
    TravellerMaker maker(5);
    for (int i = 0; i < 200; ++i) {
        const Vehicle v = maker.vehicle("ALB");
        EXPECT_TRUE(core::is_valid_mode(v.mode));
        EXPECT_EQ(v.plate.empty(), v.mode == "foot" || v.mode == "bus");
        EXPECT_LE(v.plate.size(), core::limits::kPlate);
    }
}

TEST(SimulateOptions, RatesAndDurationsAreReadAsTrainersWriteThem) {
    EXPECT_DOUBLE_EQ(*parse_rate("30/min"), 0.5);
    EXPECT_DOUBLE_EQ(*parse_rate("120"), 2.0);
    EXPECT_DOUBLE_EQ(*parse_rate("3600/h"), 1.0);
    EXPECT_DOUBLE_EQ(*parse_rate("2/s"), 2.0);
    for (const char* bad : {"", "0/min", "-5/min", "abc", "5/week", "7000/s"}) EXPECT_FALSE(parse_rate(bad)) << bad;
    EXPECT_EQ(*parse_duration("90"), 90);
    EXPECT_EQ(*parse_duration("90s"), 90);
    EXPECT_EQ(*parse_duration("20m"), 1200);
    EXPECT_EQ(*parse_duration("1h30m"), 5400);
    EXPECT_EQ(*parse_duration("2d"), 172800);
    for (const char* bad : {"", "0", "1h30", "5x", "-3m", "m"}) EXPECT_FALSE(parse_duration(bad)) << bad;
}

}  // namespace
}  // namespace borderlog::client::sim
