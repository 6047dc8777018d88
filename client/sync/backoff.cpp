#include "client/sync/backoff.hpp"

#include <algorithm>

namespace borderlog::client {

Backoff::Backoff(std::chrono::milliseconds base, std::chrono::milliseconds cap, std::uint64_t seed)
    : base_(base), cap_(cap), rng_(seed) {}

std::chrono::milliseconds Backoff::next(std::optional<std::chrono::seconds> retry_after) {
    const int doublings = std::min(failures_, 30);  // past this the cap rules anyway; avoids overflow
    ++failures_;
    const auto ceiling = std::min<std::int64_t>(cap_.count(), base_.count() << doublings);
    std::uniform_int_distribution<std::int64_t> pick(0, std::max<std::int64_t>(ceiling, 0));
    std::chrono::milliseconds wait{pick(rng_)};
    // The server's Retry-After counts, up to the cap: a wild value (2e9 s, or near 2^63, which would
    // overflow in milliseconds) must not stop syncing and heartbeats until a restart.
    if (retry_after && retry_after->count() > 0) {
        const auto cap_s = std::chrono::duration_cast<std::chrono::seconds>(cap_);
        wait = std::max(wait, *retry_after >= cap_s ? cap_ : std::chrono::milliseconds{*retry_after});
    }
    return wait;
}

}  // namespace borderlog::client
