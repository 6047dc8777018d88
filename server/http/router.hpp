// The route table: every path the server answers, with its method, who may call it and its handler.
// One declared table serves dispatch, the 404/405 answers, and the checks that compare it with the
// OpenAPI description and the role matrix.
#pragma once

#include "server/http/http_types.hpp"
#include "server/storage/store.hpp"

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace borderlog::server::http {

struct Route;

// One request as a handler sees it: authenticated, its path parameters and query decoded.
struct Call {
    const Request& req;
    std::string address;                       // the peer's IP address
    Principal caller;                          // role is empty on routes that need no token
    std::vector<std::string> params;           // the {name} segments of the pattern, in order
    std::map<std::string, std::string> query;  // decoded; each key at most once
    const Route& route;

    const std::string& param(std::size_t i) const { return params.at(i); }
};

using Handler = std::function<boost::asio::awaitable<Reply>(Call&)>;

// Who may call a route.
namespace access {
inline const std::vector<std::string> kOpen{};         // no token
inline const std::vector<std::string> kAnyToken{"*"};  // any valid token
}  // namespace access

struct Route {
    beast_http::verb method;
    std::string pattern;             // "/api/v1/devices/{device}/reconcile"
    std::vector<std::string> roles;  // access::kOpen, access::kAnyToken, or role names
    Handler handler;
    // Device calls answered 503 central_offline while the central system is switched offline.
    bool refused_while_offline = false;

    bool open() const { return roles.empty(); }
    bool allows(const std::string& role) const;
};

class Router {
public:
    void add(Route route);

    struct Match {
        const Route* route = nullptr;
        std::vector<std::string> params;
    };
    // The route for `method` on the decoded path `segments`. Throws Problem 404 when no pattern fits the
    // path, 405 when patterns fit but none takes the method.
    Match match(beast_http::verb method, const std::vector<std::string>& segments) const;

    const std::vector<Route>& routes() const { return routes_; }

private:
    std::vector<Route> routes_;
    std::vector<std::vector<std::string>> split_;  // each route's pattern, split at '/'
};

// A path split into segments without the leading empty one: "/a/b" -> {"a", "b"}.
std::vector<std::string> split_pattern(std::string_view pattern);

}  // namespace borderlog::server::http
