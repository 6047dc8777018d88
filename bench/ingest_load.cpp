// bench_ingest_load: a load generator for single-record ingest (POST /api/v1/crossings).
//
// It opens N keep-alive HTTP/1.1 connections to a borderlog-server on a loopback address, binds each
// connection to one device (tokens come from a file of lines "DEVICE_ID CHECKPOINT_ID TOKEN"), and
// has every connection POST one crossing at a time until a request count or a time limit is reached.
// Ids are UUIDv7 (core::new_uuid_v7); sequence numbers are gapless per device, even when several
// connections share a device, because every sequence number handed out is sent and must be stored.
// Any answer other than 201/200, and any connection error, stops the run and exits 1.
//
// The result is one line of JSON on stdout: requests/s and latency percentiles.
// This is the only translation unit of the benchmarks that includes Beast.
#include "core/ids.hpp"
#include "core/mrz.hpp"
#include "core/time.hpp"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace json = boost::json;
using asio::awaitable;
using asio::ip::tcp;
using Clock = std::chrono::steady_clock;

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

struct Options {
    std::string target = "127.0.0.1:8080";
    std::string tokens_file;
    std::size_t connections = 64;
    std::int64_t requests = 0;  // 0: no count limit (then --duration bounds the run)
    double duration_s = 0;      // 0: no time limit (then --requests bounds the run)
    double timeout_s = 10;      // one request's deadline
    double max_run_s = 900;     // a hard ceiling on the whole run, whatever the other limits say
    std::int64_t first_seq = 1;
    int threads = 1;
    std::uint32_t seed = 0;
};

constexpr const char* kUsage =
    "usage: bench_ingest_load --tokens FILE [--target 127.0.0.1:PORT] [--connections N]\n"
    "         (--requests N | --duration SECONDS | both) [--threads 1|2] [--first-seq N]\n"
    "         [--timeout SECONDS] [--max-run SECONDS] [--seed N]\n"
    "Single-record ingest load (POST /api/v1/crossings) over N keep-alive connections to a loopback\n"
    "borderlog-server. FILE holds one line per device: DEVICE_ID CHECKPOINT_ID TOKEN; connection i\n"
    "speaks for device i mod D, with gapless seqs from --first-seq (default 1). Prints one line of JSON:\n"
    "requests, created, requests_per_s, latency_ms {p50,p90,p99,max}, cpu_s. Exits 1 at the first\n"
    "answer that is not 201/200 or the first connection error, 2 on a usage error.\n";

[[noreturn]] void usage_exit(const std::string& message) {
    std::cerr << "bench_ingest_load: " << message << "\n" << kUsage;
    std::exit(2);
}

Options parse_options(int argc, char** argv) {
    Options o;
    const auto value = [&](int& i) -> std::string {
        if (i + 1 >= argc) usage_exit(std::string(argv[i]) + " needs a value");
        return argv[++i];
    };
    const auto number = [&](int& i) -> double {
        const std::string name = argv[i];
        const std::string v = value(i);
        try {
            std::size_t used = 0;
            const double d = std::stod(v, &used);
            if (used != v.size() || d < 0) throw std::invalid_argument(v);
            return d;
        } catch (const std::exception&) {
            usage_exit(name + ": not a non-negative number: " + v);
        }
    };
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--help" || a == "-h") {
            std::cout << kUsage;
            std::exit(0);
        } else if (a == "--target") {
            o.target = value(i);
        } else if (a == "--tokens") {
            o.tokens_file = value(i);
        } else if (a == "--connections") {
            o.connections = static_cast<std::size_t>(number(i));
        } else if (a == "--requests") {
            o.requests = static_cast<std::int64_t>(number(i));
        } else if (a == "--duration") {
            o.duration_s = number(i);
        } else if (a == "--timeout") {
            o.timeout_s = number(i);
        } else if (a == "--max-run") {
            o.max_run_s = number(i);
        } else if (a == "--first-seq") {
            o.first_seq = static_cast<std::int64_t>(number(i));
        } else if (a == "--threads") {
            o.threads = static_cast<int>(number(i));
        } else if (a == "--seed") {
            o.seed = static_cast<std::uint32_t>(number(i));
        } else {
            usage_exit("unknown argument " + a);
        }
    }
    if (o.tokens_file.empty()) usage_exit("--tokens is required");
    if (o.connections < 1 || o.connections > 1024) usage_exit("--connections must be 1-1024");
    if (o.requests == 0 && o.duration_s <= 0) usage_exit("give --requests N or --duration SECONDS: the run must be bounded");
    if (o.duration_s > 3600) usage_exit("--duration must be at most 3600 seconds");
    if (o.threads < 1 || o.threads > 2) usage_exit("--threads must be 1 or 2");
    if (o.first_seq < 1) usage_exit("--first-seq must be at least 1");
    if (o.timeout_s <= 0) usage_exit("--timeout must be positive");
    if (o.max_run_s <= 0) usage_exit("--max-run must be positive");
    return o;
}

