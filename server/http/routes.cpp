// Routing and handlers: each turns a request into a use-case call and its result into an answer.
#include "server/http/app.hpp"

#include "common/log.hpp"
#include "core/errors.hpp"
#include "core/ids.hpp"
#include "server/http/db_bridge.hpp"
#include "server/service/crossing_queries.hpp"
#include "server/service/devices.hpp"
#include "server/service/ingest.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/json.hpp>
#include <boost/url.hpp>
#include <date/date.h>

#include <charconv>
#include <map>

namespace borderlog::server::http {

namespace asio = boost::asio;
namespace json = boost::json;
namespace urls = boost::urls;
using asio::awaitable;
using beast_http::status;
using beast_http::verb;

namespace {

constexpr const char* kProblemType = "https://borderlog.example/problems/";

Response json_response(unsigned code, const json::value& body, const Request& req) {
    Response res{static_cast<status>(code), req.version()};
    res.set(beast_http::field::content_type, "application/json");
    res.set(beast_http::field::cache_control, "no-store");
    res.body() = json::serialize(body);
    res.keep_alive(req.keep_alive());
    res.prepare_payload();
    return res;
}

Response empty_response(unsigned code, const Request& req) {
    Response res{static_cast<status>(code), req.version()};
    res.keep_alive(req.keep_alive());
    res.prepare_payload();
    return res;
}

int current_year() {
    const auto today = date::year_month_day{date::floor<date::days>(std::chrono::system_clock::now())};
    return static_cast<int>(today.year());
}

Problem invalid(const core::ValidationError& e) {
    return {400, "invalid_field", "Invalid field", e.first().field + " " + e.first().message, e.first().field, {}};
}

json::value parse_body(const Request& req) {
    const auto type = req[beast_http::field::content_type];
    if (!type.empty() && type.substr(0, 16) != "application/json")
        throw Problem{415, "unsupported_media_type", "Unsupported media type", "send application/json", "", {}};
    boost::system::error_code ec;
    json::value v = json::parse(req.body(), ec);
    if (ec) throw Problem{400, "invalid_json", "Invalid JSON", "the body is not valid JSON", "", {}};
    return v;
}

Problem forbidden(std::string detail) { return {403, "forbidden", "Forbidden", std::move(detail), "", {}}; }

void require_role(const Principal& caller, std::initializer_list<const char*> roles) {
    for (const char* r : roles)
        if (caller.role == r) return;
    throw forbidden("this token's role (" + caller.role + ") may not do this");
}

std::map<std::string, std::string> query_params(const urls::url_view& url) {
    std::map<std::string, std::string> out;
    for (const auto& p : url.params()) out[p.key] = p.value;
    return out;
}

}  // namespace

Response problem_response(const Problem& p, unsigned version, bool keep_alive) {
    json::object body{{"type", std::string(kProblemType) + p.code},
                      {"title", p.title},
                      {"status", p.status},
                      {"detail", p.detail},
                      {"code", p.code}};
    if (!p.field.empty()) body["field"] = p.field;
    Response res{static_cast<status>(p.status), version};
    res.set(beast_http::field::content_type, "application/problem+json");
    res.set(beast_http::field::cache_control, "no-store");
    if (p.retry_after) res.set(beast_http::field::retry_after, std::to_string(p.retry_after->count()));
    if (p.status == 401) res.set(beast_http::field::www_authenticate, "Bearer");
    res.body() = json::serialize(body);
    res.keep_alive(keep_alive);
    res.prepare_payload();
    return res;
}

App::App(const ServerConfig& config, Pool& pool) : config_(config), pool_(pool) {}

awaitable<Response> App::handle(Request req) {
    std::optional<Problem> failure;
    try {
        co_return co_await route(req);
    } catch (const Problem& p) {
        failure = p;
    } catch (const core::ValidationError& e) {
        failure = invalid(e);
    } catch (const StorageUnavailable& e) {
        common::log_event(spdlog::level::warn, "storage_unavailable", {{"error", e.what()}});
        failure = Problem{503, "database_unavailable", "Database unavailable",
                          "the central database cannot be reached; retry later", "", std::chrono::seconds{5}};
    } catch (const std::exception& e) {
        common::log_event(spdlog::level::err, "internal_error", {{"error", e.what()}});
        failure = Problem{500, "internal", "Internal error", "the server failed; the error is logged", "", {}};
    }
    co_return problem_response(*failure, req.version(), req.keep_alive());
}

awaitable<Response> App::route(const Request& req) {
    const auto parsed = urls::parse_origin_form(req.target());
    if (!parsed) throw Problem{400, "invalid_target", "Invalid request target", "the path cannot be read", "", {}};
    const urls::url_view url = *parsed;
    std::vector<std::string> seg;
    for (auto s : url.segments()) seg.push_back(s);
    const verb method = req.method();
    const auto not_allowed = [] {
        return Problem{405, "method_not_allowed", "Method not allowed", "this path does not take that method", "", {}};
    };

    if (seg.size() == 1 && (seg[0] == "livez" || seg[0] == "readyz" || seg[0] == "healthz")) {
        if (method != verb::get) throw not_allowed();
        if (seg[0] == "livez") co_return json_response(200, json::object{{"status", "alive"}}, req);
        co_return co_await ready(req);
    }
    if (seg.size() < 2 || seg[0] != "api" || seg[1] != "v1")
        throw Problem{404, "not_found", "Not found", "no such resource", "", {}};

    const Principal caller = co_await authenticate(req);
    const bool offline_for_caller = caller.role == "device" && central_offline_;
    const auto refuse_offline = [&] {
        return Problem{503, "central_offline", "Central system offline",
                       "the central system has been taken offline; keep recording locally", "",
                       config_.offline_retry_after};
    };

    if (seg.size() == 3 && seg[2] == "token") {
        // Who this token is: lets a terminal check its configuration before it records anything.
        if (method != verb::get) throw not_allowed();
        co_return json_response(200,
                                json::object{{"role", caller.role},
                                             {"checkpoint_id", caller.checkpoint_id},
                                             {"device_id", caller.device_id},
                                             {"name", caller.name}},
                                req);
    }
    if (seg.size() == 3 && seg[2] == "crossings") {
        if (method == verb::post) {
            require_role(caller, {"device"});
            if (offline_for_caller) throw refuse_offline();
            co_return co_await ingest_one(req, caller);
        }
        if (method == verb::get) {
            require_role(caller, {"operations", "admin"});
            co_return co_await list_crossings(req);
        }
        throw not_allowed();
    }
    if (seg.size() == 4 && seg[2] == "crossings" && seg[3] == "batch") {
        if (method != verb::post) throw not_allowed();
        require_role(caller, {"device"});
        if (offline_for_caller) throw refuse_offline();
        co_return co_await ingest_batch(req, caller);
    }
    if (seg.size() == 5 && seg[2] == "devices" && (seg[4] == "reconcile" || seg[4] == "heartbeat")) {
        if (offline_for_caller) throw refuse_offline();
        if (seg[4] == "reconcile") {
            if (method != verb::get) throw not_allowed();
            co_return co_await reconcile(req, caller, seg[3]);
        }
        if (method != verb::post) throw not_allowed();
        co_return co_await heartbeat(req, caller, seg[3]);
    }
    if (seg.size() == 4 && seg[2] == "admin" && seg[3] == "central-offline") {
        if (method != verb::put && method != verb::delete_ && method != verb::get) throw not_allowed();
        co_return co_await central_offline(req, caller);
    }
    throw Problem{404, "not_found", "Not found", "no such resource", "", {}};
}

awaitable<Principal> App::authenticate(const Request& req) {
    const auto header = req[beast_http::field::authorization];
    constexpr std::string_view kBearer = "Bearer ";
    if (header.size() <= kBearer.size() || header.substr(0, kBearer.size()) != kBearer || header.size() > 512)
        throw Problem{401, "unauthorized", "Unauthorized", "send Authorization: Bearer TOKEN", "", {}};
    const std::string hash = core::sha256_hex(header.substr(kBearer.size()));
    const auto now = std::chrono::steady_clock::now();
    {
        std::lock_guard lock(token_mutex_);
        if (auto it = token_cache_.find(hash); it != token_cache_.end() && it->second.expires > now)
            co_return it->second.principal;
    }
    auto pending = on_db<std::optional<Principal>>(
        pool_, [hash](Store& s) { return s.find_token(hash); });
    const auto found = co_await std::move(pending);
    if (!found) throw Problem{401, "unauthorized", "Unauthorized", "the token is unknown or revoked", "", {}};
    std::lock_guard lock(token_mutex_);
    if (token_cache_.size() > 10000) token_cache_.clear();  // bounded: tokens are few, garbage is not
    token_cache_[hash] = {*found, now + config_.token_cache_ttl};
    co_return *found;
}

awaitable<Response> App::ready(const Request& req) {
    if (draining_)
        throw Problem{503, "draining", "Shutting down", "the server is finishing its requests", "", {}};
    if (!migrations_current_)
        throw Problem{503, "not_migrated", "Not ready", "schema migrations are not current", "", {}};
    auto pending = on_db<bool>(pool_, [](Store& s) {
        s.ping();
        return true;
    });
    co_await std::move(pending);
    co_return json_response(200, json::object{{"status", "ready"}}, req);
}

awaitable<Response> App::ingest_one(const Request& req, const Principal& caller) {
    const json::value body = parse_body(req);
    const service::PlannedRecord planned = service::plan_record(body, caller, current_year());
    if (planned.refusal) {
        const auto& r = *planned.refusal;
        if (r.code == "forbidden") throw forbidden(r.detail);
        throw Problem{400, r.code, "Invalid field", r.detail, r.field, {}};
    }
    auto pending = insert_on_db(pool_, *planned.crossing);
    const InsertStatus s = co_await std::move(pending);
    if (s == InsertStatus::unstorable) {
        const auto r = service::refusal_for(s);
        throw Problem{400, r.code, "Invalid field", r.detail, "", {}};
    }
    if (s == InsertStatus::id_conflict || s == InsertStatus::seq_conflict) {
        const auto r = service::refusal_for(s);
        throw Problem{409, r.code, "Conflict", r.detail, s == InsertStatus::id_conflict ? "id" : "seq", {}};
    }
    co_return json_response(s == InsertStatus::stored ? 201 : 200, service::single_result(planned.crossing->id, s),
                            req);
}

awaitable<Response> App::ingest_batch(const Request& req, const Principal& caller) {
    const json::value body = parse_body(req);
    auto plan = std::make_shared<std::vector<service::PlannedRecord>>(
        service::plan_batch(body, caller, current_year()));
    // A record for another device means a misconfigured terminal, not a bad record: refuse the request,
    // so that its records stay queued on the terminal until the configuration is put right.
    for (const auto& p : *plan)
        if (p.refusal && p.refusal->code == "forbidden") throw forbidden(p.refusal->detail);
    auto pending = on_db<std::vector<InsertStatus>>(pool_, [plan](Store& s) {
        std::vector<const core::Crossing*> crossings;
        for (const auto& p : *plan)
            if (p.crossing) crossings.push_back(&*p.crossing);
        return s.insert_crossings(crossings);
    });
    std::vector<InsertStatus> statuses = co_await std::move(pending);
    co_return json_response(200, service::batch_results(*plan, statuses), req);
}

awaitable<Response> App::list_crossings(const Request& req) {
    const auto url = *urls::parse_origin_form(req.target());
    const auto query = query_params(url);
    const CrossingFilter filter = service::parse_crossing_filter(query);
    auto pending = on_db<std::vector<CrossingRow>>(pool_, [filter](Store& s) { return s.list_crossings(filter); });
    const auto rows = co_await std::move(pending);
    const auto format = query.find("format");
    if (format != query.end() && format->second == "csv") {
        Response res{status::ok, req.version()};
        res.set(beast_http::field::content_type, "text/csv; charset=utf-8");
        const auto header = query.find("header");
        res.body() = service::crossings_csv(rows, header == query.end() || header->second != "false");
        if (rows.size() == static_cast<std::size_t>(filter.limit))
            res.set("X-Next-After", std::to_string(rows.back().ingest_no));
        res.keep_alive(req.keep_alive());
        res.prepare_payload();
        co_return res;
    }
    co_return json_response(200, service::crossings_page(rows, filter), req);
}

awaitable<Response> App::reconcile(const Request& req, const Principal& caller, const std::string& device) {
    if (!service::may_act_for_device(caller, device)) throw forbidden("this token may not reconcile device " + device);
    // `after`: only ranges starting after this seq (the next page when an answer was truncated).
    std::int64_t after = 0;
    for (const auto& [key, value] : query_params(*urls::parse_origin_form(req.target()))) {
        if (key != "after") throw core::ValidationError(key, "is not a known parameter");
        const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), after);
        if (ec != std::errc{} || end != value.data() + value.size() || after < 0)
            throw core::ValidationError("after", "must be a whole number >= 0");
    }
    auto pending = on_db<Reconciliation>(
        pool_, [device, after](Store& s) { return s.reconcile(device, service::kMaxMissingRanges, after); });
    const auto rec = co_await std::move(pending);
    co_return json_response(200, service::reconcile_json(device, rec), req);
}

