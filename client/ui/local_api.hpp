// The officer screen's local API: JSON in, JSON out, served by the daemon itself (ui_server.hpp) so
// that it works with the centre gone. Each call is a plain function of the outbox (or, for the
// traveller's status, of an HTTP client to the centre): no sockets here, so they are tested as they are.
// The calls and their answers are documented in docs/checkpoint.md ("The officer screen").
#pragma once

#include "client/client_config.hpp"
#include "client/queue/outbox.hpp"
#include "client/sync/http_client.hpp"
#include "core/time.hpp"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <chrono>
#include <filesystem>
#include <map>
#include <stdexcept>
#include <string>

namespace borderlog::client::ui {

// A refusal, answered as problem+json {"type","title","status","detail","code","field"?, ...extra}.
struct ApiProblem : std::runtime_error {
    unsigned status;
    std::string code;
    std::string title;
    std::string field;
    boost::json::object extra;

    ApiProblem(unsigned status_, std::string code_, std::string title_, std::string detail, std::string field_ = "",
               boost::json::object extra_ = {});
    boost::json::object json() const;
};

// 400 invalid_field naming `field`.
ApiProblem invalid_field(const std::string& field, const std::string& message);

struct ApiAnswer {
    unsigned status = 200;
    boost::json::object body;
};

// Bounds on what the screen may send, beyond the crossing's own rules.
inline constexpr std::size_t kMaxMrzBytes = 400;
inline constexpr std::int64_t kMaxRecent = 50;

// What the screen's banner shows: the terminal, the centre as the last contact left it, the backlog,
// the last sync, a drill, the watchlist copy. `default_lane` is the daemon's --lane.
ApiAnswer api_state(Outbox& outbox, const ClientConfig& config, const std::string& default_lane, core::Millis now);

// POST mrz/parse {"mrz"}: the MRZ read locally (as the centre's POST /api/v1/mrz/parse answers it) and
// its traveller screened against the watchlist copy ("watchlist"). 400 invalid_field (mrz) only when
// the text is not an MRZ at all.
ApiAnswer api_parse(Outbox& outbox, const boost::json::value& body, core::Millis now);

// POST screen {"traveler":{...}}: a traveller typed by hand, screened against the watchlist copy.
ApiAnswer api_screen(Outbox& outbox, const boost::json::value& body, core::Millis now);

// POST crossings {"direction", "mrz" | "traveler", "lane"?, "officer_id"?, "transport"?, "force"?}:
// records the crossing, durable when the answer leaves: 201 {"record","watchlist","central"}. A wrong
// check digit without "force": 422 mrz_invalid naming the MRZ field ("mrz.document_number") with every
// fault in "errors"; with "force": true the record is flagged mrz_invalid. Other faults: 400
// invalid_field naming the field ("traveler.birth_date").
ApiAnswer api_record(Outbox& outbox, const ClientConfig& config, const boost::json::value& body, core::Millis now);

// GET crossings?lane=L&limit=N: the newest records still held (of lane L), newest first.
ApiAnswer api_recent(Outbox& outbox, const std::map<std::string, std::string>& query);

// GET lanes: every lane's last count. PUT lanes/{lane} {"waiting"}: a new count for one lane, in the
// store `borderlog-checkpoint queue` writes (sent with the next heartbeat).
ApiAnswer api_lanes(Outbox& outbox);
ApiAnswer api_set_lane(Outbox& outbox, const std::filesystem::path& queue_lock, const std::string& lane,
                       const boost::json::value& body, core::Millis now);

// GET travelers/{doc_country}/{doc_number}/status: the centre's answer for this device
// ({"centre":"online","status","stay","on"}), or {"centre":"offline"|"error","detail"} when it does not
// answer in time, is switched offline or refuses. Never anything the centre did not say.
ApiAnswer api_traveler_status(HttpClient& centre, const ClientConfig& config, const std::string& doc_country,
                              const std::string& doc_number);

}  // namespace borderlog::client::ui
