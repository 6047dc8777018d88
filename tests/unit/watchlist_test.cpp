#include "core/watchlist.hpp"

#include "core/watchlist_match.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace borderlog::core {
namespace {

namespace json = boost::json;

constexpr const char* kHeader = "document_number,issuing_country,surname,given_names,birth_date,reason,action\n";

std::string field_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const ValidationError& e) {
        return e.first().field + ": " + e.first().message;
    }
    return "(no error)";
}

// --- reading CSV ---

TEST(ReadWatchlistCsv, ReadsDocumentAndPersonEntriesWithNormalisedFields) {
    const auto entries = read_watchlist_csv(std::string(kHeader) +
                                            "l898902c3,uto,,,,Stolen document,DENY\r\n"
                                            ",,Müller,Hans Peter,1970-01-31,\"Interpol notice, red\",refer\r\n");
    ASSERT_EQ(entries.size(), 2u);
    EXPECT_EQ(entries[0].document_number, "L898902C3");
    EXPECT_EQ(entries[0].issuing_country, "UTO");
    EXPECT_EQ(entries[0].action, "deny");
    EXPECT_EQ(entries[1].surname, "Müller");
    EXPECT_EQ(entries[1].given_names, "Hans Peter");
    EXPECT_EQ(entries[1].reason, "Interpol notice, red");
    EXPECT_EQ(entries[1].id.size(), 32u);
    EXPECT_NE(entries[0].id, entries[1].id);
}

TEST(ReadWatchlistCsv, TakesColumnsInAnyOrderAndQuotedFieldsWithQuotesAndCommas) {
    const auto entries = read_watchlist_csv(
        "action,reason,surname,birth_date\n"
        "monitor,\"said \"\"hello\"\", left\",Eriksson,1974-08-12\n");
    ASSERT_EQ(entries.size(), 1u);
    EXPECT_EQ(entries[0].reason, "said \"hello\", left");
    EXPECT_EQ(entries[0].surname, "Eriksson");
}

TEST(ReadWatchlistCsv, CountsLinesInsideQuotedFieldsWhenNamingALine) {
    EXPECT_EQ(field_of([] {
                  read_watchlist_csv("surname,birth_date,reason,action\nA,1970-01-01,\"two\nlines\",deny\n"
                                     "B,1970-02-30,r,deny\n");
              }),
              "reason: on line 2 must be printable UTF-8 text of at most 500 bytes");
    EXPECT_EQ(field_of([] {
                  read_watchlist_csv("surname,birth_date,reason,action,given_names\nA,1970-01-01,r,deny,\"x\ny\"\n"
                                     "B,1970-02-30,r,deny,\n");
              }),
              "given_names: on line 2 must be printable UTF-8 text of at most 120 bytes");
}

TEST(ReadWatchlistCsv, AHeaderAloneIsAnEmptyList) {
    EXPECT_TRUE(read_watchlist_csv(kHeader).empty());
}

TEST(ReadWatchlistCsv, IgnoresAByteOrderMarkAndBlankLines) {
    const auto entries = read_watchlist_csv(std::string("\xEF\xBB\xBF") + kHeader + "\nX1,UTO,,,,r,deny\n\n");
    ASSERT_EQ(entries.size(), 1u);
}

TEST(ReadWatchlistCsv, TheSameContentHasTheSameIdAndAnotherActionAnother) {
    const auto a = read_watchlist_csv(std::string(kHeader) + "X1,UTO,,,,stolen,deny\n");
    const auto b = read_watchlist_csv(std::string(kHeader) + " x1 ,uto,,,, stolen ,Deny\n");
    const auto c = read_watchlist_csv(std::string(kHeader) + "X1,UTO,,,,stolen,refer\n");
    EXPECT_EQ(a[0].id, b[0].id);
    EXPECT_NE(a[0].id, c[0].id);
}

struct BadCsvCase {
    std::string name;
    std::string text;
    std::string error;  // "field: message" prefix expected
};

class ReadWatchlistCsvRefuses : public testing::TestWithParam<BadCsvCase> {};

