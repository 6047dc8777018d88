#include "client/queue/import_key.hpp"

#include "core/crossing_json.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <string>

namespace borderlog::client {
namespace {

namespace json = boost::json;

std::string hash_of(const std::string& line) {
    return normalised_line_hash(core::crossing_from_json(json::parse(line), core::Completeness::draft), "KAKAVIJE");
}

constexpr const char* kLine =
    R"({"direction":"entry","occurred_at":"2026-11-27T08:15:00Z","lane":"2","traveler":{"document_number":"BA1234567","issuing_country":"ALB","nationality":"ALB","surname":"HOXHA","given_names":"ARBEN","birth_date":"1988-06-02","sex":"M"}})";

struct SameCase {
    const char* name;
    const char* line;
};
void PrintTo(const SameCase& c, std::ostream* os) { *os << c.name; }

class AnImportLineWrittenAnotherWay : public testing::TestWithParam<SameCase> {};

TEST_P(AnImportLineWrittenAnotherWay, HasTheSameKey) { EXPECT_EQ(hash_of(GetParam().line), hash_of(kLine)); }

INSTANTIATE_TEST_SUITE_P(
    ImportKey, AnImportLineWrittenAnotherWay,
    testing::Values(
        SameCase{"OtherSpacing", R"({ "direction" : "entry" , "occurred_at":"2026-11-27T08:15:00Z","lane":"2","traveler":{ "document_number":"BA1234567","issuing_country":"ALB","nationality":"ALB","surname":"HOXHA","given_names":"ARBEN","birth_date":"1988-06-02","sex":"M" } })"},
        SameCase{"OtherKeyOrder", R"({"traveler":{"sex":"M","birth_date":"1988-06-02","given_names":"ARBEN","surname":"HOXHA","nationality":"ALB","issuing_country":"ALB","document_number":"BA1234567"},"lane":"2","occurred_at":"2026-11-27T08:15:00Z","direction":"entry"})"},
        SameCase{"TimeInAnotherZone", R"({"direction":"entry","occurred_at":"2026-11-27T09:15:00.000+01:00","lane":"2","traveler":{"document_number":"BA1234567","issuing_country":"ALB","nationality":"ALB","surname":"HOXHA","given_names":"ARBEN","birth_date":"1988-06-02","sex":"M"}})"},
        SameCase{"CheckpointNamed", R"({"checkpoint_id":"KAKAVIJE","direction":"entry","occurred_at":"2026-11-27T08:15:00Z","lane":"2","traveler":{"document_number":"BA1234567","issuing_country":"ALB","nationality":"ALB","surname":"HOXHA","given_names":"ARBEN","birth_date":"1988-06-02","sex":"M"}})"},
        SameCase{"RecordedOfflineSaid", R"({"recorded_offline":true,"direction":"entry","occurred_at":"2026-11-27T08:15:00Z","lane":"2","traveler":{"document_number":"BA1234567","issuing_country":"ALB","nationality":"ALB","surname":"HOXHA","given_names":"ARBEN","birth_date":"1988-06-02","sex":"M"}})"}),
    [](const auto& param_info) { return std::string(param_info.param.name); });

TEST(ImportKey, AnotherCrossingHasAnotherKey) {
    std::string other = kLine;
    other.replace(other.find("entry"), 5, "exit");
    EXPECT_NE(hash_of(other), hash_of(kLine));
}

TEST(ImportKey, IdenticalLinesOfAFileAreCountedApart) {
    ImportKeys keys;
    const std::string h = hash_of(kLine);
    EXPECT_EQ(keys.next(h), h + ":1");
    EXPECT_EQ(keys.next("other"), "other:1");
    EXPECT_EQ(keys.next(h), h + ":2");
    ImportKeys next_file;
    EXPECT_EQ(next_file.next(h), h + ":1");
}

}  // namespace
}  // namespace borderlog::client
