// Who a request speaks for: a bearer token (scripts, devices, borderlogctl) or a dashboard session
// cookie (a signed-in browser). Included only by the server's HTTP translation units.
#pragma once

#include "server/http/http_types.hpp"
#include "server/http/services.hpp"

#include <optional>
#include <string>

namespace borderlog::server::http {

// The caller of `req`. With an Authorization header the bearer token decides; otherwise the session
// cookie. A cookie-authenticated request that changes something must carry its own page's Origin
// (SameSite=Strict already keeps the cookie off other sites' requests; the Origin check is the second
// lock). Throws Problem 401 without either, 403 on a foreign origin, StorageUnavailable when the
// database is needed and away.
// `address` is the caller's, for the per-address limit on failed token checks.
boost::asio::awaitable<Principal> authenticate_request(Services& services, const Request& req,
                                                       const std::string& address);

// The session secret from the Cookie header, when there is a well-formed one.
std::optional<std::string> session_cookie(const Request& req);

// Whether the request's Origin header names this server as the request reached it (scheme and Host).
bool same_origin(const Request& req);

}  // namespace borderlog::server::http
