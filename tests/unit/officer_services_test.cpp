// The traveller view, the daily report and the watchlist answers: stored rows in, JSON and CSV out.
#include "server/service/travelers.hpp"

#include "core/crossing.hpp"
#include "core/crossing_json.hpp"
#include "core/errors.hpp"
#include "server/service/reports.hpp"
#include "server/service/watchlist.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <string>
#include <vector>

namespace borderlog::server::service {
namespace {

namespace json = boost::json;

date::sys_days day(const char* text) { return core::parse_day(text).value(); }

// A stored crossing row (record JSON with received_at) of UTO/L898902C3.
std::string row(const char* direction, const char* at, const char* nationality = "UTO", int seq = 1) {
    core::Crossing x;
    x.id = "01936f1e-8c2a-7b3e-9f00-0000000000" + std::to_string(10 + seq);
    x.device_id = "KAK-01";
    x.seq = seq;
    x.checkpoint_id = "KAK";
    x.direction = direction;
    x.occurred_at = at;
    x.traveler = {"P", "L898902C3", "UTO", nationality, "ERIKSSON", "ANNA MARIA", "1974-08-12", "F", ""};
    json::object o = core::to_json(x);
    o["received_at"] = "2026-11-27T12:00:00.000Z";
    return json::serialize(o);
}

TravelerQuery query_on(const char* on) {
    return parse_traveler_query("uto", "l898902c3", {{"on", on}}, day("2026-01-01"));
}

TEST(TravelerQuery, UppercasesTheDocumentAndDefaultsToToday) {
    const TravelerQuery q = parse_traveler_query("uto", "l898902c3", {}, day("2026-11-27"));
    EXPECT_EQ(q.issuing_country, "UTO");
    EXPECT_EQ(q.document_number, "L898902C3");
    EXPECT_EQ(q.on, day("2026-11-27"));
    EXPECT_FALSE(q.include_synthetic);
    EXPECT_EQ(document_target(q), "UTO/L898902C3");
}

TEST(TravelerQuery, NamesTheFieldAtFault) {
    const auto field_of = [](std::string_view country, std::string_view number,
                             const std::map<std::string, std::string>& q) {
        try {
            parse_traveler_query(country, number, q, day("2026-11-27"));
        } catch (const core::ValidationError& e) {
            return e.first().field;
        }
        return std::string("(none)");
    };
    EXPECT_EQ(field_of("U1O", "X", {}), "doc_country");
    EXPECT_EQ(field_of("UTOP", "X", {}), "doc_country");
    EXPECT_EQ(field_of("UTO", "X-1", {}), "doc_number");
    EXPECT_EQ(field_of("UTO", std::string(21, 'A'), {}), "doc_number");
    EXPECT_EQ(field_of("UTO", "X", {{"on", "2026-02-30"}}), "on");
    EXPECT_EQ(field_of("UTO", "X", {{"synthetic", "yes"}}), "synthetic");
    EXPECT_EQ(field_of("UTO", "X", {{"colour", "red"}}), "colour");
}

TEST(TravelerView, GivesEveryCrossingTheStatusAndTheStayAsOfTheDay) {
    const std::vector<std::string> rows{row("entry", "2026-03-01T10:00:00.000Z", "UTO", 1),
                                        row("exit", "2026-03-10T10:00:00.000Z", "UTO", 2),
                                        row("entry", "2026-06-21T10:00:00.000Z", "UTO", 3)};
    const json::object v = traveler_view(rows, {}, query_on("2026-06-30"), StayPolicy{"ALB", {}});
    EXPECT_EQ(v.at("status").as_string(), "in_country");
    EXPECT_EQ(v.at("crossings").as_array().size(), 3u);
    EXPECT_EQ(v.at("crossings").as_array()[0].at("received_at").as_string(), "2026-11-27T12:00:00.000Z");
    EXPECT_EQ(v.at("traveler").at("surname").as_string(), "ERIKSSON");
    const auto& stay = v.at("stay");
    EXPECT_EQ(stay.at("rule").as_string(), "90/180");
    EXPECT_EQ(stay.at("days_used").as_int64(), 20);  // 10 in March + 10 from 21 June
    EXPECT_EQ(stay.at("days_remaining").as_int64(), 70);
    EXPECT_FALSE(stay.at("overstay").as_bool());
    EXPECT_EQ(stay.at("window_start").as_string(), "2026-01-02");
    EXPECT_TRUE(v.at("anomalies").as_array().empty());

    // The stay as of a day before the last entry; the status is still where the traveller is now.
    const json::object before = traveler_view(rows, {}, query_on("2026-06-20"), StayPolicy{"ALB", {}});
    EXPECT_EQ(before.at("stay").at("days_used").as_int64(), 10);
    EXPECT_EQ(before.at("status").as_string(), "in_country");
}

TEST(TravelerView, OwnCitizensAreExemptFromTheRule) {
    const json::object v = traveler_view({row("entry", "2025-01-01T10:00:00.000Z", "ALB")}, {}, query_on("2026-06-30"),
                                         StayPolicy{"ALB", {}});
    const auto& stay = v.at("stay");
    EXPECT_EQ(stay.at("rule").as_string(), "exempt");
    EXPECT_EQ(stay.at("days_used").as_int64(), 180);
    EXPECT_TRUE(stay.at("days_remaining").is_null());
    EXPECT_FALSE(stay.at("overstay").as_bool());
}

TEST(TravelerView, AnUnknownDocumentIsUnknownWithAFullStay) {
    const json::object v = traveler_view({}, {}, query_on("2026-06-30"), StayPolicy{"ALB", {}});
    EXPECT_TRUE(v.at("traveler").is_null());
    EXPECT_EQ(v.at("status").as_string(), "unknown");
    EXPECT_EQ(v.at("stay").at("days_used").as_int64(), 0);
    EXPECT_EQ(v.at("stay").at("days_remaining").as_int64(), 90);
}

TEST(TravelerStatus, TellsABoothNoNamesAndNoCrossings) {
    const json::object v = traveler_status({row("entry", "2026-03-01T10:00:00.000Z")}, query_on("2026-06-30"),
                                           StayPolicy{"ALB", {}});
    EXPECT_EQ(json::serialize(v),
              R"({"status":"in_country","stay":{"rule":"90/180","on":"2026-06-30","window_start":"2026-01-02",)"
              R"("days_used":122,"days_remaining":0,"overstay":true},"on":"2026-06-30"})");
}

TEST(MrzRequest, TakesOnlyAnMrzString) {
    EXPECT_EQ(read_mrz_request(json::parse(R"({"mrz":"A\nB"})")), "A\nB");
    for (const char* body : {R"({})", R"({"mrz":7})", R"([])", R"({"mrz":"x","extra":1})"})
        EXPECT_THROW(read_mrz_request(json::parse(body)), core::ValidationError) << body;
}

TEST(MrzJson, ReportsChecksAndErrorsWithLineAndPosition) {
    const auto parsed = core::parse_mrz("P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n"
                                        "L898902C37UTO7408122F1204159ZE184226B<<<<<10",
                                        2026);
    ASSERT_TRUE(parsed.has_value());
    const json::object o = mrz_json(*parsed);
    EXPECT_FALSE(o.at("valid").as_bool());
    EXPECT_EQ(o.at("format").as_string(), "TD3");
    EXPECT_EQ(o.at("traveler").at("document_number").as_string(), "L898902C3");
    EXPECT_EQ(json::serialize(o.at("errors").as_array()[0]),
              R"({"field":"document_number","line":2,"position":10,"message":"check digit is 7 but the data gives 6"})");
    EXPECT_EQ(json::serialize(o.at("checks").as_array()[0]), R"({"field":"document_number","valid":false})");
}

// --- reports ---

TEST(DailyReport, CountsWithTotalsAndBackCapturedApart) {
    const DailyReportQuery q = parse_daily_report_query({{"date", "2026-11-27"}}, day("2026-01-01"));
    const json::object o = daily_report_json({{"KAK", "entry", "UTO", 5, 2}, {"KAK", "exit", "ALB", 3, 0}}, q);
    EXPECT_EQ(o.at("date").as_string(), "2026-11-27");
    EXPECT_EQ(json::serialize(o.at("totals")), R"({"count":8,"back_captured":2,"entry":5,"exit":3})");
}

TEST(DailyReport, CsvIsRfc4180WithFormulaCellsNeutralised) {
    const DailyReportQuery q = parse_daily_report_query({{"format", "csv"}}, day("2026-11-27"));
    EXPECT_TRUE(q.csv);
    const std::string csv = daily_report_csv({{"=cmd|' /C calc'!A0", "entry", "-X", 1, 0}, {"K,2", "exit", "+1", 2, 1}}, q);
    EXPECT_EQ(csv,
              "date,checkpoint_id,direction,nationality,count,back_captured\r\n"
              "2026-11-27,'=cmd|' /C calc'!A0,entry,'-X,1,0\r\n"
              "2026-11-27,\"K,2\",exit,'+1,2,1\r\n");
}

TEST(DailyReport, NamesTheParameterAtFault) {
    for (const auto& [key, value] : std::vector<std::pair<std::string, std::string>>{
             {"date", "27.11.2026"}, {"format", "xml"}, {"synthetic", "some"}, {"header", "no"}, {"colour", "red"}}) {
        try {
            parse_daily_report_query({{key, value}}, day("2026-11-27"));
            ADD_FAILURE() << key;
        } catch (const core::ValidationError& e) {
            EXPECT_EQ(e.first().field, key);
        }
    }
}

TEST(CsvCell, QuotesAndNeutralises) {
    EXPECT_EQ(csv_cell("plain"), "plain");
    EXPECT_EQ(csv_cell("a\"b"), "\"a\"\"b\"");
    EXPECT_EQ(csv_cell("@x"), "'@x");
    EXPECT_EQ(csv_cell("\tx"), "\"'\tx\"");
    EXPECT_EQ(csv_cell("=1,2"), "\"'=1,2\"");
    EXPECT_EQ(csv_cell(""), "");
}

// --- watchlist ---

TEST(WatchlistLoad, ReadsCsvOrJsonByContentType) {
    const auto csv = read_watchlist_load("text/csv; charset=utf-8", "document_number,issuing_country,reason,action\nX1,UTO,r,deny\n");
    const auto js = read_watchlist_load("application/json",
                                        R"({"entries":[{"document_number":"X1","issuing_country":"UTO","reason":"r","action":"deny"}]})");
    ASSERT_EQ(csv.size(), 1u);
    EXPECT_EQ(csv, js);
    EXPECT_THROW(read_watchlist_load("application/json", "{"), core::ValidationError);
    EXPECT_THROW(read_watchlist_load("text/csv", "reason,action\n\xff,deny\n"), core::ValidationError);
}

TEST(WatchlistDelta, SaysTheVersionAndWhatToRemoveAndAdd) {
    WatchlistDelta d;
    d.version = 4;
    core::WatchlistEntry e;
    e.id = "abc";
    e.document_number = "X1";
    e.issuing_country = "UTO";
    e.reason = "r";
    e.action = "deny";
    e.version = 4;
    d.added = {e};
    d.removed = {"old"};
    EXPECT_EQ(json::serialize(watchlist_delta_json(d, 3)),
              R"({"version":4,"since":3,"full":false,"added":[{"id":"abc","document_number":"X1","issuing_country":"UTO",)"
              R"("reason":"r","action":"deny","version":4}],"removed":["old"]})");
}

TEST(WatchlistSince, IsAWholeNumber) {
    EXPECT_EQ(parse_watchlist_since({}), 0);
    EXPECT_EQ(parse_watchlist_since({{"since", "12"}}), 12);
    EXPECT_THROW(parse_watchlist_since({{"since", "-1"}}), core::ValidationError);
    EXPECT_THROW(parse_watchlist_since({{"since", "x"}}), core::ValidationError);
    EXPECT_THROW(parse_watchlist_since({{"version", "1"}}), core::ValidationError);
}

TEST(AlertFilter, ReadsItsParameters) {
    const AlertFilter f = parse_alert_filter({{"late", "true"}, {"state", "all"}, {"checkpoint", "KAK"}, {"limit", "3"}});
    EXPECT_EQ(f.late, true);
    EXPECT_EQ(f.state, "all");
    EXPECT_EQ(f.checkpoint, "KAK");
    EXPECT_EQ(f.limit, 3);
    EXPECT_THROW(parse_alert_filter({{"state", "closed"}}), core::ValidationError);
    EXPECT_THROW(parse_alert_filter({{"late", "maybe"}}), core::ValidationError);
}

TEST(Acknowledgement, TakesAnOptionalNote) {
    EXPECT_EQ(read_acknowledgement(""), "");
    EXPECT_EQ(read_acknowledgement(R"({"note":"called the desk"})"), "called the desk");
    EXPECT_THROW(read_acknowledgement(R"({"note":5})"), core::ValidationError);
    EXPECT_THROW(read_acknowledgement(R"({"other":"x"})"), core::ValidationError);
}

}  // namespace
}  // namespace borderlog::server::service
