#include "client/commands.hpp"

#include "client/client_config.hpp"
#include "client/queue/outbox.hpp"
#include "client/sync/backoff.hpp"
#include "client/sync/syncer.hpp"
#include "common/log.hpp"
#include "core/crossing_json.hpp"
#include "core/ids.hpp"
#include "core/mrz.hpp"
#include "core/time.hpp"

#include <boost/json.hpp>
#include <date/date.h>

#include <csignal>
#include <ctime>
#include <fstream>
#include <iostream>
#include <map>
#include <variant>

namespace borderlog::client {

namespace json = boost::json;

namespace {

int current_year() {
    return static_cast<int>(date::year_month_day{date::floor<date::days>(std::chrono::system_clock::now())}.year());
}

// A message that names the option at fault, and the usage exit code.
int usage_error(const std::string& option, const std::string& message) {
    std::cerr << "borderlog-checkpoint: " << option << ": " << message << "\n";
    return kExitUsage;
}

// Which command-line option carries which crossing field.
std::string option_for(const std::string& field) {
    static const std::map<std::string, std::string> kOptions{
        {"direction", "--direction"},
        {"lane", "--lane"},
        {"officer_id", "--officer"},
        {"mrz", "--mrz"},
        {"traveler.document_type", "--doc-type"},
        {"traveler.document_number", "--doc-number"},
        {"traveler.issuing_country", "--doc-country"},
        {"traveler.nationality", "--nationality"},
        {"traveler.surname", "--surname"},
        {"traveler.given_names", "--given-names"},
        {"traveler.birth_date", "--birth-date"},
        {"traveler.sex", "--sex"},
        {"traveler.expiry_date", "--expiry-date"},
        {"transport.mode", "--mode"},
        {"transport.vehicle_plate", "--vehicle"},
    };
    const auto it = kOptions.find(field);
    return it == kOptions.end() ? field : it->second;
}

std::string central_state(Outbox& outbox) { return outbox.meta("central").value_or("unknown"); }

// A draft from the officer's options: the traveller from the MRZ or from the typed fields.
std::variant<core::Crossing, int> draft_from(const RecordOptions& o) {
    core::Crossing x;
    x.direction = o.direction;
    x.lane = o.lane;
    x.officer_id = o.officer;
    x.transport = {o.mode, o.vehicle};
    x.occurred_at = core::format_rfc3339(core::now_millis());
    if (!o.mrz.empty()) {
        std::string text;
        for (const auto& line : o.mrz) text += (text.empty() ? "" : "\n") + line;
        const auto parsed = core::parse_mrz(text, current_year());
        if (!parsed) return usage_error("--mrz", "not a machine readable zone: give each of its 2 or 3 lines with --mrz");
        if (!parsed->errors.empty()) {
            const auto& e = parsed->errors.front();
            return usage_error("--mrz", "line " + std::to_string(e.line) + " position " + std::to_string(e.position) +
                                            ": " + e.field + " " + e.message);
        }
        x.traveler = parsed->traveler;
        x.mrz = text;
    } else {
        x.traveler = {o.doc_type,  o.doc_number, o.doc_country, o.nationality, o.surname,
                      o.given_names, o.birth_date, o.sex,        o.expiry_date};
        for (const auto& [value, option] : {std::pair{&o.doc_number, "--doc-number"}, {&o.doc_country, "--doc-country"},
                                            {&o.nationality, "--nationality"}, {&o.surname, "--surname"},
                                            {&o.birth_date, "--birth-date"}, {&o.sex, "--sex"}})
            if (value->empty()) return usage_error(option, "is required unless --mrz is given");
    }
    if (const auto errors = core::validate(x, core::Completeness::draft, current_year()); !errors.empty())
        return usage_error(option_for(errors.front().field), errors.front().message);
    return x;
}

json::object status_json(Outbox& outbox) {
    const OutboxStats s = outbox.stats();
    json::array rejected;
    for (const auto& r : outbox.rejected(100))
        rejected.push_back({{"seq", r.seq}, {"id", r.id}, {"code", r.code}, {"detail", r.detail},
                            {"rejected_at", r.rejected_at}});
    const auto nullable = [](const std::optional<std::string>& v) { return v ? json::value(*v) : json::value(nullptr); };
    return {{"pending", s.pending},
            {"rejected", s.rejected},
            {"acknowledged", s.acknowledged},
            {"last_seq", s.last_seq},
            {"oldest_pending_at", nullable(s.oldest_pending_at)},
            {"last_sync_at", nullable(outbox.meta("last_sync_at"))},
            {"central", central_state(outbox)},
            {"rejected_records", std::move(rejected)}};
}

int sync_exit_code(const SyncReport& r) {
    switch (r.status) {
    case SyncStatus::drained: return 0;
    case SyncStatus::unavailable: return kExitCentralUnavailable;
    default: return 1;
    }
}

json::object report_json(const SyncReport& r, Outbox& outbox) {
    static const char* kStatus[] = {"drained", "unavailable", "failed", "stopped"};
    json::object o{{"status", kStatus[static_cast<int>(r.status)]},
                   {"stored", r.stored},
                   {"duplicates", r.duplicates},
                   {"rejected", r.rejected},
                   {"requeued", r.requeued},
                   {"pending", outbox.stats().pending}};
    if (!r.error.empty()) o["error"] = r.error;
    return o;
}

// Asks the centre, when it can be reached, whether the token speaks for this device of this checkpoint,
// and whether the centre already has records of the device: a fresh data directory would then reuse
// its sequence numbers, and every new record would be refused.
int check_with_centre(const ClientConfig& config, bool fresh) {
    try {
        HttpClient http(config.server_url, std::chrono::seconds{5});
        const auto who = http.request("GET", "/api/v1/token", "", config.token);
        if (who.status == 401) return usage_error("--token", "the centre does not accept this token");
        if (who.status == 200) {
            const json::value t = json::parse(who.body);
            if (t.at("role").as_string() != "device") return usage_error("--token", "this is not a device token");
            if (t.at("device_id").as_string() != config.device.device_id)
                return usage_error("--device", "the token is for device " +
                                                   std::string(t.at("device_id").as_string().c_str()));
            if (t.at("checkpoint_id").as_string() != config.device.checkpoint_id)
                return usage_error("--checkpoint", "the token is for checkpoint " +
                                                       std::string(t.at("checkpoint_id").as_string().c_str()));
        }
        if (!fresh) return 0;
        const auto res =
            http.request("GET", "/api/v1/devices/" + config.device.device_id + "/reconcile", "", config.token);
        if (res.status != 200) return 0;
        const json::value v = json::parse(res.body);
        const auto received = v.at("received").as_int64();
        if (received > 0)
            return usage_error("--device", "the centre already holds " + std::to_string(received) + " records of device " +
                                               config.device.device_id +
                                               "; restore that device's data directory, or give this terminal a new device id");
    } catch (const std::exception&) {
        std::cerr << "borderlog-checkpoint: note: the centre cannot be reached now; the token is checked at the first sync\n";
    }
    return 0;
}

}  // namespace

int run_init(const InitOptions& o) {
    if (const auto problem = check_server_url(o.server); !problem.empty()) return usage_error("--server", problem);
    if (!core::is_identifier(o.checkpoint)) return usage_error("--checkpoint", "must be 1-64 letters, digits, . _ -");
    if (!core::is_identifier(o.device)) return usage_error("--device", "must be 1-64 letters, digits, . _ -");
    if (o.token.empty() || o.token.size() > 512) return usage_error("--token", "must be the device token (1-512 characters)");
    const DataDir dir = create_data_dir(o.data_dir);
    Outbox outbox(dir.outbox_file());
    const std::int64_t last_seq = outbox.stats().last_seq;
    // A data directory's sequence numbers belong to one device: re-pointing it would collide.
    if (std::filesystem::exists(dir.config_file()) && last_seq > 0) {
        const ClientConfig old = load_config(dir);
        if (old.device.device_id != o.device)
            return usage_error("--device", "this data directory already holds records of device " +
                                               old.device.device_id + "; use a new --data-dir for another device");
        if (old.device.checkpoint_id != o.checkpoint)
            return usage_error("--checkpoint", "this data directory already holds records of checkpoint " +
                                                   old.device.checkpoint_id);
    }
    const ClientConfig config{o.server, o.token, DeviceIdentity{o.checkpoint, o.device}};
    if (const int refused = check_with_centre(config, last_seq == 0); refused != 0) return refused;
    save_config(dir, config);
    std::cerr << "checkpoint " << o.checkpoint << ", device " << o.device << " initialised in " << dir.root.string()
              << "\n";
    return 0;
}

int run_record(const RecordOptions& o) {
    const DataDir dir = open_data_dir(o.data_dir);
    const ClientConfig config = load_config(dir);
    auto draft = draft_from(o);
    if (auto* code = std::get_if<int>(&draft)) return *code;
    Outbox outbox(dir.outbox_file());
    core::Crossing x = std::get<core::Crossing>(std::move(draft));
    x.recorded_offline = central_state(outbox) != "online";
    const core::Crossing stored = outbox.record(std::move(x), config.device);
    if (o.json) {
        std::cout << json::serialize(core::to_json(stored)) << "\n";
    } else {
        std::cout << stored.id << "\n";
    }
    return 0;
}

int run_import(const ImportOptions& o) {
    constexpr std::size_t kMaxLine = 64 * 1024;
    std::ifstream in(o.file);
    if (!in) return usage_error("FILE", "cannot read " + o.file.string());
    const DataDir dir = open_data_dir(o.data_dir);
    const ClientConfig config = load_config(dir);
    Outbox outbox(dir.outbox_file());
    const std::string source = std::filesystem::canonical(o.file).string();
    const bool offline = central_state(outbox) != "online";

    std::int64_t recorded = 0, already = 0, failed = 0;
    std::vector<ImportLine> chunk;
    const auto flush = [&] {
        for (const auto& [outcome, seq] : outbox.import_lines(source, std::move(chunk), config.device)) {
            if (outcome == ImportOutcome::recorded) ++recorded;
            else if (outcome == ImportOutcome::already_recorded) ++already;
            else {
                ++failed;
                std::cerr << "line recorded earlier as seq " << seq << " has changed in the file since; not recorded again\n";
            }
        }
        chunk.clear();
    };
    std::string line;
    for (std::int64_t no = 1; std::getline(in, line); ++no) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.find_first_not_of(" \t") == std::string::npos) continue;
        const auto fail = [&](const std::string& why) {
            ++failed;
            std::cerr << o.file.string() << ": line " << no << ": " << why << "\n";
        };
        if (line.size() > kMaxLine) {
            fail("longer than 64 KiB");
            continue;
        }
        boost::system::error_code ec;
        const json::value v = json::parse(line, ec);
        if (ec) {
            fail("not valid JSON");
            continue;
        }
        try {
            core::Crossing x = core::crossing_from_json(v, core::Completeness::draft);
            if (!x.checkpoint_id.empty() && x.checkpoint_id != config.device.checkpoint_id) {
                fail("checkpoint_id " + x.checkpoint_id + " is not this checkpoint (" + config.device.checkpoint_id + ")");
                continue;
            }
            if (auto errors = core::validate(x, core::Completeness::draft, current_year()); !errors.empty())
                throw core::ValidationError(std::move(errors));
            if (!v.get_object().contains("recorded_offline")) x.recorded_offline = offline;
            chunk.push_back({no, core::sha256_hex(line), std::move(x)});
        } catch (const core::ValidationError& e) {
            fail(e.first().field + " " + e.first().message);
            continue;
        }
        if (chunk.size() >= o.chunk_size) flush();
    }
    if (!chunk.empty()) flush();
    if (o.json) {
        std::cout << json::serialize(json::object{{"recorded", recorded}, {"already_recorded", already}, {"failed", failed}})
                  << "\n";
    } else {
        std::cout << recorded << "\n";
        std::cerr << "recorded " << recorded << ", already recorded earlier " << already << ", failed " << failed << "\n";
    }
    return failed > 0 ? 1 : 0;
}

