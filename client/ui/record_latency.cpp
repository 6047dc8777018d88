#include "client/ui/record_latency.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

namespace borderlog::client::ui {

void RecordLatency::expire(Clock::time_point now) {
    while (!samples_.empty() && (samples_.size() > kMaxSamples || now - samples_.front().first > kWindow))
        samples_.pop_front();
}

void RecordLatency::add(std::chrono::microseconds took, Clock::time_point at) {
    std::lock_guard lock(mutex_);
    samples_.emplace_back(at, took);
    expire(at);
}

std::optional<RecordLatency::Figures> RecordLatency::figures(Clock::time_point now) {
    std::vector<std::int64_t> us;
    {
        std::lock_guard lock(mutex_);
        expire(now);
        us.reserve(samples_.size());
        for (const auto& s : samples_) us.push_back(s.second.count());
    }
    if (us.empty()) return std::nullopt;
    std::sort(us.begin(), us.end());
    const auto rank = [&](double p) {
        const auto k = static_cast<std::size_t>(std::ceil(p * static_cast<double>(us.size())));
        return static_cast<double>(us[std::max<std::size_t>(k, 1) - 1]) / 1000.0;
    };
    return Figures{rank(0.50), rank(0.99), static_cast<std::int64_t>(us.size())};
}

std::optional<HeartbeatExtras::Latency> RecordLatency::for_heartbeat(Clock::time_point now) {
    const auto f = figures(now);
    if (!f) return std::nullopt;
    return HeartbeatExtras::Latency{static_cast<std::int64_t>(std::ceil(f->p50_ms)),
                                    static_cast<std::int64_t>(std::ceil(f->p99_ms)), f->count};
}

}  // namespace borderlog::client::ui
