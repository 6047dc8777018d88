#include "core/stay.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace borderlog::core {
namespace {

struct M {
    const char* at;  // RFC 3339
    Direction direction;
};

constexpr Direction in = Direction::entry;
constexpr Direction out = Direction::exit;

date::sys_days day(const char* text) { return parse_day(text).value(); }

std::vector<Movement> movements(const std::vector<M>& ms) {
    std::vector<Movement> out_list;
    for (const M& m : ms) {
        const auto t = parse_rfc3339(m.at);
        if (!t) ADD_FAILURE() << "bad time in case: " << m.at;
        out_list.push_back({t.value_or(Millis{}), m.direction});
    }
    return out_list;
}

// Every expected figure below was counted by hand on a calendar. With on = 2026-06-30 the window is
// 2026-01-02 .. 2026-06-30 (180 days).
struct StayCase {
    std::string name;
    std::vector<M> crossings;
    const char* on;
    int days_used;
    PresenceStatus status;
};

class ComputeStay : public testing::TestWithParam<StayCase> {};

TEST_P(ComputeStay, CountsTheDaysPresentInTheWindowEndingOnThatDay) {
    const auto& c = GetParam();
    const Stay s = compute_stay(movements(c.crossings), day(c.on));
    EXPECT_EQ(s.days_used, c.days_used);
    EXPECT_EQ(s.days_remaining, std::max(0, 90 - c.days_used));
    EXPECT_EQ(s.overstay, c.days_used > 90);
    EXPECT_EQ(s.status, c.status);
    EXPECT_EQ(s.on, day(c.on));
    EXPECT_EQ((s.on - s.window_start).count(), 179);
}

TEST_P(ComputeStay, GivesTheSameAnswerWhateverOrderTheCrossingsArriveIn) {
    const auto& c = GetParam();
    auto reversed = movements(c.crossings);
    std::reverse(reversed.begin(), reversed.end());
    EXPECT_EQ(compute_stay(reversed, day(c.on)).days_used, c.days_used);
}

const char* kOn = "2026-06-30";

INSTANTIATE_TEST_SUITE_P(
    HandCounted, ComputeStay,
    testing::Values(
        StayCase{"NoCrossings", {}, kOn, 0, PresenceStatus::unknown},
        StayCase{"OneClosedStay", {{"2026-03-01T08:00:00Z", in}, {"2026-03-10T18:00:00Z", out}}, kOn, 10,
                 PresenceStatus::departed},
        StayCase{"SameDayEntryAndExit", {{"2026-03-01T08:00:00Z", in}, {"2026-03-01T19:00:00Z", out}}, kOn, 1,
                 PresenceStatus::departed},
        StayCase{"OpenStayCountsUpToOn", {{"2026-06-21T08:00:00Z", in}}, kOn, 10, PresenceStatus::in_country},
        StayCase{"StayAcrossTheWindowStart", {{"2025-12-20T08:00:00Z", in}, {"2026-01-10T08:00:00Z", out}}, kOn, 9,
                 PresenceStatus::departed},
        StayCase{"StayEndingTheDayBeforeTheWindow",
                 {{"2025-11-01T08:00:00Z", in}, {"2026-01-01T23:59:59Z", out}}, kOn, 0, PresenceStatus::departed},
        StayCase{"StayEndingOnTheWindowsFirstDay",
                 {{"2025-11-01T08:00:00Z", in}, {"2026-01-02T00:00:00Z", out}}, kOn, 1, PresenceStatus::departed},
        StayCase{"OpenStayFromBeforeTheWindow", {{"2025-06-01T08:00:00Z", in}}, kOn, 180, PresenceStatus::in_country},
        // 5 + 1 + 30 + 6 (open from 25 June)
        StayCase{"SeveralShortStaysAndAnOpenOne",
                 {{"2026-02-01T08:00:00Z", in}, {"2026-02-05T08:00:00Z", out},
                  {"2026-03-10T08:00:00Z", in}, {"2026-03-10T20:00:00Z", out},
                  {"2026-04-01T08:00:00Z", in}, {"2026-04-30T08:00:00Z", out},
                  {"2026-06-25T08:00:00Z", in}},
                 kOn, 42, PresenceStatus::in_country},
        StayCase{"ExitAndReEntryOnOneDayCountThatDayOnce",
                 {{"2026-03-01T08:00:00Z", in}, {"2026-03-05T08:00:00Z", out},
                  {"2026-03-05T17:00:00Z", in}, {"2026-03-07T08:00:00Z", out}},
                 kOn, 7, PresenceStatus::departed},
        StayCase{"ExitWithoutEntryCountsItsOwnDay", {{"2026-04-10T08:00:00Z", out}}, kOn, 1,
                 PresenceStatus::departed},
        StayCase{"EntryWhileInTheCountryContinuesTheStay",
                 {{"2026-03-01T08:00:00Z", in}, {"2026-03-05T08:00:00Z", in}, {"2026-03-10T08:00:00Z", out}}, kOn, 10,
                 PresenceStatus::departed},
        StayCase{"CrossingsAfterOnAreIgnored", {{"2026-06-25T08:00:00Z", in}, {"2026-07-05T08:00:00Z", out}}, kOn, 6,
                 PresenceStatus::in_country},
        StayCase{"OnlyCrossingsAfterOn", {{"2026-07-05T08:00:00Z", in}}, kOn, 0, PresenceStatus::unknown},
        // 2-30 April (29) + May (31) + June (30)
        StayCase{"ExactlyNinetyDays", {{"2026-04-02T08:00:00Z", in}, {"2026-06-30T08:00:00Z", out}}, kOn, 90,
                 PresenceStatus::departed},
        StayCase{"NinetyOneDaysIsAnOverstay", {{"2026-04-01T08:00:00Z", in}}, kOn, 91, PresenceStatus::in_country},
        // The window ending 2028-03-01 (a leap year) starts 2027-09-04.
        StayCase{"WindowEdgeInALeapYear", {{"2027-09-01T08:00:00Z", in}, {"2027-09-10T08:00:00Z", out}},
                 "2028-03-01", 7, PresenceStatus::departed},
        StayCase{"DaysAreUtcDays", {{"2026-03-01T23:59:59Z", in}, {"2026-03-02T00:00:01Z", out}}, kOn, 2,
                 PresenceStatus::departed},
        StayCase{"AnOffsetTimeIsCountedOnItsUtcDay",
                 {{"2026-03-02T00:30:00+02:00", in}, {"2026-03-02T10:00:00+02:00", out}}, kOn, 2,
                 PresenceStatus::departed}),
    [](const testing::TestParamInfo<StayCase>& param_info) { return param_info.param.name; });

TEST(ComputeStay, AStayOf180DaysLeavesNothingAndIsAnOverstay) {
    const Stay s = compute_stay(movements({{"2026-01-01T08:00:00Z", in}}), day(kOn));
    EXPECT_EQ(s.days_used, 180);
    EXPECT_EQ(s.days_remaining, 0);
    EXPECT_TRUE(s.overstay);
    EXPECT_EQ(format_day(s.window_start), "2026-01-02");
}

TEST(ComputeStay, ADayLaterTheOldestDayLeavesTheWindow) {
    const auto ms = movements({{"2026-01-02T08:00:00Z", in}, {"2026-01-11T08:00:00Z", out}});
    EXPECT_EQ(compute_stay(ms, day("2026-06-30")).days_used, 10);
    EXPECT_EQ(compute_stay(ms, day("2026-07-01")).days_used, 9);
    EXPECT_EQ(compute_stay(ms, day("2026-07-10")).days_used, 0);
}

TEST(ParseDay, AcceptsOnlyRealCalendarDates) {
    EXPECT_TRUE(parse_day("2028-02-29").has_value());
    EXPECT_FALSE(parse_day("2026-02-29").has_value());
    EXPECT_FALSE(parse_day("2026-6-30").has_value());
    EXPECT_FALSE(parse_day("").has_value());
    EXPECT_EQ(format_day(day("2026-06-30")), "2026-06-30");
}

}  // namespace
}  // namespace borderlog::core
