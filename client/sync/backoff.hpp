// Waits between failed syncs: exponential, capped, with full jitter so that a hundred checkpoints
// coming back together do not knock on the centre at the same instant; never shorter than the
// server's Retry-After, nor longer than the cap whatever it says.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <random>

namespace borderlog::client {

class Backoff {
public:
    Backoff(std::chrono::milliseconds base, std::chrono::milliseconds cap, std::uint64_t seed);

    // The wait after one more failure: uniform in [0, min(cap, base * 2^failures)], then at least
    // `retry_after` (itself capped at the cap) when the server named one.
    std::chrono::milliseconds next(std::optional<std::chrono::seconds> retry_after = std::nullopt);
    void reset() { failures_ = 0; }
    int failures() const { return failures_; }

private:
    std::chrono::milliseconds base_;
    std::chrono::milliseconds cap_;
    int failures_ = 0;
    std::mt19937_64 rng_;
};

}  // namespace borderlog::client
