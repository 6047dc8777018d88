// Drills' storage against a real PostgreSQL: starting under the overlap rule, stopping, ending on the
// stored time, the audit trail, samples and counts, and the facts a report is made of.
#include "server/storage/drill_store.hpp"

#include "core/ids.hpp"
#include "core/time.hpp"
#include "pg_fixture.hpp"
#include "server/service/drills.hpp"
#include "server/service/drills_report.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace borderlog::server {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

class DrillStoreTest : public test::FreshDatabase {
protected:
    void SetUp() override {
        FreshDatabase::SetUp();
        if (HasFatalFailure()) return;
        store = std::make_unique<Store>(url());
        // The devices the centre knows: two at KAKAVIJE, one at QAFETHANE.
        run("INSERT INTO api_tokens (token_hash, role, checkpoint_id, device_id) VALUES "
            "('h1', 'device', 'KAKAVIJE', 'KAK-01'), ('h2', 'device', 'KAKAVIJE', 'KAK-02'), "
            "('h3', 'device', 'QAFETHANE', 'QTH-01')");
    }
    void TearDown() override {
        store.reset();
        FreshDatabase::TearDown();
    }

    NewDrill drill(const char* scope_json, std::int64_t length_s = 600) {
        const auto plan = service::parse_drill_request(json::parse(
            std::string(R"({"name":"TIMS","fault":"unavailable","duration_s":)") + std::to_string(length_s) +
            R"(,"scope":)" + scope_json + "}"));
        NewDrill d;
        d.id = core::new_uuid_v7();
        d.name = plan.name;
        d.steps_json = json::serialize(service::steps_json(plan.steps));
        const auto scope = plan.scope();
        d.scope_all = scope.all;
        d.scope_checkpoints.assign(scope.checkpoints.begin(), scope.checkpoints.end());
        d.scope_devices.assign(scope.devices.begin(), scope.devices.end());
        d.created_by = "trainer-1";
        d.length_ms = plan.length_s() * 1000;
        scopes[d.id] = scope;
        return d;
    }

    DrillStart start(const NewDrill& d) {
        AuditEvent audit;
        audit.actor = "trainer-1";
        audit.action = "drill.start";
        audit.target = d.id;
        const auto scope = scopes.at(d.id);
        return DrillStore(*store).start(
            d, [&](const auto& running, const auto& known) { return service::conflicting_drill(scope, running, known); },
            audit);
    }

    std::unique_ptr<Store> store;
    std::map<std::string, service::DrillScope> scopes;
};

TEST_F(DrillStoreTest, ADrillStartsNowRunsForItsLengthAndIsAudited) {
    const auto result = start(drill(R"({"checkpoints":["KAKAVIJE"]})", 600));
    ASSERT_TRUE(result.started);
    const DrillRow& row = *result.started;
    EXPECT_EQ(row.state, "running");
    EXPECT_EQ(row.name, "TIMS");
    EXPECT_EQ(row.scope_checkpoints, std::vector<std::string>{"KAKAVIJE"});
    const auto started = core::parse_rfc3339(row.started_at);
    const auto ends = core::parse_rfc3339(row.ends_at);
    ASSERT_TRUE(started && ends);
    EXPECT_EQ(*ends - *started, 600s);
    EXPECT_EQ(scalar("SELECT count(*) FROM audit_events WHERE action = 'drill.start' AND target = $1", row.id), 1);
    EXPECT_EQ(DrillStore(*store).find(row.id)->steps_json, row.steps_json);
}

