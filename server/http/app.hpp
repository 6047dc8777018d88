// The request side of the server: decodes the target, authenticates, routes, and maps every error to
// one problem+json answer. Included only by the server's HTTP translation units (it pulls in Beast).
#pragma once

#include "server/http/http_types.hpp"
#include "server/http/router.hpp"
#include "server/http/services.hpp"

namespace borderlog::server::http {

class App {
public:
    // Builds the route table from every route module.
    explicit App(Services& services);

    // `address`: the peer's IP address (for the audit trail and per-address limits).
    boost::asio::awaitable<Reply> handle(Request request, std::string address);

    Services& services() { return services_; }
    const Router& router() const { return router_; }

private:
    // Sets `route_pattern` once the route is known.
    boost::asio::awaitable<Reply> dispatch(const Request& req, std::string address, std::string& route_pattern);

    Services& services_;
    Router router_;
};

// The decoded path segments and query parameters of a request target. Throws Problem 400 when the
// target cannot be read, a decoded value holds a NUL or is not UTF-8, or a query key repeats.
struct Target {
    std::vector<std::string> segments;
    std::map<std::string, std::string> query;
};
Target decode_target(std::string_view target);

}  // namespace borderlog::server::http
