// What travels between the session (bytes on a socket) and the handlers (use cases): the request, the
// answer, the one error type that becomes problem+json, and the ways an answer can leave. Included only
// by the server's HTTP translation units (it pulls in Beast).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/beast/http.hpp>

#include <chrono>
#include <functional>
#include <optional>
#include <string>

namespace borderlog::server::http {

namespace beast_http = boost::beast::http;
using Request = beast_http::request<beast_http::string_body>;
using Response = beast_http::response<beast_http::string_body>;

// An error with its HTTP answer: the one place errors become problem+json.
struct Problem {
    unsigned status;
    std::string code;
    std::string title;
    std::string detail;
    std::string field;
    std::optional<std::chrono::seconds> retry_after;
};

// Where a streaming answer (Server-Sent Events) writes, after the session has sent its head.
class EventSink {
public:
    virtual ~EventSink() = default;
    // Sends `data` as it is. Returns false once the peer has gone; the stream should then end.
    virtual boost::asio::awaitable<bool> write(std::string data) = 0;
    // True once the server is shutting down: streams end so that the server can stop.
    virtual bool closing() const = 0;
};

// How an answer leaves the server. Drills use the other ways to rehearse real outages.
enum class Disposition {
    answer,  // send `response` (after `delay`)
    reset,   // close the connection without an answer
    hang,    // say nothing until the client gives up (or `delay` passes), then close
};

struct Reply {
    Response response;
    Disposition disposition = Disposition::answer;
    std::chrono::milliseconds delay{0};
    // When set, `response` is only the head (status, headers) of a stream without a length; the session
    // sends it, calls `stream`, and closes the connection when it returns.
    std::function<boost::asio::awaitable<void>(EventSink&)> stream{};
};

}  // namespace borderlog::server::http
