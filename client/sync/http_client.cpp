#include "client/sync/http_client.hpp"

#include "common/http_wire.hpp"
#include "common/log.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/url/parse.hpp>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <poll.h>

#include <array>

namespace borderlog::client {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using asio::ip::tcp;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

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

// Whether a TLS failure is one of configuration (a certificate or protocol refused by either side),
// which waiting will not cure, rather than a connection that broke.
bool refused_by_tls(const beast::error_code& ec) {
    if (ec.category() != asio::error::get_ssl_category()) return false;
    switch (ERR_GET_REASON(static_cast<unsigned long>(ec.value()))) {
    case SSL_R_CERTIFICATE_VERIFY_FAILED:
    case SSL_R_SSLV3_ALERT_BAD_CERTIFICATE:
    case SSL_R_SSLV3_ALERT_CERTIFICATE_EXPIRED:
    case SSL_R_SSLV3_ALERT_CERTIFICATE_REVOKED:
    case SSL_R_SSLV3_ALERT_CERTIFICATE_UNKNOWN:
    case SSL_R_SSLV3_ALERT_UNSUPPORTED_CERTIFICATE:
    case SSL_R_SSLV3_ALERT_HANDSHAKE_FAILURE:
    case SSL_R_TLSV1_ALERT_UNKNOWN_CA:
    case SSL_R_TLSV1_ALERT_ACCESS_DENIED:
    case SSL_R_TLSV1_ALERT_PROTOCOL_VERSION:
    case SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED:
    case SSL_R_UNSUPPORTED_PROTOCOL:
    case SSL_R_WRONG_VERSION_NUMBER:
    case SSL_R_NO_PROTOCOLS_AVAILABLE:
    case SSL_R_NO_SHARED_CIPHER:
        return true;
    default:
        return false;
    }
}

std::string openssl_reason() {
    const unsigned long e = ERR_get_error();
    ERR_clear_error();
    if (e == 0) return "unknown error";
    char text[256];
    ERR_error_string_n(e, text, sizeof text);
    return text;
}

// The client side of TLS: 1.2 or later, the server's chain verified against `ca_file` (or the
// system's store), our own certificate when we have one.
ssl::context client_tls_context(const TlsOptions& o) {
    ssl::context ctx(ssl::context::tls_client);
    ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                    ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::no_compression);
    SSL_CTX* native = ctx.native_handle();
    SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
    SSL_CTX_set_options(native, SSL_OP_NO_RENEGOTIATION);
    if (!o.ca_file.empty()) {
        if (SSL_CTX_load_verify_locations(native, o.ca_file.c_str(), nullptr) != 1)
            throw std::invalid_argument(o.ca_file + ": not a readable PEM CA certificate: " + openssl_reason());
    } else if (SSL_CTX_set_default_verify_paths(native) != 1) {
        throw std::invalid_argument("the system's CA certificates cannot be loaded: " + openssl_reason());
    }
    ctx.set_verify_mode(ssl::verify_peer);
    if (o.client_cert_file.empty() != o.client_key_file.empty())
        throw std::invalid_argument("a client certificate needs its key, and a key its certificate");
    if (!o.client_cert_file.empty()) {
        if (SSL_CTX_use_certificate_chain_file(native, o.client_cert_file.c_str()) != 1)
            throw std::invalid_argument(o.client_cert_file + ": not a readable PEM certificate: " + openssl_reason());
        if (SSL_CTX_use_PrivateKey_file(native, o.client_key_file.c_str(), SSL_FILETYPE_PEM) != 1)
            throw std::invalid_argument(o.client_key_file + ": not a readable PEM private key: " + openssl_reason());
        if (SSL_CTX_check_private_key(native) != 1)
            throw std::invalid_argument(o.client_key_file + ": does not belong to " + o.client_cert_file);
    }
    return ctx;
}

}  // namespace

struct HttpClient::Impl {
    asio::io_context ioc;
    tcp::resolver resolver{ioc};
    std::optional<ssl::context> tls;  // for https:// only
    // One of them per connection: a TLS stream is not used again once its connection ends.
    std::unique_ptr<beast::tcp_stream> plain;
    std::unique_ptr<TlsStream> secure;
    std::string in;  // bytes read and not yet taken by a reader
    std::array<char, 16 * 1024> chunk{};
    std::string host, port, prefix, host_header;
    std::chrono::milliseconds timeout{};
    std::size_t max_answer_bytes = kDefaultMaxAnswerBytes;
    bool connected = false;

