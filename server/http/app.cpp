#include "server/http/app.hpp"

#include "common/log.hpp"
#include "core/errors.hpp"
#include "core/text.hpp"
#include "server/http/authenticator.hpp"
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
    routes::add_officer_routes(router_, services_);
}

awaitable<Reply> App::handle(Request req, std::string address) {
    std::optional<Problem> failure;
    try {
        auto dispatching = dispatch(req, std::move(address));
        co_return co_await std::move(dispatching);
    } catch (const Problem& p) {
        failure = p;
    } catch (const core::ValidationError& e) {
        failure = invalid_field(e.first().field, e.first().message);
    } catch (const StorageUnavailable& e) {
        common::log_event(spdlog::level::warn, "storage_unavailable", {{"error", e.what()}});
        failure = Problem{503, "database_unavailable", "Database unavailable",
                          "the central database cannot be reached; retry later", "", std::chrono::seconds{5}};
    } catch (const std::exception& e) {
        common::log_event(spdlog::level::err, "internal_error", {{"error", e.what()}});
        failure = Problem{500, "internal", "Internal error", "the server failed; the error is logged", "", {}};
    }
    co_return Reply{problem_response(*failure, req.version(), req.keep_alive())};
}

awaitable<Reply> App::dispatch(const Request& req, std::string address) {
    Target target = decode_target(req.target());
    const bool api = target.segments.size() >= 2 && target.segments[0] == "api" && target.segments[1] == "v1";
    // Under /api/ the token comes first, so that a stranger learns nothing of which paths exist.
    Principal caller;
    if (api) {
        auto authenticating = services_.auth.authenticate(req);
        caller = co_await std::move(authenticating);
    }
    Router::Match match = router_.match(req.method(), target.segments);
    const Route& route = *match.route;
    if (!route.open() && caller.role.empty()) {
        auto authenticating = services_.auth.authenticate(req);
        caller = co_await std::move(authenticating);
    }
    if (!route.allows(caller.role)) throw forbidden("this token's role (" + caller.role + ") may not do this");
    if (route.refused_while_offline && caller.role == "device" && services_.central.offline())
        throw Problem{503, "central_offline", "Central system offline",
                      "the central system has been taken offline; keep recording locally", "",
                      services_.config.offline_retry_after};
    Call call{req, std::move(address), std::move(caller), std::move(match.params), std::move(target.query), route};
    auto handling = route.handler(call);
    co_return co_await std::move(handling);
}

}  // namespace borderlog::server::http
