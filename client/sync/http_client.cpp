#include "client/sync/http_client.hpp"

#include "common/http_wire.hpp"
#include "common/log.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/url/parse.hpp>

#include <poll.h>

#include <array>

namespace borderlog::client {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;

namespace {

wire::Limits answer_limits(std::size_t max_body) {
    wire::Limits l;
    l.head_bytes = 32 * 1024;
    l.body = max_body;
    return l;
}

constexpr std::uint64_t kMaxRetryAfterSeconds = 24 * 60 * 60;

bool printable(std::string_view s) {
    for (char c : s)
        if (c < 0x20 || c > 0x7E) return false;
    return true;
}

HttpResponse to_response(wire::Reader& reader) {
    const wire::Head& head = reader.head();
    HttpResponse out;
    out.status = head.status;
    if (const auto* type = head.find("content-type")) out.content_type = *type;
    if (const auto* date = head.find("date"); date && date->size() <= 64 && printable(*date)) out.date = *date;
    if (const auto* drill = head.find("borderlog-drill"); drill && drill->size() <= 64 && printable(*drill))
        out.drill_id = *drill;
    if (const auto* name = head.find("borderlog-drill-name"); name && name->size() <= 512 && printable(*name))
        out.drill_name = *name;
    if (const auto* central = head.find("borderlog-central"); central && (*central == "online" || *central == "offline"))
        out.central = *central;
    if (const auto* retry = head.find("retry-after")) {
        // An HTTP-date is taken against the server's own Date, so that the terminal's clock does not matter.
        const auto server_now = out.date.empty() ? std::nullopt : wire::parse_http_date(out.date);
        const auto now = server_now ? *server_now
                                    : std::chrono::duration_cast<std::chrono::seconds>(
                                          std::chrono::system_clock::now().time_since_epoch())
                                          .count();
        if (const auto seconds = wire::retry_after_seconds(*retry, now, kMaxRetryAfterSeconds))
            out.retry_after = std::chrono::seconds{static_cast<std::int64_t>(*seconds)};
    }
    out.body = reader.take_body();
    return out;
}

}  // namespace

struct HttpClient::Impl {
    asio::io_context ioc;
    tcp::resolver resolver{ioc};
    beast::tcp_stream stream{ioc};
    std::string in;  // bytes read and not yet taken by a reader
    std::array<char, 16 * 1024> chunk{};
    std::string host, port, prefix, host_header;
    std::chrono::milliseconds timeout{};
    std::size_t max_answer_bytes = kDefaultMaxAnswerBytes;
    bool connected = false;

    // Runs one asynchronous step to completion; the stream's deadline bounds it.
    template <class Start>
    beast::error_code run(Start start) {
        beast::error_code result = asio::error::would_block;
        start([&](beast::error_code ec, auto&&...) { result = ec; });
        ioc.restart();
        ioc.run();
        return result;
    }

    beast::error_code read_some(std::size_t& n) {
        beast::error_code result = asio::error::would_block;
        stream.async_read_some(asio::buffer(chunk), [&](beast::error_code ec, std::size_t got) {
            result = ec;
            n = got;
        });
        ioc.restart();
        ioc.run();
        return result;
    }

    void connect() {
        beast::error_code ec;
        const auto endpoints = resolver.resolve(host, port, ec);
        if (ec) throw TransportError("cannot resolve " + host + ": " + ec.message());
        stream.expires_after(timeout);
        ec = run([&](auto handler) { stream.async_connect(endpoints, handler); });
        if (ec) throw TransportError("cannot connect to " + host + ":" + port + ": " + ec.message());
        stream.socket().set_option(tcp::no_delay(true), ec);
        in.clear();
        connected = true;
    }

    void close() {
        beast::error_code ec;
        stream.socket().shutdown(tcp::socket::shutdown_both, ec);
        stream.socket().close(ec);
        in.clear();
        connected = false;
    }

    // An idle keep-alive connection that has something to say (bytes nobody asked for, or its end)
    // cannot carry a request: whatever it holds would be read as the answer to it.
    bool unsolicited() {
        if (!in.empty()) return true;
        pollfd p{stream.socket().native_handle(), POLLIN, 0};
        return ::poll(&p, 1, 0) != 0;
    }

