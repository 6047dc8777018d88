#include "server/http/authenticator.hpp"

#include <gtest/gtest.h>

namespace borderlog::server::http {
namespace {

using namespace std::chrono_literals;
const SteadyTime t0{};

TEST(UnknownTokens, AreRememberedForTheirTimeOnly) {
    UnknownTokens unknown(10s, 100);
    unknown.add("h1", t0);
    EXPECT_TRUE(unknown.contains("h1", t0 + 9s));
    EXPECT_FALSE(unknown.contains("h1", t0 + 10s));
    EXPECT_FALSE(unknown.contains("h2", t0));
}

TEST(UnknownTokens, StayWithinTheirCapacity) {
    UnknownTokens unknown(10s, 50);
    for (int i = 0; i < 1000; ++i) unknown.add("h" + std::to_string(i), t0);
    EXPECT_LE(unknown.size(), 50u);
    EXPECT_TRUE(unknown.contains("h999", t0));
}

TEST(FailureLimiter, RefusesAnAddressPastTheLimitUntilItsWindowEnds) {
    FailureLimiter limiter(3, 60s, 100);
    for (int i = 0; i < 2; ++i) EXPECT_FALSE(limiter.failed("a", t0 + 1s));
    EXPECT_FALSE(limiter.wait("a", t0 + 1s));
    EXPECT_TRUE(limiter.failed("a", t0 + 2s));  // the third failure reaches the limit
    ASSERT_TRUE(limiter.wait("a", t0 + 2s));
    EXPECT_EQ(*limiter.wait("a", t0 + 2s), 59s);  // the window began with the first failure
    EXPECT_FALSE(limiter.wait("b", t0 + 2s));
    EXPECT_FALSE(limiter.wait("a", t0 + 61s));
    EXPECT_FALSE(limiter.failed("a", t0 + 62s));  // a new window
}

TEST(FailureLimiter, TellsAtLeastOneSecond) {
    FailureLimiter limiter(1, 60s, 100);
    limiter.failed("a", t0);
    EXPECT_EQ(*limiter.wait("a", t0 + 59s + 900ms), 1s);
}

TEST(FailureLimiter, StaysWithinItsCapacity) {
    FailureLimiter limiter(1, 60s, 10);
    for (int i = 0; i < 100; ++i) limiter.failed("a" + std::to_string(i), t0);
    EXPECT_TRUE(limiter.wait("a99", t0));
}

}  // namespace
}  // namespace borderlog::server::http
