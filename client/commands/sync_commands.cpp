// sync --once, status and retry-rejected: the queue seen and pushed by hand.
#include "client/commands.hpp"

#include "client/commands/command_support.hpp"
#include "client/client_config.hpp"
#include "client/queue/watchlist_copy.hpp"
#include "client/sync/watchlist_pull.hpp"
#include "core/time.hpp"

#include <boost/json.hpp>

#include <iostream>

namespace borderlog::client {

namespace json = boost::json;

int run_sync_once(const SyncCommandOptions& o) {
    const DataDir dir = open_data_dir(o.data_dir);
    const ClientConfig config = load_config(dir);
    Outbox outbox(dir.outbox_file());
    HttpClient http(config.server_url, std::chrono::seconds{o.timeout_s}, config.tls);
    SyncReport report;
    WatchlistPull pull;
    {
        SyncLock lock(dir.sync_lock_file());
        report = sync_once(outbox, http, config, SyncOptions{o.batch_size, true, {}});
        outbox.purge_acknowledged(o.retention_days);
        // The watchlist copy is refreshed too, when the centre answered: its outcome never changes the
        // exit code, which is about the records.
        if (report.status != SyncStatus::unavailable) {
            HttpClient list_http(config.server_url, std::chrono::seconds{o.timeout_s}, config.tls, kMaxWatchlistAnswerBytes);
            pull = pull_watchlist(outbox, list_http, config);
        } else {
            pull.outcome = WatchlistPull::Outcome::unavailable;
        }
    }
    if (o.json) {
        json::object out = report_json(report, outbox);
        out["watchlist"] = to_string(pull.outcome);
        const auto version = WatchlistCopy(outbox).info().version;
        out["watchlist_version"] = version ? json::value(*version) : json::value(nullptr);
        std::cout << json::serialize(out) << "\n";
    } else {
        std::cerr << "sent: " << report.stored << " stored, " << report.duplicates << " already there, " << report.rejected
                  << " rejected; " << outbox.stats().pending << " pending";
        if (!report.error.empty()) std::cerr << " (" << report.error << ")";
        std::cerr << "\n";
    }
    return sync_exit_code(report);
}

int run_status(const StatusOptions& o) {
    const DataDir dir = open_data_dir(o.data_dir);
    const ClientConfig config = load_config(dir);
    Outbox outbox(dir.outbox_file());
    const json::object s = status_json(outbox);
    if (o.json) {
        std::cout << json::serialize(s) << "\n";
        return 0;
    }
    const std::string stream = s.at("stream_id").as_string().c_str();
    std::cout << "checkpoint " << config.device.checkpoint_id << ", device " << config.device.device_id << "\n"
              << "central:   " << s.at("central").as_string().c_str() << "\n"
              << "pending:   " << s.at("pending").as_int64() << "\n"
              << "rejected:  " << s.at("rejected").as_int64() << "\n"
              << "stream:    " << (stream.empty() ? "(legacy)" : stream) << "\n"
              << "last seq:  " << s.at("last_seq").as_int64() << "\n"
              << "last sync: " << (s.at("last_sync_at").is_string() ? s.at("last_sync_at").as_string().c_str() : "never")
              << "\n";
    std::cout << "watchlist: " << describe(WatchlistCopy(outbox).info(), core::now_millis()) << "\n";
    if (const auto& d = s.at("drill"); d.is_object())
        std::cout << "DRILL:     " << d.at("name").as_string().c_str() << " (" << d.at("id").as_string().c_str()
                  << "): a training drill covers this terminal; the centre's answers are part of it\n";
    if (const auto& e = s.at("last_error"); e.is_object())
        std::cout << "last error: " << e.at("message").as_string().c_str() << " (" << e.at("at").as_string().c_str()
                  << ")\n";
    for (const auto& n : s.at("notices").as_array())
        std::cout << "notice " << n.at("at").as_string().c_str() << ": " << n.at("message").as_string().c_str() << "\n";
    for (const auto& r : s.at("rejected_records").as_array())
        std::cout << "  rejected seq " << r.at("seq").as_int64() << " " << r.at("id").as_string().c_str() << ": "
                  << r.at("code").as_string().c_str() << " " << r.at("detail").as_string().c_str() << "\n";
    return 0;
}

int run_retry_rejected(const RetryRejectedOptions& o) {
    const DataDir dir = open_data_dir(o.data_dir);
    load_config(dir);
    Outbox outbox(dir.outbox_file());
    const std::int64_t n = outbox.retry_rejected(o.seqs, o.ids);
    std::cout << n << "\n";
    std::cerr << n << " rejected record(s) queued again; the next sync sends them\n";
    return 0;
}

}  // namespace borderlog::client