int run_sync_once(const SyncCommandOptions& o) {
    const DataDir dir = open_data_dir(o.data_dir);
    const ClientConfig config = load_config(dir);
    Outbox outbox(dir.outbox_file());
    HttpClient http(config.server_url, std::chrono::seconds{o.timeout_s});
    SyncReport report;
    {
        SyncLock lock(dir.sync_lock_file());
        report = sync_once(outbox, http, config, SyncOptions{o.batch_size, true, {}});
        outbox.purge_acknowledged(o.retention_days);
    }
    if (o.json) {
        std::cout << json::serialize(report_json(report, outbox)) << "\n";
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
    std::cout << "checkpoint " << config.device.checkpoint_id << ", device " << config.device.device_id << "\n"
              << "central:   " << s.at("central").as_string().c_str() << "\n"
              << "pending:   " << s.at("pending").as_int64() << "\n"
              << "rejected:  " << s.at("rejected").as_int64() << "\n"
              << "last seq:  " << s.at("last_seq").as_int64() << "\n"
              << "last sync: " << (s.at("last_sync_at").is_string() ? s.at("last_sync_at").as_string().c_str() : "never")
              << "\n";
    for (const auto& r : s.at("rejected_records").as_array())
        std::cout << "  rejected seq " << r.at("seq").as_int64() << " " << r.at("id").as_string().c_str() << ": "
                  << r.at("code").as_string().c_str() << " " << r.at("detail").as_string().c_str() << "\n";
    return 0;
}

int run_retry_rejected(const RetryRejectedOptions& o) {
    const DataDir dir = open_data_dir(o.data_dir);
    load_config(dir);
    Outbox outbox(dir.outbox_file());
    const std::int64_t n = outbox.retry_rejected(o.seqs);
    std::cout << n << "\n";
    std::cerr << n << " rejected record(s) queued again; the next sync sends them\n";
    return 0;
}

int run_daemon(const RunOptions& o) {
    const DataDir dir = open_data_dir(o.sync.data_dir);
    const ClientConfig config = load_config(dir);
    Outbox outbox(dir.outbox_file());
    HttpClient http(config.server_url, std::chrono::seconds{o.sync.timeout_s});
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
    auto next_reconcile = clock::now();
    auto next_purge = clock::now();
    for (;;) {
        SyncReport report;
        {
            SyncLock lock(dir.sync_lock_file());
            const bool reconcile_now = clock::now() >= next_reconcile;
            report = sync_once(outbox, http, config, SyncOptions{o.sync.batch_size, reconcile_now, stop_pending});
            if (reconcile_now && report.status == SyncStatus::drained)
                next_reconcile = clock::now() + std::chrono::seconds{o.reconcile_s};
            if (clock::now() >= next_purge) {
                outbox.purge_acknowledged(o.sync.retention_days);
                next_purge = clock::now() + std::chrono::hours{1};
            }
        }
        if (report.stored + report.duplicates + report.rejected > 0)
            common::log_event(spdlog::level::info, "synced",
                              {{"stored", report.stored}, {"duplicates", report.duplicates},
                               {"rejected", report.rejected}, {"requeued", report.requeued}});
        if (report.status != SyncStatus::unavailable && clock::now() >= next_heartbeat) {
            send_heartbeat(outbox, http, config);
            next_heartbeat = clock::now() + std::chrono::seconds{o.heartbeat_s};
        }
        std::chrono::milliseconds wait{o.poll_ms};
        if (report.status == SyncStatus::stopped) break;
        if (report.status == SyncStatus::drained) {
            backoff.reset();
        } else {
            wait = backoff.next(report.retry_after);
            common::log_event(report.status == SyncStatus::unavailable ? spdlog::level::info : spdlog::level::warn,
                              "sync_deferred",
                              {{"reason", report.error}, {"retry_in_ms", wait.count()},
                               {"failures", backoff.failures()}});
        }
        if (wait_or_stop(wait)) break;
    }
    common::log_event(spdlog::level::info, "daemon_stopped");
    return 0;
}

}  // namespace borderlog::client
