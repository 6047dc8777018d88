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

// Which option a refused TLS handshake points at: the CA for a chain that does not verify, the URL for
// a certificate of another name, our own certificate when the server refused us.
std::string option_at_fault(const TlsError& e) {
    if (!e.server_certificate()) return "--client-cert";
    const std::string what = e.what();
    if (what.find("hostname mismatch") != std::string::npos || what.find("IP address mismatch") != std::string::npos)
        return "--server";
    return "--ca";
}

// Asks the centre, when it can be reached, whether the token speaks for this device of this checkpoint.
// A centre that cannot answer now (unreachable, switched offline, its database away) does not stop a
// terminal from being set up: the token is then checked at the first sync. A centre whose certificate
// is refused (or that refuses ours) does: that is a setting to fix, not an outage.
CentreCheck check_with_centre(const ClientConfig& config) {
    CentreCheck check;
    const auto later = [] {
        std::cerr << "borderlog-checkpoint: note: the centre is unavailable now; the token is checked at the first sync\n";
    };
    try {
        HttpClient http(config.server_url, std::chrono::seconds{5}, config.tls);
        const auto who = http.request("GET", "/api/v1/token", "", config.token);
        if (who.status == 401) {
            check.refusal = usage_error("--token", "the centre does not accept this token");
            return check;
        }
        if (who.status == 403) {
            // A valid device token refused over this connection: the centre requires the device's
            // own client certificate.
            check.refusal = usage_error("--client-cert", "the centre accepts this token only with the device's own "
                                                         "client certificate (--client-cert, --client-key)");
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
    } catch (const TlsError& e) {
        check.refusal = usage_error(option_at_fault(e), e.what());
    } catch (const std::exception&) {
        later();
    }
    return check;
}

// The TLS options as given, each file checked on its own so that a message names its option. Returns
// a usage exit code, or 0.
int check_tls_files(const InitOptions& o, TlsOptions& tls) {
    const bool https = o.server.rfind("https://", 0) == 0;
    if (!https && (!o.ca_file.empty() || !o.client_cert_file.empty() || !o.client_key_file.empty()))
        return usage_error(o.ca_file.empty() ? "--client-cert" : "--ca", "goes with an https:// server URL");
    if (o.client_cert_file.empty() != o.client_key_file.empty())
        return usage_error(o.client_cert_file.empty() ? "--client-cert" : "--client-key",
                           "--client-cert and --client-key go together");
    if (!https) return 0;
    tls = TlsOptions{o.ca_file.string(), {}, {}};
    try {
        HttpClient trial(o.server, std::chrono::seconds{1}, tls);
    } catch (const std::invalid_argument& e) {
        return usage_error("--ca", e.what());
    }
    tls.client_cert_file = o.client_cert_file.string();
    tls.client_key_file = o.client_key_file.string();
    try {
        HttpClient trial(o.server, std::chrono::seconds{1}, tls);
    } catch (const std::invalid_argument& e) {
        return usage_error("--client-cert", e.what());
    }
    return 0;
}

// Copies the TLS files into the data directory (and drops those no longer given), so that the
// terminal depends on no other path. Returns the options naming the copies.
TlsOptions install_tls_files(const InitOptions& o, const DataDir& dir) {
    TlsOptions installed;
    const auto place = [&](const std::filesystem::path& source, const std::filesystem::path& target,
                           const char* option) -> std::string {
        if (source.empty()) {
            std::filesystem::remove(target);
            return {};
        }
        install_pem_file(source, target, option);
        return target.string();
    };
    installed.ca_file = place(o.ca_file, dir.ca_file(), "--ca");
    installed.client_cert_file = place(o.client_cert_file, dir.client_cert_file(), "--client-cert");
    installed.client_key_file = place(o.client_key_file, dir.client_key_file(), "--client-key");
    return installed;
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
    if (const auto problem = check_server_url(o.server, o.insecure_http); !problem.empty())
        return usage_error("--server", problem);
    TlsOptions tls;
    if (const int refused = check_tls_files(o, tls); refused != 0) return refused;
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
    ClientConfig config{o.server, token, DeviceIdentity{o.checkpoint, o.device}, tls, o.insecure_http};
    const CentreCheck check = check_with_centre(config);
    if (check.refusal != 0) return check.refusal;

    // Only init creates an outbox, and a new outbox starts a new stream of the device: a replaced or
    // re-initialised terminal never reuses a sequence number. An existing outbox keeps its stream.
    const DataDir created = create_data_dir(o.data_dir);
    Outbox outbox(created.outbox_file(), OpenMode::create);
    if (!check.token_answer.empty()) remember_limits(outbox, check.token_answer);
    config.tls = install_tls_files(o, created);
    save_config(created, config);
    secure_data_dir(created);
    const std::string stream = outbox.stats().stream_id;
    std::cerr << "checkpoint " << o.checkpoint << ", device " << o.device << " initialised in "
              << created.root.string() << " (" << (had_outbox ? "outbox kept, stream " : "new stream ")
              << (stream.empty() ? "(legacy)" : stream) << ")\n";
    return 0;
}

}  // namespace borderlog::client
