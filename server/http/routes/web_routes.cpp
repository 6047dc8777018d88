// What a browser and Prometheus read: the operations dashboard and the drill report's page (static
// files compiled into the server), the OpenAPI description, and /metrics.
#include "core/embedded_file.hpp"
#include "server/http/responses.hpp"
#include "server/http/routes/routes.hpp"

#include <map>

namespace borderlog::server::generated {
std::vector<core::EmbeddedFile> dashboard_files();
std::vector<core::EmbeddedFile> drill_files();
std::vector<core::EmbeddedFile> openapi_files();
}  // namespace borderlog::server::generated

namespace borderlog::server::http::routes {

using boost::asio::awaitable;
using beast_http::verb;

namespace {

// Scripts, styles, images and connections only from this server; nothing inline, no frames.
constexpr const char* kContentSecurityPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
    "font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const char* content_type(const std::string& name) {
    const auto dot = name.rfind('.');
    const std::string ext = dot == std::string::npos ? "" : name.substr(dot + 1);
    if (ext == "html") return "text/html; charset=utf-8";
    if (ext == "css") return "text/css; charset=utf-8";
    if (ext == "js") return "text/javascript; charset=utf-8";
    if (ext == "svg") return "image/svg+xml";
    if (ext == "png") return "image/png";
    if (ext == "yaml") return "application/yaml; charset=utf-8";
    return "application/octet-stream";
}

const std::map<std::string, std::string>& dashboard() {
    static const std::map<std::string, std::string> files = [] {
        std::map<std::string, std::string> out;
        for (auto& f : generated::dashboard_files()) out.emplace(f.name, std::move(f.text));
        for (auto& f : generated::drill_files()) out.emplace(f.name, std::move(f.text));
        return out;
    }();
    return files;
}

Response file_response(const std::string& name, const std::string& body, const Request& req) {
    Response res = text_response(200, body, content_type(name), req);
    res.set(beast_http::field::cache_control, "no-cache");
    res.set("Content-Security-Policy", kContentSecurityPolicy);
    res.set("X-Content-Type-Options", "nosniff");
    res.set("X-Frame-Options", "DENY");
    res.set("Referrer-Policy", "no-referrer");
    return res;
}

awaitable<Reply> page(std::string name, Call& c) {  // by value: a coroutine outlives its caller's temporaries
    co_return Reply{file_response(name, dashboard().at(name), c.req)};
}

awaitable<Reply> asset(Call& c) {
    const auto it = dashboard().find(c.param(0));
    // The pages are served at their own paths; /assets/ holds what they load.
    if (it == dashboard().end() || it->first.ends_with(".html")) throw not_found();
    co_return Reply{file_response(it->first, it->second, c.req)};
}

awaitable<Reply> openapi(Call& c) {
    static const std::string text = generated::openapi_files().at(0).text;
    co_return Reply{file_response("openapi.yaml", text, c.req)};
}

awaitable<Reply> metrics(Services& s, Call& c) {
    std::string body = s.metrics.exposition(s.fleet, s.pool, core::now_millis());
    co_return Reply{text_response(200, std::move(body), "text/plain; version=0.0.4; charset=utf-8", c.req)};
}

}  // namespace

void add_web_routes(Router& router, Services& s) {
    router.add({verb::get, "/", access::kOpen, [](Call& c) { return page("index.html", c); }});
    router.add({verb::get, "/checkpoints/{checkpoint}", access::kOpen, [](Call& c) { return page("checkpoint.html", c); }});
    router.add({verb::get, "/drills", access::kOpen, [](Call& c) { return page("drill.html", c); }});
    router.add({verb::get, "/drills/{id}", access::kOpen, [](Call& c) { return page("drill.html", c); }});
    router.add({verb::get, "/assets/{name}", access::kOpen, [](Call& c) { return asset(c); }});
    router.add({verb::get, "/openapi.yaml", access::kOpen, [](Call& c) { return openapi(c); }});
    router.add({verb::get, "/metrics", access::kOpen, [&s](Call& c) { return metrics(s, c); }});
}

}  // namespace borderlog::server::http::routes