    beast::tcp_stream& lowest() { return secure ? beast::get_lowest_layer(*secure) : *plain; }

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
        const auto done = [&](beast::error_code ec, std::size_t got) {
            result = ec;
            n = got;
        };
        if (secure) {
            secure->async_read_some(asio::buffer(chunk), done);
        } else {
            plain->async_read_some(asio::buffer(chunk), done);
        }
        ioc.restart();
        ioc.run();
        return result;
    }

    beast::error_code write(http::request<http::string_body>& req) {
        return run([&](auto handler) {
            if (secure) {
                http::async_write(*secure, req, handler);
            } else {
                http::async_write(*plain, req, handler);
            }
        });
    }

    void connect() {
        beast::error_code ec;
        const auto endpoints = resolver.resolve(host, port, ec);
        if (ec) throw TransportError("cannot resolve " + host + ": " + ec.message());
        if (tls) {
            secure = std::make_unique<TlsStream>(ioc, *tls);
        } else {
            plain = std::make_unique<beast::tcp_stream>(ioc);
        }
        lowest().expires_after(timeout);
        ec = run([&](auto handler) { lowest().async_connect(endpoints, handler); });
        if (ec) {
            close();
            throw TransportError("cannot connect to " + host + ":" + port + ": " + ec.message());
        }
        lowest().socket().set_option(tcp::no_delay(true), ec);
        if (secure) handshake();
        in.clear();
        connected = true;
    }

    // The server must prove the name we asked for (SNI sent for names; an address is checked against
    // the certificate's IP entries) with a chain ending in a trusted CA.
    void handshake() {
        SSL* native = secure->native_handle();
        boost::system::error_code not_ip;
        asio::ip::make_address(host, not_ip);
        const bool named = static_cast<bool>(not_ip);
        const bool set = named ? SSL_set_tlsext_host_name(native, host.c_str()) == 1 && SSL_set1_host(native, host.c_str()) == 1
                               : X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(native), host.c_str()) == 1;
        if (!set) throw TlsError("cannot verify the server's name " + host + ": " + openssl_reason(), true);
        lowest().expires_after(timeout);
        const auto ec = run([&](auto handler) { secure->async_handshake(ssl::stream_base::client, handler); });
        if (!ec) return;
        const long verified = SSL_get_verify_result(native);
        close();
        if (verified != X509_V_OK)
            throw TlsError(std::string("the server's certificate is refused: ") + X509_verify_cert_error_string(verified),
                           true);
        if (refused_by_tls(ec)) throw TlsError("the TLS handshake was refused: " + ec.message(), false);
        if (ec == beast::error::timeout) throw TransportError("no TLS handshake within the timeout");
        throw TransportError("the TLS handshake failed: " + ec.message());
    }

    void close() {
        beast::error_code ec;
        if (plain || secure) {
            lowest().socket().shutdown(tcp::socket::shutdown_both, ec);
            lowest().socket().close(ec);
        }
        plain.reset();
        secure.reset();
        in.clear();
        connected = false;
    }

    // An idle keep-alive connection that has something to say (bytes nobody asked for, or its end)
    // cannot carry a request: whatever it holds would be read as the answer to it.
    bool unsolicited() {
        if (!in.empty()) return true;
        // Over TLS a readable socket may only hold a session ticket: reconnecting then costs a handshake.
        pollfd p{lowest().socket().native_handle(), POLLIN, 0};
        return ::poll(&p, 1, 0) != 0;
    }

    // One exchange on the current connection; nullopt when a reused connection turned out closed
    // before any byte of an answer.
    std::optional<HttpResponse> exchange(http::request<http::string_body>& req, bool reused) {
        lowest().expires_after(timeout);
        auto ec = write(req);
        if (ec) {
            close();
            if (refused_by_tls(ec)) throw TlsError("the server refused this client over TLS: " + ec.message(), false);
            if (reused) return std::nullopt;
            throw TransportError("cannot send the request: " + ec.message());
        }
        wire::Reader reader(wire::Reader::Kind::response, answer_limits(max_answer_bytes));
        reader.answering(req.method_string());
        lowest().expires_after(timeout);
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
                // TLS 1.3 sends a refusal of our client certificate after the handshake: it arrives here.
                if (refused_by_tls(ec)) throw TlsError("the server refused this client over TLS: " + ec.message(), false);
                // The server closed an idle keep-alive connection just as we reused it: nothing was read.
                if (reused && !started &&
                    (ec == asio::error::eof || ec == asio::error::connection_reset || ec == ssl::error::stream_truncated))
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

HttpClient::HttpClient(const std::string& base_url, std::chrono::milliseconds timeout, const TlsOptions& tls,
                       std::size_t max_answer_bytes)
    : impl_(std::make_unique<Impl>()) {
    impl_->max_answer_bytes = max_answer_bytes;
    const auto url = boost::urls::parse_absolute_uri(base_url);
    if (!url || (url->scheme() != "http" && url->scheme() != "https") || url->host().empty())
        throw std::invalid_argument("server URL must be https://host[:port] or http://host[:port]: " + base_url);
    const bool https = url->scheme() == "https";
    if (https) impl_->tls.emplace(client_tls_context(tls));
    impl_->host = std::string(url->host());
    impl_->port = url->has_port() ? std::string(url->port()) : https ? "443" : "80";
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
