// Lane queues as the checkpoint counted them (`borderlog-checkpoint queue`, later the officer screen):
// kept in the outbox's meta table under one key, and sent with every heartbeat.
#pragma once

#include "client/queue/outbox.hpp"

#include <boost/json/array.hpp>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace borderlog::client {

inline constexpr std::int64_t kMaxWaiting = 100000;  // the server refuses more
inline constexpr std::size_t kMaxLaneQueues = 64;     // lanes in one heartbeat at most

struct LaneQueueReport {
    std::string lane;
    std::int64_t waiting = 0;
    std::string at;  // RFC 3339: when it was counted
};

// Every lane's last report, in lane order. A damaged value reads as no lanes.
std::vector<LaneQueueReport> lane_queues(Outbox& outbox);

// Records one lane's count (replacing its last). Throws std::invalid_argument for a lane name that is not
// 1-16 bytes of printable UTF-8, a count out of range, or a 65th lane. Callers serialise concurrent
// writers (see queue.cpp).
void set_lane_queue(Outbox& outbox, const std::string& lane, std::int64_t waiting, const std::string& at);

// Two officers counting at once (the queue command, the officer screen) must not lose each other's lane:
// the read-modify-write of the lane list holds this lock (the data directory's queue.lock, not the sync
// lock, which a long sync holds). Throws std::runtime_error when the file cannot be locked.
class LaneQueueLock {
public:
    explicit LaneQueueLock(const std::filesystem::path& file);
    ~LaneQueueLock();
    LaneQueueLock(const LaneQueueLock&) = delete;
    LaneQueueLock& operator=(const LaneQueueLock&) = delete;

private:
    int fd_ = -1;
};

// The heartbeat's "lanes": [{"lane","waiting","at"}].
boost::json::array lane_queues_json(Outbox& outbox);

}  // namespace borderlog::client
