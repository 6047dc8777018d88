// A small blocking HTTP/1.1 client with keep-alive and a deadline on every step, for the checkpoint's
// sync and for borderlogctl, over TLS for https:// URLs (the server's chain and name verified, an
// optional client certificate). Answers are read with the bounded reader of common/http_wire: an
// answer that is malformed, too large, cut off or does not fit its request is a TransportError, never
// a crash, and never left on the connection for the next request to read. Beast and OpenSSL stay
// inside the .cpp.
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

// The server's certificate or ours was refused (a wrong CA, an expired certificate, another host
// name, no or a wrong client certificate, a protocol version the other side refuses): a configuration
// to fix, not an outage to wait out.
class TlsError : public TransportError {
public:
    // `server_certificate`: the server's certificate was refused here (else: the server refused us, or
    // no protocol both accept).
    TlsError(const std::string& what, bool server_certificate)
        : TransportError(what), server_certificate_(server_certificate) {}
    bool server_certificate() const { return server_certificate_; }

private:
    bool server_certificate_;
};

// How an https:// server is trusted, and what this client shows of itself. Files are PEM.
struct TlsOptions {
    std::string ca_file;           // the CA(s) the server's chain must end in; empty: the system's store
    std::string client_cert_file;  // this device's certificate (chain), with its key
    std::string client_key_file;
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
    // `base_url`: http[s]://host[:port][/prefix]; `timeout` bounds connecting, the TLS handshake,
    // sending and the answer each; an answer body larger than `max_answer_bytes` is a TransportError.
    // Throws std::invalid_argument for another URL, or TLS files that cannot be used (the message names
    // the file).
    HttpClient(const std::string& base_url, std::chrono::milliseconds timeout, const TlsOptions& tls = {},
               std::size_t max_answer_bytes = kDefaultMaxAnswerBytes);
    ~HttpClient();
    HttpClient(const HttpClient&) = delete;
    HttpClient& operator=(const HttpClient&) = delete;

    // `target` is a path below the base URL, with its query. Interim 1xx answers are skipped. Throws
    // TransportError when no whole, well-formed answer arrives within the timeout; TlsError when the
    // TLS handshake refuses a certificate or protocol.
    HttpResponse request(std::string_view method, std::string_view target, const std::string& body,
                         std::string_view token);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace borderlog::client
