// What `borderlog-server serve` is told, filled once from flags, environment and config file.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

namespace borderlog::server {

struct ServerConfig {
    std::string db_url;
    std::string listen_host = "127.0.0.1";
    unsigned short listen_port = 8080;
    std::size_t io_threads = 2;
    std::size_t db_workers = 4;  // measured best on 2 cores: fewer workers commit bigger groups
    std::size_t max_group = 256;                   // single crossings committed together at most
    std::size_t max_body_bytes = 4 * 1024 * 1024;  // a full batch of 1000 records fits
    std::size_t max_header_bytes = 16 * 1024;
    std::size_t max_connections = 1000;  // more are closed at once
    std::size_t max_queued_db_work = 20000;  // beyond this the server answers 503 instead of queueing
    std::chrono::seconds read_timeout{30};   // to read one whole request, idle keep-alive included
    std::chrono::seconds drain_timeout{20};  // after SIGTERM, for in-flight requests to finish
    std::chrono::seconds offline_retry_after{30};
    std::chrono::seconds token_cache_ttl{5};  // a revoked token stops working within this
    // The 90/180 stay rule applies to every nationality but these: the home country's (own citizens)
    // and any listed in stay_exempt. ICAO codes, e.g. ALB.
    std::string home_country;
    std::vector<std::string> stay_exempt;
};

// Applies pending migrations, serves until SIGTERM or SIGINT, drains, and returns the exit code.
int serve(const ServerConfig& config);

}  // namespace borderlog::server
