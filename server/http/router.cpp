#include "server/http/router.hpp"

#include <algorithm>

namespace borderlog::server::http {

bool Route::allows(const std::string& role) const {
    if (roles.empty()) return true;
    return std::any_of(roles.begin(), roles.end(), [&](const std::string& r) { return r == "*" || r == role; });
}

std::vector<std::string> split_pattern(std::string_view pattern) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start < pattern.size()) {
        if (pattern[start] == '/') {
            ++start;
            continue;
        }
        const auto end = std::min(pattern.find('/', start), pattern.size());
        out.emplace_back(pattern.substr(start, end - start));
        start = end;
    }
    return out;
}

void Router::add(Route route) {
    split_.push_back(split_pattern(route.pattern));
    routes_.push_back(std::move(route));
}

Router::Match Router::match(beast_http::verb method, const std::vector<std::string>& segments) const {
    bool path_known = false;
    for (std::size_t i = 0; i < routes_.size(); ++i) {
        const auto& pattern = split_[i];
        if (pattern.size() != segments.size()) continue;
        std::vector<std::string> params;
        bool fits = true;
        for (std::size_t k = 0; k < pattern.size() && fits; ++k) {
            const auto& p = pattern[k];
            if (p.size() > 2 && p.front() == '{' && p.back() == '}') {
                if (segments[k].empty()) fits = false;
                params.push_back(segments[k]);
            } else {
                fits = p == segments[k];
            }
        }
        if (!fits) continue;
        path_known = true;
        if (routes_[i].method == method) return {&routes_[i], std::move(params)};
    }
    if (path_known)
        throw Problem{405, "method_not_allowed", "Method not allowed", "this path does not take that method", "", {}};
    throw Problem{404, "not_found", "Not found", "no such resource", "", {}};
}

}  // namespace borderlog::server::http
