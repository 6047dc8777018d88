#include "server/service/crossing_queries.hpp"

#include "core/errors.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <map>
#include <string>
#include <vector>

namespace borderlog::server::service {
namespace {

namespace json = boost::json;

using Query = std::map<std::string, std::string>;

TEST(CrossingQueries, NoParametersGiveTheDefaultFilter) {
    const CrossingFilter f = parse_crossing_filter({});
    EXPECT_FALSE(f.checkpoint || f.device || f.direction || f.doc_country || f.doc_number || f.from || f.to);
    EXPECT_EQ(f.limit, kDefaultListLimit);
    EXPECT_EQ(f.after, 0);
}

TEST(CrossingQueries, EveryFilterIsRead) {
    const CrossingFilter f = parse_crossing_filter({{"checkpoint", "KAKAVIJE"},
                                                    {"device", "KAK-01"},
                                                    {"direction", "exit"},
                                                    {"doc_country", "UTO"},
                                                    {"doc_number", "L898902C3"},
                                                    {"from", "2026-11-27T00:00:00Z"},
                                                    {"to", "2026-11-28T00:00:00.5Z"},
                                                    {"limit", "25"},
                                                    {"after", "4711"},
                                                    {"format", "csv"},
                                                    {"header", "false"}});
    EXPECT_EQ(f.checkpoint, "KAKAVIJE");
    EXPECT_EQ(f.device, "KAK-01");
    EXPECT_EQ(f.direction, "exit");
    EXPECT_EQ(f.doc_country, "UTO");
    EXPECT_EQ(f.doc_number, "L898902C3");
    EXPECT_EQ(f.from, "2026-11-27T00:00:00.000Z");
    EXPECT_EQ(f.to, "2026-11-28T00:00:00.500Z");
    EXPECT_EQ(f.limit, 25);
    EXPECT_EQ(f.after, 4711);
}

TEST(CrossingQueries, FromWithAnOffsetIsNormalisedToUtc) {
    EXPECT_EQ(parse_crossing_filter({{"from", "2026-11-27T12:00:00+02:00"}}).from, "2026-11-27T10:00:00.000Z");
}

TEST(CrossingQueries, AnEmptyParameterIsNoFilter) {
    const CrossingFilter f = parse_crossing_filter({{"direction", ""}, {"limit", ""}, {"from", ""}});
    EXPECT_FALSE(f.direction.has_value());
    EXPECT_FALSE(f.from.has_value());
    EXPECT_EQ(f.limit, kDefaultListLimit);
}

class TheLimitBounds : public testing::TestWithParam<int> {};

TEST_P(TheLimitBounds, AreAccepted) {
    EXPECT_EQ(parse_crossing_filter({{"limit", std::to_string(GetParam())}}).limit, GetParam());
}

INSTANTIATE_TEST_SUITE_P(CrossingQueries, TheLimitBounds, testing::Values(1, kMaxListLimit));

struct BadQueryCase {
    const char* name;
    Query query;
    const char* field;
};
void PrintTo(const BadQueryCase& c, std::ostream* os) { *os << c.name; }

class ABadListingQueryIsRefused : public testing::TestWithParam<BadQueryCase> {};

TEST_P(ABadListingQueryIsRefused, NamingTheParameter) {
    try {
        parse_crossing_filter(GetParam().query);
        FAIL() << "no ValidationError";
    } catch (const core::ValidationError& e) {
        EXPECT_EQ(e.first().field, GetParam().field);
    }
}

INSTANTIATE_TEST_SUITE_P(
    CrossingQueries, ABadListingQueryIsRefused,
    testing::Values(BadQueryCase{"UnknownParameter", {{"colour", "red"}}, "colour"},
                    BadQueryCase{"UnknownBesideKnown", {{"device", "KAK-01"}, {"nationality", "UTO"}}, "nationality"},
                    BadQueryCase{"LimitZero", {{"limit", "0"}}, "limit"},
                    BadQueryCase{"LimitAboveTheMaximum", {{"limit", "1001"}}, "limit"},
                    BadQueryCase{"LimitNegative", {{"limit", "-5"}}, "limit"},
                    BadQueryCase{"LimitNotANumber", {{"limit", "ten"}}, "limit"},
                    BadQueryCase{"LimitWithTrailingText", {{"limit", "10x"}}, "limit"},
                    BadQueryCase{"LimitHuge", {{"limit", "99999999999999999999999"}}, "limit"},
                    BadQueryCase{"AfterNegative", {{"after", "-1"}}, "after"},
                    BadQueryCase{"AfterNotANumber", {{"after", "abc"}}, "after"},
                    BadQueryCase{"FromNotATimestamp", {{"from", "yesterday"}}, "from"},
                    BadQueryCase{"FromADateOnly", {{"from", "2026-11-27"}}, "from"},
                    BadQueryCase{"ToMonth13", {{"to", "2026-13-01T00:00:00Z"}}, "to"},
                    BadQueryCase{"DirectionIn", {{"direction", "in"}}, "direction"},
                    BadQueryCase{"CheckpointWithASpace", {{"checkpoint", "KAK AVIJE"}}, "checkpoint"},
                    BadQueryCase{"DeviceWithASlash", {{"device", "KAK/01"}}, "device"},
                    BadQueryCase{"DocCountryFourLetters", {{"doc_country", "UTOP"}}, "doc_country"},
                    BadQueryCase{"DocNumberTooLong", {{"doc_number", std::string(21, '1')}}, "doc_number"},
                    BadQueryCase{"FormatXml", {{"format", "xml"}}, "format"}),
    [](const auto& param_info) { return std::string(param_info.param.name); });

std::string core_record_without_stream() {
    return R"({"id":"01936f1e-8c2a-7b3e-9f00-3c5d2a1b4e77","device_id":"KAK-01","seq":1,"checkpoint_id":"KAKAVIJE",
               "direction":"exit","occurred_at":"2026-11-27T10:42:05.123Z","recorded_offline":false,
               "traveler":{"document_number":"X1","issuing_country":"ALB","nationality":"ALB","surname":"A",
                           "birth_date":"1990-01-01","sex":"X"}})";
}

