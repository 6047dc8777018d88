#include "core/time.hpp"

#include <gtest/gtest.h>

#include <date/date.h>

#include <chrono>
#include <optional>
#include <string>

namespace borderlog::core {
namespace {

using namespace std::chrono_literals;

Millis at(date::year_month_day day, std::chrono::milliseconds since_midnight) {
    return Millis{date::sys_days{day}} + since_midnight;
}

// parse_rfc3339 then format_rfc3339: what a timestamp on the wire becomes; nullopt when refused.
struct ParseCase {
    const char* name;
    const char* text;
    std::optional<std::string> canonical;
};
void PrintTo(const ParseCase& c, std::ostream* os) { *os << c.name; }

class ParseRfc3339 : public testing::TestWithParam<ParseCase> {};

TEST_P(ParseRfc3339, ReadsValidTimestampsAndRefusesTheRest) {
    const auto t = parse_rfc3339(GetParam().text);
    if (!GetParam().canonical) {
        EXPECT_FALSE(t.has_value()) << GetParam().text << " was read as " << format_rfc3339(*t);
        return;
    }
    ASSERT_TRUE(t.has_value()) << GetParam().text;
    EXPECT_EQ(format_rfc3339(*t), *GetParam().canonical);
}

INSTANTIATE_TEST_SUITE_P(
    Time, ParseRfc3339,
    testing::Values(
        ParseCase{"CanonicalUtcWithMillis", "2026-11-27T10:42:05.123Z", "2026-11-27T10:42:05.123Z"},
        ParseCase{"NoFraction", "2026-11-27T10:42:05Z", "2026-11-27T10:42:05.000Z"},
        ParseCase{"OneFractionDigit", "2026-11-27T10:42:05.1Z", "2026-11-27T10:42:05.100Z"},
        ParseCase{"TwoFractionDigits", "2026-11-27T10:42:05.12Z", "2026-11-27T10:42:05.120Z"},
        ParseCase{"NineFractionDigitsAreCutToMillis", "2026-11-27T10:42:05.123456789Z", "2026-11-27T10:42:05.123Z"},
        ParseCase{"LowerCaseTAndZ", "2026-11-27t10:42:05.123z", "2026-11-27T10:42:05.123Z"},
        ParseCase{"PositiveOffset", "2026-11-27T12:42:05.123+02:00", "2026-11-27T10:42:05.123Z"},
        ParseCase{"NegativeOffset", "2026-11-27T00:00:00-01:00", "2026-11-27T01:00:00.000Z"},
        ParseCase{"OffsetWithMinutes", "2026-11-27T16:12:05+05:30", "2026-11-27T10:42:05.000Z"},
        ParseCase{"OffsetIntoThePreviousYear", "2026-01-01T00:30:00+01:00", "2025-12-31T23:30:00.000Z"},
        ParseCase{"NegativeZeroOffset", "2026-11-27T10:42:05-00:00", "2026-11-27T10:42:05.000Z"},
        ParseCase{"LeapDay", "2024-02-29T12:00:00Z", "2024-02-29T12:00:00.000Z"},
        ParseCase{"UnixEpoch", "1970-01-01T00:00:00Z", "1970-01-01T00:00:00.000Z"},
        ParseCase{"LastMillisecondOfTheDay", "2026-12-31T23:59:59.999Z", "2026-12-31T23:59:59.999Z"},
        ParseCase{"Empty", "", std::nullopt},
        ParseCase{"DateOnly", "2026-11-27", std::nullopt},
        ParseCase{"NoZone", "2026-11-27T10:42:05", std::nullopt},
        ParseCase{"NoZoneWithFraction", "2026-11-27T10:42:05.123", std::nullopt},
        ParseCase{"Month13", "2026-13-01T00:00:00Z", std::nullopt},
        ParseCase{"February29InACommonYear", "2026-02-29T00:00:00Z", std::nullopt},
        ParseCase{"April31", "2026-04-31T00:00:00Z", std::nullopt},
        ParseCase{"Hour24", "2026-11-27T24:00:00Z", std::nullopt},
        ParseCase{"Minute60", "2026-11-27T10:60:00Z", std::nullopt},
        ParseCase{"DotWithoutDigits", "2026-11-27T10:42:05.Z", std::nullopt},
        ParseCase{"TenFractionDigits", "2026-11-27T10:42:05.1234567890Z", std::nullopt},
        ParseCase{"OffsetWithoutColon", "2026-11-27T10:42:05+0200", std::nullopt},
        ParseCase{"OffsetHoursOnly", "2026-11-27T10:42:05+02", std::nullopt},
        ParseCase{"OffsetHour24", "2026-11-27T10:42:05+24:00", std::nullopt},
        ParseCase{"OffsetMinute60", "2026-11-27T10:42:05+02:60", std::nullopt},
        ParseCase{"TrailingText", "2026-11-27T10:42:05Zjunk", std::nullopt},
        ParseCase{"TwoZones", "2026-11-27T10:42:05.123ZZ", std::nullopt},
        ParseCase{"TwoDigitYear", "26-11-27T10:42:05Z", std::nullopt},
        ParseCase{"SlashesInTheDate", "2026/11/27T10:42:05Z", std::nullopt},
        ParseCase{"SingleDigitMonth", "2026-1-27T10:42:05Z", std::nullopt},
        ParseCase{"LettersForDigits", "2026-11-2xT10:42:05Z", std::nullopt},
        ParseCase{"LeadingSpace", " 2026-11-27T10:42:05Z", std::nullopt}),
    [](const auto& param_info) { return std::string(param_info.param.name); });

struct FormatCase {
    const char* name;
    Millis time;
    const char* text;
};
void PrintTo(const FormatCase& c, std::ostream* os) { *os << c.name; }

class FormatRfc3339 : public testing::TestWithParam<FormatCase> {};

TEST_P(FormatRfc3339, WritesUtcWithExactlyThreeFractionDigits) {
    EXPECT_EQ(format_rfc3339(GetParam().time), GetParam().text);
}

TEST_P(FormatRfc3339, ReadsBackAsTheSameInstant) {
    EXPECT_EQ(parse_rfc3339(format_rfc3339(GetParam().time)), GetParam().time);
}

INSTANTIATE_TEST_SUITE_P(
    Time, FormatRfc3339,
    testing::Values(FormatCase{"UnixEpoch", Millis{}, "1970-01-01T00:00:00.000Z"},
                    FormatCase{"ContractExample", at(date::year{2026} / 11 / 27, 10h + 42min + 5s + 123ms),
                               "2026-11-27T10:42:05.123Z"},
                    FormatCase{"OneMillisecond", at(date::year{2026} / 1 / 1, 1ms), "2026-01-01T00:00:00.001Z"},
                    FormatCase{"LeapDay", at(date::year{2028} / 2 / 29, 23h + 59min + 59s + 999ms),
                               "2028-02-29T23:59:59.999Z"}),
    [](const auto& param_info) { return std::string(param_info.param.name); });

struct DateCase {
    const char* text;
    bool valid;
};
void PrintTo(const DateCase& c, std::ostream* os) { *os << c.text; }

class IsIsoDate : public testing::TestWithParam<DateCase> {};

TEST_P(IsIsoDate, AcceptsOnlyRealCalendarDates) { EXPECT_EQ(is_iso_date(GetParam().text), GetParam().valid); }

INSTANTIATE_TEST_SUITE_P(Time, IsIsoDate,
                         testing::Values(DateCase{"2024-02-29", true},   // divisible by 4
                                         DateCase{"2023-02-29", false},  // common year
                                         DateCase{"2000-02-29", true},   // divisible by 400
                                         DateCase{"1900-02-29", false},  // divisible by 100 only
                                         DateCase{"2026-02-28", true}, DateCase{"2026-04-30", true},
                                         DateCase{"2026-04-31", false}, DateCase{"2026-12-31", true},
                                         DateCase{"2026-00-10", false}, DateCase{"2026-01-00", false},
                                         DateCase{"2026-13-01", false}, DateCase{"2026-1-01", false},
                                         DateCase{"2026-01-1", false}, DateCase{"20260101", false},
                                         DateCase{"2026/01/01", false}, DateCase{"2026-01-01T", false},
                                         DateCase{"2026-01-01T00:00:00Z", false}, DateCase{"", false},
                                         DateCase{"ABCD-EF-GH", false}),
                         [](const auto& param_info) {
                             std::string name = std::string(param_info.param.valid ? "Valid_" : "Invalid_") +
                                                std::to_string(param_info.index);
                             return name;
                         });

struct DurationCase {
    const char* text;
    long long seconds;  // 0: refused
};
void PrintTo(const DurationCase& c, std::ostream* os) { *os << '"' << c.text << '"'; }

class ParseDuration : public testing::TestWithParam<DurationCase> {};

TEST_P(ParseDuration, ReadsNumbersWithUnitsAndRefusesTheRest) {
    const auto got = parse_duration(GetParam().text);
    if (GetParam().seconds == 0)
        EXPECT_FALSE(got) << got->count();
    else
        EXPECT_EQ(got, std::chrono::seconds{GetParam().seconds});
}

INSTANTIATE_TEST_SUITE_P(Time, ParseDuration,
                         testing::Values(DurationCase{"90", 90}, DurationCase{"90s", 90}, DurationCase{"20m", 1200},
                                         DurationCase{"1h30m", 5400}, DurationCase{"2d", 172800},
                                         DurationCase{"1d12h", 129600}, DurationCase{"100000000", 100000000},
                                         DurationCase{"100000001", 0}, DurationCase{"1200d", 0},
                                         DurationCase{"", 0}, DurationCase{"0", 0}, DurationCase{"0s", 0},
                                         DurationCase{"1h30", 0}, DurationCase{"5x", 0}, DurationCase{"-3m", 0},
                                         DurationCase{"m", 0}, DurationCase{" 5s", 0}, DurationCase{"5s ", 0},
                                         DurationCase{"99999999999999999999s", 0}));

}  // namespace
}  // namespace borderlog::core
