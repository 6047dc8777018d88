// A small blocking HTTP/1.1 client with keep-alive and a deadline on every step, for the checkpoint's
// sync and for borderlogctl. Answers are read with the bounded reader of common/http_wire: an answer
// that is malformed, too large, cut off or does not fit its request is a TransportError, never a
// crash, and never left on the connection for the next request to read. Beast stays inside the .cpp.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace borderlog::client {

// The server could not be reached or did not answer in time: the request may or may not have
// arrived, which is safe for borderlog's requests (the record id makes a repeat harmless).
class TransportError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct HttpResponse {
    unsigned status = 0;
    std::string body;
    std::string content_type;
    // At most one day, whatever the server sent (a delay in seconds or an HTTP-date).
    std::optional<std::chrono::seconds> retry_after;
    std::string date;  // the Date header as sent ("Sun, 06 Nov 1994 08:49:37 GMT"), empty when absent
    // The training drill covering this device (Borderlog-Drill, Borderlog-Drill-Name): empty when none.
    std::string drill_id;
    std::string drill_name;  // percent-encoded UTF-8, as sent
    std::string central;  // Borderlog-Central (heartbeat answers): "online" or "offline", empty otherwise
};

// The largest answer a client takes by default: a page of 1000 crossings is about 1.5 MB.
inline constexpr std::size_t kDefaultMaxAnswerBytes = 16 * 1024 * 1024;

class HttpClient {
public:
    // `base_url`: http://host[:port][/prefix]; `timeout` bounds connecting, sending and the answer each;
    // an answer body larger than `max_answer_bytes` is a TransportError.
    HttpClient(const std::string& base_url, std::chrono::milliseconds timeout,
               std::size_t max_answer_bytes = kDefaultMaxAnswerBytes);
    ~HttpClient();
    HttpClient(const HttpClient&) = delete;
    HttpClient& operator=(const HttpClient&) = delete;

    // `target` is a path below the base URL, with its query. Interim 1xx answers are skipped. Throws
    // TransportError when no whole, well-formed answer arrives within the timeout.
    HttpResponse request(std::string_view method, std::string_view target, const std::string& body,
                         std::string_view token);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace borderlog::client
