// The officers' record latency, as the daemon measures it: from the moment the screen's request is
// read to the moment its record is committed. Kept over a sliding window for the heartbeat's
// record_latency_ms and the screen's banner. Safe to use from several threads.
#pragma once

#include "client/sync/syncer.hpp"

#include <chrono>
#include <deque>
#include <mutex>
#include <optional>
#include <utility>

namespace borderlog::client::ui {

class RecordLatency {
public:
    using Clock = std::chrono::steady_clock;

    // The window: the last 15 minutes, at most 10,000 records.
    static constexpr std::chrono::minutes kWindow{15};
    static constexpr std::size_t kMaxSamples = 10000;

    void add(std::chrono::microseconds took, Clock::time_point at = Clock::now());

    struct Figures {
        double p50_ms = 0, p99_ms = 0;
        std::int64_t count = 0;
    };
    // Nearest-rank percentiles over the window; nullopt when no record was made in it.
    std::optional<Figures> figures(Clock::time_point now = Clock::now());

    // As the heartbeat carries them: whole milliseconds, rounded up.
    std::optional<HeartbeatExtras::Latency> for_heartbeat(Clock::time_point now = Clock::now());

private:
    void expire(Clock::time_point now);
    std::mutex mutex_;
    std::deque<std::pair<Clock::time_point, std::chrono::microseconds>> samples_;
};

}  // namespace borderlog::client::ui
