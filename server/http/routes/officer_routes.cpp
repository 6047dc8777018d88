// The officers' area of the API: MRZ parsing, the traveller view and a booth's status answer,
// anomalies, alerts, the watchlist and the daily report; and the background analyser that judges
// every stored crossing.
#include "common/log.hpp"
#include "core/mrz.hpp"
#include "server/http/db_bridge.hpp"
#include "server/http/responses.hpp"
#include "server/http/routes/routes.hpp"
#include "server/service/anomalies.hpp"
#include "server/service/reports.hpp"
#include "server/service/travelers.hpp"
#include "server/service/watchlist.hpp"
#include "server/storage/officer_store.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

#include <charconv>

namespace borderlog::server::http::routes {

namespace asio = boost::asio;
namespace json = boost::json;
using asio::awaitable;
using beast_http::verb;

namespace {

service::AnalysisRules rules_of(const Services& s) {
    service::AnalysisRules rules;
    rules.stay = {s.config.home_country, s.config.stay_exempt};
    return rules;
}

date::sys_days today() { return date::floor<date::days>(std::chrono::system_clock::now()); }

// The service's rules as the storage's analyst.
Analyst analyst_of(const service::AnalysisRules& rules) {
    return [&rules](const AnalysisBatch& batch) { return service::judge(batch, rules); };
}

AnalysisRun analyse(Store& store, const service::AnalysisRules& rules, bool wait_for_lock, bool sweep) {
    return OfficerStore(store).analyse(service::kAnalysisBatch, wait_for_lock, sweep, service::kAnalysisSettle,
                                       analyst_of(rules));
}

// Before a read of anomalies or alerts: judge what arrived since the analyser's last batch (up to one
// batch), so that an answer reflects the crossings committed before it. A failure here does not stop
// the read; the background analyser tries again.
void catch_up(Store& store, const service::AnalysisRules& rules) {
    try {
        analyse(store, rules, true, false);
    } catch (const std::exception& e) {
        common::log_event(spdlog::level::warn, "analysis_failed", {{"error", e.what()}});
    }
}

// Before a traveller view: judge that document's crossings not judged yet (nothing else), so that the
// view shows their anomalies, without waiting for the analyser's lock or its batch of other documents.
// A failure here does not stop the read; the background analyser judges them.
void judge_document(Store& store, const service::AnalysisRules& rules, const std::string& issuing_country,
                    const std::string& document_number) {
    try {
        OfficerStore(store).judge_document(issuing_country, document_number, analyst_of(rules),
                                           service::kAnalysisBatch);
    } catch (const std::exception& e) {
        common::log_event(spdlog::level::warn, "analysis_failed", {{"error", e.what()}});
    }
}

std::string actor_of(const Principal& p) {
    if (!p.name.empty()) return p.name;
    if (p.role == "device") return "device " + p.device_id;
    return "token " + std::to_string(p.token_id);
}

AuditEvent audit_of(const Call& c, std::string action, std::string target, const json::object& detail) {
    AuditEvent e;
    e.token_id = c.caller.token_id;
    e.role = c.caller.role;
    e.actor = actor_of(c.caller);
    e.address = c.address;
    e.action = std::move(action);
    e.target = std::move(target);
    e.detail_json = json::serialize(detail);
    return e;
}

std::string content_type(const Call& c) { return std::string(c.req[beast_http::field::content_type]); }

bool wants_csv(const Call& c) {
    const auto it = c.query.find("format");
    return it != c.query.end() && it->second == "csv";
}

bool wants_header(const Call& c) {
    const auto it = c.query.find("header");
    return it == c.query.end() || it->second != "false";
}

// --- MRZ ---

awaitable<Reply> parse_mrz(Call& c) {
    const std::string text = service::read_mrz_request(parse_body(c.req));
    const auto parsed = core::parse_mrz(text, current_year());
    if (!parsed)
        throw invalid_field("mrz", "is not a machine readable zone: 2 lines of 44 or 36 characters, or 3 lines of 30, "
                                   "of A-Z, 0-9 and <");
    co_return Reply{json_response(200, service::mrz_json(*parsed), c.req)};
}

// --- travellers ---

awaitable<Reply> read_traveler(Services& s, Call& c) {
    const auto q = service::parse_traveler_query(c.param(0), c.param(1), c.query, today());
    const AuditEvent event = audit_of(c, "traveler.read", service::document_target(q),
                                      {{"on", core::format_day(q.on)}, {"synthetic", q.include_synthetic}});
    const auto rules = rules_of(s);
    auto reading = on_db<json::object>(s.pool, [q, event, rules](Store& store) {
        store.append_audit(event);  // first: no traveller data leaves without its line in the trail
        judge_document(store, rules, q.issuing_country, q.document_number);
        OfficerStore officers(store);
        const auto crossings = officers.traveler_crossings(q.issuing_country, q.document_number, q.include_synthetic);
        const auto anomalies = officers.traveler_anomalies(q.issuing_country, q.document_number, q.include_synthetic);
        return service::traveler_view(crossings, anomalies, q, rules.stay);
    });
    const json::object view = co_await std::move(reading);
    co_return Reply{json_response(200, view, c.req)};
}

// A booth asks about the traveller in front of it: status and stay only.
awaitable<Reply> traveler_status(Services& s, Call& c) {
    const std::string device = c.param(0);
    if (c.caller.device_id != device) throw forbidden("only device " + device + " may ask as itself");
    const auto q = service::parse_traveler_query(c.param(1), c.param(2), c.query, today());
    const AuditEvent event = audit_of(c, "traveler.status", service::document_target(q),
                                      {{"on", core::format_day(q.on)}, {"device_id", device}});
    const auto policy = rules_of(s).stay;
    auto reading = on_db<json::object>(s.pool, [q, event, policy](Store& store) {
        store.append_audit(event);
        const auto crossings =
            OfficerStore(store).traveler_crossings(q.issuing_country, q.document_number, q.include_synthetic);
        return service::traveler_status(crossings, q, policy);
    });
    const json::object status = co_await std::move(reading);
    co_return Reply{json_response(200, status, c.req)};
}

// --- anomalies ---

awaitable<Reply> list_anomalies(Services& s, Call& c) {
    const AnomalyFilter filter = service::parse_anomaly_filter(c.query, true);
    const AuditEvent event = audit_of(c, "anomalies.read", "", {{"query", json::value_from(c.query)}});
    const auto rules = rules_of(s);
    auto listing = on_db<std::vector<AnomalyRow>>(s.pool, [filter, event, rules](Store& store) {
        store.append_audit(event);
        catch_up(store, rules);
        return OfficerStore(store).list_anomalies(filter);
    });
    const auto rows = co_await std::move(listing);
    if (wants_csv(c)) {
        Response res = text_response(200, service::anomalies_csv(rows, wants_header(c)), "text/csv; charset=utf-8", c.req);
        if (rows.size() == static_cast<std::size_t>(filter.limit)) res.set("X-Next-After", std::to_string(rows.back().id));
        co_return Reply{std::move(res)};
    }
    co_return Reply{json_response(200, service::anomalies_page(rows, filter), c.req)};
}

awaitable<Reply> anomaly_summary(Services& s, Call& c) {
    const AnomalyFilter filter = service::parse_anomaly_filter(c.query, false);
    const auto rules = rules_of(s);
    auto counting = on_db<std::vector<AnomalyCount>>(s.pool, [filter, rules](Store& store) {
        catch_up(store, rules);
        return OfficerStore(store).count_anomalies(filter);
    });
    const auto counts = co_await std::move(counting);
    co_return Reply{json_response(200, service::anomaly_summary(counts), c.req)};
}

// --- alerts ---

awaitable<Reply> list_alerts(Services& s, Call& c) {
    const AlertFilter filter = service::parse_alert_filter(c.query);
    const AuditEvent event = audit_of(c, "alerts.read", "", {{"query", json::value_from(c.query)}});
    const auto rules = rules_of(s);
    auto listing = on_db<std::vector<AlertRow>>(s.pool, [filter, event, rules](Store& store) {
        store.append_audit(event);
        catch_up(store, rules);
        return OfficerStore(store).list_alerts(filter);
    });
    const auto rows = co_await std::move(listing);
    co_return Reply{json_response(200, service::alerts_page(rows, filter), c.req)};
}

awaitable<Reply> acknowledge_alert(Services& s, Call& c) {
    std::int64_t id = 0;
    const std::string& text = c.param(0);
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
    if (ec != std::errc{} || end != text.data() + text.size() || id < 1) throw not_found();
    const std::string note = service::read_acknowledgement(c.req.body());
    const std::string by = actor_of(c.caller);
    const AuditEvent event = audit_of(c, "alert.acknowledge", std::to_string(id), {});
    auto acknowledging = on_db<std::optional<AlertRow>>(s.pool, [id, by, note, event](Store& store) {
        auto alert = OfficerStore(store).acknowledge_alert(id, by, note);
        if (alert) store.append_audit(event);
        return alert;
    });
    const auto alert = co_await std::move(acknowledging);
    if (!alert) throw not_found();
    co_return Reply{json_response(200, service::alert_json(*alert), c.req)};
}

// --- watchlist ---

awaitable<Reply> load_watchlist(Services& s, Call& c) {
    const std::string type = content_type(c);
    const bool csv = type.starts_with("text/csv") || type.starts_with("application/csv");
    if (!csv && !type.empty() && !type.starts_with("application/json"))
        throw Problem{415, "unsupported_media_type", "Unsupported media type", "send text/csv or application/json", "", {}};
    auto entries = std::make_shared<std::vector<core::WatchlistEntry>>(
        service::read_watchlist_load(csv ? "text/csv" : "application/json", c.req.body()));
    const std::string by = actor_of(c.caller);
    AuditEvent event = audit_of(c, "watchlist.load", "", {});
    auto loading = on_db<WatchlistLoad>(s.pool, [entries, by, event](Store& store) mutable {
        const WatchlistLoad load = OfficerStore(store).load_watchlist(*entries, by);
        event.target = "version " + std::to_string(load.version);
        event.detail_json = json::serialize(service::watchlist_load_json(load));
        store.append_audit(event);
        return load;
    });
    const WatchlistLoad load = co_await std::move(loading);
    common::log_event(spdlog::level::info, "watchlist_loaded",
                      {{"version", load.version}, {"entries", load.entries}, {"added", load.added},
                       {"removed", load.removed}, {"by", by}});
    co_return Reply{json_response(201, service::watchlist_load_json(load), c.req)};
}

awaitable<Reply> pull_watchlist(Services& s, Call& c) {
    const std::int64_t since = service::parse_watchlist_since(c.query);
    auto reading = on_db<WatchlistDelta>(s.pool, [since](Store& store) { return OfficerStore(store).watchlist_since(since); });
    const WatchlistDelta delta = co_await std::move(reading);
    co_return Reply{json_response(200, service::watchlist_delta_json(delta, since), c.req)};
}

// --- reports ---

awaitable<Reply> daily_report(Services& s, Call& c) {
    const service::DailyReportQuery q = service::parse_daily_report_query(c.query, today());
    auto counting = on_db<std::vector<DailyCount>>(
        s.pool, [q](Store& store) { return OfficerStore(store).daily_counts(q.date, q.synthetic); });
    const auto counts = co_await std::move(counting);
    if (q.csv)
        co_return Reply{text_response(200, service::daily_report_csv(counts, q), "text/csv; charset=utf-8", c.req)};
    co_return Reply{json_response(200, service::daily_report_json(counts, q), c.req)};
}

}  // namespace

void add_officer_routes(Router& router, Services& s) {
    const std::vector<std::string> operators{"operations", "admin"};
    router.add({verb::post, "/api/v1/mrz/parse", access::kAnyToken, [](Call& c) { return parse_mrz(c); }});
    router.add({verb::get, "/api/v1/travelers/{doc_country}/{doc_number}", operators,
                [&s](Call& c) { return read_traveler(s, c); }});
    router.add({verb::get, "/api/v1/devices/{device}/travelers/{doc_country}/{doc_number}/status", {"device"},
                [&s](Call& c) { return traveler_status(s, c); }, true});
    router.add({verb::get, "/api/v1/anomalies", operators, [&s](Call& c) { return list_anomalies(s, c); }});
    router.add({verb::get, "/api/v1/anomalies/summary", operators, [&s](Call& c) { return anomaly_summary(s, c); }});
    router.add({verb::get, "/api/v1/alerts", operators, [&s](Call& c) { return list_alerts(s, c); }});
    router.add({verb::post, "/api/v1/alerts/{id}/acknowledge", operators,
                [&s](Call& c) { return acknowledge_alert(s, c); }});
    router.add({verb::post, "/api/v1/watchlist", {"admin"}, [&s](Call& c) { return load_watchlist(s, c); }});
    router.add({verb::get, "/api/v1/watchlist", {"device", "admin"}, [&s](Call& c) { return pull_watchlist(s, c); },
                true});
    router.add({verb::get, "/api/v1/reports/daily", operators, [&s](Call& c) { return daily_report(s, c); }});
}

awaitable<void> run_analyser(Services& s) {
    asio::steady_timer timer(co_await asio::this_coro::executor);
    const auto rules = rules_of(s);
    bool failing = false;
    auto last_sweep = std::chrono::steady_clock::now() - service::kAnalysisSweepEvery;
    while (!s.draining) {
        std::chrono::milliseconds pause{250};
        try {
            const bool sweep = std::chrono::steady_clock::now() - last_sweep >= service::kAnalysisSweepEvery;
            auto analysing =
                on_db<AnalysisRun>(s.pool, [rules, sweep](Store& store) { return analyse(store, rules, false, sweep); });
            const AnalysisRun run = co_await std::move(analysing);
            if (sweep && !run.locked_out) last_sweep = std::chrono::steady_clock::now();
            if (run.analysed > 0)
                common::log_event(spdlog::level::debug, "analysed",
                                  {{"crossings", run.analysed}, {"watermark", run.watermark}});
            if (failing) common::log_event(spdlog::level::info, "analysis_resumed");
            failing = false;
            if (run.more) pause = std::chrono::milliseconds{20};  // a backlog: keep going, leave room for ingest
        } catch (const std::exception& e) {
            if (!failing) common::log_event(spdlog::level::warn, "analysis_failed", {{"error", e.what()}});
            failing = true;
            pause = std::chrono::milliseconds{2000};
        }
        timer.expires_after(pause);
        co_await timer.async_wait(asio::use_awaitable);
    }
}

}  // namespace borderlog::server::http::routes
