// The synthetic travellers `simulate` remembers between runs, in a real SQLite file.
#include "client/simulation/population.hpp"

#include "client/simulation/synthetic_travellers.hpp"
#include "core/ids.hpp"

#include <gtest/gtest.h>

#include <filesystem>

namespace borderlog::client::sim {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

const core::Millis kNow = *core::parse_rfc3339("2026-11-27T10:00:00.000Z");

class PopulationTest : public testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::path("/tmp") / ("borderlog-population-test-" + core::sha256_hex(core::random_urlsafe(16)).substr(0, 16));
        fs::create_directories(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }
    fs::path file() const { return dir_ / "simulate.db"; }

private:
    fs::path dir_;
};

TEST_F(PopulationTest, ATravellerComesBackWhenDueAndNotBefore) {
    TravellerMaker maker(1);
    const Document visitor = maker.make(kNow);
    {
        Population p(file());
        EXPECT_FALSE(p.next_due(kNow));
        p.add(visitor.mrz, true, kNow + 3s);
        EXPECT_FALSE(p.next_due(kNow + 2s));
    }
    // A later run finds them: they entered and are due to leave.
    Population again(file());
    const auto due = again.next_due(kNow + 3s);
    ASSERT_TRUE(due);
    EXPECT_EQ(due->mrz, visitor.mrz);
    EXPECT_TRUE(due->inside);
    again.crossed(due->no, false, kNow + 100s);
    EXPECT_FALSE(again.next_due(kNow + 99s));
    EXPECT_EQ(again.size(), 1);
    EXPECT_EQ(again.inside_count(), 0);
}

TEST_F(PopulationTest, TheLongestDueComesFirst) {
    Population p(file());
    const auto late = p.add("B", false, kNow + 1s);
    const auto early = p.add("A", true, kNow - 5s);
    EXPECT_EQ(p.next_due(kNow + 2s)->no, early);
    p.crossed(early, false, kNow + 1h);
    EXPECT_EQ(p.next_due(kNow + 2s)->no, late);
}

}  // namespace
}  // namespace borderlog::client::sim