// crossings_page: the cursor is offered only when the page is full.
std::vector<CrossingRow> rows_numbered(std::vector<std::int64_t> ingest_nos) {
    std::vector<CrossingRow> rows;
    for (const auto n : ingest_nos) rows.push_back({n, R"({"seq":)" + std::to_string(n) + "}", "", "", {}});
    return rows;
}

CrossingFilter with_limit(int limit) {
    CrossingFilter f;
    f.limit = limit;
    return f;
}

TEST(CrossingQueries, AFullPageOffersTheLastIngestNumberAsTheCursor) {
    const json::object page = crossings_page(rows_numbered({5, 9, 12}), with_limit(3));
    EXPECT_EQ(page.at("next_after"), json::value("12"));
    ASSERT_EQ(page.at("crossings").as_array().size(), 3u);
    EXPECT_EQ(page.at("crossings").as_array()[1].at("seq"), 9);
}

TEST(CrossingQueries, AShortPageOffersNoCursor) {
    EXPECT_TRUE(crossings_page(rows_numbered({5, 9}), with_limit(3)).at("next_after").is_null());
}

TEST(CrossingQueries, AnEmptyPageOffersNoCursor) {
    const json::object page = crossings_page({}, with_limit(3));
    EXPECT_TRUE(page.at("next_after").is_null());
    EXPECT_TRUE(page.at("crossings").as_array().empty());
}

// crossings_csv: RFC 4180 quoting, and formulas defused so a spreadsheet shows them as text.
constexpr const char* kHeader =
    "id,device_id,seq,checkpoint_id,lane,direction,occurred_at,received_at,officer_id,document_type,"
    "document_number,issuing_country,nationality,surname,given_names,birth_date,sex,expiry_date,transport_mode,"
    "vehicle_plate,stream_id,flags\r\n";

const CrossingRow kTrickyRow{1, R"json({
  "id": "01936f1e-8c2a-7b3e-9f00-3c5d2a1b4e77", "device_id": "KAK-01", "seq": 17, "checkpoint_id": "KAKAVIJE",
  "lane": "-3", "direction": "entry", "occurred_at": "2026-11-27T10:42:05.123Z", "officer_id": "@officer",
  "traveler": {"document_type": "P", "document_number": "L898902C3", "issuing_country": "UTO",
               "nationality": "UTO", "surname": "O\"BRIEN, JR", "given_names": "=HYPERLINK(\"http://x\",\"y\")",
               "birth_date": "1974-08-12", "sex": "F"},
  "transport": {"mode": "car", "vehicle_plate": "+AB 12"}, "recorded_offline": true})json",
                              "2026-11-27T10:42:06.000Z", "", {}};

