// A traveller lookup judges its own document's pending crossings (OfficerStore::judge_document) instead
// of waiting for the analyser: against a real PostgreSQL, with the analyser's batches alongside.
#include "server/storage/officer_store.hpp"

#include "officer_fixture.hpp"
#include "server/service/anomalies.hpp"
#include "server/storage/session_role.hpp"
#include "server/storage/sql.hpp"

#include <gtest/gtest.h>

#include <pqxx/pqxx>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace borderlog::server {
namespace {

using namespace std::chrono_literals;
using test::make_crossing;
using Kinds = std::vector<std::string>;

// Every crossing any analyst was asked to judge, by crossing id: how many times.
class JudgedCount {
public:
    Analyst counting(const service::AnalysisRules& rules) {
        return [this, rules](const AnalysisBatch& b) {
            {
                std::lock_guard lock(mutex_);
                for (const auto& p : b.crossings) ++times_[p.ref.crossing_id];
            }
            return service::judge(b, rules);
        };
    }
    std::map<std::string, int> times() {
        std::lock_guard lock(mutex_);
        return times_;
    }

private:
    std::mutex mutex_;
    std::map<std::string, int> times_;
};

class TravelerJudging : public test::OfficerDatabase {
protected:
    Analyst judge() {
        return [this](const AnalysisBatch& b) { return service::judge(b, rules); };
    }

    AnalysisRun analyse(bool sweep = true, std::chrono::seconds settle = 0s) {
        return officers->analyse(service::kAnalysisBatch, false, sweep, settle, judge());
    }

