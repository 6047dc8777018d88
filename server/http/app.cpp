#include "server/http/app.hpp"

#include "common/log.hpp"
#include "core/errors.hpp"
#include "core/text.hpp"
#include "core/time.hpp"
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
    routes::add_drill_routes(router_, services_);
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
    if (call.caller.role == "device" && services_.drills.any()) {
        auto drilling = under_drill(route, call);
        co_return co_await std::move(drilling);
    }
    auto handling = route.handler(call);
    co_return co_await std::move(handling);
}

namespace {

service::CallKind call_kind(const Route& route) {
    if (route.method == beast_http::verb::post &&
        (route.pattern == "/api/v1/crossings" || route.pattern == "/api/v1/crossings/batch"))
        return service::CallKind::records;
    if (route.pattern == "/api/v1/devices/{device}/heartbeat") return service::CallKind::heartbeat;
    return service::CallKind::other;
}

// A header value from free text: printable ASCII as it is, anything else (and '%') percent-encoded.
std::string header_text(const std::string& text) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    for (const char ch : text) {
        const auto c = static_cast<unsigned char>(ch);
        if (c >= 0x20 && c < 0x7f && c != '%') {
            out += ch;
        } else {
            out += '%';
            out += kHex[c >> 4];
            out += kHex[c & 0x0f];
        }
    }
    return out;
}

}  // namespace

awaitable<Reply> App::under_drill(const Route& route, Call& call) {
    using service::Fault;
    const auto now = core::now_millis();
    const std::string device = call.caller.device_id;
    const std::string checkpoint = call.caller.checkpoint_id;
    const service::CallKind kind = call_kind(route);
    const service::FaultDecision d = services_.drills.decide(device, checkpoint, kind, now);
    // Every answer to a device in a drill says so: the officer's screen shows the drill.
    const auto label = [&d](Reply& r) {
        if (d.drill_id.empty()) return;
        r.response.set("Borderlog-Drill", d.drill_id);
        r.response.set("Borderlog-Drill-Name", header_text(d.drill_name));
    };
    if (d.fault) {
        const std::string name(service::fault_name(*d.fault));
        services_.drills.count(d.drill_id, device, name);
        services_.metrics.count_drill_fault(name);
        common::log_event(spdlog::level::debug, "drill_fault",
                          {{"drill_id", d.drill_id}, {"fault", name}, {"device_id", device},
                           {"checkpoint_id", checkpoint}, {"route", route.pattern}});
    }
    if (d.fault == Fault::unavailable || d.fault == Fault::db_down) {
        const bool db = d.fault == Fault::db_down;
        const std::chrono::seconds retry{
            d.params.retry_after_s.value_or(db ? 5 : services_.config.offline_retry_after.count())};
        const Problem p = db ? Problem{503, "database_unavailable", "Database unavailable",
                                       "the central database cannot be reached; retry later", "", retry}
                             : Problem{503, "unavailable", "Service unavailable",
                                       "the central system is unavailable; keep recording locally", "", retry};
        Reply reply{problem_response(p, call.req.version(), call.req.keep_alive())};
        label(reply);
        co_return reply;
    }
    if (d.fault == Fault::reset) co_return Reply{Response{}, Disposition::reset};
    if (d.fault == Fault::timeout) co_return Reply{Response{}, Disposition::hang};

    auto handling = route.handler(call);
    Reply reply = co_await std::move(handling);
    if (d.fault == Fault::slow) reply.delay = std::chrono::milliseconds{d.params.delay_ms};
    if (kind == service::CallKind::records && reply.response.result_int() < 300) {
        if (d.fault == Fault::lost_ack) {
            // Committed: the records are in PostgreSQL. The device never hears it and sends them again.
            services_.drills.count(d.drill_id, device, service::kCountLostAcks);
            reply.disposition = Disposition::reset;
        } else if (const auto n = service::duplicates_in_answer(reply.response.body()); n > 0) {
            if (const auto watched = services_.drills.watching(device, checkpoint, now))
                services_.drills.count(*watched, device, service::kCountDuplicateAnswers, n);
        }
    }
    label(reply);
    co_return reply;
}

}  // namespace borderlog::server::http
