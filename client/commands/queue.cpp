// queue: how many travellers wait at a lane, as the officer counts them. Kept locally and sent to the
// centre with the next heartbeat; works with or without the network.
#include "client/commands.hpp"

#include "client/client_config.hpp"
#include "client/commands/command_support.hpp"
#include "client/queue/lane_queues.hpp"
#include "core/time.hpp"

#include <boost/json.hpp>

#include <iostream>
#include <stdexcept>

namespace borderlog::client {

int run_queue(const QueueOptions& o) {
    const DataDir dir = open_data_dir(o.data_dir);
    load_config(dir);
    Outbox outbox(dir.outbox_file());
    const std::string at = core::format_rfc3339(core::now_millis());
    try {
        LaneQueueLock lock(dir.root / "queue.lock");
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
