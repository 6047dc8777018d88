#include "client/ui/ui_server.hpp"

#include "client/queue/outbox.hpp"
#include "client/sync/http_client.hpp"
#include "client/ui/local_api.hpp"
#include "client/ui/record_latency.hpp"
#include "common/http_wire.hpp"
#include "common/log.hpp"
#include "core/embedded_file.hpp"
#include "core/ids.hpp"
#include "core/text.hpp"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <boost/url/parse.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <functional>
#include <list>
#include <map>
#include <thread>
#include <vector>

namespace borderlog::client::generated {
std::vector<core::EmbeddedFile> booth_files();  // web/booth, compiled in (client/CMakeLists.txt)
}

namespace borderlog::client::ui {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
using asio::awaitable;
using asio::ip::tcp;

namespace {

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

constexpr std::size_t kMaxConnections = 64;
constexpr std::size_t kMaxQueuedLookups = 4;
constexpr std::chrono::seconds kIdleTimeout{60};
constexpr std::chrono::seconds kRequestTimeout{10};
constexpr const char* kApiPrefix = "/local/v1/";
constexpr const char* kTokenHeader = "x-borderlog-token";
constexpr const char* kTokenPlaceholder = "{{BORDERLOG_TOKEN}}";

// Scripts, styles and calls only from this listener; nothing inline, no frames, no forms elsewhere.
constexpr const char* kContentSecurityPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

wire::Limits request_limits() {
    wire::Limits l;
    l.head_bytes = 8 * 1024;
    l.fields = 64;
    l.body = 16 * 1024;
    return l;
}

struct Request {
    std::string method;
    std::string target;
    std::vector<wire::Field> fields;
    std::string body;
    bool keep_alive = true;

    std::string header(std::string_view name) const {
        for (const auto& f : fields)
            if (beast::iequals(f.name, name)) return f.value;
        return {};
    }
};

struct Answer {
    unsigned status = 200;
    std::string body;
    std::string content_type = "application/json";
    bool cacheable = false;  // the page's scripts and styles; never the page (it holds the token) or the API
};

Answer json_answer(unsigned status, const json::object& body) {
    return {status, json::serialize(body), status >= 400 ? "application/problem+json" : "application/json"};
}

Answer problem_answer(const ApiProblem& p) { return json_answer(p.status, p.json()); }

const char* content_type_of(const std::string& name) {
    if (name.ends_with(".html")) return "text/html; charset=utf-8";
    if (name.ends_with(".css")) return "text/css; charset=utf-8";
    if (name.ends_with(".js")) return "text/javascript; charset=utf-8";
    if (name.ends_with(".svg")) return "image/svg+xml";
    return "application/octet-stream";
}

bool same_text(std::string_view a, std::string_view b) {
    // Compared in time independent of where they differ: the token is a secret of the page.
    if (a.size() != b.size()) return false;
    unsigned char diff = 0;
    for (std::size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
    return diff == 0;
}

// Runs `work` on a worker thread and resumes the calling coroutine on its own executor with the result.
template <class R>
awaitable<R> on_worker(asio::thread_pool& pool, std::function<R()> work) {
    return asio::async_initiate<const asio::use_awaitable_t<>&, void(std::exception_ptr, R)>(
        [&pool](auto handler, std::function<R()> fn) {
            auto executor = asio::get_associated_executor(handler);
            auto shared = std::make_shared<decltype(handler)>(std::move(handler));
            asio::post(pool, [shared, executor, fn = std::move(fn)]() mutable {
                std::exception_ptr error;
                R result{};
                try {
                    result = fn();
                } catch (...) {
                    error = std::current_exception();
                }
                asio::post(executor, [shared, error, result = std::move(result)]() mutable {
                    (*shared)(error, std::move(result));
                });
            });
        },
        asio::use_awaitable, std::move(work));
}

}  // namespace

ListenAddress parse_listen(const std::string& text) {
    ListenAddress out;
    std::string port;
    if (text.starts_with("[")) {
        const auto close = text.find("]:");
        if (close == std::string::npos) throw std::invalid_argument("must be HOST:PORT, e.g. 127.0.0.1:8081 or [::1]:8081");
        out.host = text.substr(1, close - 1);
        port = text.substr(close + 2);
    } else {
        const auto colon = text.rfind(':');
        if (colon == std::string::npos || colon == 0 || text.find(':') != colon)
            throw std::invalid_argument("must be HOST:PORT, e.g. 127.0.0.1:8081");
        out.host = text.substr(0, colon);
        port = text.substr(colon + 1);
    }
    if (port.empty() || port.size() > 5 || !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
        std::stoul(port) > 65535)
        throw std::invalid_argument("the port must be a number from 0 to 65535");
    out.port = static_cast<unsigned short>(std::stoul(port));
    return out;
}

bool host_allowed(std::string_view host_header, unsigned short port) {
    std::string_view host = host_header, port_text;
    if (host.starts_with("[")) {
        const auto close = host.find(']');
        if (close == std::string_view::npos) return false;
        port_text = host.substr(close + 1);
        host = host.substr(1, close - 1);
        if (!port_text.empty() && !port_text.starts_with(":")) return false;
        if (!port_text.empty()) port_text.remove_prefix(1);
    } else if (const auto colon = host.find(':'); colon != std::string_view::npos) {
        port_text = host.substr(colon + 1);
        host = host.substr(0, colon);
    }
    const std::string expected_port = std::to_string(port);
    if (port_text.empty() ? port != 80 : port_text != expected_port) return false;
    if (beast::iequals(host, "localhost")) return true;
    // An IP address, never a name: a name could be made to point here by someone else (DNS rebinding).
    boost::system::error_code ec;
    asio::ip::make_address(std::string(host), ec);
    return !ec;
}

struct UiServer::Impl {
    UiOptions options;
    DataDir dir;
    ClientConfig config;
    RecordLatency& latency;