    // A crossing of document `number` (issued by UTO), with a passport still valid.
    static core::Crossing of_document(const std::string& number, std::int64_t seq, const char* direction,
                                      const std::string& occurred_at, const std::string& device = "KAK-01") {
        core::Crossing x = make_crossing(device, seq);
        x.traveler.document_number = number;
        x.traveler.expiry_date = "2030-01-01";
        x.direction = direction;
        x.occurred_at = occurred_at;
        return x;
    }
};

TEST_F(TravelerJudging, ALookupSeesTheAnomalyOfItsOwnJustStoredCrossing) {
    const auto exit = of_document("L898902C3", 1, "exit", "2026-11-20T10:00:00.000Z");
    insert({exit});
    EXPECT_EQ(officers->judge_document("UTO", "L898902C3", judge()), 1u);
    const auto anomalies = officers->traveler_anomalies("UTO", "L898902C3", false);
    ASSERT_EQ(anomalies.size(), 1u);
    EXPECT_EQ(anomalies[0].kind, "exit_without_entry");
    EXPECT_EQ(anomalies[0].crossing.crossing_id, exit.id);
    // Judged once: neither a second lookup nor the analyser judges it again.
    EXPECT_EQ(officers->judge_document("UTO", "L898902C3", judge()), 0u);
    EXPECT_EQ(analyse().analysed, 0u);
    EXPECT_EQ(anomalies_of(exit.id), Kinds{"exit_without_entry:open"});
}

TEST_F(TravelerJudging, ALookupDoesNotJudgeOtherDocuments) {
    const auto mine = of_document("AAA111", 1, "exit", "2026-11-20T10:00:00.000Z");
    const auto other = of_document("BBB222", 2, "exit", "2026-11-20T11:00:00.000Z");
    insert({mine, other});
    EXPECT_EQ(officers->judge_document("UTO", "AAA111", judge()), 1u);
    EXPECT_EQ(anomalies_of(mine.id), Kinds{"exit_without_entry:open"});
    EXPECT_TRUE(anomalies_of(other.id).empty());
    EXPECT_EQ(scalar("SELECT count(*) FROM analysis_done"), 1);
    // The analyser's progress is left where it was: the watermark, and what it counts as its newest.
    EXPECT_EQ(scalar("SELECT watermark FROM analysis_state"), 0);
    EXPECT_EQ(scalar("SELECT count(*) FROM analysis_done WHERE by_lookup"), 1);
    EXPECT_EQ(analyse().analysed, 1u);
    EXPECT_EQ(anomalies_of(other.id), Kinds{"exit_without_entry:open"});
}

// The analyser takes "everything above the newest crossing it judged" as new: a lookup that judged a
// higher number must not make it skip the lower ones of other documents, even without a sweep (the
// catch-up of a listing runs without one).
TEST_F(TravelerJudging, TheAnalyserStillJudgesCrossingsNumberedBelowOneALookupJudged) {
    const auto waiting = of_document("AAA111", 1, "exit", "2026-11-20T10:00:00.000Z");
    const auto looked_up = of_document("BBB222", 2, "exit", "2026-11-20T11:00:00.000Z");
    insert({waiting});
    insert({looked_up});
    ASSERT_EQ(officers->judge_document("UTO", "BBB222", judge()), 1u);
    const AnalysisRun catch_up = analyse(false);
    EXPECT_EQ(catch_up.analysed, 1u);
    EXPECT_EQ(anomalies_of(waiting.id), Kinds{"exit_without_entry:open"});
    // And the watermark then passes both, forgetting the numbers it passed.
    EXPECT_EQ(analyse(true, 0s).watermark, scalar("SELECT max(ingest_no) FROM crossings"));
    EXPECT_EQ(scalar("SELECT count(*) FROM analysis_done"), 0);
}

// A lookup judges a late crossing with the document's whole timeline, as the analyser would: the exit
// judged earlier without its entry is resolved.
TEST_F(TravelerJudging, ALookupRejudgesTheTimelineWhenALateEntryArrives) {
    const auto exit = of_document("L898902C3", 2, "exit", "2026-11-20T10:00:00.000Z");
    insert({exit});
    analyse();
    ASSERT_EQ(anomalies_of(exit.id), Kinds{"exit_without_entry:open"});
    insert({of_document("L898902C3", 1, "entry", "2026-11-01T10:00:00.000Z")});
    EXPECT_EQ(officers->judge_document("UTO", "L898902C3", judge()), 1u);
    EXPECT_EQ(anomalies_of(exit.id), Kinds{"exit_without_entry:resolved"});
    EXPECT_EQ(analyse().analysed, 0u);
}

// Lookups and analyser batches run at once, on their own connections, over the same documents: every
// crossing is judged exactly once, by one of them, and every anomaly is stored once.
TEST_F(TravelerJudging, LookupsAndTheAnalyserRacingJudgeEveryCrossingExactlyOnce) {
    constexpr int kDocuments = 40;
    constexpr int kPerDocument = 6;  // exit, entry, exit, entry, ...: the first exit has no entry before it
    std::vector<core::Crossing> all;
    std::int64_t seq = 0;
    for (int round = 0; round < kPerDocument; ++round)
        for (int d = 0; d < kDocuments; ++d) {
            const std::string day = std::to_string(10 + round);
            all.push_back(of_document("DOC" + std::to_string(d), ++seq, round % 2 ? "entry" : "exit",
                                      "2026-11-" + day + "T10:00:00.000Z"));
        }
    insert(all);

    JudgedCount judged;
    std::atomic<bool> failed{false};
    auto analyser = std::async(std::launch::async, [&] {
        try {
            Store own(url());
            OfficerStore officers_there(own);
            const Analyst a = judged.counting(rules);
            // Small batches, so that batches and lookups interleave.
            for (int i = 0; i < 1000; ++i)
                if (officers_there.analyse(7, true, false, 0s, a).analysed == 0 &&
                    officers_there.analyse(7, true, true, 0s, a).analysed == 0)
                    break;
        } catch (const std::exception& e) {
            ADD_FAILURE() << "analyser: " << e.what();
            failed = true;
        }
    });
    std::vector<std::future<void>> lookups;
    for (int t = 0; t < 3; ++t)
        lookups.push_back(std::async(std::launch::async, [&, t] {
            try {
                Store own(url());
                OfficerStore officers_there(own);
                const Analyst a = judged.counting(rules);
                for (int round = 0; round < 3; ++round)
                    for (int d = 0; d < kDocuments; ++d)
                        officers_there.judge_document("UTO", "DOC" + std::to_string((d * 7 + t * 13) % kDocuments), a);
            } catch (const std::exception& e) {
                ADD_FAILURE() << "lookup " << t << ": " << e.what();
                failed = true;
            }
        }));
    for (auto& l : lookups) l.get();
    analyser.get();
    ASSERT_FALSE(failed);
    analyse();  // whatever neither reached

    const auto times = judged.times();
    EXPECT_EQ(times.size(), all.size());
    for (const auto& x : all) {
        const auto it = times.find(x.id);
        EXPECT_TRUE(it != times.end() && it->second == 1)
            << x.id << " judged " << (it == times.end() ? 0 : it->second) << " times";
    }
    // One exit without entry per document (the first crossing), each stored once and open.
    EXPECT_EQ(scalar("SELECT count(*) FROM anomalies"), kDocuments);
    EXPECT_EQ(scalar("SELECT count(*) FROM anomalies WHERE kind = 'exit_without_entry' AND state = 'open'"), kDocuments);
    EXPECT_EQ(scalar("SELECT count(*) FROM (SELECT crossing_id, kind FROM anomalies GROUP BY 1, 2 HAVING count(*) > 1) d"),
              0);
    EXPECT_EQ(analyse(true, 0s).watermark, scalar("SELECT max(ingest_no) FROM crossings"));
}

// Another session holds the analyser's lock (another server's long batch): a lookup judges its document
// without waiting for it.
TEST_F(TravelerJudging, ALookupDoesNotWaitWhileAnotherSessionHoldsTheAnalyserLock) {
    const auto exit = of_document("L898902C3", 1, "exit", "2026-11-20T10:00:00.000Z");
    insert({exit});
    auto holder = std::make_unique<pqxx::connection>(url());
    {
        pqxx::nontransaction tx(*holder);
        tx.exec("SELECT pg_advisory_lock(7368201956)");  // the key of sql::kAnalysisLock, for the session
    }
    ASSERT_TRUE(officers->analyse(10, false, true, 0s, judge()).locked_out);

    auto lookup = std::async(std::launch::async, [this] {
        Store own(url());
        return OfficerStore(own).judge_document("UTO", "L898902C3", judge());
    });
    const bool finished = lookup.wait_for(10s) == std::future_status::ready;
    holder.reset();  // lets a lookup that did wait finish, so that the test ends either way
    EXPECT_TRUE(finished) << "the lookup waited for the analyser's lock";
    EXPECT_EQ(lookup.get(), 1u);
    EXPECT_EQ(anomalies_of(exit.id), Kinds{"exit_without_entry:open"});
}

// The server runs as borderlog_server (serve --db-role): everything the lookup does is allowed to it.
TEST_F(TravelerJudging, TheServersDatabaseRoleMayJudgeADocument) {
    const auto exit = of_document("L898902C3", 1, "exit", "2026-11-20T10:00:00.000Z");
    insert({exit});
    Store as_server(with_session_role(url(), "borderlog_server"));
    OfficerStore officers_there(as_server);
    EXPECT_EQ(officers_there.judge_document("UTO", "L898902C3", judge()), 1u);
    EXPECT_EQ(anomalies_of(exit.id), Kinds{"exit_without_entry:open"});
    insert({of_document("OTHER1", 2, "exit", "2026-11-21T10:00:00.000Z")});
    EXPECT_EQ(officers_there.analyse(service::kAnalysisBatch, true, true, 0s, judge()).analysed, 1u);
}

}  // namespace
}  // namespace borderlog::server
