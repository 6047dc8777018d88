// A session reads with its own reader (common/http_wire), not Beast's parser, so that it decides the
// framing itself and can stop after the head: the token is checked before a byte of the body is read.
// Beast still writes the answers. One session template serves plain TCP and TLS alike: every bound,
// timeout and disposition below holds for both; TLS adds a handshake with its own deadline.
#include "server/http/session.hpp"

#include "common/http_wire.hpp"
#include "common/log.hpp"
#include "server/http/responses.hpp"
#include "server/http/tls.hpp"

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <array>
#include <memory>

namespace borderlog::server::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
using asio::awaitable;
using asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using Step = wire::Reader::Step;
using PlainStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

namespace {

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

// After an answer that ends the connection, what the peer still sends is read and dropped for a
// moment: closing with unread bytes would reset the connection, and a reset can destroy the answer
// before the peer has read it.
constexpr std::size_t kLingerBytes = 256 * 1024;
constexpr std::chrono::seconds kLingerTime{2};

wire::Limits request_limits(const ServerConfig& c) {
    wire::Limits l;
    l.head_bytes = c.max_header_bytes;
    l.body = c.max_body_bytes;
    return l;
}

const char* title_of(unsigned status) {
    switch (status) {
    case 413: return "Payload too large";
    case 414: return "URI too long";
    case 431: return "Request header fields too large";
    case 505: return "HTTP version not supported";
    default: return "Bad request";
    }
}

// The request as handlers know it. Its fields are the ones the reader checked; a chunked body arrives
// decoded, with the Content-Length it turned out to have.
Request to_request(const wire::Head& head) {
    Request req;
    req.method_string(head.method);
    req.target(head.target);
    req.version(head.version);
    for (const auto& f : head.fields) req.insert(f.name, f.value);
    return req;
}

bool has_body(const wire::Head& head) {
    return head.framing == wire::Framing::chunked ||
           (head.framing == wire::Framing::length && head.content_length > 0);
}

template <class Stream>
class Session : public Connection, public std::enable_shared_from_this<Session<Stream>> {
public:
    static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

    // `tls` is the context for a TLS session, unused for a plain one.
    Session(tcp::socket socket, asio::ssl::context* tls, App& app, const ServerConfig& config, ConnectionTable& table,
            std::string address)
        : stream_(make_stream(std::move(socket), tls)),
          app_(app),
          config_(config),
          table_(table),
          address_(std::move(address)),
          group_(address_group(address_)),
          reader_(wire::Reader::Kind::request, request_limits(config)) {}

    const std::string& group() const { return group_; }

    awaitable<void> run() {
        auto self = this->shared_from_this();
        try {
            bool ready = true;
            if constexpr (kTls) {
                auto shaking = handshake();
                ready = co_await std::move(shaking);
            }
            if (ready) {
                auto serving = serve_requests();
                co_await std::move(serving);
            }
        } catch (const std::exception& e) {
            common::log_event(spdlog::level::warn, "session_error", {{"error", e.what()}, {"address", address_}});
        } catch (...) {
            common::log_event(spdlog::level::warn, "session_error",
                              {{"error", "unknown exception"}, {"address", address_}});
        }
        close();
        table_.remove(self, group_);
    }

    // Called on shutdown from another thread: closes the connection if it waits for a request.
    void close_if_idle() override {
        asio::post(stream_.get_executor(), [self = this->shared_from_this()] {
            if (!self->busy_) self->close();
        });
    }

private:
    static Stream make_stream(tcp::socket socket, asio::ssl::context* tls) {
        if constexpr (kTls) {
            return Stream(std::move(socket), *tls);
        } else {
            (void)tls;
            return Stream(std::move(socket));
        }
    }

    beast::tcp_stream& lowest() { return beast::get_lowest_layer(stream_); }

    // The TLS handshake, within its own deadline. Whatever a stranger sends instead (plain HTTP, old
    // protocol versions, garbage) ends only this connection. With device certificates configured, a
    // verified certificate's identity is kept for the requests of this connection.
    awaitable<bool> handshake() {
        lowest().expires_after(config_.tls_handshake_timeout);
        auto shaking = stream_.async_handshake(asio::ssl::stream_base::server, kTuple);
        auto [ec] = co_await std::move(shaking);
        if (ec) {
            common::log_event(spdlog::level::debug, "tls_handshake_failed", {{"address", address_}, {"error", ec.message()}});
            co_return false;
        }
        if (config_.device_certificates_required()) client_identity_ = client_certificate_identity(stream_.native_handle());
        co_return true;
    }

