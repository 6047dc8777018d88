#include "server/service/query_params.hpp"

#include "core/errors.hpp"
#include "core/time.hpp"

#include <charconv>

namespace borderlog::server::service {

std::optional<std::string> param(const std::map<std::string, std::string>& q, const char* key) {
    const auto it = q.find(key);
    if (it == q.end() || it->second.empty()) return std::nullopt;
    return it->second;
}

std::int64_t whole_number(const std::string& text, const char* field, std::int64_t lo, std::int64_t hi) {
    std::int64_t v = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc{} || end != text.data() + text.size() || v < lo || v > hi)
        throw core::ValidationError(field, "must be a whole number from " + std::to_string(lo) + " to " +
                                               std::to_string(hi));
    return v;
}

std::optional<std::string> timestamp(const std::map<std::string, std::string>& q, const char* key) {
    auto v = param(q, key);
    if (!v) return v;
    const auto t = core::parse_rfc3339(*v);
    if (!t) throw core::ValidationError(key, "must be an RFC 3339 timestamp, e.g. 2026-11-27T00:00:00Z");
    return core::format_rfc3339(*t);
}

}  // namespace borderlog::server::service
