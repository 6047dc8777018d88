// bench_booth_latency: how long an officer waits for a record to be confirmed.
//
//   bench_booth_latency screen --address HOST:PORT [--records N] [--warmup N]
//       records N crossings, one after the other, through the officer screen's local API
//       (POST /local/v1/crossings on a running `borderlog-checkpoint run`), as the page does: the
//       page's token read from the page, its Origin, one keep-alive connection. Each record is timed
//       from the request written to the 201 read: the answer comes once the record is durable.
//   bench_booth_latency sqlite --file PATH [--records N] [--warmup N]
//       the baseline: the same number of bare single-row INSERTs, each its own transaction, into a
//       SQLite file in WAL mode with synchronous=FULL (what the outbox uses), rows of the size of a
//       record; first as many untimed, then a checkpoint, so that the log is reused as in service.
//
// The result is one line of JSON on stdout: {"records","p50_ms","p99_ms","max_ms","mean_ms"}.
// Any answer other than 201 exits 1, naming it.
#include <SQLiteCpp/SQLiteCpp.h>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using asio::ip::tcp;
using Clock = std::chrono::steady_clock;

struct Options {
    std::string mode;
    std::string address = "127.0.0.1:8081";
    std::string file;
    long records = 500;
    long warmup = 20;
};

[[noreturn]] void usage(const std::string& why) {
    std::cerr << "bench_booth_latency: " << why
              << "\nusage: bench_booth_latency screen --address HOST:PORT [--records N] [--warmup N]\n"
                 "       bench_booth_latency sqlite --file PATH [--records N] [--warmup N]\n";
    std::exit(2);
}

long whole(const std::string& option, const std::string& text, long max) {
    std::size_t used = 0;
    long v = 0;
    try {
        v = std::stol(text, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    if (used != text.size() || v < 0 || v > max) usage(option + " must be a whole number from 0 to " + std::to_string(max));
    return v;
}

Options parse(int argc, char** argv) {
    if (argc < 2) usage("name a mode");
    Options o;
    o.mode = argv[1];
    if (o.mode != "screen" && o.mode != "sqlite") usage("the mode is screen or sqlite, not " + o.mode);
    for (int i = 2; i < argc; i += 2) {
        const std::string key = argv[i];
        if (i + 1 >= argc) usage(key + " needs a value");
        const std::string value = argv[i + 1];
        if (key == "--address") o.address = value;
        else if (key == "--file") o.file = value;
        else if (key == "--records") o.records = whole(key, value, 1000000);
        else if (key == "--warmup") o.warmup = whole(key, value, 100000);
        else usage("unknown option " + key);
    }
    if (o.records < 1) usage("--records must be at least 1");
    if (o.mode == "sqlite" && o.file.empty()) usage("sqlite needs --file");
    return o;
}

// Nearest-rank percentile of sorted values.
double percentile(const std::vector<double>& sorted, double p) {
    const auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(sorted.size())));
    return sorted[std::min(sorted.size() - 1, rank == 0 ? 0 : rank - 1)];
}

void report(std::vector<double> ms) {
    std::sort(ms.begin(), ms.end());
    double sum = 0;
    for (const double v : ms) sum += v;
    std::printf("{\"records\":%zu,\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"max_ms\":%.3f,\"mean_ms\":%.3f}\n", ms.size(),
                percentile(ms, 50), percentile(ms, 99), ms.back(), sum / static_cast<double>(ms.size()));
}

double since(Clock::time_point start) {
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// A document number of its own for each record: "BB" and seven digits.
std::string document(long n) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "BB%07ld", n % 10000000);
    return buf;
}

