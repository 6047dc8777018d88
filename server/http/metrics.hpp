// Prometheus metrics for /metrics: what the server counts as it works (requests by route pattern,
// ingest outcomes, heartbeats, sign-ins), and what it reads at scrape time from the fleet view and the
// database pool. Serialised with prometheus-cpp's TextSerializer on the server's own listener.
#pragma once

#include "core/time.hpp"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace borderlog::server {
class Pool;
namespace service {
class Fleet;
}
}  // namespace borderlog::server

namespace borderlog::server::http {

// A running drill as /metrics labels it: its current fault ("none" between steps).
struct DrillGauge {
    std::string id;
    std::string name;
    std::string fault;
};

class Metrics {
public:
    Metrics();

    // `route` is the route's pattern (never the raw path, whose ids would make a series per id).
    void observe_request(std::string_view method, const std::string& route, unsigned status, double seconds);
    // outcome: stored | duplicate | rejected | id_conflict | seq_conflict
    void count_ingest(const std::string& outcome, double records = 1);
    void count_heartbeat();
    // result: ok | failed | limited
    void count_sign_in(const std::string& result);
    std::atomic<std::int64_t>& event_streams() { return event_streams_; }
    // A device call a drill answered with a fault (unavailable, reset, timeout, slow, lost_ack, db_down).
    void count_drill_fault(const std::string& fault);
    // The drills running now (kept current by the drills' loop).
    void set_drills(std::vector<DrillGauge> drills);

    // The whole exposition in the text format.
    std::string exposition(const service::Fleet& fleet, Pool& pool, core::Millis now);

private:
    std::shared_ptr<prometheus::Registry> registry_;
    prometheus::Family<prometheus::Histogram>& requests_;
    prometheus::Family<prometheus::Counter>& ingest_;
    prometheus::Family<prometheus::Counter>& heartbeats_;
    prometheus::Family<prometheus::Counter>& sign_ins_;
    prometheus::Family<prometheus::Counter>& drill_faults_;
    std::atomic<std::int64_t> event_streams_{0};
    std::mutex drills_mutex_;
    std::vector<DrillGauge> drills_;
};

}  // namespace borderlog::server::http
