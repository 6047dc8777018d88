// The fleet view: GET /api/v1/checkpoints[/{id}], the live events of /api/v1/events, and the work that
// keeps the view current: writing it back to PostgreSQL, hearing the other instances through
// LISTEN/NOTIFY, and counting what only the database knows (quarantine, crossings per lane).
#include "common/log.hpp"
#include "server/http/db_bridge.hpp"
#include "server/http/responses.hpp"
#include "server/http/routes/routes.hpp"
#include "server/storage/notification_listener.hpp"
#include "server/storage/session_role.hpp"
#include "server/storage/sql.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

namespace borderlog::server::http::routes {

namespace asio = boost::asio;
namespace json = boost::json;
using asio::awaitable;
using beast_http::verb;
using std::chrono::milliseconds;
using std::chrono::seconds;

namespace {

const std::vector<std::string> kFleetReaders{"operations", "admin", "trainer"};

constexpr milliseconds kEventPoll{200};     // how often a stream looks for changes (the 2-second bound)
constexpr seconds kEventPing{15};           // an event at least this often, so a dropped stream shows
constexpr milliseconds kFleetPeriod{250};   // the fleet's own loop: tick, write back
constexpr seconds kCountsPeriod{2};         // quarantine, crossings per lane, ingest rate
constexpr seconds kPrunePeriod{300};

awaitable<Reply> list_checkpoints(Services& s, Call& c) {
    co_return Reply{json_response(200, s.fleet.view(core::now_millis()), c.req)};
}

awaitable<Reply> one_checkpoint(Services& s, Call& c) {
    const auto now = core::now_millis();
    auto checkpoint = s.fleet.checkpoint_view(c.param(0), now);
    if (!checkpoint) throw not_found();
    json::object body = s.fleet.summary_view(now);
    body["checkpoint"] = std::move(*checkpoint);
    co_return Reply{json_response(200, body, c.req)};
}

std::string sse(const char* event, const json::value& data, std::uint64_t id) {
    return std::string("id: ") + std::to_string(id) + "\nevent: " + event + "\ndata: " + json::serialize(data) + "\n\n";
}

awaitable<Reply> events(Services& s, Call& c) {
    Response head{beast_http::status::ok, c.req.version()};
    head.set(beast_http::field::content_type, "text/event-stream; charset=utf-8");
    head.set(beast_http::field::cache_control, "no-store");
    head.set("X-Accel-Buffering", "no");  // a proxy in front must not hold events back
    Reply reply{std::move(head)};
    reply.stream = [&s](EventSink& sink) -> awaitable<void> {
        ++s.metrics.event_streams();
        struct Leave {
            Services& s;
            ~Leave() { --s.metrics.event_streams(); }
        } leave{s};
        std::uint64_t version = s.fleet.version();
        auto first = sink.write("retry: 1000\n" + sse("snapshot", s.fleet.view(core::now_millis()), version));
        if (!co_await std::move(first)) co_return;
        asio::steady_timer timer(co_await asio::this_coro::executor);
        auto last_sent = std::chrono::steady_clock::now();
        while (!sink.closing()) {
            timer.expires_after(kEventPoll);
            auto waiting = timer.async_wait(asio::use_awaitable);
            co_await std::move(waiting);
            const std::uint64_t now_version = s.fleet.version();
            std::string message;
            const auto now = core::now_millis();
            if (now_version != version) {
                const auto changed = s.fleet.changed_since(version);
                version = now_version;
                json::object body = s.fleet.summary_view(now);
                json::array checkpoints;
                for (const auto& id : changed)
                    if (auto cp = s.fleet.checkpoint_view(id, now)) checkpoints.push_back(std::move(*cp));
                body["checkpoints"] = std::move(checkpoints);
                message = sse("change", body, version);
            } else if (std::chrono::steady_clock::now() - last_sent >= kEventPing) {
                message = sse("ping", json::object{{"at", core::format_rfc3339(now)}}, version);
            } else {
                continue;
            }
            auto writing = sink.write(std::move(message));
            if (!co_await std::move(writing)) co_return;
            last_sent = std::chrono::steady_clock::now();
        }
    };
    co_return reply;
}

// Whether the database is reachable, as the fleet's own work and the listener find it.
struct DatabaseHealth {
    std::atomic<bool> listener{true};
    std::atomic<bool> work{true};
    void publish(service::Fleet& fleet) { fleet.set_database_available(listener && work); }
};

}  // namespace

void add_fleet_routes(Router& router, Services& s) {
    router.add({verb::get, "/api/v1/checkpoints", kFleetReaders, [&s](Call& c) { return list_checkpoints(s, c); }});
    router.add({verb::get, "/api/v1/checkpoints/{checkpoint}", kFleetReaders,
                [&s](Call& c) { return one_checkpoint(s, c); }});
    router.add({verb::get, "/api/v1/events", kFleetReaders, [&s](Call& c) { return events(s, c); }});
}

awaitable<void> run_fleet(Services& s) {
    s.fleet.configure({s.config.silent_after});
    auto health = std::make_shared<DatabaseHealth>();
    s.fleet_listener = std::make_unique<NotificationListener>(
        with_session_role(s.config.db_url, s.config.db_role), sql::kFleetChannel,
        NotificationListener::Callbacks{[&s](const std::string& payload) {
             const auto n = service::parse_notification(payload);
             if (!n || n->instance == s.instance_id) return;
             if (n->row) s.fleet.merge(*n->row);
             else s.fleet.request_reload();
         },
         [&s, health](bool connected) {
             health->listener = connected;
             // Notifications may have been missed while disconnected: read everything again.
             if (connected) s.fleet.request_reload();
             health->publish(s.fleet);
         }});
    const auto succeeded = [&] {
        health->work = true;
        health->publish(s.fleet);
    };
    const auto failed = [&](const char* what, const std::exception& e) {
        if (health->work)
            common::log_event(spdlog::level::warn, "fleet_database_unavailable", {{"during", what}, {"error", e.what()}});
        health->work = false;
        health->publish(s.fleet);
    };

    asio::steady_timer timer(co_await asio::this_coro::executor);
    bool loaded = false;
    std::optional<std::int64_t> ingest_cursor;
    auto next_counts = std::chrono::steady_clock::now();
    auto next_prune = std::chrono::steady_clock::now();
    const auto span = s.fleet.options().history_span;
    while (!s.draining) {
        const auto now = core::now_millis();
        s.fleet.set_central_offline(s.central.offline());
        s.fleet.tick(now);
        try {
            if (!loaded || s.fleet.take_reload_request()) {
                const std::string since = core::format_rfc3339(now - span);
                auto loading = on_db<FleetSnapshot>(s.pool, [since](Store& store) { return store.load_fleet(since); });
                s.fleet.load(co_await std::move(loading));
                loaded = true;
            }
            // What changed here goes to the database, and from there to the other instances.
            const auto dirty = s.fleet.take_dirty();
            if (!dirty.empty()) {
                auto notes = std::make_shared<std::vector<std::string>>();
                for (const auto& row : dirty.devices) notes->push_back(service::notification_payload(row, s.instance_id));
                auto saving = on_db<bool>(s.pool, [dirty, notes](Store& store) {
                    store.save_fleet(dirty.devices, dirty.samples, *notes);
                    return true;
                });
                try {
                    co_await std::move(saving);
                } catch (...) {
                    s.fleet.give_back(dirty);  // written when the database returns
                    throw;
                }
            }
            if (std::chrono::steady_clock::now() >= next_counts) {
                next_counts = std::chrono::steady_clock::now() + kCountsPeriod;
                auto counting = on_db<FleetCounts>(
                    s.pool, [cursor = ingest_cursor](Store& store) { return store.fleet_counts(cursor); });
                const FleetCounts counts = co_await std::move(counting);
                s.fleet.counts(counts, now);  // the first count only finds the cursor: nothing ingested yet
                s.fleet.set_open_issues(counts.open_anomalies, counts.open_alerts);
                ingest_cursor = counts.ingest_cursor;
            }
            if (std::chrono::steady_clock::now() >= next_prune) {
                next_prune = std::chrono::steady_clock::now() + kPrunePeriod;
                const std::string before = core::format_rfc3339(now - span - seconds{600});
                auto pruning = on_db<bool>(s.pool, [before](Store& store) {
                    store.prune_fleet(before);
                    return true;
                });
                co_await std::move(pruning);
            }
            succeeded();
        } catch (const std::exception& e) {
            failed("fleet", e);
        }
        timer.expires_after(kFleetPeriod);
        auto waiting = timer.async_wait(asio::use_awaitable);
        co_await std::move(waiting);
    }
    // A last write-back, so that a restart finds what this instance heard last.
    try {
        const auto dirty = s.fleet.take_dirty();
        if (!dirty.empty()) {
            auto saving = on_db<bool>(s.pool, [dirty](Store& store) {
                store.save_fleet(dirty.devices, dirty.samples, {});
                return true;
            });
            co_await std::move(saving);
        }
    } catch (const std::exception&) {
    }
    s.fleet_listener.reset();
}

}  // namespace borderlog::server::http::routes
