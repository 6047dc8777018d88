#include "server/http/metrics.hpp"

#include "server/service/fleet.hpp"
#include "server/storage/pool.hpp"

#include <boost/json.hpp>
#include <prometheus/text_serializer.h>

#include <deque>
#include <sstream>

namespace borderlog::server::http {

namespace json = boost::json;
using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

namespace {

const prometheus::Histogram::BucketBoundaries kRequestBuckets{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                              0.1,   0.25,   0.5,   1,    2.5,   5,    10};

// Families built at scrape time from the state of the fleet and the pool.
class Families {
public:
    MetricFamily& add(std::string name, std::string help, MetricType type) {
        families_.push_back({std::move(name), std::move(help), type, {}});
        return families_.back();
    }
    std::deque<MetricFamily>& all() { return families_; }

private:
    std::deque<MetricFamily> families_;  // a deque: add() hands out references that must stay valid
};

ClientMetric gauge(double value, std::vector<ClientMetric::Label> labels = {}) {
    ClientMetric m;
    m.label = std::move(labels);
    m.gauge.value = value;
    return m;
}

ClientMetric counter(double value) {
    ClientMetric m;
    m.counter.value = value;
    return m;
}

double seconds_since_epoch(const json::value& rfc3339) {
    const auto t = core::parse_rfc3339(rfc3339.as_string());
    return t ? static_cast<double>(t->time_since_epoch().count()) / 1000.0 : 0.0;
}

void fleet_families(const json::object& view, Families& out) {
    auto& central = out.add("borderlog_central_offline", "1 while the central-offline switch is on", MetricType::Gauge);
    central.metric.push_back(gauge(view.at("central").as_string() == "offline" ? 1 : 0));
    auto& database = out.add("borderlog_database_up", "1 while this server reaches PostgreSQL", MetricType::Gauge);
    database.metric.push_back(gauge(view.at("database").as_string() == "available" ? 1 : 0));

    auto& state = out.add("borderlog_checkpoint_state",
                          "1 for the checkpoint's current state (online, silent, central_offline, drill)",
                          MetricType::Gauge);
    auto& backlog = out.add("borderlog_checkpoint_backlog_records",
                            "records recorded at the checkpoint and not yet acknowledged by the centre",
                            MetricType::Gauge);
    auto& oldest = out.add("borderlog_checkpoint_oldest_pending_age_seconds",
                           "age of the checkpoint's oldest record waiting to sync (0 when none)", MetricType::Gauge);
    auto& contact = out.add("borderlog_checkpoint_last_contact_timestamp_seconds",
                            "when any device of the checkpoint last sent a heartbeat or synced (Unix time)",
                            MetricType::Gauge);
    auto& hour = out.add("borderlog_checkpoint_crossings_last_hour", "crossings that occurred in the last hour",
                         MetricType::Gauge);
    auto& waiting = out.add("borderlog_lane_queue_waiting", "travellers waiting in the lane's queue",
                            MetricType::Gauge);
    auto& wait = out.add("borderlog_lane_queue_wait_estimate_seconds",
                         "estimated wait at the lane from its processing rate over the last 15 minutes",
                         MetricType::Gauge);
    auto& device_backlog = out.add("borderlog_device_backlog_records", "records waiting to sync on the device",
                                   MetricType::Gauge);
    auto& device_contact = out.add("borderlog_device_last_contact_timestamp_seconds",
                                   "when the device last sent a heartbeat or synced (Unix time)", MetricType::Gauge);
    auto& device_offset = out.add("borderlog_device_clock_offset_seconds",
                                  "the device clock minus the server clock at its last heartbeat", MetricType::Gauge);
    for (const auto& item : view.at("checkpoints").as_array()) {
        const auto& cp = item.as_object();
        const std::string id(cp.at("checkpoint_id").as_string());
        for (const char* s : {service::kStateOnline, service::kStateSilent, service::kStateCentralOffline,
                              service::kStateDrill})
            state.metric.push_back(gauge(cp.at("state").as_string() == s ? 1 : 0, {{"checkpoint", id}, {"state", s}}));
        backlog.metric.push_back(gauge(static_cast<double>(cp.at("pending").as_int64()), {{"checkpoint", id}}));
        const auto& age = cp.at("oldest_pending_age_s");
        oldest.metric.push_back(gauge(age.is_int64() ? static_cast<double>(age.as_int64()) : 0, {{"checkpoint", id}}));
        if (cp.at("last_contact_at").is_string())
            contact.metric.push_back(gauge(seconds_since_epoch(cp.at("last_contact_at")), {{"checkpoint", id}}));
        hour.metric.push_back(gauge(static_cast<double>(cp.at("crossings_last_hour").as_int64()), {{"checkpoint", id}}));
        for (const auto& l : cp.at("lanes").as_array()) {
            const std::string lane(l.at("lane").as_string());
            waiting.metric.push_back(
                gauge(static_cast<double>(l.at("waiting").as_int64()), {{"checkpoint", id}, {"lane", lane}}));
            if (l.at("wait_estimate_s").is_int64())
                wait.metric.push_back(gauge(static_cast<double>(l.at("wait_estimate_s").as_int64()),
                                            {{"checkpoint", id}, {"lane", lane}}));
        }
        for (const auto& d : cp.at("devices").as_array()) {
            const std::vector<ClientMetric::Label> labels{{"checkpoint", id},
                                                          {"device", std::string(d.at("device_id").as_string())}};
            device_backlog.metric.push_back(gauge(static_cast<double>(d.at("pending").as_int64()), labels));
            if (d.at("last_contact_at").is_string())
                device_contact.metric.push_back(gauge(seconds_since_epoch(d.at("last_contact_at")), labels));
            if (d.at("clock_offset_ms").is_int64())
                device_offset.metric.push_back(
                    gauge(static_cast<double>(d.at("clock_offset_ms").as_int64()) / 1000.0, labels));
        }
    }
}

void pool_families(Pool& pool, Families& out) {
    const PoolStats s = pool.stats();
    out.add("borderlog_db_pool_workers", "database workers, each with its own connection", MetricType::Gauge)
        .metric.push_back(gauge(static_cast<double>(s.workers)));
    out.add("borderlog_db_pool_busy_workers", "database workers running work now", MetricType::Gauge)
        .metric.push_back(gauge(static_cast<double>(s.busy)));
    out.add("borderlog_db_pool_queued", "database work waiting for a worker", MetricType::Gauge)
        .metric.push_back(gauge(static_cast<double>(s.queued)));
    out.add("borderlog_db_pool_started_total", "database work taken by a worker", MetricType::Counter)
        .metric.push_back(counter(static_cast<double>(s.started_total)));
    out.add("borderlog_db_pool_refused_total", "database work refused because the queue was full", MetricType::Counter)
        .metric.push_back(counter(static_cast<double>(s.refused_total)));
    out.add("borderlog_db_pool_wait_seconds_total", "time database work waited for a worker, summed",
            MetricType::Counter)
        .metric.push_back(counter(s.wait_seconds_total));
    out.add("borderlog_db_pool_connect_failures_total", "failed attempts to connect a database worker",
            MetricType::Counter)
        .metric.push_back(counter(static_cast<double>(s.connect_failures_total)));
}

}  // namespace

Metrics::Metrics()
    : registry_(std::make_shared<prometheus::Registry>()),
      requests_(prometheus::BuildHistogram()
                    .Name("borderlog_http_request_duration_seconds")
                    .Help("time to answer an HTTP request, by route pattern")
                    .Register(*registry_)),
      ingest_(prometheus::BuildCounter()
                  .Name("borderlog_ingest_records_total")
                  .Help("crossings offered by devices, by outcome")
                  .Register(*registry_)),
      heartbeats_(prometheus::BuildCounter()
                      .Name("borderlog_heartbeats_total")
                      .Help("heartbeats taken from devices")
                      .Register(*registry_)),
      sign_ins_(prometheus::BuildCounter()
                    .Name("borderlog_sign_ins_total")
                    .Help("dashboard sign-ins, by result (ok, failed, limited)")
                    .Register(*registry_)),
      drill_faults_(prometheus::BuildCounter()
                        .Name("borderlog_drill_faults_total")
                        .Help("device calls a drill answered with a fault, by fault")
                        .Register(*registry_)) {
    prometheus::BuildGauge()
        .Name("borderlog_build_info")
        .Help("the running version of borderlog-server")
        .Register(*registry_)
        .Add({{"version", BORDERLOG_VERSION}})
        .Set(1);
    for (const char* outcome : {"stored", "duplicate", "rejected", "id_conflict", "seq_conflict"})
        ingest_.Add({{"outcome", outcome}});
    heartbeats_.Add({});
    for (const char* fault : {"unavailable", "reset", "timeout", "slow", "lost_ack", "db_down"})
        drill_faults_.Add({{"fault", fault}});
}

void Metrics::observe_request(std::string_view method, const std::string& route, unsigned status, double seconds) {
    requests_.Add({{"method", std::string(method)}, {"route", route}, {"code", std::to_string(status)}},
                  kRequestBuckets)
        .Observe(seconds);
}

void Metrics::count_ingest(const std::string& outcome, double records) {
    ingest_.Add({{"outcome", outcome}}).Increment(records);
}

void Metrics::count_heartbeat() { heartbeats_.Add({}).Increment(); }

void Metrics::count_sign_in(const std::string& result) { sign_ins_.Add({{"result", result}}).Increment(); }

void Metrics::count_drill_fault(const std::string& fault) { drill_faults_.Add({{"fault", fault}}).Increment(); }

void Metrics::set_drills(std::vector<DrillGauge> drills) {
    std::lock_guard lock(drills_mutex_);
    drills_ = std::move(drills);
}

std::string Metrics::exposition(const service::Fleet& fleet, Pool& pool, core::Millis now) {
    std::vector<MetricFamily> families = registry_->Collect();
    Families extra;
    extra.add("borderlog_event_streams", "dashboards connected to /api/v1/events", MetricType::Gauge)
        .metric.push_back(gauge(static_cast<double>(event_streams_.load())));
    fleet_families(fleet.view(now), extra);
    pool_families(pool, extra);
    {
        std::lock_guard lock(drills_mutex_);
        extra.add("borderlog_drill_active", "drills running now", MetricType::Gauge)
            .metric.push_back(gauge(static_cast<double>(drills_.size())));
        auto& info = extra.add("borderlog_drill_info", "1 for each running drill, with its current fault",
                               MetricType::Gauge);
        for (const auto& d : drills_)
            info.metric.push_back(gauge(1, {{"drill", d.id}, {"name", d.name}, {"fault", d.fault}}));
    }
    for (auto& f : extra.all()) families.push_back(std::move(f));
    std::ostringstream out;
    prometheus::TextSerializer{}.Serialize(out, families);
    return out.str();
}

}  // namespace borderlog::server::http
