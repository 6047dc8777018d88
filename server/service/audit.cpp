#include "server/service/audit.hpp"
#include "server/service/query_params.hpp"

#include "core/errors.hpp"
#include "core/text.hpp"
#include "core/time.hpp"
#include "server/service/csv.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <array>
#include <charconv>

namespace borderlog::server::service {

namespace json = boost::json;

namespace {

constexpr int kDefaultLimit = 100;
constexpr int kMaxLimit = 1000;

// Action names are lower-case words joined by dots and underscores (session.sign_in_failed).
bool action_name(std::string_view s) {
    return !s.empty() && s.size() <= 64 && std::all_of(s.begin(), s.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_';
    });
}

}  // namespace

AuditFilter parse_audit_filter(const std::map<std::string, std::string>& q) {
    static constexpr std::array<const char*, 10> kKnown{"action", "actor", "token",  "token_id", "from",
                                                        "to",     "limit", "after", "format",   "header"};
    for (const auto& [key, value] : q)
        if (std::none_of(kKnown.begin(), kKnown.end(), [&](const char* k) { return key == k; }))
            throw core::ValidationError(key, "is not a known filter");
    AuditFilter f;
    if (auto action = param(q, "action")) {
        const bool prefix = action->back() == '*';
        if (prefix) action->pop_back();
        if (!action_name(*action))
            throw core::ValidationError("action", "must be an action name such as token.create, or a prefix ending "
                                                  "in * such as token.*");
        (prefix ? f.action_prefix : f.action) = *action;
    }
    f.actor = param(q, "actor");
    if (f.actor && (f.actor->size() > 200 || !core::is_utf8(*f.actor) || !core::is_printable(*f.actor)))
        throw core::ValidationError("actor", "must be printable text of at most 200 bytes");
    // `token_id`, as the events name it, is taken for `token` too; not both.
    if (param(q, "token") && param(q, "token_id"))
        throw core::ValidationError("token_id", "give token or token_id, not both");
    for (const char* key : {"token", "token_id"})
        if (const auto token = param(q, key)) f.token_id = whole_number(*token, key, 1, INT64_MAX);
    f.from = timestamp(q, "from");
    f.to = timestamp(q, "to");
    if (const auto limit = param(q, "limit")) f.limit = static_cast<int>(whole_number(*limit, "limit", 1, kMaxLimit));
    else f.limit = kDefaultLimit;
    if (const auto after = param(q, "after")) f.after = whole_number(*after, "after", 0, INT64_MAX);
    if (const auto format = param(q, "format"); format && *format != "json" && *format != "csv")
        throw core::ValidationError("format", "must be json or csv");
    if (const auto header = param(q, "header"); header && *header != "true" && *header != "false")
        throw core::ValidationError("header", "must be true or false");
    return f;
}

json::object audit_event_json(const AuditRow& r) {
    const auto text_or_null = [](const std::string& v) { return v.empty() ? json::value(nullptr) : json::value(v); };
    boost::system::error_code ec;
    json::value detail = json::parse(r.detail_json, ec);
    if (ec) detail = json::object{};
    return json::object{{"id", r.id},
                        {"at", r.at},
                        {"action", r.action},
                        {"actor", text_or_null(r.actor)},
                        {"token_id", r.token_id ? json::value(*r.token_id) : json::value(nullptr)},
                        {"role", text_or_null(r.role)},
                        {"address", text_or_null(r.address)},
                        {"target", text_or_null(r.target)},
                        {"detail", std::move(detail)}};
}

json::object audit_page(const std::vector<AuditRow>& rows, const AuditFilter& filter) {
    json::array events;
    for (const auto& r : rows) events.push_back(audit_event_json(r));
    const bool full = rows.size() == static_cast<std::size_t>(filter.limit) && !rows.empty();
    return json::object{{"events", std::move(events)},
                        {"next_after", full ? json::value(std::to_string(rows.back().id)) : json::value(nullptr)}};
}

std::string audit_csv(const std::vector<AuditRow>& rows, bool with_header) {
    std::string out;
    if (with_header) out += csv_line({"id", "at", "action", "actor", "token_id", "role", "address", "target", "detail"});
    for (const auto& r : rows) {
        const std::string id = std::to_string(r.id);
        const std::string token = r.token_id ? std::to_string(*r.token_id) : "";
        out += csv_line({id, r.at, r.action, r.actor, token, r.role, r.address, r.target, r.detail_json});
    }
    return out;
}

AuditEvent command_line_token_event(const std::string& action, const Principal& token, const std::string& os_user,
                                    const std::string& sudo_user) {
    json::object detail{{"via", "command line"},
                        {"token_id", token.token_id},
                        {"role", token.role},
                        {"name", token.name}};
    if (!token.checkpoint_id.empty()) detail["checkpoint_id"] = token.checkpoint_id;
    if (!token.device_id.empty()) detail["device_id"] = token.device_id;
    if (!sudo_user.empty()) detail["sudo_user"] = sudo_user;
    AuditEvent e;
    e.actor = os_user.empty() ? "unknown" : os_user;
    e.action = action;
    e.target = "token/" + std::to_string(token.token_id);
    e.detail_json = json::serialize(detail);
    return e;
}

}  // namespace borderlog::server::service
