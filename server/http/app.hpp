// The request side of the server: routing, authentication and the mapping of use-case results and
// errors to HTTP answers. Included only by the server's HTTP translation units (it pulls in Beast).
#pragma once

#include "server/http/server_config.hpp"
#include "server/storage/pool.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/beast/http.hpp>

#include <atomic>
#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace borderlog::server::http {

namespace beast_http = boost::beast::http;
using Request = beast_http::request<beast_http::string_body>;
using Response = beast_http::response<beast_http::string_body>;

// An error with its HTTP answer: the one place errors become problem+json.
struct Problem {
    unsigned status;
    std::string code;
    std::string title;
    std::string detail;
    std::string field;
    std::optional<std::chrono::seconds> retry_after;
};

Response problem_response(const Problem& p, unsigned version, bool keep_alive);

class App {
public:
    App(const ServerConfig& config, Pool& pool);

    boost::asio::awaitable<Response> handle(Request request);

    void start_draining() { draining_ = true; }
    bool draining() const { return draining_; }
    void set_migrations_current(bool current) { migrations_current_ = current; }

    // Keeps the central-offline switch in step with the database (other servers may flip it).
    boost::asio::awaitable<void> watch_central_state();

private:
    boost::asio::awaitable<Response> route(const Request& req);
    boost::asio::awaitable<Principal> authenticate(const Request& req);
    boost::asio::awaitable<Response> ready(const Request& req);
    boost::asio::awaitable<Response> ingest_one(const Request& req, const Principal& caller);
    boost::asio::awaitable<Response> ingest_batch(const Request& req, const Principal& caller);
    boost::asio::awaitable<Response> list_crossings(const Request& req);
    boost::asio::awaitable<Response> reconcile(const Request& req, const Principal& caller, const std::string& device);
    boost::asio::awaitable<Response> heartbeat(const Request& req, const Principal& caller, const std::string& device);
    boost::asio::awaitable<Response> central_offline(const Request& req, const Principal& caller);

    const ServerConfig& config_;
    Pool& pool_;
    std::atomic<bool> draining_{false};
    std::atomic<bool> migrations_current_{false};
    std::atomic<bool> central_offline_{false};
    std::atomic<std::uint64_t> central_changes_{0};  // a poll that overlapped a change must not undo it

    struct CachedToken {
        Principal principal;
        std::chrono::steady_clock::time_point expires;
    };
    std::mutex token_mutex_;
    std::unordered_map<std::string, CachedToken> token_cache_;
};

}  // namespace borderlog::server::http
