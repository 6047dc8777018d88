#include "server/http/app.hpp"

#include "common/log.hpp"
#include "core/errors.hpp"
#include "core/text.hpp"
#include "server/http/authenticator.hpp"
#include "server/http/caller.hpp"
#include "server/http/db_bridge.hpp"
#include "server/http/responses.hpp"
#include "server/http/routes/routes.hpp"

#include <boost/url.hpp>

namespace borderlog::server::http {

namespace urls = boost::urls;
using boost::asio::awaitable;

namespace {

Problem bad_target(const char* detail) { return {400, "invalid_target", "Invalid request target", detail, "", {}}; }

// A decoded path segment or query value must be text: no NUL (it would cut the value short further
// down), valid UTF-8 (PostgreSQL would refuse it).
void check_decoded(const std::string& value) {
    if (value.find('\0') != std::string::npos) throw bad_target("the target holds an encoded NUL");
    if (!core::is_utf8(value)) throw bad_target("the target is not UTF-8");
}

}  // namespace

Target decode_target(std::string_view target) {
    const auto parsed = urls::parse_origin_form(target);
    if (!parsed) throw bad_target("the path cannot be read");
    Target out;
    for (auto s : parsed->segments()) {
        out.segments.push_back(s);
        check_decoded(out.segments.back());
    }
    for (const auto& p : parsed->params()) {
        check_decoded(p.key);
        check_decoded(p.value);
        if (!out.query.emplace(p.key, p.value).second)
            throw Problem{400, "invalid_field", "Invalid field", p.key + " is given more than once", p.key, {}};
    }
    return out;
}

App::App(Services& services) : services_(services) {
    routes::add_health_routes(router_, services_);
    routes::add_crossing_routes(router_, services_);
    routes::add_device_routes(router_, services_);
    routes::add_admin_routes(router_, services_);
    routes::add_fleet_routes(router_, services_);
    routes::add_session_routes(router_, services_);
    routes::add_web_routes(router_, services_);
    routes::add_rejected_routes(router_, services_);
    routes::add_officer_routes(router_, services_);
    routes::add_audit_routes(router_, services_);
}

namespace {

// Every error a request can end in, as the one problem+json answer it gets.
Problem problem_of(std::exception_ptr error) {
    try {
        std::rethrow_exception(error);
    } catch (const Problem& p) {
        return p;
    } catch (const core::ValidationError& e) {
        return invalid_field(e.first().field, e.first().message);
    } catch (const StorageUnavailable& e) {
        common::log_event(spdlog::level::warn, "storage_unavailable", {{"error", e.what()}});
        return Problem{503, "database_unavailable", "Database unavailable",
                       "the central database cannot be reached; retry later", "", std::chrono::seconds{5}};
    } catch (const std::exception& e) {
        common::log_event(spdlog::level::err, "internal_error", {{"error", e.what()}});
    } catch (...) {
        common::log_event(spdlog::level::err, "internal_error", {{"error", "unknown exception"}});
    }
    return Problem{500, "internal", "Internal error", "the server failed; the error is logged", "", {}};
}

}  // namespace

awaitable<Reply> App::handle(Request req, std::string address, std::string client_identity) {
    const auto started = std::chrono::steady_clock::now();
    std::string route = "unmatched";  // the route's pattern once matched: the metrics' label
    std::optional<Reply> reply;
    std::exception_ptr failure;
    try {
        auto dispatching = dispatch(req, std::move(address), std::move(client_identity), route);
        reply = co_await std::move(dispatching);
    } catch (...) {
        failure = std::current_exception();
    }
    if (!reply) reply = Reply{problem_response(problem_of(failure), req.version(), req.keep_alive())};
    services_.metrics.observe_request(beast_http::to_string(req.method()), route, reply->response.result_int(),
                                      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    co_return std::move(*reply);
}

awaitable<std::optional<Reply>> App::admit(const Request& head, std::string address, std::string client_identity) {
    std::exception_ptr failure;
    try {
        auto checking = check(head, address, client_identity);
        co_await std::move(checking);
        co_return std::nullopt;
    } catch (...) {
        failure = std::current_exception();
    }
    co_return Reply{problem_response(problem_of(failure), head.version(), head.keep_alive())};
}

awaitable<App::Admitted> App::check(const Request& req, const std::string& address,
                                    const std::string& client_identity) {
    Admitted out{decode_target(req.target()), {}, {}};
    const auto& segments = out.target.segments;
    const bool api = segments.size() >= 2 && segments[0] == "api" && segments[1] == "v1";
    // Under /api/ the token comes first, so that a stranger learns nothing of which paths exist; only
    // an open route there (the dashboard's sign-in) is reached without one.
    bool open_api = false;
    if (api) {
        try {
            open_api = router_.match(req.method(), segments).route->open();
        } catch (const Problem&) {
        }
    }
    if (api && !open_api) {
        auto authenticating = authenticate_request(services_, req, address);
        out.caller = co_await std::move(authenticating);
    }
    out.match = router_.match(req.method(), segments);
    const Route& route = *out.match.route;
    if (!route.open() && out.caller.role.empty()) {
        auto authenticating = authenticate_request(services_, req, address);
        out.caller = co_await std::move(authenticating);
    }
    if (!route.allows(out.caller.role))
        throw forbidden("this token's role (" + out.caller.role + ") may not do this");
    // A stolen device token is useless without the device's key: the token and the certificate must
    // name the same device.
    if (out.caller.role == "device" && services_.config.device_certificates_required() &&
        client_identity != out.caller.device_id)
        throw forbidden("a device token is accepted only over TLS with that device's own client certificate");
    co_return out;
}

awaitable<Reply> App::dispatch(const Request& req, std::string address, std::string client_identity,
                               std::string& route_pattern) {
    auto checking = check(req, address, client_identity);
    Admitted admitted = co_await std::move(checking);
    const Route& route = *admitted.match.route;
    route_pattern = route.pattern;
    if (route.refused_while_offline && admitted.caller.role == "device" && services_.central.offline())
        throw Problem{503, "central_offline", "Central system offline",
                      "the central system has been taken offline; keep recording locally", "",
                      services_.config.offline_retry_after};
    Call call{req, std::move(address), std::move(admitted.caller), std::move(admitted.match.params),
              std::move(admitted.target.query), route};
    auto handling = route.handler(call);
    co_return co_await std::move(handling);
}

}  // namespace borderlog::server::http