    awaitable<void> serve_requests() {
        for (;;) {
            reader_.reset();
            busy_ = false;
            if (app_.services().draining && in_.empty()) co_return;
            auto reading = read_head();
            if (!co_await std::move(reading)) co_return;
            if (reader_.step() == Step::error) {
                auto refusing = refuse(reader_.failure());
                co_await std::move(refusing);
                co_return;
            }
            busy_ = true;
            Request req = to_request(reader_.head());
            auto admitting = app_.admit(req, address_, client_identity_);
            std::optional<Reply> refused = co_await std::move(admitting);
            if (refused && has_body(reader_.head())) {
                auto refusing = refuse_before_body(std::move(refused->response));
                co_await std::move(refusing);
                co_return;
            }
            if (refused) {
                auto sending = deliver(std::move(*refused));
                if (!co_await std::move(sending)) co_return;
                continue;
            }
            auto reading_body = read_body(req);
            if (!co_await std::move(reading_body)) co_return;
            auto handling = app_.handle(std::move(req), address_, client_identity_);
            Reply reply = co_await std::move(handling);
            auto sending = deliver(std::move(reply));
            if (!co_await std::move(sending)) co_return;
        }
    }

    // Reads until the head is complete or refused. A connection may idle up to the read timeout
    // before a request; from the request's first byte, its head must be complete within the head
    // timeout (a client sending a head slowly holds a place for no longer than that). False when the
    // connection ends without anything to answer.
    awaitable<bool> read_head() {
        const auto waiting_since = Clock::now();
        lowest().expires_after(config_.read_timeout);
        bool started = false;
        for (;;) {
            in_.erase(0, reader_.feed(in_));
            if (reader_.started() && !started) {
                started = true;
                request_started_ = Clock::now();
                lowest().expires_at(
                    std::min(waiting_since + config_.read_timeout, request_started_ + config_.head_timeout));
            }
            if (reader_.step() != Step::need_more) co_return true;
            auto reading = stream_.async_read_some(asio::buffer(chunk_), kTuple);
            auto [ec, n] = co_await std::move(reading);
            if (ec) co_return false;  // gone, cut off or too slow: there is nobody to answer
            in_.append(chunk_.data(), n);
        }
    }

    // Reads the body of an admitted request into `req`, within the body limit and what is left of the
    // read timeout. False when the connection ends here (after an answer where one is due).
    awaitable<bool> read_body(Request& req) {
        const wire::Head& head = reader_.head();
        if (head.expect_continue && has_body(head)) {
            if (head.framing == wire::Framing::length && head.content_length > config_.max_body_bytes) {
                // The client waits for our word before sending: no body to drain.
                auto refusing = refuse({413, "payload_too_large",
                                        "the body exceeds " + std::to_string(config_.max_body_bytes) + " bytes"});
                co_await std::move(refusing);
                co_return false;
            }
            static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
            lowest().expires_after(config_.read_timeout);
            auto writing = asio::async_write(stream_, asio::buffer(kContinue), kTuple);
            auto [ec, n] = co_await std::move(writing);
            if (ec) co_return false;
        }
        lowest().expires_at(request_started_ + config_.read_timeout);
        for (;;) {
            in_.erase(0, reader_.feed(in_));
            if (reader_.step() == Step::done) break;
            if (reader_.step() == Step::error) {
                const wire::Failure failure = reader_.failure();
                // Draining is worth it only when the announced rest fits the bound; else answer now.
                if (reader_.announced() <= config_.max_drain_bytes && reader_.skip_body()) {
                    auto draining = drain_body();
                    co_await std::move(draining);
                }
                auto refusing = refuse(failure);
                co_await std::move(refusing);
                co_return false;
            }
            auto reading = stream_.async_read_some(asio::buffer(chunk_), kTuple);
            auto [ec, n] = co_await std::move(reading);
            if (ec) co_return false;
            in_.append(chunk_.data(), n);
        }
        const bool chunked = head.framing == wire::Framing::chunked;
        const bool had_body = head.framing != wire::Framing::none;
        req.body() = reader_.take_body();
        if (chunked) req.erase(beast::http::field::transfer_encoding);
        if (had_body) req.content_length(req.body().size());
        co_return true;
    }