const CrossingRow kPlainRow{2, R"({
  "id": "01936f1e-8c2a-7b3e-9f00-3c5d2a1b4e78", "device_id": "KAK-01", "seq": 18, "checkpoint_id": "KAKAVIJE",
  "stream_id": "01936f1e-0000-7000-8000-000000000001",
  "direction": "exit", "occurred_at": "2026-11-27T11:00:00.000Z",
  "traveler": {"document_number": "X1", "issuing_country": "ALB", "nationality": "ALB",
               "surname": "LINE\nBREAK", "birth_date": "1990-01-01", "sex": "X", "expiry_date": "2030-01-01"},
  "recorded_offline": false})",
                             "2026-11-27T11:00:01.000Z", "01936f1e-0000-7000-8000-000000000001",
                             {"synthetic", "clock_suspect"}};

TEST(CrossingQueries, CsvStartsWithTheHeaderLine) { EXPECT_EQ(crossings_csv({}, true), kHeader); }

TEST(CrossingQueries, CsvWithoutHeaderHasOnlyRows) { EXPECT_EQ(crossings_csv({}, false), ""); }

TEST(CrossingQueries, CsvQuotesCommasQuotesAndNewlinesAndDefusesFormulas) {
    const std::string csv = crossings_csv({kTrickyRow, kPlainRow}, true);
    const std::string expected =
        std::string(kHeader) +
        "01936f1e-8c2a-7b3e-9f00-3c5d2a1b4e77,KAK-01,17,KAKAVIJE,'-3,entry,2026-11-27T10:42:05.123Z,"
        "2026-11-27T10:42:06.000Z,'@officer,P,L898902C3,UTO,UTO,\"O\"\"BRIEN, JR\","
        "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",1974-08-12,F,,car,'+AB 12,,\r\n"
        "01936f1e-8c2a-7b3e-9f00-3c5d2a1b4e78,KAK-01,18,KAKAVIJE,,exit,2026-11-27T11:00:00.000Z,"
        "2026-11-27T11:00:01.000Z,,,X1,ALB,ALB,\"LINE\nBREAK\",,1990-01-01,X,2030-01-01,,,"
        "01936f1e-0000-7000-8000-000000000001,synthetic clock_suspect\r\n";
    EXPECT_EQ(csv, expected);
}

struct FormulaCase {
    const char* name;
    const char* surname;
    const char* cell;
};
void PrintTo(const FormulaCase& c, std::ostream* os) { *os << c.name; }

class ACsvCellThatLooksLikeAFormula : public testing::TestWithParam<FormulaCase> {};

TEST_P(ACsvCellThatLooksLikeAFormula, IsPrefixedWithAQuote) {
    json::object row = json::parse(kPlainRow.json).as_object();
    row["traveler"].as_object()["surname"] = GetParam().surname;
    const std::string csv = crossings_csv({{1, json::serialize(row), "2026-11-27T11:00:01.000Z", "", {}}}, false);
    EXPECT_NE(csv.find(std::string(",ALB,ALB,") + GetParam().cell + ",,1990-01-01,"), std::string::npos) << csv;
}

INSTANTIATE_TEST_SUITE_P(CrossingQueries, ACsvCellThatLooksLikeAFormula,
                         testing::Values(FormulaCase{"Equals", "=1+2", "'=1+2"},
                                         FormulaCase{"Plus", "+1", "'+1"},
                                         FormulaCase{"Minus", "-1", "'-1"},
                                         FormulaCase{"At", "@SUM(A1)", "'@SUM(A1)"},
                                         FormulaCase{"FormulaWithAComma", "=SUM(A1,A2)", "\"'=SUM(A1,A2)\""},
                                         FormulaCase{"EqualsNotFirstIsLeftAlone", "A=B", "A=B"},
                                         FormulaCase{"SpacesBeforeTheFormula", "  =1+2", "  '=1+2"}),
                         [](const auto& param_info) { return std::string(param_info.param.name); });

// A spreadsheet in a locale that splits on ';' (or on tabs) starts a new field inside the cell: every
// such field is quoted and defused too.
struct CellCase {
    const char* name;
    const char* value;
    const char* cell;
};
void PrintTo(const CellCase& c, std::ostream* os) { *os << c.name; }

