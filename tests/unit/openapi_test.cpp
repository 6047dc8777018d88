// The OpenAPI description (docs/openapi.yaml, served at /openapi.yaml) against the server's route
// table: every route described with the roles it allows, and nothing described that the server lacks.
// A failure names each route that differs, so that whoever adds a route knows what to write.
#include "core/embedded_file.hpp"
#include "server/http/app.hpp"
#include "server/http/authenticator.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <regex>
#include <set>
#include <sstream>

namespace borderlog::server::generated {
std::vector<core::EmbeddedFile> openapi_files();
}

namespace borderlog::server::http {
namespace {

using Roles = std::set<std::string>;
using Operations = std::map<std::string, Roles>;  // "GET /api/v1/checkpoints" -> roles

std::string upper(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    return s;
}

std::string unquote(std::string s) {
    s.erase(0, s.find_first_not_of(" \t"));
    s.erase(s.find_last_not_of(" \t") + 1);
    if (s.size() >= 2 && (s.front() == '"' || s.front() == '\'') && s.back() == s.front()) s = s.substr(1, s.size() - 2);
    return s;
}

// Reads the layout docs/openapi.yaml promises at its top: paths at two spaces under `paths:`, methods
// at four, `x-roles: [...]` at six. An operation without x-roles gets the role "<x-roles missing>".
Operations described(const std::string& yaml) {
    static const std::regex path_line(R"(^  (["']?/[^:]*["']?):\s*(#.*)?$)");
    static const std::regex method_line(R"(^    (get|put|post|delete|patch|head|options):\s*$)");
    static const std::regex roles_line(R"(^      x-roles:\s*\[(.*)\]\s*$)");
    Operations out;
    std::istringstream in(yaml);
    std::string line, path, operation;
    bool in_paths = false;
    while (std::getline(in, line)) {
        if (!line.empty() && line[0] != ' ' && line[0] != '#') {
            in_paths = line.rfind("paths:", 0) == 0;
            continue;
        }
        if (!in_paths) continue;
        std::smatch m;
        if (std::regex_match(line, m, path_line)) {
            path = unquote(m[1]);
        } else if (std::regex_match(line, m, method_line)) {
            operation = upper(m[1]) + " " + path;
            out[operation] = {"<x-roles missing>"};
        } else if (std::regex_match(line, m, roles_line) && !operation.empty()) {
            Roles roles;
            std::stringstream list(m[1].str());
            std::string item;
            while (std::getline(list, item, ','))
                if (!unquote(item).empty()) roles.insert(unquote(item));
            out[operation] = roles;
        }
    }
    return out;
}

Operations served() {
    ServerConfig config;
    Pool pool("", 0, 1);  // no workers: nothing connects
    Authenticator auth(config, pool);
    Services services{config, pool, auth};
    App app(services);
    Operations out;
    for (const Route& r : app.router().routes())
        out[std::string(beast_http::to_string(r.method)) + " " + r.pattern] = Roles(r.roles.begin(), r.roles.end());
    return out;
}

std::string text(const Roles& roles) {
    std::string s = "[";
    for (const auto& r : roles) s += (s.size() > 1 ? ", " : "") + r;
    return s + "]";
}

const std::string& openapi_text() {
    static const std::string text = generated::openapi_files().at(0).text;
    return text;
}

TEST(OpenApi, TheDescriptionIsOpenApi31) {
    EXPECT_NE(openapi_text().find("\nopenapi: 3.1."), std::string::npos);
}

TEST(OpenApi, EveryRouteTheServerHasIsDescribedAndNothingElse) {
    const Operations server = served();
    const Operations doc = described(openapi_text());
    ASSERT_GT(doc.size(), 10u) << "docs/openapi.yaml no longer has the layout this test reads";
    std::string missing, extra;
    for (const auto& [op, roles] : server)
        if (!doc.count(op)) missing += "\n  " + op + "   (x-roles: " + text(roles) + ")";
    for (const auto& [op, roles] : doc)
        if (!server.count(op)) extra += "\n  " + op;
    EXPECT_TRUE(missing.empty()) << "routes the server has that docs/openapi.yaml does not describe:" << missing;
    EXPECT_TRUE(extra.empty()) << "operations docs/openapi.yaml describes that the server does not have:" << extra;
}

TEST(OpenApi, EachOperationDeclaresTheRolesItsRouteAllows) {
    const Operations server = served();
    const Operations doc = described(openapi_text());
    std::string differ;
    for (const auto& [op, roles] : server) {
        const auto it = doc.find(op);
        if (it != doc.end() && it->second != roles)
            differ += "\n  " + op + ": the server allows " + text(roles) + ", docs/openapi.yaml says " + text(it->second);
    }
    EXPECT_TRUE(differ.empty()) << "x-roles that differ from the route table ([] no token, [*] any token):" << differ;
}

TEST(OpenApi, TheReaderFindsPathsMethodsAndRoles) {
    const Operations doc = described(
        "openapi: 3.1.0\npaths:\n  /a/{id}:\n    get:\n      x-roles: [operations, \"admin\"]\n    put:\n"
        "      summary: x\n  \"/\":\n    get:\n      x-roles: []\ncomponents:\n  /not/a/path:\n    get:\n");
    EXPECT_EQ(doc, (Operations{{"GET /a/{id}", {"operations", "admin"}},
                               {"PUT /a/{id}", {"<x-roles missing>"}},
                               {"GET /", {}}}));
}

}  // namespace
}  // namespace borderlog::server::http