TEST_F(DrillStoreTest, ASecondDrillOnTheSameScopeIsRefusedWhileTheFirstRuns) {
    const auto first = start(drill(R"({"checkpoints":["KAKAVIJE"]})"));
    ASSERT_TRUE(first.started);
    const auto same_devices = start(drill(R"({"devices":["KAK-02"]})"));
    EXPECT_FALSE(same_devices.started);
    EXPECT_EQ(same_devices.conflict_id, first.started->id);
    EXPECT_FALSE(start(drill(R"({"all":true})")).started);
    EXPECT_TRUE(start(drill(R"({"devices":["QTH-01"]})")).started);  // another checkpoint's device
    EXPECT_EQ(scalar("SELECT count(*) FROM drills"), 2);
    EXPECT_EQ(scalar("SELECT count(*) FROM audit_events WHERE action = 'drill.start'"), 2);
}

TEST_F(DrillStoreTest, AStoppedDrillFreesItsScopeAndCannotBeStoppedTwice) {
    const auto first = start(drill(R"({"all":true})"));
    ASSERT_TRUE(first.started);
    AuditEvent audit;
    audit.action = "drill.stop";
    audit.target = first.started->id;
    EXPECT_EQ(DrillStore(*store).stop(first.started->id, "trainer-2", audit), DrillStop::stopped);
    EXPECT_EQ(DrillStore(*store).stop(first.started->id, "trainer-2", audit), DrillStop::not_running);
    EXPECT_EQ(DrillStore(*store).stop(core::new_uuid_v7(), "trainer-2", audit), DrillStop::not_found);
    const auto row = DrillStore(*store).find(first.started->id);
    EXPECT_EQ(row->state, "stopped");
    EXPECT_EQ(row->stopped_by, "trainer-2");
    EXPECT_TRUE(start(drill(R"({"all":true})")).started);
    EXPECT_EQ(scalar("SELECT count(*) FROM audit_events WHERE action = 'drill.stop'"), 1);
}

TEST_F(DrillStoreTest, ADrillEndsAtItsStoredEndWithoutAnyoneStoppingIt) {
    const auto first = start(drill(R"({"all":true})"));
    ASSERT_TRUE(first.started);
    // As if the servers had been down while its end passed.
    run("UPDATE drills SET started_at = now() - interval '20 minutes', ends_at = now() - interval '10 minutes'");
    EXPECT_EQ(DrillStore(*store).find(first.started->id)->state, "finished");
    EXPECT_TRUE(start(drill(R"({"all":true})")).started);
    // Watched for its drain: within the tail it is current, beyond it not.
    EXPECT_EQ(DrillStore(*store).current(3600s).size(), 2u);
    EXPECT_EQ(DrillStore(*store).current(60s).size(), 1u);
    // Its end is noted once, whichever instance asks first, and audited as drill.end.
    const auto ended = DrillStore(*store).note_ended();
    ASSERT_EQ(ended.size(), 1u);
    EXPECT_EQ(ended[0].id, first.started->id);
    EXPECT_FALSE(ended[0].stopped);
    EXPECT_TRUE(DrillStore(*store).note_ended().empty());
    EXPECT_EQ(scalar("SELECT count(*) FROM audit_events WHERE action = 'drill.end' AND target = $1", first.started->id), 1);
}

TEST_F(DrillStoreTest, SamplesAreKeptOncePerHeartbeatAndCountsAddUpAcrossInstances) {
    const auto d = start(drill(R"({"all":true})"));
    ASSERT_TRUE(d.started);
    const std::string id = d.started->id;
    const DrillSample s{id, "KAK-01", "KAKAVIJE", core::format_rfc3339(core::now_millis()), 12, 0, 40, "s1",
                        R"({"p50":3,"p99":9,"count":20})"};
    DrillStore(*store).save({s, s}, {{id, "KAK-01", "reset", 3}});
    DrillStore(*store).save({s}, {{id, "KAK-01", "reset", 2}, {id, "KAK-01", "lost_acks", 1}});
    EXPECT_EQ(scalar("SELECT count(*) FROM drill_samples"), 1);
    EXPECT_EQ(scalar("SELECT count FROM drill_counts WHERE what = 'reset'"), 5);
}