// Only loopback targets: this tool must never load another machine.
tcp::endpoint loopback_endpoint(const std::string& target) {
    const auto colon = target.rfind(':');
    if (colon == std::string::npos) usage_exit("--target must be HOST:PORT");
    std::string host = target.substr(0, colon);
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    if (host == "localhost") host = "127.0.0.1";
    boost::system::error_code ec;
    const auto address = asio::ip::make_address(host, ec);
    if (ec) usage_exit("--target: not an IP address: " + host);
    if (!address.is_loopback()) usage_exit("--target: only loopback addresses are allowed, not " + host);
    int port = 0;
    try {
        port = std::stoi(target.substr(colon + 1));
    } catch (const std::exception&) {
        port = 0;
    }
    if (port < 1 || port > 65535) usage_exit("--target: the port must be 1-65535");
    return {address, static_cast<unsigned short>(port)};
}

struct Device {
    std::string device_id;
    std::string checkpoint_id;
    std::string authorization;  // "Bearer TOKEN"
    std::atomic<std::int64_t> next_seq{1};
};

std::vector<std::unique_ptr<Device>> read_devices(const std::string& file, std::int64_t first_seq) {
    std::ifstream in(file);
    if (!in) usage_exit("--tokens: cannot read " + file);
    std::vector<std::unique_ptr<Device>> devices;
    std::string line;
    for (int no = 1; std::getline(in, line); ++no) {
        if (line.find_first_not_of(" \t\r") == std::string::npos || line[0] == '#') continue;
        std::istringstream words(line);
        auto d = std::make_unique<Device>();
        std::string token, extra;
        if (!(words >> d->device_id >> d->checkpoint_id >> token) || (words >> extra))
            usage_exit(file + ": line " + std::to_string(no) + ": expected DEVICE_ID CHECKPOINT_ID TOKEN");
        d->authorization = "Bearer " + token;
        d->next_seq = first_seq;
        devices.push_back(std::move(d));
    }
    if (devices.empty()) usage_exit(file + ": no devices");
    return devices;
}

// Realistic crossings: a TD3 passport whose MRZ agrees with the typed traveller and carries right
// check digits, so the server runs its whole validation path.
class CrossingMaker {
public:
    explicit CrossingMaker(std::uint32_t seed) : rng_(seed) {}