    // Answers a request refused from its head alone (token, role, path) while its body is unread, then
    // closes. The body is never kept: the answer goes first, then what the client still sends of the
    // body is dropped (bounded as for a 413), so that a client writing a large body reads the answer
    // instead of a reset. A client that waits on Expect: 100-continue sends no body: nothing to drop.
    awaitable<void> refuse_before_body(Response res) {
        const wire::Head& head = reader_.head();
        const bool drop_body = !head.expect_continue && (head.framing == wire::Framing::chunked ||
                                                         head.content_length <= config_.max_drain_bytes);
        res.keep_alive(false);
        auto writing = write(res);
        if (!co_await std::move(writing)) co_return;
        busy_ = false;  // answered: shutdown may close it
        if (drop_body && reader_.skip_body()) {
            auto draining = drain_body();
            co_await std::move(draining);
        }
        auto lingering = linger();
        co_await std::move(lingering);
    }

    // Reads and drops the rest of a body, bounded in bytes and in time, so that a client still
    // writing it reaches the point where it reads our answer.
    awaitable<void> drain_body() {
        lowest().expires_after(config_.drain_body_timeout);
        std::uint64_t dropped = 0;
        for (;;) {
            const auto used = reader_.feed(in_);
            in_.erase(0, used);
            dropped += used;
            if (reader_.step() != Step::need_more || dropped >= config_.max_drain_bytes) co_return;
            auto reading = stream_.async_read_some(asio::buffer(chunk_), kTuple);
            auto [ec, n] = co_await std::move(reading);
            if (ec) co_return;
            in_.append(chunk_.data(), n);
        }
    }

    // Answers a request the reader refused, then closes. The answer is built from the reader's own
    // words: nothing the peer sent goes back into it.
    awaitable<void> refuse(wire::Failure f) {
        common::log_event(spdlog::level::debug, "request_refused",
                          {{"status", f.status}, {"code", f.code}, {"address", address_}});
        Response res = problem_response({f.status, f.code, title_of(f.status), f.detail, "", {}}, 11, false);
        auto writing = write(res);
        if (!co_await std::move(writing)) co_return;
        auto lingering = linger();
        co_await std::move(lingering);
    }

    // Sends a handler's reply the way it asks. True when the connection may carry another request.
    awaitable<bool> deliver(Reply reply) {
        if (reply.delay.count() > 0) {
            asio::steady_timer timer(stream_.get_executor(), reply.delay);
            auto waiting = timer.async_wait(kTuple);
            co_await std::move(waiting);
        }
        if (reply.disposition == Disposition::reset) co_return false;
        if (reply.disposition == Disposition::hang) {
            auto hanging = hang();
            co_await std::move(hanging);
            co_return false;
        }
        if (reply.stream) {
            auto streaming = send_stream(reply);
            co_await std::move(streaming);
            co_return false;
        }
        Response& res = reply.response;
        const bool keep_alive = res.keep_alive() && reader_.head().keep_alive && !app_.services().draining;
        res.keep_alive(keep_alive);
        auto writing = write(res);
        if (!co_await std::move(writing)) co_return false;
        busy_ = false;
        if (keep_alive && !app_.services().draining) co_return true;
        auto lingering = linger();
        co_await std::move(lingering);
        co_return false;
    }

    // Says nothing until the client gives up, or at most the read timeout (a drill's "timeout" fault).
    awaitable<void> hang() {
        busy_ = false;  // shutdown may close it
        lowest().expires_after(config_.read_timeout);
        for (;;) {
            auto reading = stream_.async_read_some(asio::buffer(chunk_), kTuple);
            auto [ec, n] = co_await std::move(reading);
            if (ec) co_return;
        }
    }

    // A stream without a length (Server-Sent Events): the head, then whatever the handler writes, then
    // the connection closes.
    awaitable<void> send_stream(Reply& reply) {
        Response& head = reply.response;
        head.keep_alive(false);
        head.body().clear();
        beast::http::response_serializer<beast::http::string_body> serializer(head);
        lowest().expires_after(config_.read_timeout);
        auto writing = beast::http::async_write_header(stream_, serializer, kTuple);
        auto [ec, n] = co_await std::move(writing);
        if (ec) co_return;
        busy_ = false;  // a stream is idle between events: shutdown may close it
        Sink sink(*this);
        auto streaming = reply.stream(sink);
        co_await std::move(streaming);
    }