    asio::io_context ioc{1};
    tcp::acceptor acceptor{ioc};
    std::thread io_thread;
    unsigned short port = 0;
    std::string host;

    // Each worker has its own connection to what it uses: records never wait behind a slow read or a
    // centre that hangs.
    asio::thread_pool recorder{1};
    asio::thread_pool reads{1};
    asio::thread_pool centre{1};
    std::unique_ptr<Outbox> recorder_outbox;
    std::unique_ptr<Outbox> reader_outbox;
    std::unique_ptr<HttpClient> centre_http;
    std::atomic<std::size_t> lookups{0};

    std::string token;
    std::map<std::string, std::string> files;
    std::list<std::weak_ptr<beast::tcp_stream>> streams;  // the open connections, touched on the io thread only
    std::size_t connections = 0;
    bool running = false, stopped = false;

    Impl(UiOptions o, DataDir d, ClientConfig c, RecordLatency& l)
        : options(std::move(o)), dir(std::move(d)), config(std::move(c)), latency(l) {}

    // --- routing ---

    awaitable<Answer> handle(Request req) {
        const auto parsed = boost::urls::parse_origin_form(req.target);
        if (!parsed) co_return problem_answer(ApiProblem(400, "invalid_target", "Invalid request target", "the path cannot be read"));
        std::vector<std::string> segments;
        for (auto s : parsed->segments()) segments.push_back(s);
        std::map<std::string, std::string> query;
        for (const auto& p : parsed->params()) {
            if (!core::is_utf8(p.key) || !core::is_utf8(p.value) || !query.emplace(p.key, p.value).second)
                co_return problem_answer(invalid_field(p.key, "is given twice or is not text"));
        }
        const std::string path = std::string(parsed->encoded_path());
        if (!path.starts_with(kApiPrefix)) co_return page(req, path);
        if (!same_text(req.header(kTokenHeader), token))
            co_return problem_answer(ApiProblem(403, "forbidden", "Forbidden",
                                                "the screen's token is missing or wrong: reload the page"));
        if (req.method != "GET") {
            // A page elsewhere cannot make the browser send our token, and cannot claim our Origin.
            if (req.header("origin") != "http://" + req.header("host"))
                co_return problem_answer(ApiProblem(403, "forbidden", "Forbidden",
                                                    "a change must come from the screen's own page (Origin does not match)"));
            if (!req.header("content-type").starts_with("application/json"))
                co_return problem_answer(ApiProblem(415, "unsupported_media_type", "Unsupported media type",
                                                    "send application/json"));
        }
        segments.erase(segments.begin(), segments.begin() + 2);  // "local", "v1"
        try {
            auto answering = api(req, segments, query);
            co_return co_await std::move(answering);
        } catch (const ApiProblem& p) {
            co_return problem_answer(p);
        }
    }

    Answer page(const Request& req, const std::string& path) {
        if (req.method != "GET" && req.method != "HEAD")
            return problem_answer(ApiProblem(405, "method_not_allowed", "Method not allowed", "the page is only read"));
        if (path == "/" || path == "/index.html") {
            std::string html = files.at("index.html");
            if (const auto at = html.find(kTokenPlaceholder); at != std::string::npos)
                html.replace(at, std::string_view(kTokenPlaceholder).size(), token);
            return {200, std::move(html), content_type_of("index.html")};
        }
        const std::string name = path.substr(1);
        const auto it = files.find(name);
        if (it == files.end() || name.ends_with(".html"))
            return problem_answer(ApiProblem(404, "not_found", "Not found", "no such page"));
        return {200, it->second, content_type_of(name), true};
    }