awaitable<Response> App::heartbeat(const Request& req, const Principal& caller, const std::string& device) {
    if (caller.role != "device" || caller.device_id != device)
        throw forbidden("only device " + device + " may send its heartbeat");
    const Heartbeat beat = service::parse_heartbeat(parse_body(req));
    const std::string checkpoint = caller.checkpoint_id;
    auto pending = on_db<bool>(pool_, [device, checkpoint, beat](Store& s) {
        s.record_heartbeat(device, checkpoint, beat);
        return true;
    });
    co_await std::move(pending);
    co_return empty_response(204, req);
}

awaitable<Response> App::central_offline(const Request& req, const Principal& caller) {
    require_role(caller, {"admin"});
    if (req.method() != verb::get) {
        const bool offline = req.method() == verb::put;
        std::string reason;
        if (offline && !req.body().empty()) {
            const json::value body = parse_body(req);
            if (const auto* o = body.if_object(); o && o->contains("reason")) {
                if (!o->at("reason").is_string() || o->at("reason").get_string().size() > 500)
                    throw core::ValidationError("reason", "must be a text of at most 500 characters");
                reason = o->at("reason").get_string();
            }
        }
        const std::string by = caller.name.empty() ? "token " + std::to_string(caller.token_id) : caller.name;
        auto pending = on_db<bool>(pool_, [offline, reason, by](Store& s) {
            s.set_central_state(offline, reason, by);
            return true;
        });
        co_await std::move(pending);
        central_offline_ = offline;
        ++central_changes_;
        common::log_event(spdlog::level::warn, offline ? "central_offline_on" : "central_offline_off",
                          {{"by", by}, {"reason", reason}});
    }
    auto pending = on_db<CentralState>(pool_, [](Store& s) { return s.central_state(); });
    const auto state = co_await std::move(pending);
    co_return json_response(200,
                            json::object{{"offline", state.offline},
                                         {"reason", state.reason},
                                         {"changed_at", state.changed_at},
                                         {"changed_by", state.changed_by}},
                            req);
}

awaitable<void> App::watch_central_state() {
    asio::steady_timer timer(co_await asio::this_coro::executor);
    while (!draining_) {
        try {
            const std::uint64_t changes_before = central_changes_;
            auto pending = on_db<CentralState>(pool_, [](Store& s) { return s.central_state(); });
            const auto state = co_await std::move(pending);
            if (central_changes_ == changes_before) central_offline_ = state.offline;
        } catch (const std::exception&) {
            // The database is away: keep the last known state; ingest will answer 503 on its own.
        }
        timer.expires_after(std::chrono::seconds{1});
        co_await timer.async_wait(asio::use_awaitable);
    }
}

}  // namespace borderlog::server::http