    // One exchange on the current connection; nullopt when a reused connection turned out closed
    // before any byte of an answer.
    std::optional<HttpResponse> exchange(http::request<http::string_body>& req, bool reused) {
        stream.expires_after(timeout);
        auto ec = run([&](auto handler) { http::async_write(stream, req, handler); });
        if (ec) {
            close();
            if (reused) return std::nullopt;
            throw TransportError("cannot send the request: " + ec.message());
        }
        wire::Reader reader(wire::Reader::Kind::response, answer_limits(max_answer_bytes));
        reader.answering(req.method_string());
        stream.expires_after(timeout);
        for (;;) {
            in.erase(0, reader.feed(in));
            if (reader.step() == wire::Reader::Step::head) continue;
            if (reader.step() == wire::Reader::Step::done) break;
            if (reader.step() == wire::Reader::Step::error) {
                close();
                throw TransportError("the answer cannot be read: " + reader.failure().detail);
            }
            std::size_t n = 0;
            ec = read_some(n);
            if (ec == asio::error::eof) {
                reader.finish();
                if (reader.step() == wire::Reader::Step::done) break;
            }
            if (ec) {
                const bool started = reader.started();
                close();
                // The server closed an idle keep-alive connection just as we reused it: nothing was read.
                if (reused && !started && (ec == asio::error::eof || ec == asio::error::connection_reset))
                    return std::nullopt;
                if (ec == beast::error::timeout) throw TransportError("no whole answer within the timeout");
                throw TransportError(started ? "the answer was cut off"
                                             : "the connection closed before an answer: " + ec.message());
            }
            in.append(chunk.data(), n);
        }
        HttpResponse out = to_response(reader);
        if (!in.empty()) {
            // More than one answer to one request: the connection is out of step and is not used again.
            common::log_event(spdlog::level::warn, "http_extra_bytes",
                              {{"bytes", in.size()}, {"note", "bytes after a whole answer; the connection is closed"}});
            close();
        } else if (!reader.head().keep_alive) {
            close();
        }
        return out;
    }
};

HttpClient::HttpClient(const std::string& base_url, std::chrono::milliseconds timeout, std::size_t max_answer_bytes)
    : impl_(std::make_unique<Impl>()) {
    impl_->max_answer_bytes = max_answer_bytes;
    const auto url = boost::urls::parse_absolute_uri(base_url);
    if (!url || url->scheme() != "http" || url->host().empty())
        throw std::invalid_argument("server URL must be http://host[:port]: " + base_url);
    impl_->host = std::string(url->host());
    impl_->port = url->has_port() ? std::string(url->port()) : "80";
    impl_->host_header = impl_->host + ":" + impl_->port;
    impl_->prefix = std::string(url->encoded_path());
    while (!impl_->prefix.empty() && impl_->prefix.back() == '/') impl_->prefix.pop_back();
    impl_->timeout = timeout;
}

HttpClient::~HttpClient() = default;

HttpResponse HttpClient::request(std::string_view method, std::string_view target, const std::string& body,
                                 std::string_view token) {
    http::request<http::string_body> req{http::string_to_verb(method), impl_->prefix + std::string(target), 11};
    req.set(http::field::host, impl_->host_header);
    req.set(http::field::user_agent, "borderlog/" BORDERLOG_VERSION);
    req.set(http::field::accept, "application/json");
    if (!token.empty()) req.set(http::field::authorization, "Bearer " + std::string(token));
    if (!body.empty() || method == "POST" || method == "PUT") {
        req.set(http::field::content_type, "application/json");
        req.body() = body;
    }
    req.keep_alive(true);
    req.prepare_payload();
    for (int attempt = 0; attempt < 2; ++attempt) {
        if (impl_->connected && impl_->unsolicited()) impl_->close();
        const bool reused = impl_->connected;
        if (!impl_->connected) impl_->connect();
        try {
            if (auto res = impl_->exchange(req, reused)) return *res;
        } catch (const TransportError&) {
            throw;
        } catch (const std::exception& e) {
            impl_->close();
            throw TransportError(std::string("the exchange failed: ") + e.what());
        }
    }
    throw TransportError("the connection closed before an answer");
}

}  // namespace borderlog::client
