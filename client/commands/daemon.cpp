// run: the daemon. On this thread, a blocking loop syncs continuously with backoff, sends heartbeats and
// pulls the watchlist until SIGTERM; beside it, on threads of its own, the officer screen (client/ui),
// so that a centre that hangs never delays the screen.
#include "client/commands.hpp"

#include "client/commands/command_support.hpp"
#include "client/client_config.hpp"
#include "client/sync/backoff.hpp"
#include "client/sync/watchlist_pull.hpp"
#include "client/ui/record_latency.hpp"
#include "client/ui/ui_server.hpp"
#include "common/log.hpp"

#include <boost/json.hpp>

#include <csignal>
#include <ctime>
#include <iostream>
#include <memory>
#include <random>

namespace borderlog::client {

namespace json = boost::json;

namespace {

// The officer screen, started when it can be: a port taken now is tried again later, and syncing goes
// on meanwhile (records made with `record` still reach the centre).
class Screen {
public:
    Screen(const RunOptions& o, const DataDir& dir, const ClientConfig& config, ui::RecordLatency& latency)
        : options_{o.ui_listen, o.ui_allow_remote, o.lane, std::chrono::milliseconds{o.lookup_timeout_ms}},
          dir_(dir),
          config_(config),
          latency_(latency),
          off_(o.ui_listen == "off") {
        if (off_) common::log_event(spdlog::level::info, "ui_off", {{"note", "--ui-listen off: no officer screen"}});
    }

    // Starts the screen unless it runs; a bad --ui-listen is a usage error (thrown), anything else (the
    // port taken, the outbox busy) is logged and tried again at the next call: syncing goes on.
    void ensure_running() {
        if (off_ || server_) return;
        auto server = std::make_unique<ui::UiServer>(options_, dir_, config_, latency_);
        try {
            server->start();
        } catch (const ui::BadListenAddress&) {
            throw;
        } catch (const std::exception& e) {
            if (!failing_)
                common::log_event(spdlog::level::err, "ui_unavailable", {{"error", e.what()}, {"retry_in_s", 30}});
            failing_ = true;
            return;
        }
        server_ = std::move(server);
        failing_ = false;
        common::log_event(spdlog::level::info, "ui_listening",
                          {{"address", server_->address()}, {"url", "http://" + server_->address() + "/"}});
    }

