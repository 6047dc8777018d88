#include "client/sync/answers.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace borderlog::client {
namespace {

std::vector<QueuedRecord> batch_of(std::initializer_list<const char*> ids) {
    std::vector<QueuedRecord> batch;
    std::int64_t seq = 0;
    for (const char* id : ids) batch.push_back({id, "s", ++seq, "{}"});
    return batch;
}

TEST(BatchAnswer, OneResultPerRecordInOrderIsBelieved) {
    const auto answers = read_batch_answer(
        batch_of({"a", "b", "c"}),
        R"({"results":[{"id":"a","status":"stored"},{"id":"b","status":"duplicate"},)"
        R"({"id":"c","status":"rejected","error":{"code":"seq_conflict","detail":"taken"}}]})");
    ASSERT_TRUE(answers);
    ASSERT_EQ(answers->size(), 3u);
    EXPECT_EQ((*answers)[0].kind, RecordAnswer::Kind::acknowledged);
    EXPECT_EQ((*answers)[1].code, "duplicate");
    EXPECT_EQ((*answers)[2].kind, RecordAnswer::Kind::seq_conflict);
    EXPECT_EQ((*answers)[2].detail, "taken");
}

TEST(BatchAnswer, ARejectionWithoutACodeIsKeptAsRejected) {
    const auto answers = read_batch_answer(
        batch_of({"a", "b"}), R"({"results":[{"id":"a","status":"rejected","error":{"code":"","field":"seq"}},)"
                              R"({"id":"b","status":"rejected"}]})");
    ASSERT_TRUE(answers);
    for (const auto& a : *answers) {
        EXPECT_EQ(a.kind, RecordAnswer::Kind::rejected);
        EXPECT_EQ(a.code, "rejected");
    }
}

class BatchAnswerRefused : public testing::TestWithParam<const char*> {};

TEST_P(BatchAnswerRefused, WhenItDoesNotFitTheBatch) {
    EXPECT_FALSE(read_batch_answer(batch_of({"a", "b"}), GetParam()));
}

INSTANTIATE_TEST_SUITE_P(Cases, BatchAnswerRefused,
                         testing::Values(R"({"results":[{"id":"b","status":"stored"},{"id":"a","status":"stored"}]})",
                                         R"({"results":[{"id":"a","status":"stored"}]})",
                                         R"({"results":[{"id":"a","status":"stored"},{"id":"b","status":"lost"}]})",
                                         R"({"results":[{"id":"a","status":"stored"},{"id":"b"}]})",
                                         R"({"results":{}})", R"([])", "not json", ""));

TEST(ReconcilePage, RangesWithinTheStreamAreBelieved) {
    ReconcilePage page;
    const std::string why = read_reconcile_page(
        R"({"device_id":"KAK-01","stream_id":"s","max_seq":100,"missing":[[3,5],[9,9]],"truncated":false,)"
        R"("server_time":"2026-11-27T10:42:05.123Z"})",
        "KAK-01", "s", 0, 100, page);
    EXPECT_EQ(why, "");
    EXPECT_EQ(page.max_seq, 100);
    ASSERT_EQ(page.missing.size(), 2u);
    EXPECT_EQ(page.missing[1], (std::pair<std::int64_t, std::int64_t>{9, 9}));
    EXPECT_EQ(page.server_time, "2026-11-27T10:42:05.123Z");
}

struct BadPage {
    const char* body;
    std::int64_t after;
    std::int64_t local_last;
};

class ReconcilePageRefused : public testing::TestWithParam<BadPage> {};

TEST_P(ReconcilePageRefused, WithAReason) {
    ReconcilePage page;
    EXPECT_NE(read_reconcile_page(GetParam().body, "KAK-01", "s", GetParam().after, GetParam().local_last, page), "");
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ReconcilePageRefused,
    testing::Values(BadPage{R"({"device_id":"KAK-02","stream_id":"s","max_seq":10,"missing":[]})", 0, 10},
                    BadPage{R"({"device_id":"KAK-01","stream_id":"t","max_seq":10,"missing":[]})", 0, 10},
                    BadPage{R"({"device_id":"KAK-01","stream_id":"s","missing":[]})", 0, 10},
                    BadPage{R"({"max_seq":10,"missing":[[5,3]]})", 0, 10},
                    BadPage{R"({"max_seq":10,"missing":[[3,4],[2,2]]})", 0, 10},
                    BadPage{R"({"max_seq":10,"missing":[[3,10]]})", 0, 10},
                    BadPage{R"({"max_seq":100,"missing":[[3,50]]})", 0, 20},  // beyond what the terminal sent
                    BadPage{R"({"max_seq":100,"missing":[[3,5]]})", 5, 100},  // not after the cursor
                    BadPage{R"({"max_seq":10,"missing":[],"truncated":true})", 0, 10},
                    BadPage{R"({"max_seq":10,"missing":[[1,"2"]]})", 0, 10}, BadPage{"[]", 0, 10}));

TEST(ReconcilePage, MoreRangesThanAPageHoldsAreRefused) {
    std::string body = R"({"max_seq":10000000,"missing":[)";
    for (std::size_t i = 0; i <= kMaxRangesPerPage; ++i) body += (i ? "," : "") + std::string("[") +
                                                                std::to_string(2 * i + 1) + "," +
                                                                std::to_string(2 * i + 1) + "]";
    body += "]}";
    ReconcilePage page;
    EXPECT_NE(read_reconcile_page(body, "KAK-01", "s", 0, 10000000, page), "");
}

}  // namespace
}  // namespace borderlog::client
