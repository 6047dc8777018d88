#include "server/service/ingest.hpp"

#include "core/errors.hpp"
#include "core/time.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

namespace borderlog::server::service {
namespace {

namespace json = boost::json;

constexpr int kYear = 2026;

const Principal kDeviceToken{1, "device", "KAKAVIJE", "KAK-01", "lane 3 terminal"};
const Principal kOperationsToken{2, "operations", "", "", "duty desk"};

// A valid crossing of device KAK-01 at KAKAVIJE; `n` picks its id and seq.
json::object crossing(int n) {
    char id[40];
    std::snprintf(id, sizeof id, "01936f1e-8c2a-7b3e-9f00-%012d", n);
    return json::object{
        {"id", id},
        {"device_id", "KAK-01"},
        {"seq", n},
        {"checkpoint_id", "KAKAVIJE"},
        {"direction", "entry"},
        {"occurred_at", "2026-11-27T10:42:05.123Z"},
        {"traveler",
         {{"document_number", "L898902C3"},
          {"issuing_country", "UTO"},
          {"nationality", "UTO"},
          {"surname", "ERIKSSON"},
          {"birth_date", "1974-08-12"},
          {"sex", "F"}}},
    };
}

std::string id_of(int n) { return std::string(crossing(n).at("id").as_string()); }

json::value batch(std::vector<json::object> records) {
    json::array a;
    for (auto& r : records) a.push_back(std::move(r));
    return json::object{{"records", std::move(a)}};
}

TEST(Ingest, AValidRecordOfTheCallersDeviceIsPlannedForStorage) {
    const PlannedRecord p = plan_record(crossing(1), kDeviceToken, kYear);
    ASSERT_TRUE(p.crossing.has_value());
    EXPECT_FALSE(p.refusal.has_value());
    EXPECT_EQ(p.id, id_of(1));
    EXPECT_EQ(p.crossing->seq, 1);
}

TEST(Ingest, ABadRecordIsRejectedAloneNamingItsField) {
    json::object bad = crossing(2);
    bad["direction"] = "sideways";
    const auto plan = plan_batch(batch({crossing(1), bad, crossing(3)}), kDeviceToken, kYear);
    ASSERT_EQ(plan.size(), 3u);
    EXPECT_TRUE(plan[0].crossing.has_value());
    EXPECT_TRUE(plan[2].crossing.has_value());
    EXPECT_FALSE(plan[1].crossing.has_value());
    ASSERT_TRUE(plan[1].refusal.has_value());
    EXPECT_EQ(plan[1].refusal->code, "invalid_field");
    EXPECT_EQ(plan[1].refusal->field, "direction");
    EXPECT_EQ(plan[1].id, id_of(2));
}

TEST(Ingest, ARefusedRecordKeepsTheIdAsSent) {
    json::object bad = crossing(1);
    bad["id"] = "not-a-uuid";
    const PlannedRecord p = plan_record(bad, kDeviceToken, kYear);
    ASSERT_TRUE(p.refusal.has_value());
    EXPECT_EQ(p.refusal->field, "id");
    EXPECT_EQ(p.id, "not-a-uuid");
}

TEST(Ingest, ARecordThatIsNotAnObjectIsRejectedWithAnEmptyId) {
    const PlannedRecord p = plan_record(json::value("crossing"), kDeviceToken, kYear);
    ASSERT_TRUE(p.refusal.has_value());
    EXPECT_EQ(p.refusal->code, "invalid_field");
    EXPECT_EQ(p.id, "");
}

TEST(Ingest, AnUpperCaseIdIsPlannedInLowerCase) {
    json::object x = crossing(1);
    x["id"] = "01936F1E-8C2A-7B3E-9F00-00000000000A";
    const PlannedRecord p = plan_record(x, kDeviceToken, kYear);
    ASSERT_TRUE(p.crossing.has_value());
    EXPECT_EQ(p.id, "01936f1e-8c2a-7b3e-9f00-00000000000a");
    EXPECT_EQ(p.crossing->id, p.id);
}

struct ForbiddenCase {
    const char* name;
    const char* key;
    const char* value;
};
void PrintTo(const ForbiddenCase& c, std::ostream* os) { *os << c.name; }

class ADeviceTokenSpeaksOnlyForItsOwnDevice : public testing::TestWithParam<ForbiddenCase> {};

TEST_P(ADeviceTokenSpeaksOnlyForItsOwnDevice, SoARecordOfAnotherIsForbidden) {
    json::object x = crossing(1);
    x[GetParam().key] = GetParam().value;
    const PlannedRecord p = plan_record(x, kDeviceToken, kYear);
    EXPECT_FALSE(p.crossing.has_value());
    ASSERT_TRUE(p.refusal.has_value());
    EXPECT_EQ(p.refusal->code, "forbidden");
    EXPECT_EQ(p.id, id_of(1));
}

INSTANTIATE_TEST_SUITE_P(Ingest, ADeviceTokenSpeaksOnlyForItsOwnDevice,
                         testing::Values(ForbiddenCase{"OtherDevice", "device_id", "KAK-02"},
                                         ForbiddenCase{"OtherCheckpoint", "checkpoint_id", "QAFETHANES"}),
                         [](const auto& param_info) { return std::string(param_info.param.name); });

TEST(Ingest, AForbiddenRecordDoesNotStopTheOthersInTheBatch) {
    json::object other = crossing(2);
    other["device_id"] = "KAK-02";
    const auto plan = plan_batch(batch({crossing(1), other, crossing(3)}), kDeviceToken, kYear);
    ASSERT_EQ(plan.size(), 3u);
    EXPECT_TRUE(plan[0].crossing.has_value());
    EXPECT_EQ(plan[1].refusal->code, "forbidden");
    EXPECT_TRUE(plan[2].crossing.has_value());
}

TEST(Ingest, ANonDeviceTokenIsNotBoundToOneDevice) {
    json::object other = crossing(1);
    other["device_id"] = "KAK-02";
    EXPECT_TRUE(plan_record(other, kOperationsToken, kYear).crossing.has_value());
}

// The envelope itself is wrong: the whole request is refused, naming the field.
struct EnvelopeCase {
    const char* name;
    std::function<json::value()> body;
    const char* field;
};
void PrintTo(const EnvelopeCase& c, std::ostream* os) { *os << c.name; }

class ABatchWithAWrongEnvelopeIsRefused : public testing::TestWithParam<EnvelopeCase> {};

TEST_P(ABatchWithAWrongEnvelopeIsRefused, NamingTheField) {
    try {
        plan_batch(GetParam().body(), kDeviceToken, kYear);
        FAIL() << "no ValidationError";
    } catch (const core::ValidationError& e) {
        EXPECT_EQ(e.first().field, GetParam().field);
    }
}

INSTANTIATE_TEST_SUITE_P(
    Ingest, ABatchWithAWrongEnvelopeIsRefused,
    testing::Values(EnvelopeCase{"AnArray", [] { return json::value(json::array{}); }, ""},
                    EnvelopeCase{"AString", [] { return json::value("records"); }, ""},
                    EnvelopeCase{"Null", [] { return json::value(nullptr); }, ""},
                    EnvelopeCase{"NoRecords", [] { return json::value(json::object{{"recs", json::array{}}}); },
                                 "records"},
                    EnvelopeCase{"RecordsAnObject",
                                 [] { return json::value(json::object{{"records", json::object{}}}); }, "records"},
                    EnvelopeCase{"RecordsNull", [] { return json::value(json::object{{"records", nullptr}}); },
                                 "records"},
                    EnvelopeCase{"MoreThan1000Records",
                                 [] {
                                     json::array a(kMaxBatch + 1, json::value(crossing(1)));
                                     return json::value(json::object{{"records", std::move(a)}});
                                 },
                                 "records"}),
    [](const auto& param_info) { return std::string(param_info.param.name); });

TEST(Ingest, ABatchOfExactly1000RecordsIsPlanned) {
    json::array a;
    for (int i = 1; i <= static_cast<int>(kMaxBatch); ++i) a.push_back(crossing(i));
    const auto plan = plan_batch(json::object{{"records", std::move(a)}}, kDeviceToken, kYear);
    ASSERT_EQ(plan.size(), kMaxBatch);
    EXPECT_TRUE(std::all_of(plan.begin(), plan.end(), [](const PlannedRecord& p) { return p.crossing.has_value(); }));
}

TEST(Ingest, AnEmptyBatchPlansNothingAndAnswersNoResults) {
    const auto plan = plan_batch(batch({}), kDeviceToken, kYear);
    EXPECT_TRUE(plan.empty());
    EXPECT_EQ(json::value(batch_results(plan, {})), json::parse(R"({"results":[]})"));
}

TEST(Ingest, BatchResultsKeepRequestOrderAndMapEveryStatus) {
    json::object bad = crossing(2);
    bad["seq"] = 0;
    const auto plan =
        plan_batch(batch({crossing(1), bad, crossing(3), crossing(4), crossing(5)}), kDeviceToken, kYear);
    const std::vector<InsertStatus> statuses{InsertStatus::stored, InsertStatus::duplicate, InsertStatus::id_conflict,
                                             InsertStatus::seq_conflict};
    const json::value answer = batch_results(plan, statuses);
    const json::array& results = answer.as_object().at("results").as_array();
    ASSERT_EQ(results.size(), 5u);

    const auto status = [&](std::size_t i) { return std::string(results[i].as_object().at("status").as_string()); };
    const auto code = [&](std::size_t i) {
        return std::string(results[i].as_object().at("error").as_object().at("code").as_string());
    };
    for (std::size_t i = 0; i < 5; ++i)
        EXPECT_EQ(results[i].as_object().at("id").as_string(), id_of(static_cast<int>(i) + 1)) << i;

    EXPECT_EQ(status(0), "stored");
    EXPECT_FALSE(results[0].as_object().contains("error"));
    EXPECT_EQ(status(1), "rejected");
    EXPECT_EQ(code(1), "invalid_field");
    EXPECT_EQ(results[1].as_object().at("error").as_object().at("field").as_string(), "seq");
    EXPECT_EQ(status(2), "duplicate");
    EXPECT_FALSE(results[2].as_object().contains("error"));
    EXPECT_EQ(status(3), "rejected");
    EXPECT_EQ(code(3), "id_conflict");
    EXPECT_EQ(results[3].as_object().at("error").as_object().at("field"), "id");
    EXPECT_EQ(status(4), "rejected");
    EXPECT_EQ(code(4), "seq_conflict");
}

TEST(Ingest, SingleResultSaysStoredOrDuplicate) {
    EXPECT_EQ(json::value(single_result("x", InsertStatus::stored)), json::parse(R"({"id":"x","status":"stored"})"));
    EXPECT_EQ(json::value(single_result("x", InsertStatus::duplicate)),
              json::parse(R"({"id":"x","status":"duplicate"})"));
}

TEST(Ingest, ConflictsMapToTheContractsCodes) {
    EXPECT_EQ(refusal_for(InsertStatus::id_conflict).code, "id_conflict");
    EXPECT_EQ(refusal_for(InsertStatus::seq_conflict).code, "seq_conflict");
    EXPECT_FALSE(refusal_for(InsertStatus::id_conflict).detail.empty());
    EXPECT_EQ(refusal_for(InsertStatus::id_conflict).field, "id");
    EXPECT_EQ(refusal_for(InsertStatus::seq_conflict).field, "seq");
}

}  // namespace
}  // namespace borderlog::server::service

