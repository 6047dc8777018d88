// queue: how many travellers wait at a lane, as the officer counts them. Kept locally and sent to the
// centre with the next heartbeat; works with or without the network.
#include "client/commands.hpp"

#include "client/client_config.hpp"
#include "client/commands/command_support.hpp"
#include "client/queue/lane_queues.hpp"
#include "core/time.hpp"

#include <boost/json.hpp>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <stdexcept>

namespace borderlog::client {

namespace {

// Two officers counting at once must not lose each other's lane: the read-modify-write of the lane
// list holds a lock of its own (not the sync lock, which a long sync holds).
class QueueLock {
public:
    explicit QueueLock(const std::filesystem::path& file) {
        fd_ = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (fd_ < 0) throw std::runtime_error("cannot open " + file.string() + ": " + std::strerror(errno));
        while (::flock(fd_, LOCK_EX) != 0)
            if (errno != EINTR) throw std::runtime_error("cannot lock " + file.string() + ": " + std::strerror(errno));
    }
    ~QueueLock() { ::close(fd_); }
    QueueLock(const QueueLock&) = delete;
    QueueLock& operator=(const QueueLock&) = delete;

private:
    int fd_ = -1;
};

}  // namespace

int run_queue(const QueueOptions& o) {
    const DataDir dir = open_data_dir(o.data_dir);
    load_config(dir);
    Outbox outbox(dir.outbox_file());
    const std::string at = core::format_rfc3339(core::now_millis());
    try {
        QueueLock lock(dir.root / "queue.lock");
        set_lane_queue(outbox, o.lane, o.waiting, at);
    } catch (const std::invalid_argument& e) {
        const std::string message = e.what();
        const auto colon = message.find(": ");
        return usage_error(message.substr(0, colon), message.substr(colon + 2));
    }
    if (o.json) {
        std::cout << boost::json::serialize(boost::json::object{{"lane", o.lane}, {"waiting", o.waiting}, {"at", at}})
                  << "\n";
    } else {
        std::cerr << "lane " << o.lane << ": " << o.waiting << " waiting; the next heartbeat tells the centre\n";
    }
    return 0;
}

}  // namespace borderlog::client
