// borderlog-checkpoint: records crossings into the local durable outbox and syncs them. Wiring only.
#include "client/commands.hpp"
#include "common/config.hpp"
#include "common/log.hpp"

#include <sys/stat.h>

#include <iostream>

using namespace borderlog;

int main(int argc, char** argv) {
    // Everything this program creates (the outbox, its -wal and -shm, the config) holds passport data or
    // the token: readable by its owner only, whoever created the data directory.
    ::umask(077);
    CLI::App app{"borderlog-checkpoint: record crossings locally, durably, and sync them to the centre"};
    common::setup_program(app, "borderlog-checkpoint");
    std::string log_level = "info";
    app.add_option("--log-level", log_level, "debug, info, warn or error");

    std::filesystem::path data_dir = "./borderlog-data";
    const auto add_data_dir = [&](CLI::App* sub) {
        sub->add_option("--data-dir", data_dir, "where the queue and config live")->capture_default_str();
    };

    client::InitOptions init;
    auto* init_cmd = app.add_subcommand("init", "Write this terminal's configuration into the data directory");
    add_data_dir(init_cmd);
    init_cmd->add_option("--server", init.server, "the central server, https://host:port")->required();
    init_cmd->add_option("--checkpoint", init.checkpoint, "this checkpoint's id")->required();
    init_cmd->add_option("--device", init.device, "this terminal's device id")->required();
    auto* token_opt = init_cmd->add_option("--token", init.token,
                                           "the device token (visible in ps: prefer --token-file or BORDERLOG_TOKEN)");
    auto* token_file_opt = init_cmd->add_option("--token-file", init.token_file, "a file holding the device token");
    init_cmd->add_option("--ca", init.ca_file, "PEM CA certificate the server's certificate must chain to "
                                               "(default: the system's CAs); copied into the data directory");
    init_cmd->add_option("--client-cert", init.client_cert_file, "this device's PEM client certificate, when the "
                                                                 "centre requires one; copied into the data directory");
    init_cmd->add_option("--client-key", init.client_key_file, "the PEM private key of --client-cert");
    init_cmd->add_flag("--insecure-http", init.insecure_http,
                       "allow a plain http:// server URL to another host (no encryption, no server check)");

    client::RecordOptions rec;
    auto* record_cmd = app.add_subcommand("record", "Record one crossing; returns once it is durable on local disk");
    add_data_dir(record_cmd);
    record_cmd->add_option("--direction", rec.direction, "entry or exit")->check(CLI::IsMember({"entry", "exit"}));
    auto* mrz = record_cmd->add_option("--mrz", rec.mrz, "one MRZ line; give it 2 or 3 times, in order")
                    ->expected(1)->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    std::vector<CLI::Option*> typed{
        record_cmd->add_option("--doc-number", rec.doc_number, "document number"),
        record_cmd->add_option("--doc-country", rec.doc_country, "issuing country, ICAO code such as ALB"),
        record_cmd->add_option("--nationality", rec.nationality, "nationality, ICAO code"),
        record_cmd->add_option("--surname", rec.surname, "surname"),
        record_cmd->add_option("--given-names", rec.given_names, "given names"),
        record_cmd->add_option("--birth-date", rec.birth_date, "YYYY-MM-DD"),
        record_cmd->add_option("--sex", rec.sex, "F, M or X"),
        record_cmd->add_option("--doc-type", rec.doc_type, "document type, such as P or ID"),
        record_cmd->add_option("--expiry-date", rec.expiry_date, "YYYY-MM-DD"),
    };
    for (auto* opt : typed) mrz->excludes(opt);
    record_cmd->add_option("--lane", rec.lane, "lane");
    record_cmd->add_option("--officer", rec.officer, "officer id");
    record_cmd->add_option("--vehicle", rec.vehicle, "vehicle plate");
    record_cmd->add_option("--mode", rec.mode, "foot, car, bus, truck, rail, air or sea")
        ->check(CLI::IsMember({"foot", "car", "bus", "truck", "rail", "air", "sea"}));
    record_cmd->add_flag("--stdin", rec.from_stdin,
                         "read the crossing's fields as one JSON object from standard input (traveler, mrz, lane, "
                         "officer_id, transport, direction), so that names and document numbers are not on the command line");
    record_cmd->add_flag("--json", rec.json, "print the whole record instead of its id");
    record_cmd->add_flag("--force", rec.force,
                         "record an MRZ whose check digit is wrong as read, flagged mrz_invalid (a misprinted zone)");

    client::ImportOptions imp;
    auto* import_cmd = app.add_subcommand("import", "Record every line of a JSON Lines file (resumable)");
    add_data_dir(import_cmd);
    import_cmd->add_option("FILE", imp.file, "JSON Lines file of crossings")->required();
    import_cmd->add_option("--chunk-size", imp.chunk_size, "lines recorded per transaction")
        ->check(CLI::Range(1, 10000))->capture_default_str();
    import_cmd->add_flag("--json", imp.json, "print counts as JSON");
    import_cmd->add_option("--paper-ref", imp.paper_ref,
                           "the paper register these entries come from: each is flagged back_captured with this "
                           "reference (a line's own paper_ref wins)");

    client::SimulateOptions simulate;
    auto* simulate_cmd = app.add_subcommand(
        "simulate", "Record synthetic travellers for training (flagged synthetic), as an officer's record would");
    add_data_dir(simulate_cmd);
    simulate_cmd->add_option("--rate", simulate.rate, "crossings per minute on average: N/min (or N/h, N/s)")->required();
    simulate_cmd->add_option("--duration", simulate.duration, "how long to run: 90s, 20m, 1h30m");
    simulate_cmd->add_option("--count", simulate.count, "stop after this many crossings")->check(CLI::Range(1LL, 10000000LL));
    simulate_cmd->add_option("--day-length", simulate.day_length,
                             "how long a simulated day lasts (stays of 1-14 days, trips of 1-21): 24h is real time, "
                             "10m makes exits follow entries within minutes")->capture_default_str();
    simulate_cmd->add_option("--watchlist-hits", simulate.watchlist_hits,
                             "share of new travellers drawn from the watchlist (its local copy, or --watchlist)")
        ->capture_default_str();
    simulate_cmd->add_option("--watchlist", simulate.watchlist_file,
                             "a watchlist file (CSV or JSON, as loaded at the centre) to draw hits from");
    simulate_cmd->add_option("--return-share", simulate.return_share,
                             "share of crossings made by travellers due to cross back (exits after a stay)")
        ->capture_default_str();
    simulate_cmd->add_option("--home-country", simulate.home_country, "whose citizens leave first and come back")
        ->capture_default_str();
    simulate_cmd->add_option("--lanes", simulate.lanes, "lanes to spread crossings over, e.g. 1,2,3")->capture_default_str();
    simulate_cmd->add_option("--officer", simulate.officer, "officer id on every record (default sim-officer-1..4)");
    simulate_cmd->add_option("--seed", simulate.seed, "random seed, to repeat a run (default: random, printed)");
    simulate_cmd->add_flag("--json", simulate.json, "print the summary as JSON");

    client::SyncCommandOptions sync;
    auto* sync_cmd = app.add_subcommand("sync", "Push pending records to the centre");
    add_data_dir(sync_cmd);
    bool once = false;
    sync_cmd->add_flag("--once", once, "push everything pending, then exit (0 drained, 3 centre unavailable, 1 error)")
        ->required();
    const auto add_sync_options = [&](CLI::App* sub) {
        sub->add_option("--batch-size", sync.batch_size, "records per request")->check(CLI::Range(1, 1000))->capture_default_str();
        sub->add_option("--timeout", sync.timeout_s, "seconds to wait for the centre")->check(CLI::Range(1, 600))->capture_default_str();
        sub->add_option("--retention-days", sync.retention_days, "days to keep acknowledged records for re-sending")
            ->check(CLI::Range(1, 3650))->capture_default_str();
    };
    add_sync_options(sync_cmd);
    sync_cmd->add_flag("--json", sync.json, "print the outcome as JSON");

    client::StatusOptions status;
    auto* status_cmd = app.add_subcommand("status", "Show the queue: pending, rejected, last sync, centre state");
    add_data_dir(status_cmd);
    status_cmd->add_flag("--json", status.json, "print one JSON object");

    client::RetryRejectedOptions retry;
    auto* retry_cmd = app.add_subcommand("retry-rejected", "Queue records the server refused again (after a fix)");
    add_data_dir(retry_cmd);
    retry_cmd->add_option("--seq", retry.seqs, "only the record with this seq (repeatable); default: every rejected record");
    retry_cmd->add_option("--id", retry.ids, "only the record with this id (repeatable)");

    client::QueueOptions queue;
    auto* queue_cmd = app.add_subcommand("queue", "Report how many travellers wait at a lane (sent with the next heartbeat)");
    add_data_dir(queue_cmd);
    queue_cmd->add_option("--lane", queue.lane, "the lane, as in records (1-16 characters)")->required();
    queue_cmd->add_option("--waiting", queue.waiting, "travellers waiting now")->required()->check(CLI::Range(0, 100000));
    queue_cmd->add_flag("--json", queue.json, "print the report as JSON");

    client::RunOptions run;
    auto* run_cmd = app.add_subcommand("run", "The daemon: sync continuously with backoff, send heartbeats, pull the watchlist, serve the officer screen");
    add_data_dir(run_cmd);
    add_sync_options(run_cmd);
    run_cmd->add_option("--ui-listen", run.ui_listen, "HOST:PORT of the officer screen (loopback unless --ui-allow-remote; off: none)")->capture_default_str();
    run_cmd->add_flag("--ui-allow-remote", run.ui_allow_remote, "allow --ui-listen on an address that is not loopback (a booth network only)");
    run_cmd->add_option("--lane", run.lane, "the lane the officer screen starts on (the officer can change it)");
    run_cmd->add_option("--lookup-timeout-ms", run.lookup_timeout_ms, "how long the screen waits for the centre's word on a traveller")->check(CLI::Range(100, 10000))->capture_default_str();
    run_cmd->add_option("--watchlist-interval", run.watchlist_s, "seconds between watchlist pulls")->check(CLI::Range(1, 86400))->capture_default_str();
    run_cmd->add_option("--heartbeat-interval", run.heartbeat_s, "seconds between heartbeats")->check(CLI::Range(1, 3600))->capture_default_str();
    run_cmd->add_option("--reconcile-interval", run.reconcile_s, "seconds between reconciles")->check(CLI::Range(1, 86400))->capture_default_str();
    run_cmd->add_option("--poll-interval-ms", run.poll_ms, "how often to look for new records")->check(CLI::Range(10, 60000))->capture_default_str();
    run_cmd->add_option("--backoff-base-ms", run.backoff_base_ms, "first retry wait")->check(CLI::Range(10, 60000))->capture_default_str();
    run_cmd->add_option("--backoff-cap", run.backoff_cap_s, "longest retry wait in seconds")->check(CLI::Range(1, 3600))->capture_default_str();

    if (const auto stop = common::parse_command_line(app, argc, argv, "borderlog-checkpoint")) return *stop;
    try {
        common::setup_json_logging("borderlog-checkpoint", common::parse_log_level(log_level));
    } catch (const std::exception& e) {
        std::cerr << "borderlog-checkpoint: " << e.what() << "\n";
        return client::kExitUsage;
    }

    try {
        if (init_cmd->parsed()) {
            init.data_dir = data_dir;
            // --token-file on the command line wins over a token from the environment or a config file.
            if (token_file_opt->count() > 0 && token_opt->count() == 0) init.token.clear();
            if (token_opt->count() > 0 && token_file_opt->count() == 0) init.token_file.clear();
            return client::run_init(init);
        }
        if (record_cmd->parsed()) {
            if (!rec.mrz.empty() && rec.mrz.size() != 2 && rec.mrz.size() != 3) {
                std::cerr << "borderlog-checkpoint: --mrz: give 2 or 3 lines, one per --mrz\n";
                return client::kExitUsage;
            }
            rec.data_dir = data_dir;
            return client::run_record(rec);
        }
        if (import_cmd->parsed()) {
            imp.data_dir = data_dir;
            return client::run_import(imp);
        }
        sync.data_dir = data_dir;
        if (sync_cmd->parsed()) return client::run_sync_once(sync);
        if (status_cmd->parsed()) {
            status.data_dir = data_dir;
            return client::run_status(status);
        }
        if (retry_cmd->parsed()) {
            retry.data_dir = data_dir;
            return client::run_retry_rejected(retry);
        }
        if (queue_cmd->parsed()) {
            queue.data_dir = data_dir;
            return client::run_queue(queue);
        }
        if (simulate_cmd->parsed()) {
            simulate.data_dir = data_dir;
            return client::run_simulate(simulate);
        }
        if (run_cmd->parsed()) {
            run.sync = sync;
            return client::run_daemon(run);
        }
    } catch (const std::exception& e) {
        std::cerr << "borderlog-checkpoint: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
