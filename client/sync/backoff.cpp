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
    if (retry_after) wait = std::max<std::chrono::milliseconds>(wait, *retry_after);
    return wait;
}

}  // namespace borderlog::client
