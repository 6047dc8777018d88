#include "server/service/chain_verify.hpp"

#include "core/crossing_json.hpp"
#include "core/record_hash.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <string>
#include <vector>

namespace borderlog::server::service {
namespace {

const std::string kStream = "01936f1e-0000-7000-8000-000000000001";

core::Crossing record(std::int64_t seq, const std::string& month = "2026-11") {
    core::Crossing x;
    x.id = "01936f1e-8c2a-7b3e-9f00-" + std::string(12 - std::to_string(seq).size(), '0') + std::to_string(seq);
    x.device_id = "KAK-01";
    x.stream_id = kStream;
    x.seq = seq;
    x.checkpoint_id = "KAKAVIJE";
    x.direction = seq % 2 ? "entry" : "exit";
    x.occurred_at = month + "-27T10:42:05.123Z";
    x.traveler = {"P", "L898902C3", "UTO", "UTO", "ERIKSSON", "ANNA MARIA", "1974-08-12", "F", ""};
    return x;
}

// A stream of `n` records chained as a checkpoint chains them, stored as the server stores them.
std::vector<StoredLink> chain(std::int64_t n) {
    std::vector<StoredLink> out;
    std::string head(core::kGenesisHash);
    for (std::int64_t seq = 1; seq <= n; ++seq) {
        core::Crossing x = record(seq);
        x.prev_hash = head;
        head = core::record_hash(x);
        out.push_back({x, core::canonical_json(core::content_of(x)), head, x.prev_hash});
        out.back().columns.prev_hash.clear();
    }
    return out;
}

ChainReport run(const std::vector<StoredLink>& rows, ChainContext context = {}) {
    ChainVerifier v(std::move(context));
    for (const auto& r : rows) v.add(r);
    return v.finish();
}

std::vector<std::string> named(const ChainReport& r) {
    std::vector<std::string> out;
    for (const auto& f : r.findings)
        out.push_back(f.kind + " " + std::to_string(f.seq) + (f.seq_to != f.seq ? "-" + std::to_string(f.seq_to) : "") +
                      " " + f.reason);
    return out;
}

TEST(ChainVerifier, FindsNothingInAnIntactChain) {
    const auto r = run(chain(5));
    EXPECT_TRUE(r.clean());
    EXPECT_EQ(r.streams, 1);
    EXPECT_EQ(r.checked, 5);
    EXPECT_EQ(r.unchained, 0);
    EXPECT_TRUE(r.findings.empty()) << testing::PrintToString(named(r));
}

TEST(ChainVerifier, NamesAColumnAlteredWithoutItsHash) {
    auto rows = chain(5);
    rows[2].columns.traveler.surname = "SMITH";
    EXPECT_EQ(named(run(rows)), (std::vector<std::string>{"altered 3 hash_mismatch"}));
}

TEST(ChainVerifier, NamesAJsonRecordAlteredWhileTheColumnsAreNot) {
    auto rows = chain(5);
    auto o = boost::json::parse(rows[1].record_json).as_object();
    o["traveler"].as_object()["surname"] = "SMITH";
    rows[1].record_json = boost::json::serialize(o);
    EXPECT_EQ(named(run(rows)), (std::vector<std::string>{"altered 2 record_mismatch"}));
}

TEST(ChainVerifier, NamesARecordAlteredTogetherWithItsHashByItsSuccessor) {
    auto rows = chain(5);
    core::Crossing x = rows[2].columns;
    x.traveler.surname = "SMITH";
    x.prev_hash = rows[2].prev_hash;
    rows[2].columns = x;
    rows[2].columns.prev_hash.clear();
    rows[2].record_json = core::canonical_json(core::content_of(x));
    rows[2].record_hash = core::record_hash(x);
    EXPECT_EQ(named(run(rows)), (std::vector<std::string>{"altered 3 successor_prev_hash_mismatch"}));
}

TEST(ChainVerifier, NamesRemovedRecordsInTheMiddleAndAtTheStart) {
    auto rows = chain(8);
    rows.erase(rows.begin() + 4, rows.begin() + 6);  // seqs 5 and 6
    rows.erase(rows.begin());                         // seq 1
    const auto r = run(rows);
    EXPECT_EQ(named(r), (std::vector<std::string>{"removed 1 seq_gap", "removed 5-6 seq_gap"}));
    EXPECT_EQ(r.removed, 3);
    EXPECT_EQ(r.altered, 0);
}

TEST(ChainVerifier, NamesTheLastRecordsRemovedWhenReconcileHadSeenThem) {
    auto rows = chain(6);
    rows.resize(4);
    ChainContext context;
    context.scanned_to[{"KAK-01", kStream}] = 6;
    EXPECT_EQ(named(run(rows, context)), (std::vector<std::string>{"removed 5-6 below_reconciled_top"}));
}

TEST(ChainVerifier, NamesARemovedRecordByItsIdWhenItsKeyIsLeft) {
    auto rows = chain(5);
    const std::string id = rows[2].columns.id;
    rows.erase(rows.begin() + 2);
    ChainContext context;
    context.orphan_keys.push_back({id, "KAK-01", kStream, 3});
    const auto r = run(rows, context);
    ASSERT_EQ(named(r), (std::vector<std::string>{"removed 3 key_without_row"}));
    EXPECT_EQ(r.findings[0].id, id);
}

TEST(ChainVerifier, DoesNotCallQuarantinedSeqsRemoved) {
    auto rows = chain(5);
    rows.erase(rows.begin() + 2);
    ChainContext context;
    context.quarantined[{"KAK-01", kStream}] = {3};
    EXPECT_TRUE(run(rows, context).clean());
}

TEST(ChainVerifier, DoesNotCallRecordsOfAMonthRetentionDroppedRemoved) {
    std::vector<StoredLink> rows;
    std::string head(core::kGenesisHash);
    const char* months[] = {"2026-08", "2026-09", "2026-09", "2026-10"};
    for (std::int64_t seq = 1; seq <= 4; ++seq) {
        core::Crossing x = record(seq, months[seq - 1]);
        x.prev_hash = head;
        head = core::record_hash(x);
        rows.push_back({core::content_of(x), core::canonical_json(core::content_of(x)), head, x.prev_hash});
    }
    rows.erase(rows.begin() + 1, rows.begin() + 3);  // September's records: exported and dropped
    ChainContext context;
    EXPECT_EQ(run(rows, context).removed, 2);
    context.dropped_months = {"2026-09"};
    EXPECT_TRUE(run(rows, context).clean());
}

TEST(ChainVerifier, CountsRecordsStoredBeforeTheChainAsUnchained) {
    auto rows = chain(4);
    for (int i = 0; i < 2; ++i) {
        rows[static_cast<std::size_t>(i)].record_hash.clear();
        rows[static_cast<std::size_t>(i)].prev_hash.clear();
    }
    const auto r = run(rows);
    EXPECT_TRUE(r.clean()) << testing::PrintToString(named(r));
    EXPECT_EQ(r.unchained, 2);
    EXPECT_EQ(r.checked, 4);
}

TEST(ChainVerifier, WalksEachStreamApart) {
    auto rows = chain(3);
    auto other = chain(3);
    for (auto& r : other) r.columns.device_id = "KAK-02";  // another device: its hashes no longer fit
    rows.insert(rows.end(), other.begin(), other.end());
    const auto r = run(rows);
    EXPECT_EQ(r.streams, 2);
    EXPECT_EQ(r.altered, 3);
    EXPECT_EQ(r.removed, 0);
}

TEST(ChainVerifier, SaysItAllOnOneSummaryLine) {
    auto rows = chain(5);
    rows.erase(rows.begin() + 1);
    rows[0].columns.traveler.surname = "SMITH";
    const auto r = run(rows);
    EXPECT_EQ(verify_summary(r), "verify: 1 streams, 4 records checked, 1 altered, 1 removed, 0 unchained");
    const std::string text = verify_text(r);
    EXPECT_NE(text.find("altered device=KAK-01 stream=" + kStream + " seq=1 id=" + rows[0].columns.id +
                        " reason=hash_mismatch\n"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("removed device=KAK-01 stream=" + kStream + " seq=2 id=- reason=seq_gap\n"), std::string::npos)
        << text;
    const auto j = verify_json(r);
    EXPECT_EQ(j.at("altered").as_int64(), 1);
    EXPECT_FALSE(j.at("clean").as_bool());
    EXPECT_EQ(j.at("findings").as_array().size(), 2u);
}

}  // namespace
}  // namespace borderlog::server::service
