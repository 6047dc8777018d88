// What `borderlog-server serve` is told, filled once from flags, environment and config file.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace borderlog::server {

struct ServerConfig {
    std::string db_url;
    // The database role the server's connections assume once migrations are applied (e.g.
    // borderlog_server, which may never change a stored crossing); empty: the login role's own rights.
    std::string db_role;
    std::string listen_host = "127.0.0.1";
    unsigned short listen_port = 8080;
    std::size_t io_threads = 2;
    std::size_t db_workers = 4;  // measured best on 2 cores: fewer workers commit bigger groups
    std::size_t max_group = 256;                   // single crossings committed together at most
    std::size_t max_body_bytes = 4 * 1024 * 1024;  // a full batch of 1000 records fits
    std::size_t max_header_bytes = 16 * 1024;
    std::size_t max_connections = 1000;  // more are closed at once
    // Connections from one address (one IPv6 /64) at most: one address holding unfinished requests
    // cannot take every place. Fits the benchmarks' 200 loopback devices.
    std::size_t max_connections_per_address = 256;
    std::size_t max_queued_db_work = 20000;  // beyond this the server answers 503 instead of queueing
    std::chrono::seconds read_timeout{30};   // to read one whole request, idle keep-alive included
    std::chrono::seconds head_timeout{10};   // from a request's first byte to the end of its head
    // A body over max_body_bytes is read and dropped, up to this much and this long, before the 413,
    // so that a client still writing its body reads the answer instead of a reset.
    std::uint64_t max_drain_bytes = 16 * 1024 * 1024;
    std::chrono::seconds drain_body_timeout{10};
    std::size_t max_auth_failures = 30;  // failed token checks per address and minute; then 429
    std::chrono::seconds unknown_token_ttl{10};  // an unknown token is answered 401 without a query
    std::chrono::seconds drain_timeout{20};  // after SIGTERM, for in-flight requests to finish
    std::chrono::seconds offline_retry_after{30};
    std::chrono::seconds token_cache_ttl{5};  // a revoked token stops working within this
    std::chrono::seconds silent_after{300};   // a device with no contact for this long shows as silent
    std::chrono::seconds session_lifetime{12 * 3600};  // a dashboard sign-in lasts this long (a shift)
    // TLS: the certificate (chain) and key in PEM; without them the server speaks plain HTTP, which
    // it does only on a loopback address or when insecure_http says so (see docs/security.md).
    std::string tls_cert_file;
    std::string tls_key_file;
    // The CA of device certificates: when set, a device token is accepted only over a connection with a
    // client certificate of this CA whose subject CN is that device's id.
    std::string tls_client_ca_file;
    bool insecure_http = false;
    std::chrono::seconds tls_handshake_timeout{10};  // a TLS handshake must be done within this
    bool tls() const { return !tls_cert_file.empty(); }
    bool device_certificates_required() const { return !tls_client_ca_file.empty(); }
    bool secure_cookies = false;  // mark the session cookie Secure (set it when served over HTTPS)
    // The 90/180 stay rule applies to every nationality but these: the home country's (own citizens)
    // and any listed in stay_exempt. ICAO codes, e.g. ALB.
    std::string home_country;
    std::vector<std::string> stay_exempt;
    // Retention: months of crossings older than this many months before the current one are dropped
    // once exported (crossing_exports); 0 = never. Checked at start and every retention_interval.
    int retention_months = 0;
    std::chrono::seconds retention_interval{6 * 3600};
};

// Applies pending migrations, serves until SIGTERM or SIGINT, drains, and returns the exit code.
int serve(const ServerConfig& config);

}  // namespace borderlog::server
