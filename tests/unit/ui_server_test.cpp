#include "client/ui/ui_server.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace borderlog::client::ui {
namespace {

struct HostCase {
    const char* host;
    unsigned short port;
    bool allowed;
};
void PrintTo(const HostCase& c, std::ostream* os) { *os << c.host << (c.allowed ? " allowed" : " refused"); }

class OfficerScreenHost : public testing::TestWithParam<HostCase> {};

// The screen answers only requests that name it by an address or localhost: a name that someone else
// points at 127.0.0.1 (DNS rebinding) never reaches the local API with the page's own origin.
TEST_P(OfficerScreenHost, IsAcceptedOnlyAsAnAddressOrLocalhostWithThisPort) {
    const HostCase c = GetParam();
    EXPECT_EQ(host_allowed(c.host, c.port), c.allowed) << c.host;
}

INSTANTIATE_TEST_SUITE_P(Cases, OfficerScreenHost,
                         testing::Values(HostCase{"127.0.0.1:8081", 8081, true}, HostCase{"localhost:8081", 8081, true},
                                         HostCase{"LOCALHOST:8081", 8081, true}, HostCase{"[::1]:8081", 8081, true},
                                         HostCase{"10.1.2.3:8081", 8081, true},
                                         HostCase{"127.0.0.1:8082", 8081, false},
                                         HostCase{"127.0.0.1", 8081, false}, HostCase{"127.0.0.1", 80, true},
                                         HostCase{"evil.example:8081", 8081, false},
                                         HostCase{"localhost.evil.example:8081", 8081, false},
                                         HostCase{"", 8081, false}, HostCase{"[::1", 8081, false},
                                         HostCase{"[::1]8081", 8081, false}));

TEST(OfficerScreenListen, ReadsHostAndPort) {
    EXPECT_EQ(parse_listen("127.0.0.1:8081").host, "127.0.0.1");
    EXPECT_EQ(parse_listen("127.0.0.1:8081").port, 8081);
    EXPECT_EQ(parse_listen("[::1]:0").host, "::1");
    EXPECT_EQ(parse_listen("localhost:80").port, 80);
    for (const char* bad : {"8081", "127.0.0.1", "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:80x", "::1:8081", "[::1]"})
        EXPECT_THROW(parse_listen(bad), std::invalid_argument) << bad;
}

}  // namespace
}  // namespace borderlog::client::ui
