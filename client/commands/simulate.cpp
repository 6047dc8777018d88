// simulate: synthetic travellers for training rooms, recorded through the same local path as an
// officer's `record` (the outbox, durable at once, synced by the daemon), each flagged `synthetic`.
// Time: records are made at the real clock; the population (simulate.db) remembers who is in the
// country and when each is due to cross back, in simulated days of --day-length (docs/drills.md).
#include "client/commands.hpp"

#include "client/client_config.hpp"
#include "client/commands/command_support.hpp"
#include "client/simulation/population.hpp"
#include "client/simulation/synthetic_travellers.hpp"
#include "common/log.hpp"
#include "core/crossing.hpp"
#include "core/mrz.hpp"
#include "core/text.hpp"
#include "core/watchlist.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <boost/json.hpp>

#include <algorithm>
#include <cctype>
#include <csignal>
#include <ctime>
#include <fstream>
#include <iostream>
#include <random>
#include <set>
#include <sstream>

namespace borderlog::client {

namespace json = boost::json;
using std::chrono::milliseconds;

namespace {

constexpr std::size_t kMaxWatchlistFile = 64 * 1024 * 1024;

// The watchlist copy the daemon keeps in the outbox, when this terminal has one: any table named
// watchlist... that holds the entries' columns (current entries only, where it marks removed ones).
std::vector<core::WatchlistEntry> local_watchlist(const std::filesystem::path& outbox_file) {
    std::vector<core::WatchlistEntry> out;
    SQLite::Database db(outbox_file, SQLite::OPEN_READONLY, 5000);
    SQLite::Statement tables(db, "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'watchlist%' ORDER BY name");
    std::vector<std::string> names;
    while (tables.executeStep()) names.push_back(tables.getColumn(0).getString());
    for (const auto& table : names) {
        std::set<std::string> columns;
        SQLite::Statement info(db, "SELECT name FROM pragma_table_info(?)");
        info.bind(1, table);
        while (info.executeStep()) columns.insert(info.getColumn(0).getString());
        if (!columns.count("document_number") || !columns.count("issuing_country") || !columns.count("surname") ||
            !columns.count("birth_date"))
            continue;
        std::string where = " WHERE 1 = 1";
        if (columns.count("removed_version")) where += " AND removed_version IS NULL";
        if (columns.count("removed")) where += " AND NOT removed";
        const std::string given = columns.count("given_names") ? "given_names" : "''";
        // The table name comes from sqlite_master and matched 'watchlist%'; quoted as an identifier.
        std::string quoted = "\"";
        for (const char c : table) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
        quoted += "\"";
        SQLite::Statement rows(db, "SELECT coalesce(document_number, ''), coalesce(issuing_country, ''), "
                                   "coalesce(surname, ''), coalesce(" + given + ", ''), coalesce(birth_date, '') FROM " +
                                       quoted + where);
        while (rows.executeStep()) {
            core::WatchlistEntry e;
            e.document_number = rows.getColumn(0).getString();
            e.issuing_country = rows.getColumn(1).getString();
            e.surname = rows.getColumn(2).getString();
            e.given_names = rows.getColumn(3).getString();
            e.birth_date = rows.getColumn(4).getString();
            out.push_back(std::move(e));
        }
        if (!out.empty()) break;
    }
    return out;
}

// A watchlist file as admins load it (CSV with a header line) or as the centre hands it out (JSON).
std::vector<core::WatchlistEntry> watchlist_file(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw std::runtime_error("--watchlist: cannot read " + file.string());
    std::ostringstream text;
    text << in.rdbuf();
    if (text.str().size() > kMaxWatchlistFile) throw std::runtime_error("--watchlist: " + file.string() + " is too large");
    if (file.extension() == ".csv") return core::read_watchlist_csv(text.str());
    boost::system::error_code ec;
    json::value v = json::parse(text.str(), ec);
    if (ec) throw std::runtime_error("--watchlist: " + file.string() + " is neither CSV (.csv) nor JSON");
    // As `borderlogctl watchlist show --json` prints it: the entries under "added".
    if (v.is_object() && v.get_object().contains("added")) v = v.get_object().at("added");
    return core::read_watchlist_json(v);
}

std::vector<std::string> split_commas(const std::string& text) {
    std::vector<std::string> out;
    std::stringstream in(text);
    std::string item;
    while (std::getline(in, item, ','))
        if (!item.empty()) out.push_back(item);
    return out;
}

core::Millis after_days(core::Millis now, double days, milliseconds day_length) {
    return now + milliseconds{static_cast<std::int64_t>(days * static_cast<double>(day_length.count()))};
}

}  // namespace

int run_simulate(const SimulateOptions& o) {
    const auto rate = sim::parse_rate(o.rate);
    if (!rate) return usage_error("--rate", "must be N/min, N/h or N/s (at most 6000/min), e.g. 30/min");
    std::optional<long long> duration;
    if (!o.duration.empty()) {
        duration = sim::parse_duration(o.duration);
        if (!duration) return usage_error("--duration", "must be like 90s, 20m, 1h30m or 2d");
    }
    if (!duration && o.count == 0) return usage_error("--duration", "is required (or --count N)");
    const auto day = sim::parse_duration(o.day_length);
    if (!day) return usage_error("--day-length", "must be like 24h, 10m or 30s: how long a simulated day lasts");
    const milliseconds day_length{*day * 1000};
    if (o.watchlist_hits < 0 || o.watchlist_hits > 1) return usage_error("--watchlist-hits", "must be a share from 0 to 1");
    if (o.return_share < 0 || o.return_share > 1) return usage_error("--return-share", "must be a share from 0 to 1");
    if (o.home_country.empty() || o.home_country.size() > 3 ||
        !std::all_of(o.home_country.begin(), o.home_country.end(), [](unsigned char c) { return std::isupper(c); }))
        return usage_error("--home-country", "must be an ICAO code of capital letters, e.g. ALB");
    const auto lanes = split_commas(o.lanes);
    for (const auto& lane : lanes)
        if (!core::is_text(lane, core::limits::kLane)) return usage_error("--lanes", "each lane is 1-16 printable characters");
    if (lanes.empty()) return usage_error("--lanes", "name at least one lane, e.g. 1,2");
    if (!o.officer.empty() && !core::is_identifier(o.officer))
        return usage_error("--officer", "must be 1-64 letters, digits, '.', '_' or '-'");

    const DataDir dir = open_data_dir(o.data_dir);
    const ClientConfig config = load_config(dir);
    Outbox outbox(dir.outbox_file());
    sim::Population population(dir.root / "simulate.db");

    std::vector<core::WatchlistEntry> watchlist;
    std::string watchlist_source = "none";
    if (!o.watchlist_file.empty()) {
        watchlist = watchlist_file(o.watchlist_file);
        watchlist_source = "file";
    } else {
        watchlist = local_watchlist(dir.outbox_file());
        if (!watchlist.empty()) watchlist_source = "local copy";
    }
    if (o.watchlist_hits > 0 && watchlist.empty())
        std::cerr << "borderlog-checkpoint: this checkpoint holds no watchlist copy yet (the daemon pulls it from the "
                     "centre), so no watchlist hits are simulated; --watchlist FILE gives a list to draw them from\n";

    const std::uint64_t seed = o.seed != 0 ? o.seed : std::random_device{}();
    sim::TravellerMaker maker(seed, o.home_country);
    auto& rng = maker.random();
    std::exponential_distribution<double> gap(*rate);
    std::uniform_real_distribution<double> share(0.0, 1.0);

    // SIGTERM and SIGINT end the run between two records, with the summary printed.
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
    const auto wait_or_stop = [&](milliseconds wait) {
        if (wait.count() <= 0) {
            timespec zero{0, 0};
            return sigtimedwait(&stop_signals, nullptr, &zero) > 0;
        }
        timespec ts{static_cast<time_t>(wait.count() / 1000), static_cast<long>((wait.count() % 1000) * 1000000)};
        return sigtimedwait(&stop_signals, nullptr, &ts) > 0;
    };

    using clock = std::chrono::steady_clock;
    const auto started = clock::now();
    const auto deadline = duration ? started + std::chrono::seconds{*duration} : clock::time_point::max();
    auto next = started;
    std::int64_t recorded = 0, entries = 0, exits = 0, hits = 0, returning = 0;
    common::log_event(spdlog::level::info, "simulate_started",
                      {{"checkpoint_id", config.device.checkpoint_id}, {"device_id", config.device.device_id},
                       {"rate_per_minute", *rate * 60.0}, {"seed", seed}, {"watchlist", watchlist_source}});
    const int year = current_year();
    for (;;) {
        if (o.count > 0 && recorded >= o.count) break;
        const auto wait = std::chrono::duration_cast<milliseconds>(next - clock::now());
        if (next >= deadline) {
            wait_or_stop(std::chrono::duration_cast<milliseconds>(deadline - clock::now()));
            break;
        }
        if (wait_or_stop(wait)) break;

        const core::Millis now = core::now_millis();
        sim::Document doc;
        std::string direction;
        const auto due = population.next_due(now);
        if (due && share(rng) < o.return_share) {
            // A traveller of an earlier crossing comes back: an exit after their stay, or a return home.
            const auto parsed = core::parse_mrz(due->mrz, year);
            if (!parsed || !parsed->valid) throw std::runtime_error("simulate.db holds an unreadable document");
            doc = {due->mrz, parsed->traveler};
            direction = due->inside ? "exit" : "entry";
            const bool home = doc.traveler.nationality == o.home_country;
            const double days = due->inside ? (home ? share(rng) * 166 + 14 : share(rng) * 150 + 30)  // until the next trip
                                            : (home ? share(rng) * 20 + 1 : share(rng) * 13 + 1);     // the stay
            population.crossed(due->no, !due->inside, after_days(now, days, day_length));
            ++returning;
        } else {
            std::optional<sim::Document> hit;
            if (!watchlist.empty() && share(rng) < o.watchlist_hits) {
                for (int tries = 0; tries < 5 && !hit; ++tries)
                    hit = maker.make_hit(watchlist[std::uniform_int_distribution<std::size_t>(0, watchlist.size() - 1)(rng)], now);
                if (hit) ++hits;
            }
            doc = hit ? *hit : maker.make(now);
            // Citizens leave first and come back; visitors arrive first and leave.
            const bool home = doc.traveler.nationality == o.home_country;
            direction = home ? "exit" : "entry";
            const double days = home ? share(rng) * 20 + 1 : share(rng) * 13 + 1;
            population.add(doc.mrz, !home, after_days(now, days, day_length));
        }

        core::Crossing x;
        x.direction = direction;
        x.lane = lanes[std::uniform_int_distribution<std::size_t>(0, lanes.size() - 1)(rng)];
        x.officer_id = o.officer.empty() ? "sim-officer-" + std::to_string(std::uniform_int_distribution<int>(1, 4)(rng))
                                         : o.officer;
        x.traveler = doc.traveler;
        x.mrz = doc.mrz;
        const auto vehicle = maker.vehicle(doc.traveler.nationality);
        x.transport = {vehicle.mode, vehicle.plate};
        x.occurred_at = core::format_rfc3339(core::now_millis());
        x.flags = {std::string(core::kFlagSynthetic)};
        x.recorded_offline = central_state(outbox) != "online";
        if (const auto errors = core::validate(x, core::Completeness::draft, year); !errors.empty())
            throw std::logic_error("a synthetic crossing is invalid: " + errors.front().field + " " + errors.front().message);
        outbox.record(std::move(x), config.device);
        ++recorded;
        (direction == "entry" ? entries : exits)++;
        next += std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(gap(rng)));
    }
    json::object summary{{"recorded", recorded},
                         {"entries", entries},
                         {"exits", exits},
                         {"returning", returning},
                         {"watchlist_hits", hits},
                         {"watchlist", watchlist_source},
                         {"population", population.size()},
                         {"in_country", population.inside_count()},
                         {"seed", seed}};
    common::log_event(spdlog::level::info, "simulate_stopped", summary);
    if (o.json) {
        std::cout << json::serialize(summary) << "\n";
    } else {
        std::cout << recorded << "\n";
        std::cerr << "recorded " << recorded << " synthetic crossings (" << entries << " entries, " << exits
                  << " exits, " << returning << " of travellers seen before, " << hits << " watchlist hits); "
                  << population.size() << " travellers known, " << population.inside_count() << " in the country\n";
    }
    return 0;
}

}  // namespace borderlog::client
