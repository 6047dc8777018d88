// The route modules: each adds the routes of one area of the API to the table. Handlers stay thin:
// a request to a use-case call, its result to an answer.
#pragma once

#include "server/http/router.hpp"
#include "server/http/services.hpp"

namespace borderlog::server::http::routes {

void add_health_routes(Router& router, Services& services);    // /livez, /readyz, /healthz
void add_crossing_routes(Router& router, Services& services);  // ingest, batch, list
void add_device_routes(Router& router, Services& services);    // token, reconcile, heartbeat
void add_admin_routes(Router& router, Services& services);     // central-offline
void add_fleet_routes(Router& router, Services& services);     // checkpoints, events (operations)
void add_session_routes(Router& router, Services& services);   // dashboard sign-in and sign-out
void add_web_routes(Router& router, Services& services);       // dashboard pages, openapi.yaml, metrics
void add_rejected_routes(Router& router, Services& services);  // the central quarantine
void add_officer_routes(Router& router, Services& services);   // MRZ, travellers, anomalies, alerts, watchlist, reports
void add_drill_routes(Router& router, Services& services);     // drills: start, list, state, stop, report
void add_audit_routes(Router& router, Services& services);     // the audit trail (admins)

// Keeps the central-offline switch in step with the database (other instances may flip it).
boost::asio::awaitable<void> watch_central_state(Services& services);

// Keeps the fleet view current and shared until the server drains (see fleet_routes.cpp).
boost::asio::awaitable<void> run_fleet(Services& services);
// Keeps this instance's drills in step with the database, labels the fleet view and /metrics, and
// writes what the drills saw (heartbeat samples, counts) until the server drains (see drill_routes.cpp).
boost::asio::awaitable<void> run_drills(Services& services);
// Writes the drill counts not written yet (resends answered duplicate, lost acks). The drain calls it
// once the last connection is closed, so that answers given after run_drills stopped are kept too.
boost::asio::awaitable<void> save_drill_counts(Services& services);
// Judges stored crossings in the background (anomalies, watchlist alerts) until the server drains.
boost::asio::awaitable<void> run_analyser(Services& services);

}  // namespace borderlog::server::http::routes