TEST_F(DrillStoreTest, TheFactsCountRecordsDuplicatesGapsAndTheDrain) {
    const auto d = start(drill(R"({"checkpoints":["KAKAVIJE"]})", 60));
    ASSERT_TRUE(d.started);
    const std::string id = d.started->id;
    const core::Millis start_at = *core::parse_rfc3339(d.started->started_at);
    const std::string stream = core::new_uuid_v7();
    // KAK-01 made seqs 1..6 during the drill; 4 is missing; 6 repeats 5's crossing under another id;
    // 7 is a paper entry made during the drill, entered later.
    std::vector<core::Crossing> xs;
    for (std::int64_t seq : {1, 2, 3, 5, 6, 7}) {
        auto x = test::make_crossing("KAK-01", seq);
        x.stream_id = stream;
        x.occurred_at = core::format_rfc3339(start_at + std::chrono::seconds{seq});
        x.traveler.document_number = "DOC" + std::to_string(seq);
        xs.push_back(x);
    }
    xs[4].occurred_at = xs[3].occurred_at;
    xs[4].traveler = xs[3].traveler;
    xs[5].flags = {"back_captured"};
    xs[5].paper_ref = "REG-1";
    xs[0].flags = {"synthetic"};
    std::vector<const core::Crossing*> ptrs;
    for (const auto& x : xs) ptrs.push_back(&x);
    store->insert_crossings(ptrs);
    run("INSERT INTO rejected_records (device_id, checkpoint_id, stream_id, seq, code, detail, body) "
        "VALUES ('KAK-01', 'KAKAVIJE', $1, 9, 'invalid_field', 'x', '{}')", stream);
    DrillStore(*store).save({{id, "KAK-01", "KAKAVIJE", core::format_rfc3339(start_at + 70s), 0, 1, 7, stream, std::nullopt}}, {});

    const std::string restore = core::format_rfc3339(start_at + 60s);
    const auto facts = DrillStore(*store).facts(
        id, d.started->started_at, restore, {{"KAK-01", "KAKAVIJE"}, {"KAK-02", "KAKAVIJE"}},
        [&](const std::vector<SamplePoint>& samples) {
            return service::drain_bound(samples, (start_at + 60s).time_since_epoch().count());
        });
    ASSERT_EQ(facts.size(), 2u);
    const DeviceFacts& f = facts[0];
    EXPECT_EQ(f.records_during, 5);   // 1, 2, 3, 5, 6; the paper entry apart
    EXPECT_EQ(f.synthetic_during, 1);
    EXPECT_EQ(f.back_captured, 1);
    EXPECT_EQ(f.duplicate_content, 1);
    EXPECT_EQ(f.rejected, 1);
    ASSERT_EQ(f.streams.size(), 1u);
    EXPECT_EQ(f.streams[0].max_seq, 9);
    EXPECT_EQ(f.streams[0].missing, 2);  // 4 and 8: 9 is in the quarantine
    ASSERT_TRUE(f.drain_bound);
    EXPECT_EQ(f.drain_bound->last_seq, 7);
    EXPECT_EQ(f.drain_arrived, 6);  // every seq up to 7 but 4
    ASSERT_TRUE(f.drain_last_received_ms);
    EXPECT_EQ(f.samples.size(), 1u);
    EXPECT_EQ(f.backlog_records.size(), 5u);
    EXPECT_EQ(facts[1].records_during, 0);
    EXPECT_TRUE(facts[1].streams.empty());
}

TEST_F(DrillStoreTest, EveryKnownDeviceHasItsCheckpoint) {
    run("INSERT INTO devices (device_id, checkpoint_id) VALUES ('MRQ-01', 'MURIQAN')");
    const auto known = DrillStore(*store).device_checkpoints();
    EXPECT_EQ(known.size(), 4u);
    EXPECT_EQ(known.at("MRQ-01"), "MURIQAN");
    EXPECT_EQ(known.at("QTH-01"), "QAFETHANE");
}

}  // namespace
}  // namespace borderlog::server
