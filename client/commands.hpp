// The subcommands of borderlog-checkpoint, each taking its options as a struct. Each returns the
// process exit code; a CLI message names the option at fault.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace borderlog::client {

// Exit codes beyond 0/1 that scripts rely on.
inline constexpr int kExitUsage = 2;
inline constexpr int kExitCentralUnavailable = 3;

struct InitOptions {
    std::filesystem::path data_dir;
    std::string server, checkpoint, device, token;
    std::filesystem::path token_file;  // the token read from a file, so that it never shows in `ps`
    // TLS: the CA the server's certificate must chain to (else the system's store), and this device's
    // certificate and key; each copied into the data directory.
    std::filesystem::path ca_file, client_cert_file, client_key_file;
    bool insecure_http = false;  // allow plain http:// to a host other than this one
};

struct RecordOptions {
    std::filesystem::path data_dir;
    std::string direction;
    std::vector<std::string> mrz;
    std::string doc_number, doc_country, nationality, surname, given_names, birth_date, sex, doc_type, expiry_date;
    std::string lane, officer, vehicle, mode;
    bool from_stdin = false;  // the crossing's fields (the traveller above all) as JSON on standard input
    bool force = false;       // record an MRZ with a wrong check digit as read, flagged mrz_invalid
    bool json = false;
};

struct ImportOptions {
    std::filesystem::path data_dir;
    std::filesystem::path file;
    std::size_t chunk_size = 500;  // lines per transaction: what an interruption can lose is redone
    // A paper register's reference: every line is a back-captured entry of it (flag back_captured).
    std::string paper_ref;
    bool json = false;
};

// Synthetic travellers for training rooms (docs/drills.md).
struct SimulateOptions {
    std::filesystem::path data_dir;
    std::string rate;            // N/min, N/h or N/s
    std::string duration;        // 90s, 20m, 1h30m
    std::int64_t count = 0;      // stop after this many records (0: only the duration stops it)
    std::string day_length = "24h";  // how long a simulated day lasts: stays are counted in them
    double watchlist_hits = 0.02;    // the share of new travellers drawn from the watchlist
    double return_share = 0.5;       // the share of crossings made by travellers due to cross back
    std::filesystem::path watchlist_file;  // a list to draw hits from instead of the local copy
    std::string home_country = "ALB";
    std::string lanes = "1";  // comma-separated
    std::string officer;      // default: sim-officer-1..4
    std::uint64_t seed = 0;   // 0: a random seed (printed)
    bool json = false;
};

struct SyncCommandOptions {
    std::filesystem::path data_dir;
    std::size_t batch_size = 500;
    int timeout_s = 10;
    int retention_days = 14;
    bool json = false;
};

struct RetryRejectedOptions {
    std::filesystem::path data_dir;
    std::vector<std::int64_t> seqs;  // with ids empty too: every rejected record
    std::vector<std::string> ids;
};

struct StatusOptions {
    std::filesystem::path data_dir;
    bool json = false;
};

struct QueueOptions {
    std::filesystem::path data_dir;
    std::string lane;
    std::int64_t waiting = 0;
    bool json = false;
};

struct RunOptions {
    SyncCommandOptions sync;
    std::string ui_listen = "127.0.0.1:8081";  // the officer screen; "off" serves none
    bool ui_allow_remote = false;              // --ui-listen on an address that is not loopback
    std::string lane;                          // the lane the screen starts on
    int lookup_timeout_ms = 1500;              // the centre's answer for a traveller's status, at most
    int watchlist_s = 60;                      // seconds between watchlist pulls
    int heartbeat_s = 15;
    int reconcile_s = 60;
    int poll_ms = 500;
    int backoff_base_ms = 500;
    int backoff_cap_s = 60;
};

int run_init(const InitOptions& o);
int run_record(const RecordOptions& o);
int run_import(const ImportOptions& o);
int run_sync_once(const SyncCommandOptions& o);
int run_status(const StatusOptions& o);
int run_retry_rejected(const RetryRejectedOptions& o);
int run_daemon(const RunOptions& o);
int run_queue(const QueueOptions& o);
int run_simulate(const SimulateOptions& o);

}  // namespace borderlog::client
