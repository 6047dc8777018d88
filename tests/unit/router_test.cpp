#include "server/http/router.hpp"

#include "server/http/app.hpp"

#include <gtest/gtest.h>

namespace borderlog::server::http {
namespace {

using beast_http::verb;

Handler nothing() {
    return [](Call&) -> boost::asio::awaitable<Reply> { co_return Reply{}; };
}

Router example_router() {
    Router r;
    r.add({verb::get, "/api/v1/crossings", {"operations"}, nothing()});
    r.add({verb::post, "/api/v1/crossings", {"device"}, nothing()});
    r.add({verb::post, "/api/v1/crossings/batch", {"device"}, nothing()});
    r.add({verb::get, "/api/v1/devices/{device}/reconcile", {"device"}, nothing()});
    return r;
}

unsigned status_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const Problem& p) {
        return p.status;
    }
    return 0;
}

TEST(Router, APatternParameterIsHandedToTheHandler) {
    const Router r = example_router();
    const auto m = r.match(verb::get, {"api", "v1", "devices", "KAK-01", "reconcile"});
    ASSERT_NE(m.route, nullptr);
    EXPECT_EQ(m.route->pattern, "/api/v1/devices/{device}/reconcile");
    EXPECT_EQ(m.params, std::vector<std::string>{"KAK-01"});
}

TEST(Router, TheMethodChoosesBetweenRoutesOfOnePath) {
    const Router r = example_router();
    EXPECT_EQ(r.match(verb::post, {"api", "v1", "crossings"}).route->roles, std::vector<std::string>{"device"});
    EXPECT_EQ(r.match(verb::get, {"api", "v1", "crossings"}).route->roles, std::vector<std::string>{"operations"});
}

TEST(Router, AKnownPathWithAnotherMethodIs405AndAnUnknownPathIs404) {
    const Router r = example_router();
    EXPECT_EQ(status_of([&] { r.match(verb::delete_, {"api", "v1", "crossings"}); }), 405u);
    EXPECT_EQ(status_of([&] { r.match(verb::get, {"api", "v1", "nothing"}); }), 404u);
    EXPECT_EQ(status_of([&] { r.match(verb::get, {"api", "v1", "devices", "", "reconcile"}); }), 404u);
}

TEST(Router, AnyTokenAllowsEveryRoleAndRoleListsOnlyTheirOwn) {
    Route any{verb::get, "/x", access::kAnyToken, nothing()};
    Route ops{verb::get, "/x", {"operations", "admin"}, nothing()};
    EXPECT_TRUE(any.allows("device"));
    EXPECT_TRUE(ops.allows("admin"));
    EXPECT_FALSE(ops.allows("device"));
}

TEST(DecodeTarget, PercentEncodingIsDecodedInPathAndQuery) {
    const Target t = decode_target("/api/v1/devices/KAK%2D01/reconcile?after=5&doc_number=L898%20902");
    EXPECT_EQ(t.segments, (std::vector<std::string>{"api", "v1", "devices", "KAK-01", "reconcile"}));
    EXPECT_EQ(t.query.at("after"), "5");
    EXPECT_EQ(t.query.at("doc_number"), "L898 902");
}

struct BadTarget {
    const char* name;
    const char* target;
};

class ATargetThatIsRefused : public testing::TestWithParam<BadTarget> {};

TEST_P(ATargetThatIsRefused, With400) {
    EXPECT_EQ(status_of([&] { decode_target(GetParam().target); }), 400u);
}

INSTANTIATE_TEST_SUITE_P(
    DecodeTarget, ATargetThatIsRefused,
    testing::Values(BadTarget{"NulInPath", "/api/v1/devices/KAK-01%00x/reconcile"},
                    BadTarget{"NulInQueryValue", "/api/v1/crossings?doc_number=L898902C3%00ZZZ"},
                    BadTarget{"NulInQueryKey", "/api/v1/crossings?doc%00=1"},
                    BadTarget{"InvalidUtf8InPath", "/api/v1/devices/%C3%28/reconcile"},
                    BadTarget{"InvalidUtf8InQuery", "/api/v1/crossings?checkpoint=%FF"},
                    BadTarget{"OverlongUtf8", "/api/v1/crossings?checkpoint=%C0%AF"},
                    BadTarget{"RepeatedKey", "/api/v1/crossings?limit=1&limit=2"},
                    BadTarget{"NotOriginForm", "http//x"}),
    [](const auto& param_info) { return std::string(param_info.param.name); });

}  // namespace
}  // namespace borderlog::server::http
