// init: the terminal's configuration, checked with the centre when it can be reached.
#include "client/commands.hpp"

#include "client/commands/command_support.hpp"
#include "client/client_config.hpp"
#include "client/sync/http_client.hpp"
#include "core/crossing.hpp"

#include <boost/json.hpp>

#include <iostream>

namespace borderlog::client {

namespace json = boost::json;

namespace {

// Asks the centre, when it can be reached, whether the token speaks for this device of this checkpoint,
// and whether the centre already has records of the device: a fresh data directory would then reuse
// its sequence numbers, and every new record would be refused.
int check_with_centre(const ClientConfig& config, bool fresh) {
    try {
        HttpClient http(config.server_url, std::chrono::seconds{5});
        const auto who = http.request("GET", "/api/v1/token", "", config.token);
        if (who.status == 401) return usage_error("--token", "the centre does not accept this token");
        if (who.status == 200) {
            const json::value t = json::parse(who.body);
            if (t.at("role").as_string() != "device") return usage_error("--token", "this is not a device token");
            if (t.at("device_id").as_string() != config.device.device_id)
                return usage_error("--device", "the token is for device " +
                                                   std::string(t.at("device_id").as_string().c_str()));
            if (t.at("checkpoint_id").as_string() != config.device.checkpoint_id)
                return usage_error("--checkpoint", "the token is for checkpoint " +
                                                       std::string(t.at("checkpoint_id").as_string().c_str()));
        }
        if (!fresh) return 0;
        const auto res =
            http.request("GET", "/api/v1/devices/" + config.device.device_id + "/reconcile", "", config.token);
        if (res.status != 200) return 0;
        const json::value v = json::parse(res.body);
        const auto received = v.at("received").as_int64();
        if (received > 0)
            return usage_error("--device", "the centre already holds " + std::to_string(received) + " records of device " +
                                               config.device.device_id +
                                               "; restore that device's data directory, or give this terminal a new device id");
    } catch (const std::exception&) {
        std::cerr << "borderlog-checkpoint: note: the centre cannot be reached now; the token is checked at the first sync\n";
    }
    return 0;
}

}  // namespace

int run_init(const InitOptions& o) {
    if (const auto problem = check_server_url(o.server); !problem.empty()) return usage_error("--server", problem);
    if (!core::is_identifier(o.checkpoint)) return usage_error("--checkpoint", "must be 1-64 letters, digits, . _ -");
    if (!core::is_identifier(o.device)) return usage_error("--device", "must be 1-64 letters, digits, . _ -");
    if (o.token.empty() || o.token.size() > 512) return usage_error("--token", "must be the device token (1-512 characters)");
    const DataDir dir = create_data_dir(o.data_dir);
    Outbox outbox(dir.outbox_file());
    const std::int64_t last_seq = outbox.stats().last_seq;
    // A data directory's sequence numbers belong to one device: re-pointing it would collide.
    if (std::filesystem::exists(dir.config_file()) && last_seq > 0) {
        const ClientConfig old = load_config(dir);
        if (old.device.device_id != o.device)
            return usage_error("--device", "this data directory already holds records of device " +
                                               old.device.device_id + "; use a new --data-dir for another device");
        if (old.device.checkpoint_id != o.checkpoint)
            return usage_error("--checkpoint", "this data directory already holds records of checkpoint " +
                                                   old.device.checkpoint_id);
    }
    const ClientConfig config{o.server, o.token, DeviceIdentity{o.checkpoint, o.device}};
    if (const int refused = check_with_centre(config, last_seq == 0); refused != 0) return refused;
    save_config(dir, config);
    std::cerr << "checkpoint " << o.checkpoint << ", device " << o.device << " initialised in " << dir.root.string()
              << "\n";
    return 0;
}

}  // namespace borderlog::client
