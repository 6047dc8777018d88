#include "client/sync/http_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/url/parse.hpp>

#include <charconv>

namespace borderlog::client {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;

struct HttpClient::Impl {
    asio::io_context ioc;
    tcp::resolver resolver{ioc};
    beast::tcp_stream stream{ioc};
    beast::flat_buffer buffer;
    std::string host, port, prefix, host_header;
    std::chrono::milliseconds timeout;
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

    void connect() {
        beast::error_code ec;
        const auto endpoints = resolver.resolve(host, port, ec);
        if (ec) throw TransportError("cannot resolve " + host + ": " + ec.message());
        stream.expires_after(timeout);
        ec = run([&](auto handler) { stream.async_connect(endpoints, handler); });
        if (ec) throw TransportError("cannot connect to " + host + ":" + port + ": " + ec.message());
        stream.socket().set_option(tcp::no_delay(true), ec);
        buffer.clear();
        connected = true;
    }

    void close() {
        beast::error_code ec;
        stream.socket().shutdown(tcp::socket::shutdown_both, ec);
        stream.socket().close(ec);
        connected = false;
    }

    // One exchange on the current connection; nullopt when a reused connection turned out closed.
    std::optional<HttpResponse> exchange(http::request<http::string_body>& req, bool reused) {
        stream.expires_after(timeout);
        auto ec = run([&](auto handler) { http::async_write(stream, req, handler); });
        if (ec) {
            close();
            if (reused) return std::nullopt;
            throw TransportError("cannot send the request: " + ec.message());
        }
        http::response_parser<http::string_body> parser;
        parser.body_limit(64 * 1024 * 1024);
        stream.expires_after(timeout);
        ec = run([&](auto handler) { http::async_read(stream, buffer, parser, handler); });
        if (ec) {
            close();
            // The server closed an idle keep-alive connection just as we reused it: nothing was read.
            if (reused && (ec == http::error::end_of_stream || ec == asio::error::connection_reset)) return std::nullopt;
            throw TransportError(ec == beast::error::timeout ? "no answer within the timeout"
                                                             : "the answer was cut off: " + ec.message());
        }
        auto res = parser.release();
        HttpResponse out;
        out.status = res.result_int();
        out.content_type = std::string(res[http::field::content_type]);
        const auto retry = res[http::field::retry_after];
        long seconds = 0;
        if (!retry.empty() &&
            std::from_chars(retry.data(), retry.data() + retry.size(), seconds).ec == std::errc{} && seconds >= 0)
            out.retry_after = std::chrono::seconds{seconds};
        out.body = std::move(res.body());
        if (!res.keep_alive()) close();
        return out;
    }
};

HttpClient::HttpClient(const std::string& base_url, std::chrono::milliseconds timeout)
    : impl_(std::make_unique<Impl>()) {
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
        const bool reused = impl_->connected;
        if (!impl_->connected) impl_->connect();
        if (auto res = impl_->exchange(req, reused)) return *res;
    }
    throw TransportError("the connection closed before an answer");
}

}  // namespace borderlog::client
