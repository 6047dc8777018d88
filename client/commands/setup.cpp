// init: the terminal's configuration and its outbox, checked with the centre when it can be reached.
#include "client/commands.hpp"

#include "client/commands/command_support.hpp"
#include "client/client_config.hpp"
#include "client/sync/http_client.hpp"
#include "client/sync/syncer.hpp"
#include "core/crossing.hpp"

#include <boost/json.hpp>

#include <iostream>

namespace borderlog::client {

namespace json = boost::json;

namespace {

struct CentreCheck {
    int refusal = 0;           // a usage exit code when the centre refuses the configuration
    std::string token_answer;  // GET /api/v1/token's answer, when it gave one (it names the limits)
};

// Asks the centre, when it can be reached, whether the token speaks for this device of this checkpoint.
// A centre that cannot answer now (unreachable, switched offline, its database away) does not stop a
// terminal from being set up: the token is then checked at the first sync.
CentreCheck check_with_centre(const ClientConfig& config) {
    CentreCheck check;
    const auto later = [] {
        std::cerr << "borderlog-checkpoint: note: the centre is unavailable now; the token is checked at the first sync\n";
    };
    try {
        HttpClient http(config.server_url, std::chrono::seconds{5});
        const auto who = http.request("GET", "/api/v1/token", "", config.token);
        if (who.status == 401) {
            check.refusal = usage_error("--token", "the centre does not accept this token");
            return check;
        }
        if (who.status != 200) {
            later();
            return check;
        }
        const json::value t = json::parse(who.body);
        if (t.at("role").as_string() != "device") {
            check.refusal = usage_error("--token", "this is not a device token");
        } else if (t.at("device_id").as_string() != config.device.device_id) {
            check.refusal = usage_error("--device", "the token is for device " +
                                                        std::string(t.at("device_id").as_string().c_str()));
        } else if (t.at("checkpoint_id").as_string() != config.device.checkpoint_id) {
            check.refusal = usage_error("--checkpoint", "the token is for checkpoint " +
                                                            std::string(t.at("checkpoint_id").as_string().c_str()));
        } else {
            check.token_answer = who.body;
        }
    } catch (const std::exception&) {
        later();
    }
    return check;
}

std::string resolve_token(const InitOptions& o, int& refusal) {
    if (!o.token.empty() && !o.token_file.empty()) {
        refusal = usage_error("--token-file", "give --token or --token-file, not both");
        return {};
    }
    if (o.token_file.empty()) return o.token;
    try {
        return read_secret_file(o.token_file, "--token-file");
    } catch (const std::exception& e) {
        std::cerr << "borderlog-checkpoint: " << e.what() << "\n";
        refusal = kExitUsage;
        return {};
    }
}

}  // namespace

int run_init(const InitOptions& o) {
    if (const auto problem = check_server_url(o.server); !problem.empty()) return usage_error("--server", problem);
    if (!core::is_identifier(o.checkpoint)) return usage_error("--checkpoint", "must be 1-64 letters, digits, . _ -");
    if (!core::is_identifier(o.device)) return usage_error("--device", "must be 1-64 letters, digits, . _ -");
    int refusal = 0;
    const std::string token = resolve_token(o, refusal);
    if (refusal != 0) return refusal;
    if (token.empty() || token.size() > 512)
        return usage_error("--token", "must be the device token (1-512 characters; --token-file FILE or BORDERLOG_TOKEN)");

    // A data directory's records belong to one device: re-pointing it at another would mix them.
    const DataDir dir{o.data_dir};
    const bool had_outbox = std::filesystem::exists(dir.outbox_file());
    if (had_outbox && std::filesystem::exists(dir.config_file())) {
        const DataDir existing = open_data_dir(o.data_dir);
        Outbox outbox(existing.outbox_file());
        const OutboxStats s = outbox.stats();
        if (s.pending + s.acknowledged + s.rejected > 0 || s.last_seq > 0) {
            const ClientConfig old = load_config(existing);
            if (old.device.device_id != o.device)
                return usage_error("--device", "this data directory already holds records of device " +
                                                   old.device.device_id + "; use a new --data-dir for another device");
            if (old.device.checkpoint_id != o.checkpoint)
                return usage_error("--checkpoint", "this data directory already holds records of checkpoint " +
                                                       old.device.checkpoint_id);
        }
    }
    const ClientConfig config{o.server, token, DeviceIdentity{o.checkpoint, o.device}};
    const CentreCheck check = check_with_centre(config);
    if (check.refusal != 0) return check.refusal;

    // Only init creates an outbox, and a new outbox starts a new stream of the device: a replaced or
    // re-initialised terminal never reuses a sequence number. An existing outbox keeps its stream.
    const DataDir created = create_data_dir(o.data_dir);
    Outbox outbox(created.outbox_file(), OpenMode::create);
    if (!check.token_answer.empty()) remember_limits(outbox, check.token_answer);
    save_config(created, config);
    secure_data_dir(created);
    const std::string stream = outbox.stats().stream_id;
    std::cerr << "checkpoint " << o.checkpoint << ", device " << o.device << " initialised in "
              << created.root.string() << " (" << (had_outbox ? "outbox kept, stream " : "new stream ")
              << (stream.empty() ? "(legacy)" : stream) << ")\n";
    return 0;
}

}  // namespace borderlog::client
