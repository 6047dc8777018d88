#include "server/service/quarantine.hpp"

#include "core/errors.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <map>
#include <string>

namespace borderlog::server::service {
namespace {

namespace json = boost::json;

TEST(Quarantine, TheListingShowsOpenEntriesByDefault) {
    const RejectedFilter f = parse_rejected_filter({});
    EXPECT_EQ(f.state, "open");
    EXPECT_EQ(f.limit, 100);
    EXPECT_EQ(f.after, 0);
    EXPECT_FALSE(f.device || f.checkpoint);
}

TEST(Quarantine, EveryFilterIsRead) {
    const RejectedFilter f = parse_rejected_filter(
        {{"device", "KAK-01"}, {"checkpoint", "KAKAVIJE"}, {"state", "all"}, {"limit", "5"}, {"after", "17"}});
    EXPECT_EQ(f.device, "KAK-01");
    EXPECT_EQ(f.checkpoint, "KAKAVIJE");
    EXPECT_EQ(f.state, "all");
    EXPECT_EQ(f.limit, 5);
    EXPECT_EQ(f.after, 17);
}

struct BadCase {
    const char* name;
    std::map<std::string, std::string> query;
    const char* field;
};
void PrintTo(const BadCase& c, std::ostream* os) { *os << c.name; }

class ABadQuarantineQuery : public testing::TestWithParam<BadCase> {};

TEST_P(ABadQuarantineQuery, IsRefusedNamingTheParameter) {
    try {
        parse_rejected_filter(GetParam().query);
        FAIL() << "no ValidationError";
    } catch (const core::ValidationError& e) {
        EXPECT_EQ(e.first().field, GetParam().field);
    }
}

INSTANTIATE_TEST_SUITE_P(Quarantine, ABadQuarantineQuery,
                         testing::Values(BadCase{"StateUnknown", {{"state", "closed"}}, "state"},
                                         BadCase{"LimitZero", {{"limit", "0"}}, "limit"},
                                         BadCase{"LimitTooHigh", {{"limit", "1001"}}, "limit"},
                                         BadCase{"AfterNegative", {{"after", "-1"}}, "after"},
                                         BadCase{"DeviceWithASlash", {{"device", "KAK/01"}}, "device"},
                                         BadCase{"UnknownFilter", {{"code", "x"}}, "code"}),
                         [](const auto& param_info) { return std::string(param_info.param.name); });

RejectedRow row() {
    RejectedRow r;
    r.id = 12;
    r.received_at = "2026-11-27T10:00:00.000Z";
    r.device_id = "KAK-01";
    r.checkpoint_id = "KAKAVIJE";
    r.stream_id = "01936f1e-0000-7000-8000-00000000000a";
    r.seq = 3;
    r.record_id = "01936f1e-8c2a-7b3e-9f00-3c5d2a1b4e77";
    r.code = "invalid_field";
    r.detail = "traveler.sex must be F, M or X";
    r.field = "traveler.sex";
    r.body = R"({"id":"01936f1e-8c2a-7b3e-9f00-3c5d2a1b4e77","seq":3})";
    r.attempts = 2;
    return r;
}

TEST(Quarantine, AnEntryShowsItsKeyReasonStateAndTheRecordAsReceived) {
    const json::object o = rejected_json(row());
    EXPECT_EQ(o.at("id"), 12);
    EXPECT_EQ(o.at("stream_id"), "01936f1e-0000-7000-8000-00000000000a");
    EXPECT_EQ(o.at("seq"), 3);
    EXPECT_EQ(o.at("code"), "invalid_field");
    EXPECT_EQ(o.at("field"), "traveler.sex");
    EXPECT_EQ(o.at("attempts"), 2);
    EXPECT_EQ(o.at("state"), "open");
    EXPECT_TRUE(o.at("released_at").is_null());
    EXPECT_EQ(o.at("record"), json::parse(row().body));
}

TEST(Quarantine, AnEntryWithoutAReadableSeqOrIdSaysNull) {
    RejectedRow r = row();
    r.seq.reset();
    r.record_id.clear();
    const json::object o = rejected_json(r);
    EXPECT_TRUE(o.at("seq").is_null());
    EXPECT_TRUE(o.at("record_id").is_null());
}

TEST(Quarantine, AFullPageOffersTheLastIdAsTheCursor) {
    RejectedFilter f;
    f.limit = 1;
    EXPECT_EQ(rejected_page({row()}, f).at("next_after"), "12");
    f.limit = 2;
    EXPECT_TRUE(rejected_page({row()}, f).at("next_after").is_null());
}

TEST(Quarantine, AReleaseIsPlannedAsTheDevicesOwnCall) {
    RejectedRow r = row();
    r.body = R"({"id":"01936f1e-8c2a-7b3e-9f00-3c5d2a1b4e77","device_id":"KAK-02","seq":3,"checkpoint_id":"KAKAVIJE",
                 "direction":"entry","occurred_at":"2026-11-27T10:42:05.123Z","traveler":{"document_number":"L1",
                 "issuing_country":"UTO","nationality":"UTO","surname":"E","birth_date":"1974-08-12","sex":"F"}})";
    const PlannedRecord p = plan_release(r, 2026);
    ASSERT_TRUE(p.refusal.has_value()) << "a record of another device is not released under this one";
    EXPECT_EQ(p.refusal->code, "forbidden");
}

TEST(Quarantine, AReleaseAnswerSaysWhatBecameOfTheRecord) {
    ReleaseResult stored{ReleaseResult::Kind::stored, "", "", "", row()};
    EXPECT_EQ(release_json(stored).at("result"), "stored");
    EXPECT_FALSE(release_json(stored).contains("error"));
    ReleaseResult refused{ReleaseResult::Kind::refused, "id_conflict", "this id is already stored", "id", row()};
    const json::object o = release_json(refused);
    EXPECT_EQ(o.at("result"), "refused");
    EXPECT_EQ(o.at("error").at("code"), "id_conflict");
    EXPECT_EQ(o.at("error").at("field"), "id");
    EXPECT_EQ(o.at("rejected").at("id"), 12);
}

}  // namespace
}  // namespace borderlog::server::service
