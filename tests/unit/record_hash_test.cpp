#include "core/record_hash.hpp"

#include "core/crossing.hpp"
#include "core/crossing_json.hpp"
#include "core/errors.hpp"
#include "core/ids.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <functional>
#include <set>
#include <string>

namespace borderlog::core {
namespace {

Crossing sample() {
    Crossing x;
    x.id = "01936f1e-8c2a-7b3e-9f00-3c5d2a1b4e77";
    x.device_id = "KAK-01";
    x.stream_id = "01936f1e-0000-7000-8000-000000000001";
    x.seq = 17;
    x.checkpoint_id = "KAKAVIJE";
    x.lane = "3";
    x.direction = "entry";
    x.occurred_at = "2026-11-27T10:42:05.123Z";
    x.officer_id = "officer-112";
    x.traveler = {"P", "L898902C3", "UTO", "UTO", "ERIKSSON", "ANNA MARIA", "1974-08-12", "F", "2012-04-15"};
    x.mrz = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10";
    x.transport = {"car", "AA123BB"};
    x.recorded_offline = true;
    x.flags = {"back_captured"};
    x.paper_ref = "REG-7/112";
    x.watchlist_version = 4;
    x.prev_hash = std::string(kGenesisHash);
    return x;
}

TEST(RecordHash, IsSixtyFourLowerCaseHexDigits) {
    const std::string h = record_hash(sample());
    EXPECT_TRUE(is_record_hash(h)) << h;
    EXPECT_EQ(h, sha256_hex(record_hash_input(sample())));
}

TEST(RecordHash, TheSameRecordGivesTheSameHashWhateverItsOwnHashField) {
    Crossing a = sample();
    Crossing b = sample();
    b.hash = "ff00000000000000000000000000000000000000000000000000000000000000";
    EXPECT_EQ(record_hash(a), record_hash(b));
}

TEST(RecordHash, SurvivesTheJsonCodecUnchanged) {
    Crossing x = sample();
    x.hash = record_hash(x);
    const Crossing back = crossing_from_json(boost::json::parse(canonical_json(x)), Completeness::full);
    EXPECT_EQ(back, x);
    EXPECT_EQ(record_hash(back), x.hash);
}

TEST(RecordHash, StartsWithItsVersionTagAndEndsWithThePrevHash) {
    const std::string input = record_hash_input(sample());
    EXPECT_EQ(input.substr(0, 4), std::string("\0\0\0\x13", 4));
    EXPECT_EQ(input.substr(4, 19), "borderlog-record-v1");
    EXPECT_EQ(input.substr(input.size() - 64), kGenesisHash);
}

struct FieldChange {
    const char* name;
    std::function<void(Crossing&)> change;
};

class RecordHashChanges : public testing::TestWithParam<FieldChange> {};

TEST_P(RecordHashChanges, AnyFieldChangedGivesAnotherHash) {
    Crossing changed = sample();
    GetParam().change(changed);
    EXPECT_NE(record_hash(changed), record_hash(sample())) << GetParam().name;
}

INSTANTIATE_TEST_SUITE_P(
    EveryField, RecordHashChanges,
    testing::Values(
        FieldChange{"id", [](Crossing& x) { x.id = "01936f1e-8c2a-7b3e-9f00-3c5d2a1b4e78"; }},
        FieldChange{"device_id", [](Crossing& x) { x.device_id = "KAK-02"; }},
        FieldChange{"stream_id", [](Crossing& x) { x.stream_id.clear(); }},
        FieldChange{"seq", [](Crossing& x) { x.seq = 18; }},
        FieldChange{"checkpoint_id", [](Crossing& x) { x.checkpoint_id = "QAFTHANE"; }},
        FieldChange{"lane", [](Crossing& x) { x.lane = "4"; }},
        FieldChange{"direction", [](Crossing& x) { x.direction = "exit"; }},
        FieldChange{"occurred_at", [](Crossing& x) { x.occurred_at = "2026-11-27T10:42:05.124Z"; }},
        FieldChange{"officer_id", [](Crossing& x) { x.officer_id = "officer-113"; }},
        FieldChange{"document_type", [](Crossing& x) { x.traveler.document_type = "ID"; }},
        FieldChange{"document_number", [](Crossing& x) { x.traveler.document_number = "L898902C4"; }},
        FieldChange{"issuing_country", [](Crossing& x) { x.traveler.issuing_country = "ALB"; }},
        FieldChange{"nationality", [](Crossing& x) { x.traveler.nationality = "ALB"; }},
        FieldChange{"surname", [](Crossing& x) { x.traveler.surname = "ERIKSON"; }},
        FieldChange{"given_names", [](Crossing& x) { x.traveler.given_names = "ANNA"; }},
        FieldChange{"birth_date", [](Crossing& x) { x.traveler.birth_date = "1974-08-13"; }},
        FieldChange{"sex", [](Crossing& x) { x.traveler.sex = "X"; }},
        FieldChange{"expiry_date", [](Crossing& x) { x.traveler.expiry_date.clear(); }},
        FieldChange{"mrz absent", [](Crossing& x) { x.mrz.reset(); }},
        FieldChange{"mrz empty", [](Crossing& x) { x.mrz = ""; }},
        FieldChange{"transport.mode", [](Crossing& x) { x.transport.mode = "bus"; }},
        FieldChange{"vehicle_plate", [](Crossing& x) { x.transport.vehicle_plate = "AA123BC"; }},
        FieldChange{"recorded_offline", [](Crossing& x) { x.recorded_offline = false; }},
        FieldChange{"flags added", [](Crossing& x) { x.flags.push_back("synthetic"); }},
        FieldChange{"flags removed", [](Crossing& x) { x.flags.clear(); }},
        FieldChange{"paper_ref", [](Crossing& x) { x.paper_ref = "REG-7/113"; }},
        FieldChange{"watchlist_version", [](Crossing& x) { x.watchlist_version = 5; }},
        FieldChange{"prev_hash", [](Crossing& x) { x.prev_hash[63] = '1'; }},
        // Length prefixes: moving a character from one field to the next is a change too.
        FieldChange{"surname/given_names boundary",
                    [](Crossing& x) {
                        x.traveler.surname = "ERIKSSONA";
                        x.traveler.given_names = "NNA MARIA";
                    }}),
    [](const testing::TestParamInfo<FieldChange>& param_info) {
        std::string name;
        for (const char c : std::string(param_info.param.name)) name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
        return name;
    });

TEST(RecordHash, ContentOfDropsOnlyTheChainFields) {
    Crossing x = sample();
    x.hash = record_hash(x);
    Crossing content = content_of(x);
    EXPECT_TRUE(content.prev_hash.empty());
    EXPECT_TRUE(content.hash.empty());
    content.prev_hash = x.prev_hash;
    content.hash = x.hash;
    EXPECT_EQ(content, x);
}

struct ChainFieldCase {
    const char* name;
    const char* prev_hash;  // nullptr: absent
    const char* hash;
    std::set<std::string> refused;  // fields named; empty: accepted
};

class ChainFieldsOnTheWire : public testing::TestWithParam<ChainFieldCase> {};

TEST_P(ChainFieldsOnTheWire, AreCheckedWithTheFieldNamed) {
    boost::json::object o = boost::json::parse(canonical_json(content_of(sample()))).as_object();
    o.erase("paper_ref");
    o["flags"] = boost::json::array{};
    o.erase("mrz");
    if (GetParam().prev_hash) o["prev_hash"] = GetParam().prev_hash;
    if (GetParam().hash) o["hash"] = GetParam().hash;
    std::set<std::string> named;
    try {
        read_crossing(o, Completeness::full, 2026);
    } catch (const ValidationError& e) {
        for (const auto& error : e.errors()) named.insert(error.field);
    }
    EXPECT_EQ(named, GetParam().refused);
}

const char* const kZeros = "0000000000000000000000000000000000000000000000000000000000000000";
const char* const kSome = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

INSTANTIATE_TEST_SUITE_P(
    Cases, ChainFieldsOnTheWire,
    testing::Values(ChainFieldCase{"absent", nullptr, nullptr, {}},
                    ChainFieldCase{"both", kZeros, kSome, {}},
                    ChainFieldCase{"hash_alone", nullptr, kSome, {"prev_hash"}},
                    ChainFieldCase{"prev_hash_alone", kZeros, nullptr, {"hash"}},
                    ChainFieldCase{"upper_case", kZeros, "9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08", {"hash"}},
                    ChainFieldCase{"short", "00", kSome, {"prev_hash"}},
                    ChainFieldCase{"not_hex", kZeros, "zz86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", {"hash"}}),
    [](const testing::TestParamInfo<ChainFieldCase>& param_info) { return std::string(param_info.param.name); });

TEST(ChainFieldsOnTheWire, AreRefusedInAnImportLine) {
    boost::json::object o = boost::json::parse(canonical_json(content_of(sample()))).as_object();
    for (const char* key : {"id", "device_id", "stream_id", "seq"}) o.erase(key);
    o["prev_hash"] = kZeros;
    o["hash"] = kSome;
    std::set<std::string> named;
    try {
        crossing_from_json(o, Completeness::draft);
    } catch (const ValidationError& e) {
        for (const auto& error : e.errors()) named.insert(error.field);
    }
    EXPECT_EQ(named, (std::set<std::string>{"prev_hash", "hash"}));
}

}  // namespace
}  // namespace borderlog::core
