#include "server/http/connections.hpp"

#include <gtest/gtest.h>

namespace borderlog::server::http {
namespace {

class Quiet : public Connection {
public:
    void close_if_idle() override {}
};

TEST(ConnectionTable, OneAddressCannotTakeMoreThanItsShare) {
    ConnectionTable table(10, 3);
    std::vector<std::shared_ptr<Connection>> held;
    for (int i = 0; i < 3; ++i) {
        held.push_back(std::make_shared<Quiet>());
        EXPECT_TRUE(table.add(held.back(), "10.0.0.1"));
    }
    EXPECT_FALSE(table.add(std::make_shared<Quiet>(), "10.0.0.1"));
    EXPECT_TRUE(table.add(std::make_shared<Quiet>(), "10.0.0.2"));
    EXPECT_EQ(table.count("10.0.0.1"), 3u);
    EXPECT_EQ(table.size(), 4u);
}

TEST(ConnectionTable, TheTotalCapHoldsAcrossAddresses) {
    ConnectionTable table(2, 5);
    EXPECT_TRUE(table.add(std::make_shared<Quiet>(), "a"));
    EXPECT_TRUE(table.add(std::make_shared<Quiet>(), "b"));
    EXPECT_FALSE(table.add(std::make_shared<Quiet>(), "c"));
    EXPECT_EQ(table.count("c"), 0u);
}

TEST(ConnectionTable, AClosedConnectionGivesItsPlaceBack) {
    ConnectionTable table(10, 1);
    auto first = std::make_shared<Quiet>();
    ASSERT_TRUE(table.add(first, "a"));
    EXPECT_FALSE(table.add(std::make_shared<Quiet>(), "a"));
    table.remove(first, "a");
    table.remove(first, "a");  // twice is harmless
    EXPECT_EQ(table.count("a"), 0u);
    EXPECT_TRUE(table.add(std::make_shared<Quiet>(), "a"));
}

TEST(AddressGroup, CountsIpv4ByAddressAndIpv6ByItsSlash64) {
    EXPECT_EQ(address_group("127.0.0.2"), "127.0.0.2");
    EXPECT_EQ(address_group("::ffff:192.0.2.7"), "192.0.2.7");
    EXPECT_EQ(address_group("2001:db8:1:2:aaaa::1"), address_group("2001:db8:1:2:bbbb::9"));
    EXPECT_NE(address_group("2001:db8:1:2::1"), address_group("2001:db8:1:3::1"));
    EXPECT_EQ(address_group("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
}

}  // namespace
}  // namespace borderlog::server::http
