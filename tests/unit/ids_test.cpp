#include "core/ids.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

namespace borderlog::core {
namespace {

using namespace std::chrono_literals;

std::uint64_t hex_value(const std::string& hex) { return std::stoull(hex, nullptr, 16); }

TEST(Ids, ANewUuidV7IsACanonicalLowerCaseUuid) {
    for (int i = 0; i < 100; ++i) {
        const std::string id = new_uuid_v7();
        EXPECT_TRUE(is_uuid(id)) << id;
        EXPECT_EQ(id, canonical_uuid(id));
    }
}

TEST(Ids, ANewUuidV7HasVersion7AndTheRfc4122Variant) {
    for (int i = 0; i < 100; ++i) {
        const std::string id = new_uuid_v7();
        EXPECT_EQ(id[14], '7') << id;
        EXPECT_NE(std::string("89ab").find(id[19]), std::string::npos) << id;
    }
}

TEST(Ids, ANewUuidV7StartsWithTheUnixMillisecondsItWasMadeAt) {
    const auto t = std::chrono::system_clock::time_point{1764240125123ms};
    const std::string id = new_uuid_v7(t);
    EXPECT_EQ(hex_value(id.substr(0, 8) + id.substr(9, 4)), 1764240125123u);
}

TEST(Ids, IdsMadeOneMillisecondApartSortInTimeOrder) {
    auto t = std::chrono::system_clock::time_point{1764240125123ms};
    for (int i = 0; i < 1000; ++i, t += 1ms) {
        const std::string earlier = new_uuid_v7(t);
        const std::string later = new_uuid_v7(t + 1ms);
        EXPECT_LT(earlier, later);
    }
}

TEST(Ids, IdsMadeInTheSameMillisecondStillDiffer) {
    const auto t = std::chrono::system_clock::now();
    std::set<std::string> ids;
    for (int i = 0; i < 10000; ++i) ids.insert(new_uuid_v7(t));
    EXPECT_EQ(ids.size(), 10000u);
}

struct UuidCase {
    const char* name;
    const char* text;
    bool valid;
};
void PrintTo(const UuidCase& c, std::ostream* os) { *os << c.name; }

class IsUuid : public testing::TestWithParam<UuidCase> {};

TEST_P(IsUuid, AcceptsOnlyThe8_4_4_4_12HexadecimalForm) { EXPECT_EQ(is_uuid(GetParam().text), GetParam().valid); }

INSTANTIATE_TEST_SUITE_P(
    Ids, IsUuid,
    testing::Values(UuidCase{"LowerCase", "01936f1e-8c2a-7b3e-9f00-3c5d2a1b4e77", true},
                    UuidCase{"UpperCase", "01936F1E-8C2A-7B3E-9F00-3C5D2A1B4E77", true},
                    UuidCase{"MixedCase", "01936f1E-8c2A-7B3e-9F00-3c5D2a1B4e77", true},
                    UuidCase{"Nil", "00000000-0000-0000-0000-000000000000", true},
                    UuidCase{"Empty", "", false},
                    UuidCase{"OneCharacterShort", "01936f1e-8c2a-7b3e-9f00-3c5d2a1b4e7", false},
                    UuidCase{"OneCharacterLong", "01936f1e-8c2a-7b3e-9f00-3c5d2a1b4e777", false},
                    UuidCase{"NoDashes", "01936f1e8c2a7b3e9f003c5d2a1b4e77", false},
                    UuidCase{"DashMovedLeft", "01936f1-e8c2a-7b3e-9f00-3c5d2a1b4e77", false},
                    UuidCase{"NotHexadecimal", "01936f1g-8c2a-7b3e-9f00-3c5d2a1b4e77", false},
                    UuidCase{"Braces", "{01936f1e-8c2a-7b3e-9f00-3c5d2a1b4e7}", false},
                    UuidCase{"SpaceForDash", "01936f1e 8c2a-7b3e-9f00-3c5d2a1b4e77", false}),
    [](const auto& param_info) { return std::string(param_info.param.name); });

TEST(Ids, CanonicalUuidLowerCasesEveryLetter) {
    EXPECT_EQ(canonical_uuid("01936F1E-8C2A-7B3E-9F00-3C5D2A1B4E77"), "01936f1e-8c2a-7b3e-9f00-3c5d2a1b4e77");
}

struct Sha256Case {
    const char* name;
    std::string data;
    const char* digest;
};
void PrintTo(const Sha256Case& c, std::ostream* os) { *os << c.name; }

class Sha256Hex : public testing::TestWithParam<Sha256Case> {};

TEST_P(Sha256Hex, MatchesTheKnownDigest) { EXPECT_EQ(sha256_hex(GetParam().data), GetParam().digest); }

INSTANTIATE_TEST_SUITE_P(
    Ids, Sha256Hex,
    testing::Values(
        Sha256Case{"Abc", "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
        Sha256Case{"Empty", "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
        Sha256Case{"TwoBlocks", "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
                   "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
        Sha256Case{"EmbeddedNul", std::string("a\0b", 3),
                   "59b271ae1bbcb1d31d41929817f4b16fb439eb4f31520b5ad1d5ce98920a7138"}),
    [](const auto& param_info) { return std::string(param_info.param.name); });

class RandomUrlsafe : public testing::TestWithParam<std::size_t> {};

TEST_P(RandomUrlsafe, HasTheUnpaddedBase64LengthAndOnlyUrlSafeCharacters) {
    const std::size_t bytes = GetParam();
    const std::string s = random_urlsafe(bytes);
    EXPECT_EQ(s.size(), (bytes * 4 + 2) / 3);
    EXPECT_TRUE(std::all_of(s.begin(), s.end(), [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    })) << s;
}

INSTANTIATE_TEST_SUITE_P(Ids, RandomUrlsafe, testing::Values(0, 1, 2, 3, 4, 16, 32, 33, 64));

TEST(Ids, RandomUrlsafeStringsDiffer) {
    std::set<std::string> seen;
    for (int i = 0; i < 1000; ++i) seen.insert(random_urlsafe(32));
    EXPECT_EQ(seen.size(), 1000u);
}

}  // namespace
}  // namespace borderlog::core