    json::object make(const Device& device, std::int64_t seq) {
        static const char* kCountries[] = {"ALB", "GRC", "ITA", "DEU", "FRA", "GBR", "USA", "TUR", "SRB", "MKD"};
        static const char* kSurnames[] = {"HOXHA", "PAPADOPOULOS", "ROSSI", "MUELLER", "MARTIN", "SMITH",
                                          "JOHNSON", "YILMAZ", "JOVANOVIC", "STOJANOVSKI", "KOLA", "BERISHA"};
        static const char* kGiven[] = {"ANNA MARIA", "ARBEN", "ELENI", "MARCO", "JONAS", "CLAIRE",
                                       "OLIVER", "EMMA", "MEHMET", "MILAN", "ELIRA", "DRITON KASTRIOT"};
        static const char* kModes[] = {"car", "car", "car", "bus", "truck", "foot"};
        const std::string country = pick(kCountries);
        const std::string nationality = uniform(0, 9) < 8 ? country : pick(kCountries);
        const std::string surname = pick(kSurnames);
        const std::string given = pick(kGiven);
        const std::string sex = uniform(0, 1) ? "F" : "M";
        std::string number;
        for (int i = 0; i < 2; ++i) number += static_cast<char>('A' + uniform(0, 25));
        for (int i = 0; i < 7; ++i) number += static_cast<char>('0' + uniform(0, 9));
        const int by = uniform(1950, 2005), bm = uniform(1, 12), bd = uniform(1, 28);
        const int ey = uniform(2027, 2036), em = uniform(1, 12), ed = uniform(1, 28);
        const std::string mode = pick(kModes);

        json::object traveler{{"document_type", "P"},
                              {"document_number", number},
                              {"issuing_country", country},
                              {"nationality", nationality},
                              {"surname", surname},
                              {"given_names", given},
                              {"birth_date", date(by, bm, bd)},
                              {"sex", sex},
                              {"expiry_date", date(ey, em, ed)}};
        json::object transport{{"mode", mode}};
        if (mode != "foot") transport["vehicle_plate"] = plate();
        return {{"id", borderlog::core::new_uuid_v7()},
                {"device_id", device.device_id},
                {"seq", seq},
                {"checkpoint_id", device.checkpoint_id},
                {"lane", std::to_string(uniform(1, 8))},
                {"direction", uniform(0, 1) ? "entry" : "exit"},
                {"occurred_at", borderlog::core::format_rfc3339(borderlog::core::now_millis())},
                {"officer_id", "officer-" + std::to_string(uniform(100, 199))},
                {"traveler", std::move(traveler)},
                {"mrz", td3(country, surname, given, number, nationality, by, bm, bd, sex, ey, em, ed)},
                {"transport", std::move(transport)},
                {"recorded_offline", false}};
    }

private:
    int uniform(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
    template <std::size_t N>
    const char* pick(const char* const (&items)[N]) {
        return items[static_cast<std::size_t>(uniform(0, static_cast<int>(N) - 1))];
    }
    static std::string two(int v) { return (v < 10 ? "0" : "") + std::to_string(v); }
    static std::string date(int y, int m, int d) { return std::to_string(y) + "-" + two(m) + "-" + two(d); }
    static std::string yymmdd(int y, int m, int d) { return two(y % 100) + two(m) + two(d); }
    static char digit(std::string_view s) { return static_cast<char>('0' + borderlog::core::mrz_check_digit(s)); }
    std::string plate() {
        std::string p;
        for (int i = 0; i < 2; ++i) p += static_cast<char>('A' + uniform(0, 25));
        for (int i = 0; i < 3; ++i) p += static_cast<char>('0' + uniform(0, 9));
        for (int i = 0; i < 2; ++i) p += static_cast<char>('A' + uniform(0, 25));
        return p;
    }
    static std::string td3(const std::string& country, const std::string& surname, std::string given,
                           const std::string& number, const std::string& nationality, int by, int bm, int bd,
                           const std::string& sex, int ey, int em, int ed) {
        std::replace(given.begin(), given.end(), ' ', '<');
        std::string line1 = "P<" + country + surname + "<<" + given;
        line1.resize(44, '<');
        const std::string birth = yymmdd(by, bm, bd), expiry = yymmdd(ey, em, ed);
        const std::string personal(14, '<');
        std::string line2 = number + digit(number) + nationality + birth + digit(birth) + sex + expiry +
                            digit(expiry) + personal + digit(personal);
        const std::string composite = line2.substr(0, 10) + line2.substr(13, 7) + line2.substr(21, 22);
        line2 += digit(composite);
        return line1 + "\n" + line2;
    }

    std::mt19937 rng_;
};

// Shared by every connection.
struct Run {
    Options options;
    tcp::endpoint endpoint;
    std::vector<std::unique_ptr<Device>> devices;
    Clock::time_point deadline;  // when no new request starts
    std::atomic<std::int64_t> issued{0};
    std::atomic<std::int64_t> created{0};
    std::atomic<std::int64_t> duplicates{0};
    std::atomic<std::int64_t> reconnects{0};
    std::atomic<bool> failed{false};
    std::mutex failure_mutex;
    std::string failure;

