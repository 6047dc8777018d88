// What `borderlog-checkpoint init` writes into the data directory, beside the outbox: which server
// to sync with and who this terminal is. The token is kept in a file only its owner can read.
#pragma once

#include "client/queue/outbox.hpp"
#include "client/sync/http_client.hpp"

#include <filesystem>
#include <string>

namespace borderlog::client {

struct ClientConfig {
    std::string server_url;  // https://host:port (http:// on loopback, or with insecure_http)
    std::string token;
    DeviceIdentity device;
    // How the server is trusted and this device shows itself: files in the data directory, copied
    // there by init (absolute paths once loaded); empty when not given.
    TlsOptions tls;
    bool insecure_http = false;  // init --insecure-http: plain http:// to a host other than this one
};

struct DataDir {
    std::filesystem::path root;

    std::filesystem::path config_file() const { return root / "config.json"; }
    std::filesystem::path outbox_file() const { return root / "outbox.db"; }
    std::filesystem::path sync_lock_file() const { return root / "sync.lock"; }
    // init --ca, --client-cert, --client-key, copied in so that the terminal depends on no other path.
    std::filesystem::path ca_file() const { return root / "ca.pem"; }
    std::filesystem::path client_cert_file() const { return root / "client-cert.pem"; }
    std::filesystem::path client_key_file() const { return root / "client-key.pem"; }
};

// `init` creates the directory (mode 0700) when missing; every other command needs it to exist.
DataDir create_data_dir(const std::filesystem::path& path);
// Throws std::runtime_error saying to run init when the directory is missing.
DataDir open_data_dir(const std::filesystem::path& path);

// The data directory holds passport data: it must be 0700 and its files 0600, whoever created them.
// Throws std::runtime_error when the directory or one of its files is writable by group or others
// (someone else could have changed the records); takes read access away from group and others.
void secure_data_dir(const DataDir& dir);

// A secret (a token) from a file: its first line, without surrounding spaces. Throws
// std::runtime_error naming `option` when it cannot be read or is empty.
std::string read_secret_file(const std::filesystem::path& file, const std::string& option);

// Throws std::runtime_error saying to run init when the data directory has no config.
ClientConfig load_config(const DataDir& dir);
void save_config(const DataDir& dir, const ClientConfig& config);

// Checks a server URL: https://host[:port][/prefix], or http:// to a loopback host (this machine),
// or to any host with `insecure_http`. Returns an error message, or empty when fine.
std::string check_server_url(const std::string& url, bool insecure_http = false);

// Copies `source` into the data directory as `target` (0600, written beside and renamed). Throws
// std::runtime_error naming `option` when it cannot be read or is not PEM.
void install_pem_file(const std::filesystem::path& source, const std::filesystem::path& target,
                      const std::string& option);

}  // namespace borderlog::client
