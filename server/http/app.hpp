// The request side of the server: decodes the target, authenticates, routes, and maps every error to
// one problem+json answer. Included only by the server's HTTP translation units (it pulls in Beast).
#pragma once

#include "server/http/http_types.hpp"
#include "server/http/router.hpp"
#include "server/http/services.hpp"

#include <optional>

namespace borderlog::server::http {

// The decoded path segments and query parameters of a request target. Throws Problem 400 when the
// target cannot be read, a decoded value holds a NUL or is not UTF-8, or a query key repeats.
struct Target {
    std::vector<std::string> segments;
    std::map<std::string, std::string> query;
};
Target decode_target(std::string_view target);

class App {
public:
    // Builds the route table from every route module.
    explicit App(Services& services);

    // `address`: the peer's IP address (for the audit trail and per-address limits). `client_identity`:
    // what the connection's verified TLS client certificate names (its CN), empty without one.
    boost::asio::awaitable<Reply> handle(Request request, std::string address, std::string client_identity = {});

    // Decides from the head alone, before the body is read, whether a request may go on: its target
    // can be read, its route exists and, where the route needs a token, the token is valid and its role
    // allowed (a device token, when device certificates are required, only with its device's
    // certificate). Returns the refusal to send (the session then never reads the body), or nothing.
    boost::asio::awaitable<std::optional<Reply>> admit(const Request& head, std::string address,
                                                       std::string client_identity = {});

    Services& services() { return services_; }
    const Router& router() const { return router_; }

private:
    struct Admitted {
        Target target;
        Router::Match match;
        Principal caller;
    };
    boost::asio::awaitable<Admitted> check(const Request& req, const std::string& address,
                                           const std::string& client_identity);
    // Sets `route_pattern` once the route is known (the metrics' label).
    boost::asio::awaitable<Reply> dispatch(const Request& req, std::string address, std::string client_identity,
                                           std::string& route_pattern);
    // A device call while a drill covers its device, or watches its drain: the one place drill faults
    // are injected (docs/drills.md).
    boost::asio::awaitable<Reply> under_drill(const Route& route, Call& call);

    Services& services_;
    Router router_;
};


}  // namespace borderlog::server::http
