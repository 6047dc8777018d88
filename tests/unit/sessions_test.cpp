#include "server/http/sessions.hpp"

#include "server/http/caller.hpp"

#include <gtest/gtest.h>

namespace borderlog::server::http {
namespace {

using namespace std::chrono_literals;
const core::Millis kT0 = *core::parse_rfc3339("2026-11-27T10:00:00.000Z");

Request with(std::initializer_list<std::pair<beast_http::field, const char*>> headers,
             beast_http::verb method = beast_http::verb::get) {
    Request req{method, "/api/v1/checkpoints", 11};
    for (const auto& [f, v] : headers) req.set(f, v);
    return req;
}

TEST(Sessions, TheSessionCookieIsFoundAmongOthers) {
    EXPECT_EQ(session_cookie(with({{beast_http::field::cookie, "a=1; borderlog_session=abc_DEF-123; b=2"}})),
              "abc_DEF-123");
    EXPECT_EQ(session_cookie(with({{beast_http::field::cookie, "borderlog_session=xyz"}})), "xyz");
}

TEST(Sessions, AMalformedOrMissingSessionCookieIsNone) {
    EXPECT_FALSE(session_cookie(with({})).has_value());
    EXPECT_FALSE(session_cookie(with({{beast_http::field::cookie, "borderlog_session="}})).has_value());
    EXPECT_FALSE(session_cookie(with({{beast_http::field::cookie, "borderlog_session=a b"}})).has_value());
    EXPECT_FALSE(session_cookie(with({{beast_http::field::cookie, "xborderlog_session=abc"}})).has_value());
    EXPECT_FALSE(session_cookie(with({{beast_http::field::cookie, ("borderlog_session=" + std::string(200, 'a')).c_str()}}))
                     .has_value());
}

TEST(Sessions, OnlyThePagesOwnOriginIsTheSameOrigin) {
    EXPECT_TRUE(same_origin(with({{beast_http::field::host, "ops.example:8080"},
                                  {beast_http::field::origin, "http://ops.example:8080"}})));
    EXPECT_TRUE(same_origin(with({{beast_http::field::host, "ops.example"},
                                  {beast_http::field::origin, "https://ops.example"}})));
    EXPECT_FALSE(same_origin(with({{beast_http::field::host, "ops.example"},
                                   {beast_http::field::origin, "https://evil.example"}})));
    EXPECT_FALSE(same_origin(with({{beast_http::field::host, "ops.example"}})));
    EXPECT_FALSE(same_origin(with({{beast_http::field::host, "ops.example"}, {beast_http::field::origin, "null"}})));
}

TEST(Sessions, FailedSignInsFromOneAddressAreLimitedForAWindow) {
    Sessions s;
    for (int i = 0; i < Sessions::kMaxFailures; ++i) {
        EXPECT_FALSE(s.sign_in_blocked("10.0.0.1", kT0).has_value()) << "attempt " << i;
        s.sign_in_failed("10.0.0.1", kT0);
    }
    const auto wait = s.sign_in_blocked("10.0.0.1", kT0 + 60s);
    ASSERT_TRUE(wait.has_value());
    EXPECT_EQ(*wait, Sessions::kFailureWindow - 60s);
    EXPECT_FALSE(s.sign_in_blocked("10.0.0.2", kT0).has_value());
    EXPECT_FALSE(s.sign_in_blocked("10.0.0.1", kT0 + Sessions::kFailureWindow).has_value());
}

TEST(Sessions, ACachedSessionIsFreshForAMomentAndKnownUntilItExpires) {
    Sessions s;
    SessionInfo info{Principal{7, "operations", "", "", "ops"}, "2026-11-27T11:00:00.000Z"};
    s.remember("h", info, kT0);
    EXPECT_TRUE(s.cached("h", kT0 + 1s, true).has_value());
    EXPECT_FALSE(s.cached("h", kT0 + 10s, true).has_value());
    EXPECT_TRUE(s.cached("h", kT0 + 10s, false).has_value());
    EXPECT_FALSE(s.cached("h", kT0 + 3601s, false).has_value());
    s.remember("h", info, kT0);
    s.forget("h");
    EXPECT_FALSE(s.cached("h", kT0, false).has_value());
}

}  // namespace
}  // namespace borderlog::server::http