    void stop() {
        if (server_) server_->stop();
    }

private:
    ui::UiOptions options_;
    DataDir dir_;
    ClientConfig config_;
    ui::RecordLatency& latency_;
    bool off_;
    bool failing_ = false;
    std::unique_ptr<ui::UiServer> server_;
};

}  // namespace

int run_daemon(const RunOptions& o) {
    const DataDir dir = open_data_dir(o.sync.data_dir);
    const ClientConfig config = load_config(dir);
    Outbox outbox(dir.outbox_file());
    HttpClient http(config.server_url, std::chrono::seconds{o.sync.timeout_s}, config.tls);
    HttpClient list_http(config.server_url, std::chrono::seconds{o.sync.timeout_s}, config.tls, kMaxWatchlistAnswerBytes);
    Backoff backoff(std::chrono::milliseconds{o.backoff_base_ms}, std::chrono::seconds{o.backoff_cap_s},
                    std::random_device{}());

    // SIGTERM and SIGINT are taken synchronously: the wait between syncs is where they arrive. They are
    // blocked before the screen's threads start, so that those threads inherit the mask.
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
    const auto stop_pending = [&] {
        sigset_t pending;
        sigpending(&pending);
        return sigismember(&pending, SIGTERM) == 1 || sigismember(&pending, SIGINT) == 1;
    };
    const auto wait_or_stop = [&](std::chrono::milliseconds wait) {
        timespec ts{static_cast<time_t>(wait.count() / 1000), static_cast<long>((wait.count() % 1000) * 1000000)};
        return sigtimedwait(&stop_signals, nullptr, &ts) > 0;
    };

    ui::RecordLatency latency;
    Screen screen(o, dir, config, latency);
    try {
        screen.ensure_running();
    } catch (const ui::BadListenAddress& e) {
        std::cerr << "borderlog-checkpoint: " << e.what() << "\n";
        return kExitUsage;
    }

    common::log_event(spdlog::level::info, "daemon_started",
                      {{"checkpoint_id", config.device.checkpoint_id}, {"device_id", config.device.device_id}});
    using clock = std::chrono::steady_clock;
    auto next_heartbeat = clock::now();
    auto next_sync = clock::now();
    auto next_reconcile = clock::now();
    auto next_purge = clock::now();
    auto next_watchlist = clock::now();
    auto next_screen_try = clock::now() + std::chrono::seconds{30};
    // Heartbeats keep their own interval whatever sync meets: while the centre refuses records the
    // operations room still sees this checkpoint, and its backlog climbing.
    SyncState state;  // what one round learns of the centre (its limits) for the next
    const auto heartbeat = [&] {
        send_heartbeat(outbox, http, config, HeartbeatExtras{latency.for_heartbeat()});
        next_heartbeat = clock::now() + std::chrono::seconds{o.heartbeat_s};
    };
    for (;;) {
        if (clock::now() >= next_heartbeat) heartbeat();
        if (clock::now() >= next_sync) {
            SyncReport report;
            {
                SyncLock lock(dir.sync_lock_file());
                const bool reconcile_now = clock::now() >= next_reconcile;
                report = sync_once(outbox, http, config, SyncOptions{o.sync.batch_size, reconcile_now, stop_pending, &state});
                if (reconcile_now && report.status == SyncStatus::drained)
                    next_reconcile = clock::now() + std::chrono::seconds{o.reconcile_s};
                if (clock::now() >= next_purge) {
                    outbox.purge_acknowledged(o.sync.retention_days);
                    next_purge = clock::now() + std::chrono::hours{1};
                }
            }
            if (report.stored + report.duplicates + report.rejected > 0) {
                common::log_event(spdlog::level::info, "synced",
                                  {{"stored", report.stored}, {"duplicates", report.duplicates},
                                   {"rejected", report.rejected}, {"requeued", report.requeued},
                                   {"carried_over", report.carried_over}});
                heartbeat();  // the backlog just changed: say so now rather than at the next interval
            }
            if (report.status == SyncStatus::stopped) break;
            std::chrono::milliseconds wait{o.poll_ms};
            if (report.status == SyncStatus::drained) {
                backoff.reset();
            } else {
                wait = backoff.next(report.retry_after);
                common::log_event(report.status == SyncStatus::unavailable ? spdlog::level::info : spdlog::level::warn,
                                  "sync_deferred",
                                  {{"reason", report.error}, {"retry_in_ms", wait.count()},
                                   {"failures", backoff.failures()}});
            }
            next_sync = clock::now() + wait;
        }
        if (clock::now() >= next_watchlist) {
            WatchlistPull pull;
            {
                SyncLock lock(dir.sync_lock_file());  // one writer of the copy at a time (sync --once pulls too)
                pull = pull_watchlist(outbox, list_http, config);
            }
            if (pull.outcome == WatchlistPull::Outcome::failed)
                common::log_event(spdlog::level::warn, "watchlist_pull_failed", {{"error", pull.error}});
            // Changes are asked for on the interval; a centre that did not answer is asked again sooner.
            const bool answered = pull.outcome == WatchlistPull::Outcome::updated ||
                                  pull.outcome == WatchlistPull::Outcome::current;
            next_watchlist = clock::now() + std::chrono::seconds{answered ? o.watchlist_s : std::min(o.watchlist_s, 15)};
        }
        if (clock::now() >= next_screen_try) {
            screen.ensure_running();
            next_screen_try = clock::now() + std::chrono::seconds{30};
        }
        const auto until = std::min({next_sync, next_heartbeat, next_watchlist});
        const auto wait = std::max(std::chrono::milliseconds{1},
                                   std::chrono::duration_cast<std::chrono::milliseconds>(until - clock::now()));
        if (wait_or_stop(wait)) break;
    }
    screen.stop();
    common::log_event(spdlog::level::info, "daemon_stopped");
    return 0;
}

}  // namespace borderlog::client