class Screen {
public:
    explicit Screen(const std::string& address) {
        const auto colon = address.rfind(':');
        if (colon == std::string::npos) usage("--address must be HOST:PORT");
        host_ = address;
        tcp::resolver resolver(ioc_);
        stream_.connect(resolver.resolve(address.substr(0, colon), address.substr(colon + 1)));
        const std::string page = exchange(bhttp::verb::get, "/", "", 200);
        const std::string marker = "name=\"borderlog-token\" content=\"";
        const auto at = page.find(marker);
        if (at == std::string::npos) throw std::runtime_error("the page carries no token: is this the officer screen?");
        const auto end = page.find('"', at + marker.size());
        token_ = page.substr(at + marker.size(), end - at - marker.size());
    }

    void record(long n) {
        const std::string body = R"({"direction":")" + std::string(n % 2 ? "exit" : "entry") +
                                 R"(","lane":"1","traveler":{"document_number":")" + document(n) +
                                 R"(","issuing_country":"ALB","nationality":"ALB","surname":"BENCH","given_names":"BOOTH",)"
                                 R"("birth_date":"1990-01-01","sex":"F","document_type":"P"}})";
        exchange(bhttp::verb::post, "/local/v1/crossings", body, 201);
    }

private:
    std::string exchange(bhttp::verb verb, const std::string& target, const std::string& body, unsigned expected) {
        bhttp::request<bhttp::string_body> req{verb, target, 11};
        req.set(bhttp::field::host, host_);
        req.keep_alive(true);
        if (!token_.empty()) req.set("X-Borderlog-Token", token_);
        if (verb == bhttp::verb::post) {
            req.set(bhttp::field::origin, "http://" + host_);
            req.set(bhttp::field::content_type, "application/json");
            req.body() = body;
        }
        req.prepare_payload();
        bhttp::write(stream_, req);
        bhttp::response<bhttp::string_body> res;
        bhttp::read(stream_, buffer_, res);
        if (res.result_int() != expected)
            throw std::runtime_error(target + " answered " + std::to_string(res.result_int()) + ": " + res.body());
        return res.body();
    }

    asio::io_context ioc_;
    beast::tcp_stream stream_{ioc_};
    beast::flat_buffer buffer_;
    std::string host_, token_;
};

int run_screen(const Options& o) {
    Screen screen(o.address);
    for (long i = 0; i < o.warmup; ++i) screen.record(i);
    std::vector<double> ms;
    ms.reserve(static_cast<std::size_t>(o.records));
    for (long i = 0; i < o.records; ++i) {
        const auto start = Clock::now();
        screen.record(o.warmup + i);
        ms.push_back(since(start));
    }
    report(std::move(ms));
    return 0;
}

int run_sqlite(const Options& o) {
    std::filesystem::remove(o.file);
    SQLite::Database db(o.file, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db.exec("PRAGMA journal_mode=WAL");
    db.exec("PRAGMA synchronous=FULL");
    db.exec("CREATE TABLE t (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, body TEXT NOT NULL)");
    SQLite::Statement ins(db, "INSERT INTO t (id, body) VALUES (?, ?)");
    const std::string body(900, 'x');  // about a record's canonical JSON
    const auto insert = [&](long i) {
        ins.bind(1, document(i));
        ins.bind(2, body);
        ins.exec();  // autocommit: one transaction, synced, per row
        ins.reset();
    };
    // As a terminal in service runs: its write-ahead log already grown and reused after a checkpoint,
    // so that a commit overwrites the log rather than growing the file (which costs a metadata flush).
    const long warm = std::max(o.warmup, o.records);
    for (long i = 0; i < warm; ++i) insert(i);
    db.exec("PRAGMA wal_checkpoint(RESTART)");
    std::vector<double> ms;
    ms.reserve(static_cast<std::size_t>(o.records));
    for (long i = warm; i < warm + o.records; ++i) {
        const auto start = Clock::now();
        insert(i);
        ms.push_back(since(start));
    }
    report(std::move(ms));
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    const Options o = parse(argc, argv);
    try {
        return o.mode == "screen" ? run_screen(o) : run_sqlite(o);
    } catch (const std::exception& e) {
        std::cerr << "bench_booth_latency: " << e.what() << "\n";
        return 1;
    }
}