TEST_P(ReadWatchlistCsvRefuses, NamingTheColumnAndLine) {
    const std::string got = field_of([&] { read_watchlist_csv(GetParam().text); });
    EXPECT_TRUE(got.starts_with(GetParam().error)) << got;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ReadWatchlistCsvRefuses,
    testing::Values(
        BadCsvCase{"NoHeader", "", "csv: needs a header"},
        BadCsvCase{"UnknownColumn", "document_number,colour\nX,red\n", "csv: the header names an unknown column 'colour'"},
        BadCsvCase{"RepeatedColumn", "surname,surname\nA,B\n", "csv: the header names column 'surname' twice"},
        BadCsvCase{"WrongFieldCount", std::string(kHeader) + "X1,UTO,,,,r\n", "csv: on line 2 has 6 fields"},
        BadCsvCase{"UnclosedQuote", std::string(kHeader) + "X1,UTO,,,,\"r,deny\n", "csv: a quoted field opened on line 2"},
        BadCsvCase{"BadBirthDate", std::string(kHeader) + "X1,UTO,,,,r,deny\n,,Doe,John,1970-13-01,r,deny\n",
                   "birth_date: on line 3 must be a date"},
        BadCsvCase{"SurnameWithoutBirthDate", std::string(kHeader) + ",,Doe,,,r,deny\n", "birth_date: on line 2 is required"},
        BadCsvCase{"NumberWithoutCountry", std::string(kHeader) + "X1,,,,,r,deny\n", "issuing_country: on line 2 is required"},
        BadCsvCase{"NeitherDocumentNorPerson", std::string(kHeader) + ",,,,,r,deny\n", "document_number: on line 2"},
        BadCsvCase{"NoReason", std::string(kHeader) + "X1,UTO,,,,,deny\n", "reason: on line 2 is required"},
        BadCsvCase{"NoAction", std::string(kHeader) + "X1,UTO,,,,r,\n", "action: on line 2 is required"},
        BadCsvCase{"ActionNotAWord", std::string(kHeader) + "X1,UTO,,,,r,deny now\n", "action: on line 2 must be one"},
        BadCsvCase{"GreekOnlySurname", std::string(kHeader) + ",,Παπαδόπουλος,,1970-01-01,r,deny\n",
                   "surname: on line 2 has no letter"}),
    [](const testing::TestParamInfo<BadCsvCase>& param_info) { return param_info.param.name; });

// --- reading JSON ---

TEST(ReadWatchlistJson, ReadsAnEntriesObjectOrABareArray) {
    const auto a = read_watchlist_json(json::parse(
        R"({"entries":[{"document_number":"X1","issuing_country":"UTO","reason":"r","action":"deny"}]})"));
    const auto b = read_watchlist_json(
        json::parse(R"([{"document_number":"X1","issuing_country":"UTO","reason":"r","action":"deny"}])"));
    ASSERT_EQ(a.size(), 1u);
    EXPECT_EQ(a, b);
}

TEST(ReadWatchlistJson, NamesTheEntryAndFieldAtFault) {
    EXPECT_EQ(field_of([] {
                  read_watchlist_json(json::parse(R"({"entries":[{"document_number":"X1","issuing_country":"UTO",)"
                                                  R"("reason":"r","action":"deny"},{"surname":"Doe","reason":"r","action":"deny"}]})"));
              }),
              "entries[1].birth_date: is required with surname");
    EXPECT_EQ(field_of([] { read_watchlist_json(json::parse(R"([{"colour":"red"}])")); }),
              "entries[0].colour: is not a known field");
    EXPECT_EQ(field_of([] { read_watchlist_json(json::parse(R"([{"surname":7}])")); }),
              "entries[0].surname: must be a string");
    EXPECT_EQ(field_of([] { read_watchlist_json(json::parse(R"({"list":[]})")); }), "list: is not a known field");
    EXPECT_EQ(field_of([] { read_watchlist_json(json::parse(R"("x")")); }), "entries: must be an array of entries");
}

TEST(ReadWatchlistJson, AcceptsAListReadBackFromTheCentre) {
    auto entries = read_watchlist_json(
        json::parse(R"([{"document_number":"X1","issuing_country":"UTO","reason":"r","action":"deny"}])"));
    entries[0].version = 4;
    json::array back{to_json(entries[0])};
    const auto again = read_watchlist_json(back);
    EXPECT_EQ(again[0].id, entries[0].id);
    EXPECT_EQ(watchlist_entry_from_json(back[0]), entries[0]);
}

// --- matching ---

WatchlistEntry person(std::string surname, std::string given, std::string birth) {
    WatchlistEntry e;
    e.surname = std::move(surname);
    e.given_names = std::move(given);
    e.birth_date = std::move(birth);
    e.reason = "r";
    e.action = "refer";
    return e;
}

WatchlistEntry document(std::string country, std::string number) {
    WatchlistEntry e;
    e.issuing_country = std::move(country);
    e.document_number = std::move(number);
    e.reason = "r";
    e.action = "deny";
    return e;
}

Traveler traveler(std::string surname, std::string given, std::string birth, std::string country = "D",
                  std::string number = "C01X00T47") {
    return Traveler{"P", std::move(number), std::move(country), "D", std::move(surname), std::move(given),
                    std::move(birth), "M", ""};
}

struct MatchCase {
    std::string name;
    WatchlistEntry entry;
    Traveler traveler;
    std::optional<MatchKind> expected;
};

class MatchWatchlist : public testing::TestWithParam<MatchCase> {};

