// The listener: accepts connections (each one a session, see session.cpp), and a shutdown that stops
// accepting, lets in-flight requests finish, then exits. No exception ends the event loop.
#include "server/http/server_config.hpp"

#include "common/log.hpp"
#include "common/systemd_notify.hpp"
#include "server/http/app.hpp"
#include "server/http/authenticator.hpp"
#include "server/http/connections.hpp"
#include "server/http/db_bridge.hpp"
#include "server/http/routes/routes.hpp"
#include "server/http/session.hpp"
#include "server/http/tls.hpp"
#include "server/service/retention.hpp"
#include "server/storage/migrations.hpp"
#include "server/storage/session_role.hpp"

#include <boost/asio.hpp>
#include <boost/asio/ssl/context.hpp>

#include <optional>
#include <thread>

namespace borderlog::server {

namespace asio = boost::asio;
using asio::awaitable;
using asio::ip::tcp;

namespace {

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

// The completion of a long-lived coroutine: an exception that ends it is logged, never lost.
auto log_if_failed(const char* what) {
    return [what](std::exception_ptr error) {
        if (!error) return;
        try {
            std::rethrow_exception(error);
        } catch (const std::exception& e) {
            common::log_event(spdlog::level::err, "task_failed", {{"task", what}, {"error", e.what()}});
        } catch (...) {
            common::log_event(spdlog::level::err, "task_failed", {{"task", what}, {"error", "unknown exception"}});
        }
    };
}

awaitable<void> accept_loop(tcp::acceptor& acceptor, asio::ssl::context* tls, http::App& app,
                            const ServerConfig& config, http::ConnectionTable& table) {
    asio::steady_timer pause(co_await asio::this_coro::executor);
    for (;;) {
        auto strand = asio::make_strand(acceptor.get_executor());
        auto accepting = acceptor.async_accept(strand, kTuple);
        auto [ec, socket] = co_await std::move(accepting);
        if (ec) {
            if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
            // Out of file descriptors, say: pause instead of spinning, and let connections close.
            common::log_event(spdlog::level::warn, "accept_failed", {{"error", ec.message()}});
            pause.expires_after(std::chrono::milliseconds{100});
            auto pausing = pause.async_wait(kTuple);
            co_await std::move(pausing);
            continue;
        }
        http::start_session(std::move(socket), tls, app, config, table);
    }
}

// After SIGTERM: no new connections, idle ones closed, busy ones finish their answer; then stop.
awaitable<void> drain(tcp::acceptor& acceptor, http::App& app, http::ConnectionTable& registry,
                      std::chrono::seconds timeout) {
    app.services().draining = true;
    boost::system::error_code ec;
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
    // The answers given while draining were counted for the drills after their loop stopped.
    co_await http::routes::save_drill_counts(app.services());
}

// WATCHDOG=1 to systemd from the event loop, every half of WatchdogSec: a loop that stops turning
// stops the pings, and systemd restarts the server. Nothing when systemd asked for no watchdog.
awaitable<void> ping_watchdog(std::chrono::milliseconds interval) {
    asio::steady_timer timer(co_await asio::this_coro::executor);
    for (;;) {
        common::notify_systemd("WATCHDOG=1");
        timer.expires_after(interval);
        auto waiting = timer.async_wait(kTuple);
        auto [ec] = co_await std::move(waiting);
        if (ec) co_return;
    }
}

// The months of crossings get their partitions ahead of time (three months), checked at start and
// every six hours, so that no row waits in the default partition. A failure is logged and tried again.
awaitable<void> keep_partitions_ahead(Pool& pool) {
    asio::steady_timer timer(co_await asio::this_coro::executor);
    for (;;) {
        try {
            auto pending = http::on_db<std::vector<std::string>>(pool, [](Store& s) { return s.make_partitions_ahead(3); });
            const auto made = co_await std::move(pending);
            for (const auto& name : made)
                common::log_event(spdlog::level::info, "partition_made", {{"partition", boost::json::string(name)}});
        } catch (const std::exception& e) {
            common::log_event(spdlog::level::warn, "partition_upkeep_failed", {{"error", e.what()}});
        }
        timer.expires_after(std::chrono::hours(6));
        auto waiting = timer.async_wait(kTuple);
        auto [ec] = co_await std::move(waiting);
        if (ec) co_return;
    }
}

// Retention (--retention-months): at start and every `interval`, drops the months old enough that were
// exported (service::apply_retention logs each month). A failure is logged and tried again.
awaitable<void> keep_retention(Pool& pool, int keep_months, std::chrono::seconds interval) {
    asio::steady_timer timer(co_await asio::this_coro::executor);
    for (;;) {
        try {
            auto pending = http::on_db<service::RetentionPass>(
                pool, [keep_months](Store& s) { return service::apply_retention(s, keep_months); });
            co_await std::move(pending);
        } catch (const std::exception& e) {
            common::log_event(spdlog::level::warn, "retention_failed", {{"error", e.what()}});
        }
        timer.expires_after(interval);
        auto waiting = timer.async_wait(kTuple);
        auto [ec] = co_await std::move(waiting);
        if (ec) co_return;
    }
}

}  // namespace

int serve(const ServerConfig& config) {
    // The certificate and key are read before anything else: a mistake in them stops the start at once.
    std::optional<asio::ssl::context> tls;
    if (config.tls()) tls.emplace(http::make_server_tls_context(config));
    const auto migrations = bundled_migrations();
    const auto report = apply_migrations(config.db_url, migrations);
    common::log_event(spdlog::level::info, "migrations_current",
                      {{"version", report.current_version}, {"applied_now", report.applied.size()}});

    asio::io_context ioc{static_cast<int>(config.io_threads)};
    Pool pool(with_session_role(config.db_url, config.db_role), config.db_workers, config.max_group,
              config.max_queued_db_work);
    http::Authenticator auth(config, pool);
    http::Services services{config, pool, auth};
    services.migrations_current = true;
    http::App app(services);
    http::ConnectionTable registry(config.max_connections, config.max_connections_per_address);

    tcp::acceptor acceptor(ioc);
    const tcp::endpoint endpoint(asio::ip::make_address(config.listen_host), config.listen_port);
    acceptor.open(endpoint.protocol());
    acceptor.set_option(asio::socket_base::reuse_address(true));
    acceptor.bind(endpoint);
    acceptor.listen(asio::socket_base::max_listen_connections);
    common::log_event(spdlog::level::info, "listening",
                      {{"address", config.listen_host}, {"port", acceptor.local_endpoint().port()},
                       {"tls", config.tls()}, {"device_certificates", config.device_certificates_required()}});

    // The acceptor is touched by accept_loop and by drain: both run on one strand.
    auto acceptor_strand = asio::make_strand(ioc);
    asio::co_spawn(acceptor_strand, accept_loop(acceptor, tls ? &*tls : nullptr, app, config, registry),
                   log_if_failed("accept_loop"));
    asio::co_spawn(ioc, http::routes::watch_central_state(services), log_if_failed("watch_central_state"));
    asio::co_spawn(ioc, http::routes::run_fleet(services), log_if_failed("run_fleet"));
    asio::co_spawn(ioc, http::routes::run_analyser(services), log_if_failed("run_analyser"));
    asio::co_spawn(ioc, http::routes::run_drills(services), log_if_failed("run_drills"));
    asio::co_spawn(ioc, keep_partitions_ahead(pool), log_if_failed("keep_partitions_ahead"));
    if (config.retention_months > 0)
        asio::co_spawn(ioc, keep_retention(pool, config.retention_months, config.retention_interval),
                       log_if_failed("keep_retention"));
    if (const auto interval = common::watchdog_interval())
        asio::co_spawn(ioc, ping_watchdog(*interval), log_if_failed("ping_watchdog"));
    // Listening, migrations current: systemd may start what depends on the server (Type=notify).
    common::notify_systemd("READY=1");

    asio::signal_set signals(ioc, SIGINT, SIGTERM);
    signals.async_wait([&](const boost::system::error_code& ec, int signal) {
        if (ec) return;
        common::log_event(spdlog::level::info, "shutdown_requested", {{"signal", signal}});
        common::notify_systemd("STOPPING=1");
        asio::co_spawn(acceptor_strand, drain(acceptor, app, registry, config.drain_timeout),
                       [&](std::exception_ptr) { ioc.stop(); });
    });

    // A handler that throws must not end the server: log it and run the loop again.
    const auto run_loop = [&ioc] {
        for (;;) {
            try {
                ioc.run();
                return;
            } catch (const std::exception& e) {
                common::log_event(spdlog::level::err, "event_loop_error", {{"error", e.what()}});
            } catch (...) {
                common::log_event(spdlog::level::err, "event_loop_error", {{"error", "unknown exception"}});
            }
        }
    };
    std::vector<std::thread> threads;
    for (std::size_t i = 1; i < config.io_threads; ++i) threads.emplace_back(run_loop);
    run_loop();
    for (auto& t : threads) t.join();
    pool.stop();
    common::log_event(spdlog::level::info, "stopped");
    return 0;
}

}  // namespace borderlog::server
