// run: the daemon that syncs continuously with backoff and sends heartbeats until SIGTERM.
#include "client/commands.hpp"

#include "client/commands/command_support.hpp"
#include "client/client_config.hpp"
#include "client/sync/backoff.hpp"
#include "common/log.hpp"

#include <boost/json.hpp>

#include <csignal>
#include <ctime>
#include <random>

namespace borderlog::client {

namespace json = boost::json;

int run_daemon(const RunOptions& o) {
    const DataDir dir = open_data_dir(o.sync.data_dir);
    const ClientConfig config = load_config(dir);
    Outbox outbox(dir.outbox_file());
    HttpClient http(config.server_url, std::chrono::seconds{o.sync.timeout_s}, config.tls);
    Backoff backoff(std::chrono::milliseconds{o.backoff_base_ms}, std::chrono::seconds{o.backoff_cap_s},
                    std::random_device{}());

    // SIGTERM and SIGINT are taken synchronously: the wait between syncs is where they arrive.
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

    common::log_event(spdlog::level::info, "daemon_started",
                      {{"checkpoint_id", config.device.checkpoint_id}, {"device_id", config.device.device_id}});
    using clock = std::chrono::steady_clock;
    auto next_heartbeat = clock::now();
    auto next_sync = clock::now();
    auto next_reconcile = clock::now();
    auto next_purge = clock::now();
    // Heartbeats keep their own interval whatever sync meets: while the centre refuses records the
    // operations room still sees this checkpoint, and its backlog climbing.
    SyncState state;  // what one round learns of the centre (its limits) for the next
    const auto heartbeat = [&] {
        send_heartbeat(outbox, http, config);
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
        const auto until = std::min(next_sync, next_heartbeat);
        const auto wait = std::max(std::chrono::milliseconds{1},
                                   std::chrono::duration_cast<std::chrono::milliseconds>(until - clock::now()));
        if (wait_or_stop(wait)) break;
    }
    common::log_event(spdlog::level::info, "daemon_stopped");
    return 0;
}

}  // namespace borderlog::client