TEST_P(MatchWatchlist, MatchesWholeTransliteratedNamesOrTheDocument) {
    EXPECT_EQ(match(GetParam().entry, GetParam().traveler), GetParam().expected);
    // Whatever matches must also be found through the lookup keys (the centre's index narrows by them).
    if (GetParam().expected == MatchKind::person) {
        const auto wanted = person_keys(GetParam().entry);
        const auto seen = person_keys(GetParam().traveler);
        EXPECT_TRUE(std::any_of(wanted.begin(), wanted.end(),
                                [&](const std::string& k) { return std::find(seen.begin(), seen.end(), k) != seen.end(); }));
    }
}

INSTANTIATE_TEST_SUITE_P(
    Cases, MatchWatchlist,
    testing::Values(
        MatchCase{"SameDocument", document("D", "C01X00T47"), traveler("X", "", "1970-01-01"), MatchKind::document},
        MatchCase{"DocumentWithFillersAndLowerCase", document("d<<", "c01x00t47"), traveler("X", "", "1970-01-01"),
                  MatchKind::document},
        MatchCase{"SameNumberOtherIssuingState", document("UTO", "C01X00T47"), traveler("X", "", "1970-01-01"),
                  std::nullopt},
        MatchCase{"UmlautAgainstTheMrzSpelling", person("Müller", "Hans", "1970-01-31"),
                  traveler("MUELLER", "HANS", "1970-01-31"), MatchKind::person},
        MatchCase{"UmlautAgainstTheFoldedMrzSpelling", person("Müller", "Hans", "1970-01-31"),
                  traveler("MULLER", "HANS", "1970-01-31"), MatchKind::person},
        MatchCase{"TypedUmlautAgainstAnMrzSpelledEntry", person("MUELLER", "HANS", "1970-01-31"),
                  traveler("Müller", "Hans", "1970-01-31"), MatchKind::person},
        MatchCase{"FillersAndSpacesAlike", person("VAN DER BERG", "ANNA MARIA", "1980-02-02"),
                  traveler("VAN<DER<BERG", "ANNA<MARIA", "1980-02-02"), MatchKind::person},
        MatchCase{"DiacriticsFolded", person("Çelë", "Arbën", "1988-06-02"), traveler("CELE", "ARBEN", "1988-06-02"),
                  MatchKind::person},
        MatchCase{"SharpS", person("Weiß", "Eva", "1990-05-05"), traveler("WEISS", "EVA", "1990-05-05"),
                  MatchKind::person},
        MatchCase{"EntryWithoutGivenNamesMatchesAnyGivenNames", person("Eriksson", "", "1974-08-12"),
                  traveler("ERIKSSON", "ANNA MARIA", "1974-08-12"), MatchKind::person},
        MatchCase{"OtherBirthDate", person("Eriksson", "Anna Maria", "1974-08-12"),
                  traveler("ERIKSSON", "ANNA MARIA", "1974-08-13"), std::nullopt},
        MatchCase{"SurnameIsNotMatchedAsASubstring", person("Li", "", "1990-01-01"),
                  traveler("LILIAN", "", "1990-01-01"), std::nullopt},
        MatchCase{"SurnameWordIsNotEnough", person("Berg", "", "1980-02-02"),
                  traveler("VAN DER BERG", "", "1980-02-02"), std::nullopt},
        MatchCase{"GivenNamesMustBeWhole", person("Eriksson", "Anna", "1974-08-12"),
                  traveler("ERIKSSON", "ANNA MARIA", "1974-08-12"), std::nullopt},
        MatchCase{"GivenNamesPrefixIsNotEnough", person("Eriksson", "Ann", "1974-08-12"),
                  traveler("ERIKSSON", "ANNA", "1974-08-12"), std::nullopt},
        MatchCase{"UeIsNotFoldedToUInAnEntryWithoutUmlaut", person("Samuel", "", "1970-01-01"),
                  traveler("SAMUL", "", "1970-01-01"), std::nullopt}),
    [](const testing::TestParamInfo<MatchCase>& param_info) { return param_info.param.name; });

TEST(ScreenWatchlist, ReturnsEveryMatchingEntryInListOrder) {
    const std::vector<WatchlistEntry> list{person("Eriksson", "", "1974-08-12"), document("UTO", "X"),
                                           document("D", "C01X00T47")};
    const auto hits = screen(list, traveler("ERIKSSON", "ANNA", "1974-08-12"));
    ASSERT_EQ(hits.size(), 2u);
    EXPECT_EQ(hits[0].entry, &list[0]);
    EXPECT_EQ(hits[0].by, MatchKind::person);
    EXPECT_EQ(hits[1].entry, &list[2]);
    EXPECT_EQ(hits[1].by, MatchKind::document);
}

TEST(DocumentKey, IsEmptyWithoutAStateOrANumber) {
    EXPECT_EQ(document_key("UTO", "L898902C3"), "UTO/L898902C3");
    EXPECT_EQ(document_key("", "L898902C3"), "");
    EXPECT_EQ(document_key("UTO", "<<"), "");
}

}  // namespace
}  // namespace borderlog::core
