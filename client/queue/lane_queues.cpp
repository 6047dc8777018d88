#include "client/queue/lane_queues.hpp"

#include "core/crossing.hpp"
#include "core/text.hpp"

#include <boost/json.hpp>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace borderlog::client {

namespace json = boost::json;

namespace {
constexpr const char* kMetaKey = "lane_queues";
}

std::vector<LaneQueueReport> lane_queues(Outbox& outbox) {
    std::vector<LaneQueueReport> out;
    const auto text = outbox.meta(kMetaKey);
    if (!text) return out;
    boost::system::error_code ec;
    const json::value v = json::parse(*text, ec);
    if (ec || !v.is_object()) return out;
    for (const auto& [lane, entry] : v.get_object()) {
        const auto* o = entry.if_object();
        const auto* waiting = o ? o->if_contains("waiting") : nullptr;
        const auto* at = o ? o->if_contains("at") : nullptr;
        if (!waiting || !waiting->is_int64() || !at || !at->is_string()) continue;
        out.push_back({std::string(lane), waiting->get_int64(), std::string(at->get_string())});
    }
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.lane < b.lane; });
    return out;
}

void set_lane_queue(Outbox& outbox, const std::string& lane, std::int64_t waiting, const std::string& at) {
    if (!core::is_text(lane, core::limits::kLane))
        throw std::invalid_argument("--lane: must be 1-16 bytes of printable UTF-8");
    if (waiting < 0 || waiting > kMaxWaiting) throw std::invalid_argument("--waiting: must be 0-100000");
    json::object all;
    for (const auto& r : lane_queues(outbox)) all[r.lane] = json::object{{"waiting", r.waiting}, {"at", r.at}};
    if (!all.contains(lane) && all.size() >= kMaxLaneQueues)
        throw std::invalid_argument("--lane: this checkpoint already reports 64 lanes");
    all[lane] = json::object{{"waiting", waiting}, {"at", at}};
    outbox.set_meta(kMetaKey, json::serialize(all));
}

LaneQueueLock::LaneQueueLock(const std::filesystem::path& file) {
    fd_ = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd_ < 0) throw std::runtime_error("cannot open " + file.string() + ": " + std::strerror(errno));
    while (::flock(fd_, LOCK_EX) != 0) {
        if (errno != EINTR) {
            ::close(fd_);
            throw std::runtime_error("cannot lock " + file.string() + ": " + std::strerror(errno));
        }
    }
}

LaneQueueLock::~LaneQueueLock() { ::close(fd_); }

json::array lane_queues_json(Outbox& outbox) {
    json::array out;
    for (const auto& r : lane_queues(outbox)) out.push_back(json::object{{"lane", r.lane}, {"waiting", r.waiting}, {"at", r.at}});
    return out;
}

}  // namespace borderlog::client