    class Sink : public EventSink {
    public:
        explicit Sink(Session& session) : session_(session) {}
        awaitable<bool> write(std::string data) override {
            session_.lowest().expires_after(session_.config_.read_timeout);
            auto writing = asio::async_write(session_.stream_, asio::buffer(data), kTuple);
            auto [ec, n] = co_await std::move(writing);
            co_return !ec;
        }
        bool closing() const override { return session_.app_.services().draining; }

    private:
        Session& session_;
    };

    awaitable<bool> write(Response& res) {
        lowest().expires_after(config_.read_timeout);
        auto writing = beast::http::async_write(stream_, res, kTuple);
        auto [ec, n] = co_await std::move(writing);
        co_return !ec;
    }

    // Ends the sending side and drops what the peer still sends, for a moment (see kLingerBytes). Over
    // TLS the end is a close_notify, and the peer's data is read (and dropped) by the shutdown itself
    // until its close_notify, its close, or the same deadline.
    awaitable<void> linger() {
        busy_ = false;
        if constexpr (kTls) {
            lowest().expires_after(kLingerTime);
            in_.clear();
            auto closing = stream_.async_shutdown(kTuple);
            co_await std::move(closing);
            co_return;
        }
        beast::error_code ec;
        lowest().socket().shutdown(tcp::socket::shutdown_send, ec);
        if (ec) co_return;
        lowest().expires_after(kLingerTime);
        std::size_t dropped = in_.size();
        in_.clear();
        while (dropped < kLingerBytes) {
            auto reading = stream_.async_read_some(asio::buffer(chunk_), kTuple);
            auto [read_ec, n] = co_await std::move(reading);
            if (read_ec) co_return;
            dropped += n;
        }
    }

    void close() {
        beast::error_code ec;
        lowest().socket().shutdown(tcp::socket::shutdown_send, ec);
        lowest().socket().close(ec);
    }

    Stream stream_;
    App& app_;
    const ServerConfig& config_;
    ConnectionTable& table_;
    const std::string address_;  // the peer's IP address
    const std::string group_;    // what its connection share is counted by
    wire::Reader reader_;
    std::string in_;                    // bytes read and not yet taken by the reader
    std::array<char, 8 * 1024> chunk_;  // one read
    Clock::time_point request_started_{};
    bool busy_ = false;  // touched only on this session's strand
    std::string client_identity_;  // what a verified client certificate named (TLS with device certificates)
};

template <class Stream>
void spawn(tcp::socket socket, asio::ssl::context* tls, App& app, const ServerConfig& config, ConnectionTable& table,
           std::string address) {
    auto executor = socket.get_executor();
    auto session = std::make_shared<Session<Stream>>(std::move(socket), tls, app, config, table, std::move(address));
    if (!table.add(session, session->group())) {
        common::log_event(spdlog::level::debug, "connection_refused", {{"address", session->group()}});
        return;  // over the total or this address's share: closed at once rather than queued
    }
    asio::co_spawn(executor, [session]() { return session->run(); }, [](std::exception_ptr error) {
        if (!error) return;
        try {
            std::rethrow_exception(error);
        } catch (const std::exception& e) {
            common::log_event(spdlog::level::warn, "session_error", {{"error", e.what()}});
        } catch (...) {
            common::log_event(spdlog::level::warn, "session_error", {{"error", "unknown exception"}});
        }
    });
}

}  // namespace

void start_session(tcp::socket socket, asio::ssl::context* tls, App& app, const ServerConfig& config,
                   ConnectionTable& table) {
    try {
        beast::error_code ec;
        const auto peer = socket.remote_endpoint(ec);
        if (ec) return;  // gone already
        socket.set_option(tcp::no_delay(true), ec);
        if (tls) {
            spawn<TlsStream>(std::move(socket), tls, app, config, table, peer.address().to_string());
        } else {
            spawn<PlainStream>(std::move(socket), nullptr, app, config, table, peer.address().to_string());
        }
    } catch (const std::exception& e) {
        common::log_event(spdlog::level::warn, "session_start_failed", {{"error", e.what()}});
    }
}

}  // namespace borderlog::server::http