namespace borderlog::server::service {
namespace {

TEST(IngestQuarantine, ARefusedRecordIsKeptUnderTheCallersDeviceWithItsKeyAsSent) {
    json::object bad = crossing(7);
    bad["stream_id"] = "01936f1e-0000-7000-8000-00000000000a";
    bad["direction"] = "sideways";
    bad["device_id"] = "KAK-01";
    json::object forbidden = crossing(8);
    forbidden["device_id"] = "KAK-02";
    const auto plan = plan_batch(batch({crossing(1), bad, forbidden}), kDeviceToken, kYear);
    const auto refused = refused_records(plan, kDeviceToken);
    ASSERT_EQ(refused.size(), 1u) << "a forbidden record refuses the request, it is not quarantined";
    EXPECT_EQ(refused[0].device_id, "KAK-01");
    EXPECT_EQ(refused[0].checkpoint_id, "KAKAVIJE");
    EXPECT_EQ(refused[0].stream_id, "01936f1e-0000-7000-8000-00000000000a");
    EXPECT_EQ(refused[0].seq, 7);
    EXPECT_EQ(refused[0].record_id, id_of(7));
    EXPECT_EQ(refused[0].code, "invalid_field");
    EXPECT_EQ(refused[0].field, "direction");
    EXPECT_EQ(json::parse(refused[0].body), json::value(bad));
}

TEST(IngestQuarantine, ARecordWithoutAReadableSeqIsKeptWithNone) {
    json::object bad = crossing(1);
    bad["seq"] = "one";
    const auto refused = refused_records({plan_record(bad, kDeviceToken, kYear)}, kDeviceToken);
    ASSERT_EQ(refused.size(), 1u);
    EXPECT_FALSE(refused[0].seq.has_value());
}

TEST(IngestClock, TheDevicesTimeComesFromTheBatchOrTheHeader) {
    EXPECT_EQ(device_time_of(json::parse(R"({"device_time":"2026-11-27T12:00:00+01:00","records":[]})"), ""),
              "2026-11-27T11:00:00.000Z");
    EXPECT_EQ(device_time_of(json::parse(R"({"records":[]})"), "2026-11-27T11:00:00Z"), "2026-11-27T11:00:00.000Z");
    EXPECT_FALSE(device_time_of(json::parse(R"({"records":[]})"), "").has_value());
}

TEST(IngestClock, AnUnreadableDeviceTimeIsIgnoredNotRefused) {
    for (const char* t : {"yesterday", "0000-01-01T00:00:00Z", "1969-12-31T23:59:59Z", "9999-12-31T23:59:59Z"})
        EXPECT_FALSE(device_time_of(json::object{{"device_time", t}}, "").has_value()) << t;
    EXPECT_FALSE(device_time_of(json::object{{"device_time", 5}}, "").has_value());
}

TEST(IngestLimits, TheCentreTellsItsBodyLimitAndTheBatchSize) {
    EXPECT_EQ(json::value(limits_json(4194304)), json::parse(R"({"max_body_bytes":4194304,"max_batch_records":1000})"));
}

TEST(IngestClock, OnlyARecordMoreThanTenMinutesAheadIsClockSuspect) {
    core::Crossing x;
    x.occurred_at = "2026-11-27T10:10:00.000Z";
    x.flags = {"synthetic"};
    const core::Millis server_now = *core::parse_rfc3339("2026-11-27T10:00:00.000Z");
    EXPECT_EQ(flags_at_ingest(x, server_now), (std::vector<std::string>{"synthetic"}));
    x.occurred_at = "2026-11-27T10:10:00.001Z";
    EXPECT_EQ(flags_at_ingest(x, server_now), (std::vector<std::string>{"synthetic", "clock_suspect"}));
}

}  // namespace
}  // namespace borderlog::server::service
