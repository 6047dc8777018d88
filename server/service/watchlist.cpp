#include "server/service/watchlist.hpp"

#include "core/crossing.hpp"
#include "core/crossing_json.hpp"
#include "core/errors.hpp"
#include "core/text.hpp"
#include "core/time.hpp"

#include <boost/json.hpp>

#include <charconv>
#include <set>

namespace borderlog::server::service {

namespace json = boost::json;

namespace {

std::int64_t whole_number(const std::string& text, const char* field, std::int64_t lo, std::int64_t hi) {
    std::int64_t v = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc{} || end != text.data() + text.size() || v < lo || v > hi)
        throw core::ValidationError(field, "must be a whole number from " + std::to_string(lo) + " to " +
                                               std::to_string(hi));
    return v;
}

std::string timestamp(const std::string& value, const char* key) {
    const auto t = core::parse_rfc3339(value);
    if (!t) throw core::ValidationError(key, "must be an RFC 3339 timestamp, e.g. 2026-11-27T00:00:00Z");
    return core::format_rfc3339(*t);
}

}  // namespace

std::vector<core::WatchlistEntry> read_watchlist_load(std::string_view content_type, const std::string& body) {
    if (content_type.starts_with("text/csv")) {
        if (!core::is_utf8(body)) throw core::ValidationError("csv", "is not UTF-8 text (save the file as UTF-8)");
        return core::read_watchlist_csv(body);
    }
    boost::system::error_code ec;
    const json::value v = json::parse(body, ec);
    if (ec) throw core::ValidationError("entries", "the body is not valid JSON");
    return core::read_watchlist_json(v);
}

json::object watchlist_load_json(const WatchlistLoad& load) {
    return {{"version", load.version},
            {"entries", load.entries},
            {"added", load.added},
            {"removed", load.removed}};
}

std::int64_t parse_watchlist_since(const std::map<std::string, std::string>& query) {
    std::int64_t since = 0;
    for (const auto& [key, value] : query) {
        if (key != "since") throw core::ValidationError(key, "is not a known parameter");
        since = whole_number(value, "since", 0, core::limits::kMaxSeq);
    }
    return since;
}

json::object watchlist_delta_json(const WatchlistDelta& delta, std::int64_t since) {
    json::array added;
    added.reserve(delta.added.size());
    for (const auto& e : delta.added) added.push_back(core::to_json(e));
    json::array removed;
    for (const auto& id : delta.removed) removed.emplace_back(id);
    return {{"version", delta.version},
            {"since", since},
            {"full", delta.full},
            {"added", std::move(added)},
            {"removed", std::move(removed)}};
}

AlertFilter parse_alert_filter(const std::map<std::string, std::string>& query) {
    static const std::set<std::string> kKnown{"checkpoint", "from", "to", "late", "state", "synthetic", "limit", "after"};
    AlertFilter f;
    for (const auto& [key, value] : query) {
        if (!kKnown.count(key)) throw core::ValidationError(key, "is not a known parameter");
        if (value.empty()) continue;
        if (key == "checkpoint") {
            if (!core::is_identifier(value)) throw core::ValidationError("checkpoint", "is not a valid identifier");
            f.checkpoint = value;
        } else if (key == "from") {
            f.from = timestamp(value, "from");
        } else if (key == "to") {
            f.to = timestamp(value, "to");
        } else if (key == "late") {
            if (value != "true" && value != "false") throw core::ValidationError("late", "must be true or false");
            f.late = value == "true";
        } else if (key == "state") {
            if (value != "open" && value != "acknowledged" && value != "all")
                throw core::ValidationError("state", "must be open, acknowledged or all");
            f.state = value;
        } else if (key == "synthetic") {
            if (value != "exclude" && value != "include" && value != "only")
                throw core::ValidationError("synthetic", "must be exclude, include or only");
            f.synthetic = value;
        } else if (key == "limit") {
            f.limit = static_cast<int>(whole_number(value, "limit", 1, 1000));
        } else {
            f.after = whole_number(value, "after", 0, core::limits::kMaxSeq);
        }
    }
    return f;
}

json::object alert_json(const AlertRow& a) {
    const AlertFinding& f = a.finding;
    const auto or_null = [](const std::string& s) { return s.empty() ? json::value(nullptr) : json::value(s); };
    return {{"id", a.id},
            {"late", f.late},
            {"action", f.action},
            {"reason", f.reason},
            {"matched_by", f.matched_by},
            {"entry_id", f.entry_id},
            {"entry_version", f.entry_version},
            {"record_watchlist_version", f.record_watchlist_version > 0 ? json::value(f.record_watchlist_version)
                                                                        : json::value(nullptr)},
            {"crossing_id", f.crossing.crossing_id},
            {"checkpoint_id", f.crossing.checkpoint_id},
            {"device_id", f.crossing.device_id},
            {"direction", f.crossing.direction},
            {"occurred_at", f.crossing.occurred_at},
            {"traveler", core::to_json(a.traveler)},
            {"synthetic", f.crossing.synthetic},
            {"raised_at", a.raised_at},
            {"state", a.acknowledged_at.empty() ? "open" : "acknowledged"},
            {"acknowledged_at", or_null(a.acknowledged_at)},
            {"acknowledged_by", or_null(a.acknowledged_by)},
            {"note", or_null(a.note)}};
}

json::object alerts_page(const std::vector<AlertRow>& rows, const AlertFilter& filter) {
    json::array items;
    items.reserve(rows.size());
    for (const auto& r : rows) items.push_back(alert_json(r));
    json::value next = nullptr;
    if (!rows.empty() && rows.size() == static_cast<std::size_t>(filter.limit)) next = std::to_string(rows.back().id);
    return {{"alerts", std::move(items)}, {"next_after", std::move(next)}};
}

std::string read_acknowledgement(const std::string& body) {
    if (body.empty()) return {};
    boost::system::error_code ec;
    const json::value v = json::parse(body, ec);
    if (ec || !v.is_object()) throw core::ValidationError("note", "send {\"note\":\"...\"} or no body");
    std::string note;
    for (const auto& kv : v.get_object()) {
        if (kv.key() != "note") throw core::ValidationError(std::string(kv.key()), "is not a known field");
        if (!kv.value().is_string() || !core::is_text(kv.value().get_string(), 500))
            throw core::ValidationError("note", "must be printable text of at most 500 bytes");
        note = kv.value().get_string();
    }
    return note;
}

}  // namespace borderlog::server::service