    void fail(const std::string& why) {
        std::lock_guard lock(failure_mutex);
        if (!failed.exchange(true)) failure = why;
    }
    // Claims the right to send one more request.
    bool claim() {
        if (failed || Clock::now() >= deadline) return false;
        if (options.requests > 0 && issued.fetch_add(1) >= options.requests) return false;
        if (options.requests == 0) issued.fetch_add(1);
        return true;
    }
};

struct Connection {
    Connection(asio::io_context& io, Device& d, std::uint32_t seed) : stream(io), device(d), maker(seed) {}
    beast::tcp_stream stream;
    Device& device;
    CrossingMaker maker;
    beast::flat_buffer buffer;
    std::vector<std::uint32_t> latencies_us;
};

std::chrono::steady_clock::duration seconds(double s) {
    return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s));
}

awaitable<void> connect(Run& run, Connection& c) {
    c.stream.expires_after(seconds(run.options.timeout_s));
    auto [ec] = co_await c.stream.async_connect(run.endpoint, kTuple);
    if (ec) run.fail("connect to " + run.options.target + ": " + ec.message());
    else c.stream.socket().set_option(tcp::no_delay(true));
}

awaitable<void> drive(Run& run, Connection& c) {
    const std::string host = run.endpoint.address().to_string() + ":" + std::to_string(run.endpoint.port());
    while (run.claim()) {
        const std::int64_t seq = c.device.next_seq.fetch_add(1);
        bhttp::request<bhttp::string_body> req{bhttp::verb::post, "/api/v1/crossings", 11};
        req.set(bhttp::field::host, host);
        req.set(bhttp::field::authorization, c.device.authorization);
        req.set(bhttp::field::content_type, "application/json");
        req.set(bhttp::field::accept, "application/json");
        req.keep_alive(true);
        req.body() = json::serialize(c.maker.make(c.device, seq));
        req.prepare_payload();

        const auto started = Clock::now();
        c.stream.expires_after(seconds(run.options.timeout_s));
        if (auto [ec, n] = co_await bhttp::async_write(c.stream, req, kTuple); ec) {
            run.fail("device " + c.device.device_id + " seq " + std::to_string(seq) + ": sending: " + ec.message());
            co_return;
        }
        bhttp::response<bhttp::string_body> res;
        if (auto [ec, n] = co_await bhttp::async_read(c.stream, c.buffer, res, kTuple); ec) {
            run.fail("device " + c.device.device_id + " seq " + std::to_string(seq) + ": reading the answer: " +
                     ec.message());
            co_return;
        }
        const auto us = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started).count();
        c.latencies_us.push_back(static_cast<std::uint32_t>(std::min<long long>(us, UINT32_MAX)));
        const unsigned status = res.result_int();
        if (status == 201) {
            ++run.created;
        } else if (status == 200) {
            ++run.duplicates;  // the same id twice: should not happen with fresh UUIDv7 ids
        } else {
            run.fail("device " + c.device.device_id + " seq " + std::to_string(seq) + ": HTTP " +
                     std::to_string(status) + " " + res.body());
            co_return;
        }
        if (!res.keep_alive()) {  // the server closed the connection: open another one
            ++run.reconnects;
            beast::error_code ignored;
            c.stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
            c.stream.close();
            c.buffer.clear();
            co_await connect(run, c);
            if (run.failed) co_return;
        }
    }
    beast::error_code ignored;
    c.stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
}

// Runs the io_context on `threads` threads until it is stopped (by the completion of the last
// connection), or fails the run at `hard_stop`.
void run_io(asio::io_context& io, int threads, Clock::time_point hard_stop, Run& run) {
    asio::steady_timer watchdog(io, hard_stop);
    watchdog.async_wait([&](const boost::system::error_code& ec) {
        if (ec) return;
        run.fail("the run exceeded --max-run; stopping");
        io.stop();
    });
    std::vector<std::thread> extra;
    for (int i = 1; i < threads; ++i) extra.emplace_back([&] { io.run(); });
    io.run();
    for (auto& t : extra) t.join();
}

