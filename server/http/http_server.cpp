// The listener and the sessions: one coroutine per connection, with a read deadline and size limits,
// and a shutdown that stops accepting, lets in-flight requests finish, then exits.
#include "server/http/server_config.hpp"

#include "common/log.hpp"
#include "server/http/app.hpp"
#include "server/http/authenticator.hpp"
#include "server/http/responses.hpp"
#include "server/http/routes/routes.hpp"
#include "server/storage/migrations.hpp"

#include <boost/asio.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <memory>
#include <set>
#include <thread>

namespace borderlog::server {

namespace asio = boost::asio;
namespace beast = boost::beast;
using asio::awaitable;
using asio::ip::tcp;
using http::Reply;
using http::Request;
using http::Response;

namespace {

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

class Session;

// Which connections are open, so that shutdown can close the idle ones and wait for the rest.
class SessionRegistry {
public:
    void add(const std::shared_ptr<Session>& s) {
        std::lock_guard lock(mutex_);
        sessions_.insert(s);
    }
    void remove(const std::shared_ptr<Session>& s) {
        std::lock_guard lock(mutex_);
        sessions_.erase(s);
    }
    std::vector<std::shared_ptr<Session>> snapshot() {
        std::lock_guard lock(mutex_);
        return {sessions_.begin(), sessions_.end()};
    }
    std::size_t size() {
        std::lock_guard lock(mutex_);
        return sessions_.size();
    }

private:
    std::mutex mutex_;
    std::set<std::shared_ptr<Session>> sessions_;
};

class Session : public std::enable_shared_from_this<Session> {
public:
    Session(tcp::socket socket, http::App& app, const ServerConfig& config, SessionRegistry& registry)
        : stream_(std::move(socket)), app_(app), config_(config), registry_(registry) {
        beast::error_code ec;
        const auto peer = stream_.socket().remote_endpoint(ec);
        if (!ec) address_ = peer.address().to_string();
    }

    awaitable<void> run() {
        auto self = shared_from_this();
        registry_.add(self);
        try {
            co_await serve_requests();
        } catch (const std::exception& e) {
            common::log_event(spdlog::level::debug, "session_error", {{"error", e.what()}});
        }
        beast::error_code ec;
        stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
        stream_.socket().close(ec);
        registry_.remove(self);
    }

    // Called on shutdown from another thread: closes the connection if it waits for a request.
    void close_if_idle() {
        asio::post(stream_.get_executor(), [self = shared_from_this()] {
            if (!self->busy_) {
                beast::error_code ec;
                self->stream_.socket().close(ec);
            }
        });
    }

private:
    awaitable<void> serve_requests() {
        beast::flat_buffer buffer;
        for (;;) {
            beast::http::request_parser<beast::http::string_body> parser;
            parser.header_limit(static_cast<std::uint32_t>(config_.max_header_bytes));
            parser.body_limit(config_.max_body_bytes);
            stream_.expires_after(config_.read_timeout);
            auto [ec, bytes] = co_await beast::http::async_read(stream_, buffer, parser, kTuple);
            if (ec) {
                if (auto answer = answer_to_read_error(ec)) co_await write(*answer);
                co_return;
            }
            busy_ = true;
            // Named awaitables throughout: GCC 12 destroys temporaries of a co_await expression twice.
            auto handling = app_.handle(parser.release(), address_);
            Reply reply = co_await std::move(handling);
            if (reply.delay.count() > 0) {
                asio::steady_timer timer(stream_.get_executor(), reply.delay);
                co_await timer.async_wait(kTuple);
            }
            if (reply.disposition == http::Disposition::reset) co_return;
            if (reply.disposition == http::Disposition::hang) {
                co_await hang();
                co_return;
            }
            if (reply.stream) {
                co_await send_stream(reply);
                co_return;
            }
            Response& res = reply.response;
            const bool keep_alive = res.keep_alive() && !app_.services().draining;
            res.keep_alive(keep_alive);
            co_await write(res);
            busy_ = false;
            if (!keep_alive || app_.services().draining) co_return;
        }
    }

    // Says nothing until the client gives up, or at most the read timeout (a drill's "timeout" fault).
    awaitable<void> hang() {
        busy_ = false;  // shutdown may close it
        stream_.expires_after(config_.read_timeout);
        std::array<char, 512> sink{};
        for (;;) {
            auto [ec, n] = co_await stream_.async_read_some(asio::buffer(sink), kTuple);
            if (ec) co_return;
        }
    }

    // A stream without a length (Server-Sent Events): the head, then whatever the handler writes, then
    // the connection closes.
    awaitable<void> send_stream(Reply& reply) {
        Response& head = reply.response;
        head.keep_alive(false);
        head.body().clear();
        beast::http::response_serializer<beast::http::string_body> serializer(head);
        stream_.expires_after(config_.read_timeout);
        auto [ec, n] = co_await beast::http::async_write_header(stream_, serializer, kTuple);
        if (ec) co_return;
        busy_ = false;  // a stream is idle between events: shutdown may close it
        Sink sink(*this);
        co_await reply.stream(sink);
    }

    class Sink : public http::EventSink {
    public:
        explicit Sink(Session& session) : session_(session) {}
        awaitable<bool> write(std::string data) override {
            session_.stream_.expires_after(session_.config_.read_timeout);
            auto [ec, n] = co_await asio::async_write(session_.stream_, asio::buffer(data), kTuple);
            co_return !ec;
        }
        bool closing() const override { return session_.app_.services().draining; }

    private:
        Session& session_;
    };

