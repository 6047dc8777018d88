#include "client/sync/backoff.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <limits>
#include <vector>

namespace borderlog::client {
namespace {

using namespace std::chrono_literals;
using std::chrono::milliseconds;

struct Shape {
    const char* name;
    milliseconds base;
    milliseconds cap;
};
void PrintTo(const Shape& c, std::ostream* os) { *os << c.name; }

class BackoffShape : public testing::TestWithParam<Shape> {};

// The most a wait may be after `failures` earlier failures.
milliseconds ceiling(const Shape& s, int failures) {
    std::int64_t c = s.base.count();
    for (int i = 0; i < failures && c < s.cap.count(); ++i) c *= 2;
    return milliseconds{std::min(c, s.cap.count())};
}

TEST_P(BackoffShape, AWaitIsNeverAboveTheCapNorBelowZero) {
    for (std::uint64_t seed = 1; seed <= 20; ++seed) {
        Backoff b(GetParam().base, GetParam().cap, seed);
        for (int i = 0; i < 200; ++i) {
            const milliseconds wait = b.next();
            EXPECT_GE(wait, 0ms);
            EXPECT_LE(wait, GetParam().cap);
        }
    }
}

TEST_P(BackoffShape, EachWaitIsWithinTheDoublingCeiling) {
    for (std::uint64_t seed = 1; seed <= 50; ++seed) {
        Backoff b(GetParam().base, GetParam().cap, seed);
        for (int failures = 0; failures < 40; ++failures) EXPECT_LE(b.next(), ceiling(GetParam(), failures));
    }
}

TEST_P(BackoffShape, TheCeilingDoublesUntilTheCap) {
    // Over many seeds, the largest k-th wait passes the (k-1)-th ceiling: the range really grows.
    for (int k = 1; ceiling(GetParam(), k - 1) < GetParam().cap; ++k) {
        milliseconds largest{0};
        for (std::uint64_t seed = 1; seed <= 200; ++seed) {
            Backoff b(GetParam().base, GetParam().cap, seed);
            milliseconds wait{};
            for (int i = 0; i <= k; ++i) wait = b.next();
            largest = std::max(largest, wait);
        }
        EXPECT_GT(largest, ceiling(GetParam(), k - 1)) << "failure " << k;
    }
}

TEST_P(BackoffShape, AWaitIsNeverShorterThanRetryAfterUpToTheCap) {
    Backoff b(GetParam().base, GetParam().cap, 7);
    for (int i = 0; i < 100; ++i) {
        const milliseconds wait = b.next(3s);
        EXPECT_GE(wait, std::min<milliseconds>(3000ms, GetParam().cap));
        EXPECT_LE(wait, std::max<milliseconds>(3000ms, GetParam().cap));
    }
}

// One 503 with a wild Retry-After must not stop syncing and heartbeats until a restart: the cap rules.
class ARetryAfterBeyondTheCap : public testing::TestWithParam<std::int64_t> {};

TEST_P(ARetryAfterBeyondTheCap, WaitsTheCapAndNeverOverflows) {
    for (const Shape& shape : {Shape{"CheckpointDefaults", 500ms, 60s}, Shape{"CapBelowBase", 1000ms, 300ms}}) {
        Backoff b(shape.base, shape.cap, 7);
        for (int i = 0; i < 20; ++i) EXPECT_EQ(b.next(std::chrono::seconds{GetParam()}), shape.cap) << shape.name;
    }
}

INSTANTIATE_TEST_SUITE_P(Backoff, ARetryAfterBeyondTheCap,
                         testing::Values(61, 3600, 2000000000, std::int64_t{1} << 53, INT64_MAX / 1000 + 1,
                                         INT64_MAX));

TEST_P(BackoffShape, ResetStartsAgainFromTheBase) {
    Backoff b(GetParam().base, GetParam().cap, 11);
    for (int i = 0; i < 10; ++i) b.next();
    EXPECT_EQ(b.failures(), 10);
    b.reset();
    EXPECT_EQ(b.failures(), 0);
    for (int i = 0; i < 100; ++i) {
        EXPECT_LE(b.next(), GetParam().base);
        b.reset();
    }
}

TEST_P(BackoffShape, TheSameSeedGivesTheSameWaits) {
    Backoff a(GetParam().base, GetParam().cap, 42), b(GetParam().base, GetParam().cap, 42);
    for (int i = 0; i < 50; ++i) EXPECT_EQ(a.next(), b.next());
}

TEST_P(BackoffShape, DifferentSeedsGiveDifferentWaits) {
    Backoff a(GetParam().base, GetParam().cap, 1), b(GetParam().base, GetParam().cap, 2);
    std::vector<milliseconds> wa, wb;
    for (int i = 0; i < 20; ++i) {
        wa.push_back(a.next());
        wb.push_back(b.next());
    }
    EXPECT_NE(wa, wb);
}

INSTANTIATE_TEST_SUITE_P(Backoff, BackoffShape,
                         testing::Values(Shape{"CheckpointDefaults", 500ms, 60s}, Shape{"Tight", 1ms, 100ms},
                                         Shape{"CapBelowBase", 1000ms, 300ms}, Shape{"HourlyCap", 250ms, 3600s}),
                         [](const auto& param_info) { return std::string(param_info.param.name); });

TEST(Backoff, FailuresCountEveryWait) {
    Backoff b(100ms, 10s, 3);
    EXPECT_EQ(b.failures(), 0);
    b.next();
    b.next(1s);
    EXPECT_EQ(b.failures(), 2);
}

TEST(Backoff, ThousandsOfFailuresNeitherOverflowNorPassTheCap) {
    Backoff b(1000ms, 60s, 5);
    for (int i = 0; i < 5000; ++i) {
        const milliseconds wait = b.next();
        ASSERT_GE(wait, 0ms);
        ASSERT_LE(wait, 60s);
    }
}

}  // namespace
}  // namespace borderlog::client