    static json::value body_of(const Request& req) {
        if (req.body.empty()) return json::object{};
        boost::system::error_code ec;
        json::value v = json::parse(req.body, ec);
        if (ec) throw ApiProblem(400, "invalid_json", "Invalid JSON", "the body is not valid JSON");
        return v;
    }

    template <class Fn>
    awaitable<Answer> run(asio::thread_pool& pool, Fn fn) {
        auto working = on_worker<ApiAnswer>(pool, std::function<ApiAnswer()>(std::move(fn)));
        try {
            const ApiAnswer a = co_await std::move(working);
            co_return json_answer(a.status, a.body);
        } catch (const ApiProblem& p) {
            co_return problem_answer(p);
        } catch (const std::exception& e) {
            common::log_event(spdlog::level::err, "ui_internal_error", {{"error", e.what()}});
            co_return problem_answer(ApiProblem(500, "internal", "Internal error", "the terminal failed; the error is logged"));
        }
    }

    awaitable<Answer> api(const Request& req, const std::vector<std::string>& seg,
                          const std::map<std::string, std::string>& query) {
        const auto is = [&](std::string_view method, std::initializer_list<std::string_view> path) {
            if (req.method != method || seg.size() != path.size()) return false;
            std::size_t i = 0;
            for (const auto p : path) {
                if (p != "*" && seg[i] != p) return false;
                ++i;
            }
            return true;
        };
        const auto no_query = [&] {
            if (!query.empty()) throw invalid_field(query.begin()->first, "is not a known parameter");
        };
        if (is("GET", {"state"})) {
            no_query();
            auto working = run(reads, [this] {
                return api_state(*reader_outbox, config, options.default_lane, core::now_millis());
            });
            co_return co_await std::move(working);
        }
        if (is("POST", {"mrz", "parse"})) {
            json::value body = body_of(req);
            auto working = run(reads, [this, body] { return api_parse(*reader_outbox, body, core::now_millis()); });
            co_return co_await std::move(working);
        }
        if (is("POST", {"screen"})) {
            json::value body = body_of(req);
            auto working = run(reads, [this, body] { return api_screen(*reader_outbox, body, core::now_millis()); });
            co_return co_await std::move(working);
        }
        if (is("POST", {"crossings"})) {
            json::value body = body_of(req);
            const auto received = RecordLatency::Clock::now();
            auto working = run(recorder, [this, body, received] {
                ApiAnswer a = api_record(*recorder_outbox, config, body, core::now_millis());
                const auto took =
                    std::chrono::duration_cast<std::chrono::microseconds>(RecordLatency::Clock::now() - received);
                latency.add(took);
                a.body["latency_ms"] = static_cast<double>(took.count()) / 1000.0;
                return a;
            });
            co_return co_await std::move(working);
        }
        if (is("GET", {"crossings"})) {
            auto working = run(reads, [this, query] { return api_recent(*reader_outbox, query); });
            co_return co_await std::move(working);
        }
        if (is("GET", {"lanes"})) {
            no_query();
            auto working = run(reads, [this] { return api_lanes(*reader_outbox); });
            co_return co_await std::move(working);
        }
        if (is("PUT", {"lanes", "*"})) {
            json::value body = body_of(req);
            const std::string lane = seg[1];
            auto working = run(reads, [this, lane, body] {
                return api_set_lane(*reader_outbox, dir.root / "queue.lock", lane, body, core::now_millis());
            });
            co_return co_await std::move(working);
        }
        if (is("GET", {"travelers", "*", "*", "status"})) {
            no_query();
            // A centre that hangs holds the lookup worker for its timeout; beyond a few waiting, answer at once.
            if (lookups.load() >= kMaxQueuedLookups)
                co_return json_answer(200, {{"centre", "offline"}, {"detail", "the centre is not answering"}});
            ++lookups;
            const std::string country = seg[1], number = seg[2];
            auto asking = run(centre, [this, country, number] {
                struct Done {
                    std::atomic<std::size_t>& n;
                    ~Done() { --n; }
                } done{lookups};
                return api_traveler_status(*centre_http, config, country, number);
            });
            co_return co_await std::move(asking);
        }
        const bool known = seg.size() >= 1 && (seg[0] == "state" || seg[0] == "mrz" || seg[0] == "screen" ||
                                               seg[0] == "crossings" || seg[0] == "lanes" || seg[0] == "travelers");
        if (known) throw ApiProblem(405, "method_not_allowed", "Method not allowed", req.method + " is not allowed here");
        throw ApiProblem(404, "not_found", "Not found", "no such call");
    }