    // Framing errors get an answer before the connection closes; a vanished peer gets none.
    std::optional<Response> answer_to_read_error(const beast::error_code& ec) {
        namespace bh = beast::http;
        if (ec == bh::error::end_of_stream || ec == beast::error::timeout || ec == asio::error::operation_aborted ||
            ec == asio::error::connection_reset || ec == asio::error::eof || ec == bh::error::partial_message)
            return std::nullopt;
        if (ec == bh::error::body_limit)
            return http::problem_response({413, "payload_too_large", "Payload too large",
                                           "the body exceeds " + std::to_string(config_.max_body_bytes) + " bytes", "", {}},
                                          11, false);
        if (ec == bh::error::header_limit)
            return http::problem_response({431, "headers_too_large", "Request header fields too large",
                                           "the headers exceed " + std::to_string(config_.max_header_bytes) + " bytes",
                                           "", {}},
                                          11, false);
        return http::problem_response({400, "bad_request", "Bad request", "the request cannot be read", "", {}}, 11,
                                      false);
    }

    awaitable<void> write(Response& res) {
        stream_.expires_after(config_.read_timeout);
        co_await beast::http::async_write(stream_, res, kTuple);
    }

    beast::tcp_stream stream_;
    http::App& app_;
    const ServerConfig& config_;
    SessionRegistry& registry_;
    std::string address_;  // the peer's IP address
    bool busy_ = false;    // touched only on this session's strand
};

awaitable<void> accept_loop(tcp::acceptor& acceptor, http::App& app, const ServerConfig& config,
                            SessionRegistry& registry) {
    asio::steady_timer pause(co_await asio::this_coro::executor);
    for (;;) {
        auto strand = asio::make_strand(acceptor.get_executor());
        auto [ec, socket] = co_await acceptor.async_accept(strand, kTuple);
        if (ec) {
            if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
            // Out of file descriptors, say: pause instead of spinning, and let connections close.
            common::log_event(spdlog::level::warn, "accept_failed", {{"error", ec.message()}});
            pause.expires_after(std::chrono::milliseconds{100});
            co_await pause.async_wait(kTuple);
            continue;
        }
        if (registry.size() >= config.max_connections) {
            beast::error_code ignored;
            socket.close(ignored);  // over the limit: refuse at once rather than queue
            continue;
        }
        beast::error_code ignored;
        socket.set_option(tcp::no_delay(true), ignored);
        auto executor = socket.get_executor();
        auto session = std::make_shared<Session>(std::move(socket), app, config, registry);
        asio::co_spawn(executor, [session]() { return session->run(); }, asio::detached);
    }
}

// After SIGTERM: no new connections, idle ones closed, busy ones finish their answer; then stop.
awaitable<void> drain(tcp::acceptor& acceptor, http::App& app, SessionRegistry& registry,
                      std::chrono::seconds timeout) {
    app.services().draining = true;
    beast::error_code ec;
    acceptor.close(ec);
    asio::steady_timer timer(co_await asio::this_coro::executor);
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (registry.size() > 0 && std::chrono::steady_clock::now() < deadline) {
        for (const auto& s : registry.snapshot()) s->close_if_idle();
        timer.expires_after(std::chrono::milliseconds{50});
        co_await timer.async_wait(asio::use_awaitable);
    }
    if (registry.size() > 0)
        common::log_event(spdlog::level::warn, "drain_timeout", {{"open_connections", registry.size()}});
}

}  // namespace

int serve(const ServerConfig& config) {
    const auto migrations = bundled_migrations();
    const auto report = apply_migrations(config.db_url, migrations);
    common::log_event(spdlog::level::info, "migrations_current",
                      {{"version", report.current_version}, {"applied_now", report.applied.size()}});

    asio::io_context ioc{static_cast<int>(config.io_threads)};
    Pool pool(config.db_url, config.db_workers, config.max_group, config.max_queued_db_work);
    http::Authenticator auth(config, pool);
    http::Services services{config, pool, auth};
    services.migrations_current = true;
    http::App app(services);
    SessionRegistry registry;

    tcp::acceptor acceptor(ioc);
    const tcp::endpoint endpoint(asio::ip::make_address(config.listen_host), config.listen_port);
    acceptor.open(endpoint.protocol());
    acceptor.set_option(asio::socket_base::reuse_address(true));
    acceptor.bind(endpoint);
    acceptor.listen(asio::socket_base::max_listen_connections);
    common::log_event(spdlog::level::info, "listening",
                      {{"address", config.listen_host}, {"port", acceptor.local_endpoint().port()}});

    // The acceptor is touched by accept_loop and by drain: both run on one strand.
    auto acceptor_strand = asio::make_strand(ioc);
    asio::co_spawn(acceptor_strand, accept_loop(acceptor, app, config, registry), asio::detached);
    asio::co_spawn(ioc, http::routes::watch_central_state(services), asio::detached);
    asio::co_spawn(ioc, http::routes::run_analyser(services), asio::detached);

    asio::signal_set signals(ioc, SIGINT, SIGTERM);
    signals.async_wait([&](const beast::error_code& ec, int signal) {
        if (ec) return;
        common::log_event(spdlog::level::info, "shutdown_requested", {{"signal", signal}});
        asio::co_spawn(acceptor_strand, drain(acceptor, app, registry, config.drain_timeout),
                       [&](std::exception_ptr) { ioc.stop(); });
    });

    std::vector<std::thread> threads;
    for (std::size_t i = 1; i < config.io_threads; ++i) threads.emplace_back([&] { ioc.run(); });
    ioc.run();
    for (auto& t : threads) t.join();
    pool.stop();
    common::log_event(spdlog::level::info, "stopped");
    return 0;
}

}  // namespace borderlog::server
