// The officer screen's server, inside the checkpoint daemon: one page (web/booth/, compiled in) and its
// local API (local_api.hpp), on threads of its own, so that the daemon's blocking sync loop, and a
// centre that hangs, never delay the screen. Records go through a worker with its own connection to
// the outbox; the traveller's status is asked of the centre by another, with a short timeout.
//
// Protection: loopback only unless allow_remote; the Host must name this listener by an IP address or
// `localhost` (no DNS rebinding); every API call carries the page's per-start token
// (X-Borderlog-Token), and every call that changes something the page's own Origin; no CORS; bounded
// heads, bodies, connections and time.
#pragma once

#include "client/client_config.hpp"

#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>

namespace borderlog::client::ui {

class RecordLatency;

// --ui-listen names no address the screen may be served on (not an address, not loopback without
// allow_remote): a usage error, where a port taken or a database busy is only tried again later.
struct BadListenAddress : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct UiOptions {
    std::string listen = "127.0.0.1:8081";  // HOST:PORT; port 0 picks a free one
    bool allow_remote = false;              // serve on an address that is not loopback
    std::string default_lane;               // the lane the screen starts on
    std::chrono::milliseconds lookup_timeout{1500};  // the centre's answer for a traveller's status
};

class UiServer {
public:
    UiServer(UiOptions options, DataDir dir, ClientConfig config, RecordLatency& latency);
    ~UiServer();
    UiServer(const UiServer&) = delete;
    UiServer& operator=(const UiServer&) = delete;

    // Binds and starts serving. Throws BadListenAddress for an address it may not serve on, and
    // std::runtime_error when it cannot now (the port taken: "--ui-listen: cannot listen on ...").
    void start();
    // Stops accepting, closes the connections and joins the threads. A record already handed to the
    // recorder is committed first.
    void stop();

    // The address served, as HOST:PORT (with the port chosen when 0 was asked).
    std::string address() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// Reads HOST:PORT ("127.0.0.1:8081", "[::1]:8081", "localhost:8081"). Throws std::invalid_argument.
struct ListenAddress {
    std::string host;
    unsigned short port = 0;
};
ListenAddress parse_listen(const std::string& text);

// True when a request's Host header names this listener: `localhost` or an IP address, with its port.
bool host_allowed(std::string_view host_header, unsigned short port);

}  // namespace borderlog::client::ui