    // --- connections ---

    http::response<http::string_body> to_response(const Answer& a, bool keep_alive) const {
        http::response<http::string_body> res{static_cast<http::status>(a.status), 11};
        res.set(http::field::server, "borderlog-checkpoint");
        res.set(http::field::content_type, a.content_type);
        res.set(http::field::cache_control, a.cacheable ? "no-cache" : "no-store");
        res.set("Content-Security-Policy", kContentSecurityPolicy);
        res.set("X-Content-Type-Options", "nosniff");
        res.set("X-Frame-Options", "DENY");
        res.set("Referrer-Policy", "no-referrer");
        res.set("Cross-Origin-Resource-Policy", "same-origin");
        res.keep_alive(keep_alive);
        res.body() = a.body;
        res.prepare_payload();
        return res;
    }

    awaitable<void> session(tcp::socket socket) {
        auto stream = std::make_shared<beast::tcp_stream>(std::move(socket));
        streams.push_back(stream);
        const auto registered = std::prev(streams.end());
        ++connections;
        try {
            auto serving = serve(*stream);
            co_await std::move(serving);
        } catch (const std::exception& e) {
            common::log_event(spdlog::level::debug, "ui_session_error", {{"error", e.what()}});
        }
        beast::error_code ec;
        stream->socket().shutdown(tcp::socket::shutdown_both, ec);
        stream->socket().close(ec);
        streams.erase(registered);
        --connections;
    }

    awaitable<void> serve(beast::tcp_stream& stream) {
        std::string in;
        std::array<char, 8192> chunk{};
        for (;;) {
            wire::Reader reader(wire::Reader::Kind::request, request_limits());
            stream.expires_after(kIdleTimeout);
            bool started = false;
            for (;;) {
                in.erase(0, reader.feed(in));
                if (reader.started() && !started) {
                    started = true;
                    stream.expires_after(kRequestTimeout);
                }
                if (reader.step() == wire::Reader::Step::head) {
                    if (reader.head().expect_continue) {
                        static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
                        auto continuing = asio::async_write(stream, asio::buffer(kContinue), kTuple);
                        auto [ec, n] = co_await std::move(continuing);
                        if (ec) co_return;
                    }
                    continue;
                }
                if (reader.step() == wire::Reader::Step::done || reader.step() == wire::Reader::Step::error) break;
                auto reading = stream.async_read_some(asio::buffer(chunk), kTuple);
                auto [ec, n] = co_await std::move(reading);
                if (ec) co_return;
                in.append(chunk.data(), n);
            }
            if (reader.step() == wire::Reader::Step::error) {
                const wire::Failure& f = reader.failure();
                // Named: the coroutine keeps a reference to the answer until it is written.
                const Answer refusal = problem_answer(ApiProblem(f.status, f.code, "Bad request", f.detail));
                auto refusing = write(stream, refusal, false);
                if (!co_await std::move(refusing)) co_return;
                auto lingering = linger(stream);
                co_await std::move(lingering);
                co_return;
            }
            const wire::Head& head = reader.head();
            Request req{head.method, head.target, head.fields, reader.take_body(), head.keep_alive};
            Answer answer;
            if (!host_allowed(req.header("host"), port)) {
                answer = problem_answer(ApiProblem(400, "invalid_host", "Invalid host",
                                                   "the Host must name this terminal by its address or localhost"));
                req.keep_alive = false;
            } else {
                auto handling = handle(req);
                answer = co_await std::move(handling);
            }
            if (req.method == "HEAD") answer.body.clear();
            auto writing = write(stream, answer, req.keep_alive && !stopped);
            if (!co_await std::move(writing) || !req.keep_alive || stopped) co_return;
        }
    }

    // After a refusal mid-request (a body too large): the rest of what the client sends is read and
    // dropped for a moment, so that closing does not reset the connection before it reads the answer.
    awaitable<void> linger(beast::tcp_stream& stream) {
        constexpr std::size_t kMaxDropped = 1024 * 1024;
        boost::system::error_code ignored;
        stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
        stream.expires_after(std::chrono::seconds{1});
        std::array<char, 8192> chunk{};
        for (std::size_t dropped = 0; dropped < kMaxDropped;) {
            auto reading = stream.async_read_some(asio::buffer(chunk), kTuple);
            auto [ec, n] = co_await std::move(reading);
            if (ec) co_return;
            dropped += n;
        }
    }