class ACsvCell : public testing::TestWithParam<CellCase> {};

TEST_P(ACsvCell, IsQuotedAndDefusedWhereASpreadsheetCouldSplitIt) { EXPECT_EQ(csv_cell(GetParam().value), GetParam().cell); }

INSTANTIATE_TEST_SUITE_P(
    CrossingQueries, ACsvCell,
    testing::Values(CellCase{"Plain", "ERIKSSON", "ERIKSSON"},
                    CellCase{"Semicolon", "A;B", "\"A;B\""},
                    CellCase{"Tab", "A\tB", "\"A\tB\""},
                    CellCase{"Comma", "A,B", "\"A,B\""},
                    CellCase{"Quote", "A\"B", "\"A\"\"B\""},
                    CellCase{"CarriageReturn", "A\rB", "\"A\rB\""},
                    CellCase{"LineFeed", "A\nB", "\"A\nB\""},
                    CellCase{"FormulaAfterASemicolon", "SMITH;=cmd|'/c calc'!A1", "\"SMITH;'=cmd|'/c calc'!A1\""},
                    CellCase{"FormulaAfterACommaAndSpace", "X, @SUM(1)", "\"X, '@SUM(1)\""},
                    CellCase{"FormulaAfterATab", "X\t+1", "\"X\t'+1\""},
                    CellCase{"MinusAfterASemicolon", "A;-1", "\"A;'-1\""},
                    CellCase{"FormulaSignInsideAFieldIsLeftAlone", "A;B=C", "\"A;B=C\""},
                    CellCase{"FormulaAtTheStartAndAfterASemicolon", "=1;=2", "\"'=1;'=2\""}),
    [](const auto& param_info) { return std::string(param_info.param.name); });

// The listing answers each record in the contract's order, with what the server keeps beside it.
TEST(CrossingQueries, AListedCrossingIsInTheContractsFieldOrderWithStreamFlagsAndReceivedAt) {
    // As PostgreSQL's jsonb gives it back: keys ordered by length.
    const CrossingRow row{7, R"({"id":"01936f1e-8c2a-7b3e-9f00-3c5d2a1b4e77","seq":17,"lane":"3","flags":["synthetic"],
        "device_id":"KAK-01","direction":"entry","stream_id":"01936f1e-0000-7000-8000-000000000001",
        "traveler":{"sex":"F","surname":"ERIKSSON","birth_date":"1974-08-12","nationality":"UTO",
                    "issuing_country":"UTO","document_number":"L898902C3"},
        "occurred_at":"2026-11-27T10:42:05.123Z","checkpoint_id":"KAKAVIJE","recorded_offline":true})",
                          "2026-11-27T10:42:06.000Z", "01936f1e-0000-7000-8000-000000000001",
                          {"synthetic", "clock_suspect"}};
    const json::object listed = listed_crossing(row);
    std::vector<std::string> keys;
    for (const auto& kv : listed) keys.emplace_back(kv.key());
    EXPECT_EQ(keys, (std::vector<std::string>{"id", "device_id", "stream_id", "seq", "checkpoint_id", "lane",
                                              "direction", "occurred_at", "traveler", "recorded_offline", "flags",
                                              "received_at"}));
    EXPECT_EQ(listed.at("flags"), json::parse(R"(["synthetic","clock_suspect"])"));
    EXPECT_EQ(listed.at("received_at"), "2026-11-27T10:42:06.000Z");
    std::vector<std::string> traveler_keys;
    for (const auto& kv : listed.at("traveler").as_object()) traveler_keys.emplace_back(kv.key());
    EXPECT_EQ(traveler_keys, (std::vector<std::string>{"document_number", "issuing_country", "nationality", "surname",
                                                       "birth_date", "sex"}));
}

TEST(CrossingQueries, AListedLegacyCrossingShowsItsEmptyStreamAndNoFlags) {
    const CrossingRow row{7, core_record_without_stream(), "2026-11-27T10:42:06.000Z", "", {}};
    const json::object listed = listed_crossing(row);
    EXPECT_EQ(listed.at("stream_id"), "");
    EXPECT_EQ(listed.at("flags"), json::array{});
}

}  // namespace
}  // namespace borderlog::server::service
