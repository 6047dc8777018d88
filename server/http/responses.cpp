#include "server/http/responses.hpp"

#include <boost/json.hpp>
#include <date/date.h>

namespace borderlog::server::http {

namespace json = boost::json;
using beast_http::status;

namespace {
constexpr const char* kProblemType = "https://borderlog.example/problems/";
}

Response json_response(unsigned code, const json::value& body, const Request& req) {
    return text_response(code, json::serialize(body), "application/json", req);
}

Response empty_response(unsigned code, const Request& req) {
    Response res{static_cast<status>(code), req.version()};
    res.set(beast_http::field::cache_control, "no-store");
    res.keep_alive(req.keep_alive());
    res.prepare_payload();
    return res;
}

Response text_response(unsigned code, std::string body, const char* content_type, const Request& req) {
    Response res{static_cast<status>(code), req.version()};
    res.set(beast_http::field::content_type, content_type);
    res.set(beast_http::field::cache_control, "no-store");
    res.body() = std::move(body);
    res.keep_alive(req.keep_alive());
    res.prepare_payload();
    return res;
}

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

Problem not_found() { return {404, "not_found", "Not found", "no such resource", "", {}}; }

Problem invalid_field(const std::string& field, const std::string& message) {
    return {400, "invalid_field", "Invalid field", field + " " + message, field, {}};
}

void require_role(const Principal& caller, std::initializer_list<const char*> roles) {
    for (const char* r : roles)
        if (caller.role == r) return;
    throw forbidden("this token's role (" + caller.role + ") may not do this");
}

int current_year() {
    const auto today = date::year_month_day{date::floor<date::days>(std::chrono::system_clock::now())};
    return static_cast<int>(today.year());
}

}  // namespace borderlog::server::http