    awaitable<bool> write(beast::tcp_stream& stream, const Answer& a, bool keep_alive) {
        auto res = to_response(a, keep_alive);
        stream.expires_after(kRequestTimeout);
        auto writing = http::async_write(stream, res, kTuple);
        auto [ec, n] = co_await std::move(writing);
        co_return !ec;
    }

    awaitable<void> accept_loop() {
        for (;;) {
            auto accepting = acceptor.async_accept(kTuple);
            auto [ec, socket] = co_await std::move(accepting);
            if (ec) {
                if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
                asio::steady_timer pause(ioc, std::chrono::milliseconds{100});
                auto pausing = pause.async_wait(kTuple);
                co_await std::move(pausing);
                continue;
            }
            if (connections >= kMaxConnections) {
                beast::error_code ignored;
                socket.close(ignored);  // one screen needs a few: more is someone else
                continue;
            }
            asio::co_spawn(ioc, session(std::move(socket)), asio::detached);
        }
    }
};

UiServer::UiServer(UiOptions options, DataDir dir, ClientConfig config, RecordLatency& latency)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(dir), std::move(config), latency)) {}

UiServer::~UiServer() { stop(); }

void UiServer::start() {
    Impl& m = *impl_;
    ListenAddress where;
    try {
        where = parse_listen(m.options.listen);
    } catch (const std::invalid_argument& e) {
        throw BadListenAddress("--ui-listen: " + m.options.listen + ": " + e.what());
    }
    boost::system::error_code ec;
    asio::ip::address address;
    if (where.host == "localhost") {
        address = asio::ip::address_v4::loopback();
    } else {
        address = asio::ip::make_address(where.host, ec);
        if (ec) throw BadListenAddress("--ui-listen: " + where.host + " is not an IP address (or localhost)");
    }
    if (!address.is_loopback() && !m.options.allow_remote)
        throw BadListenAddress("--ui-listen: " + m.options.listen +
                               " is not a loopback address: whoever reaches the screen can record crossings; give "
                                 "--ui-allow-remote as well to serve it there (on a booth network only)");
    for (auto& f : generated::booth_files()) m.files.emplace(f.name, std::move(f.text));
    m.token = core::random_urlsafe(32);
    m.recorder_outbox = std::make_unique<Outbox>(m.dir.outbox_file());
    m.recorder_outbox->prefer_low_latency();
    m.reader_outbox = std::make_unique<Outbox>(m.dir.outbox_file());
    m.centre_http = std::make_unique<HttpClient>(m.config.server_url, m.options.lookup_timeout, m.config.tls);

    const tcp::endpoint endpoint(address, where.port);
    m.acceptor.open(endpoint.protocol(), ec);
    if (!ec) m.acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) m.acceptor.bind(endpoint, ec);
    if (!ec) m.acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) throw std::runtime_error("--ui-listen: cannot listen on " + m.options.listen + ": " + ec.message());
    m.port = m.acceptor.local_endpoint().port();
    m.host = address.is_v6() ? "[" + address.to_string() + "]" : address.to_string();
    asio::co_spawn(m.ioc, m.accept_loop(), asio::detached);
    m.io_thread = std::thread([&m] {
        for (;;) {
            try {
                m.ioc.run();
                return;
            } catch (const std::exception& e) {
                common::log_event(spdlog::level::err, "ui_loop_error", {{"error", e.what()}});
            }
        }
    });
    m.running = true;
    if (!address.is_loopback())
        common::log_event(spdlog::level::warn, "ui_remote",
                          {{"address", this->address()}, {"note", "the officer screen is served beyond this machine"}});
}

void UiServer::stop() {
    Impl& m = *impl_;
    if (!m.running || m.stopped) return;
    asio::post(m.ioc, [&m] {
        m.stopped = true;
        beast::error_code ec;
        m.acceptor.close(ec);
        for (auto& weak : m.streams)
            if (auto s = weak.lock()) s->socket().close(ec);
    });
    // Records handed to the recorder finish (durable) before the threads go.
    m.recorder.join();
    m.reads.stop();
    m.centre.stop();
    m.reads.join();
    m.centre.join();
    m.ioc.stop();
    if (m.io_thread.joinable()) m.io_thread.join();
    m.stopped = true;
}

std::string UiServer::address() const { return impl_->host + ":" + std::to_string(impl_->port); }

}  // namespace borderlog::client::ui