// CPU time this process used (user + system), to tell the load generator's share of the machine.
double cpu_seconds() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    const auto secs = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
    return secs(usage.ru_utime) + secs(usage.ru_stime);
}

double percentile(const std::vector<std::uint32_t>& sorted, double p) {
    if (sorted.empty()) return 0;
    const auto rank = static_cast<std::size_t>(p / 100.0 * static_cast<double>(sorted.size() - 1) + 0.5);
    return sorted[std::min(rank, sorted.size() - 1)] / 1000.0;
}

}  // namespace

int main(int argc, char** argv) {
    Run run;
    run.options = parse_options(argc, argv);
    const Options& o = run.options;
    run.endpoint = loopback_endpoint(o.target);
    run.devices = read_devices(o.tokens_file, o.first_seq);

    asio::io_context io;
    std::vector<std::unique_ptr<Connection>> conns;
    const std::uint32_t seed = o.seed ? o.seed : std::random_device{}();
    for (std::size_t i = 0; i < o.connections; ++i)
        conns.push_back(std::make_unique<Connection>(io, *run.devices[i % run.devices.size()],
                                                     seed + static_cast<std::uint32_t>(i) * 7919u));

    // Phase 1: open every connection before the clock starts.
    const auto connect_stop = Clock::now() + seconds(o.timeout_s + 5);
    std::atomic<std::size_t> connecting{conns.size()};
    for (auto& c : conns)
        asio::co_spawn(io, connect(run, *c), [&](std::exception_ptr e) {
            if (e) run.fail("connect: unexpected exception");
            if (--connecting == 0) io.stop();
        });
    run_io(io, 1, connect_stop, run);
    if (run.failed) {
        std::cerr << "bench_ingest_load: " << run.failure << "\n";
        return 1;
    }
    io.restart();

    // Phase 2: the load.
    const auto start = Clock::now();
    run.deadline = o.duration_s > 0 ? start + seconds(o.duration_s) : start + seconds(o.max_run_s);
    std::atomic<std::size_t> running{conns.size()};
    for (auto& c : conns)
        asio::co_spawn(io, drive(run, *c), [&](std::exception_ptr e) {
            if (e) {
                try {
                    std::rethrow_exception(e);
                } catch (const std::exception& ex) {
                    run.fail(std::string("unexpected exception: ") + ex.what());
                }
            }
            if (--running == 0) io.stop();
        });
    run_io(io, o.threads, start + seconds(o.max_run_s + o.timeout_s), run);
    const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();

    std::vector<std::uint32_t> all;
    for (const auto& c : conns) all.insert(all.end(), c->latencies_us.begin(), c->latencies_us.end());
    std::sort(all.begin(), all.end());
    const std::int64_t answered = run.created + run.duplicates;

    if (run.failed) {
        std::cerr << "bench_ingest_load: FAILED after " << answered << " answers in " << elapsed << " s: " << run.failure
                  << "\n";
        return 1;
    }
    if (o.requests > 0 && o.duration_s <= 0 && answered != o.requests) {
        std::cerr << "bench_ingest_load: FAILED: " << answered << " answers for " << o.requests << " requests\n";
        return 1;
    }
    // Written by hand so that numbers come out in fixed notation (Boost.JSON prints doubles as 1.5E3).
    std::ostringstream out;
    out << std::fixed << std::setprecision(3);
    out << "{\"connections\":" << o.connections << ",\"devices\":" << std::min(run.devices.size(), o.connections)
        << ",\"threads\":" << o.threads << ",\"requests\":" << answered << ",\"created\":" << run.created.load()
        << ",\"duplicates\":" << run.duplicates.load() << ",\"reconnects\":" << run.reconnects.load()
        << ",\"seconds\":" << elapsed << ",\"requests_per_s\":" << static_cast<double>(answered) / elapsed
        << ",\"latency_ms\":{\"p50\":" << percentile(all, 50) << ",\"p90\":" << percentile(all, 90)
        << ",\"p99\":" << percentile(all, 99) << ",\"max\":" << (all.empty() ? 0.0 : all.back() / 1000.0) << "}"
        << ",\"cpu_s\":" << cpu_seconds() << "}";
    std::cout << out.str() << std::endl;
    return 0;
}
