// borderlogctl: operations staff, trainers and admins talk to the server's HTTP API with a token.
#include "client/client_config.hpp"
#include "client/ctl/drill_commands.hpp"
#include "client/ctl/officer_commands.hpp"
#include "client/sync/http_client.hpp"
#include "common/config.hpp"
#include "core/time.hpp"

#include <boost/json.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

#include <algorithm>
#include <iostream>
#include <optional>
#include <sstream>

namespace json = boost::json;
using namespace borderlog;

namespace {

struct Connection {
    std::string server = "http://127.0.0.1:8080";
    std::string token;
    int timeout_s = 30;
    client::TlsOptions tls;
    bool insecure_http = false;
};

// --ca, --client-cert, --client-key and --insecure-http: how an https:// server is trusted.
void add_tls_options(CLI::App& app, Connection& c) {
    app.add_option("--ca", c.tls.ca_file, "PEM CA certificate the server's certificate must chain to (default: the "
                                          "system's CAs)");
    app.add_option("--client-cert", c.tls.client_cert_file, "a PEM client certificate to show the server");
    app.add_option("--client-key", c.tls.client_key_file, "the PEM private key of --client-cert");
    app.add_flag("--insecure-http", c.insecure_http, "allow a plain http:// --server on another host");
}

// The TLS options fit the URL. Returns an error message, or empty.
std::string check_tls_options(const Connection& c) {
    const bool https = c.server.rfind("https://", 0) == 0;
    if (!https && !c.tls.ca_file.empty()) return "--ca: goes with an https:// --server";
    if (!https && !c.tls.client_cert_file.empty()) return "--client-cert: goes with an https:// --server";
    if (c.tls.client_cert_file.empty() != c.tls.client_key_file.empty())
        return "--client-cert: --client-cert and --client-key go together";
    return {};
}

// Prints a problem+json answer as one line naming its code, and returns exit code 1 (3 when the
// server is unavailable).
int report_failure(const client::HttpResponse& res) {
    std::string detail = res.body;
    boost::system::error_code ec;
    const json::value v = json::parse(res.body, ec);
    if (!ec && v.is_object()) {
        const auto& o = v.get_object();
        detail.clear();
        for (const char* key : {"code", "detail", "field"})
            if (const auto* f = o.if_contains(key); f && f->is_string())
                detail += (detail.empty() ? "" : ": ") + std::string(f->get_string());
    }
    std::cerr << "borderlogctl: the server answered " << res.status << " " << detail << "\n";
    return res.status == 503 ? 3 : 1;
}

std::string query_part(const std::string& key, const std::string& value) {
    return key + "=" + boost::urls::encode(value, boost::urls::unreserved_chars);
}

int central_offline(client::HttpClient& http, const Connection& c, const std::string& state, const std::string& reason) {
    std::string body;
    const char* method = "GET";
    if (state == "on") {
        method = "PUT";
        body = json::serialize(json::object{{"reason", reason}});
    } else if (state == "off") {
        method = "DELETE";
    }
    const auto res = http.request(method, "/api/v1/admin/central-offline", body, c.token);
    if (res.status != 200) return report_failure(res);
    std::cout << res.body << "\n";
    return 0;
}

struct ListOptions {
    std::string checkpoint, device, direction, doc_country, doc_number, from, to, synthetic;
    int limit = 100;
    std::string after;
    bool all = false, csv = false, as_json = false;
};

int list_crossings(client::HttpClient& http, const Connection& c, const ListOptions& o) {
    std::string after = o.after;
    bool first_page = true;
    for (;;) {
        std::string target = "/api/v1/crossings?" + query_part("limit", std::to_string(o.limit));
        for (const auto& [key, value] : {std::pair{"checkpoint", &o.checkpoint}, {"device", &o.device},
                                         {"direction", &o.direction}, {"doc_country", &o.doc_country},
                                         {"doc_number", &o.doc_number}, {"from", &o.from}, {"to", &o.to},
                                         {"synthetic", &o.synthetic}})
            if (!value->empty()) target += "&" + query_part(key, *value);
        if (!after.empty()) target += "&" + query_part("after", after);
        if (o.csv) target += std::string("&format=csv&header=") + (first_page ? "true" : "false");
        const auto res = http.request("GET", target, "", c.token);
        if (res.status != 200) return report_failure(res);
        std::string next;
        if (o.csv) {
            std::cout << res.body;
            // The CSV body carries no cursor; a full page means there may be more.
            const auto lines = std::count(res.body.begin(), res.body.end(), '\n') - (first_page ? 1 : 0);
            if (lines == o.limit) {
                const auto page = http.request("GET", target.substr(0, target.find("&format=csv")), "", c.token);
                const json::value v = json::parse(page.body);
                if (const auto& n = v.at("next_after"); n.is_string()) next = n.get_string();
            }
        } else {
            const json::value v = json::parse(res.body);
            if (o.as_json) {
                for (const auto& x : v.at("crossings").as_array()) std::cout << json::serialize(x) << "\n";
            } else {
                if (first_page) std::cout << "OCCURRED_AT\tCHECKPOINT\tDEVICE\tSEQ\tDIRECTION\tDOCUMENT\tSURNAME\n";
                for (const auto& x : v.at("crossings").as_array()) {
                    const auto& t = x.at("traveler");
                    std::cout << x.at("occurred_at").as_string().c_str() << '\t' << x.at("checkpoint_id").as_string().c_str()
                              << '\t' << x.at("device_id").as_string().c_str() << '\t' << x.at("seq").as_int64() << '\t'
                              << x.at("direction").as_string().c_str() << '\t'
                              << t.at("issuing_country").as_string().c_str() << ' '
                              << t.at("document_number").as_string().c_str() << '\t'
                              << t.at("surname").as_string().c_str() << "\n";
                }
            }
            if (const auto& n = v.at("next_after"); n.is_string()) next = n.get_string();
        }
        first_page = false;
        if (!o.all || next.empty()) return 0;
        after = next;
    }
}

// --- fleet: the operations view as a table -----------------------------------------------------------

std::string text_of(const json::value& v) {
    if (v.is_string()) return std::string(v.get_string());
    if (v.is_int64()) return std::to_string(v.get_int64());
    if (v.is_double()) {
        std::ostringstream out;
        out << v.get_double();
        return out.str();
    }
    return "-";
}

std::string duration_text(const json::value& seconds) {
    if (!seconds.is_int64()) return "-";
    const auto s = seconds.get_int64();
    if (s < 120) return std::to_string(s) + "s";
    if (s < 7200) return std::to_string(s / 60) + "m";
    return std::to_string(s / 3600) + "h" + std::to_string(s % 3600 / 60) + "m";
}

// Seconds from an RFC 3339 time to the view's generated_at, as text.
std::string ago(const json::value& at, const json::value& now) {
    if (!at.is_string() || !now.is_string()) return "never";
    const auto a = core::parse_rfc3339(at.get_string());
    const auto n = core::parse_rfc3339(now.get_string());
    if (!a || !n) return "-";
    return duration_text(std::chrono::duration_cast<std::chrono::seconds>(*n - *a).count()) + " ago";
}

void print_row(const std::vector<std::string>& cells, const std::vector<std::size_t>& widths) {
    std::string line;
    for (std::size_t i = 0; i < cells.size(); ++i) {
        line += cells[i];
        if (i + 1 < cells.size()) line += std::string(widths[i] > cells[i].size() ? widths[i] - cells[i].size() + 2 : 2, ' ');
    }
    std::cout << line << "\n";
}

void print_table(const std::vector<std::vector<std::string>>& rows) {
    std::vector<std::size_t> widths;
    for (const auto& r : rows)
        for (std::size_t i = 0; i < r.size(); ++i) {
            if (widths.size() <= i) widths.push_back(0);
            widths[i] = std::max(widths[i], r[i].size());
        }
    for (const auto& r : rows) print_row(r, widths);
}

std::string state_text(const json::value& state) {
    const std::string s = text_of(state);
    if (s == "central_offline") return "CENTRAL OFFLINE";
    if (s == "silent") return "SILENT";
    if (s == "drill") return "DRILL";
    return s;
}

int fleet(client::HttpClient& http, const Connection& c, const std::string& checkpoint, bool as_json) {
    const std::string target = checkpoint.empty() ? "/api/v1/checkpoints"
                                                  : "/api/v1/checkpoints/" + boost::urls::encode(checkpoint, boost::urls::unreserved_chars);
    const auto res = http.request("GET", target, "", c.token);
    if (res.status != 200) return report_failure(res);
    if (as_json) {
        std::cout << res.body << "\n";
        return 0;
    }
    const json::value v = json::parse(res.body);
    const auto& top = v.as_object();
    const auto& now = top.at("generated_at");
    const auto& sum = top.at("summary").as_object();
    std::cout << "central " << text_of(top.at("central")) << ", database " << text_of(top.at("database"))
              << (top.at("drill").is_null() ? "" : ", DRILL " + text_of(top.at("drill").at("name"))) << "; "
              << text_of(sum.at("checkpoints")) << (sum.at("checkpoints").as_int64() == 1 ? " checkpoint, " : " checkpoints, ")
              << text_of(sum.at("checkpoints_offline"))
              << " offline; backlog " << text_of(sum.at("backlog")) << "; ingest " << text_of(sum.at("ingest_per_minute"))
              << "/min; as of " << text_of(now) << "\n\n";
    std::vector<json::value> checkpoints;
    if (checkpoint.empty()) {
        for (const auto& cp : top.at("checkpoints").as_array()) checkpoints.push_back(cp);
    } else {
        checkpoints.push_back(top.at("checkpoint"));
    }
    std::vector<std::vector<std::string>> rows{{"CHECKPOINT", "DEVICE", "STATE", "BACKLOG", "OLDEST", "LAST CONTACT",
                                                "LAST SYNC", "QUEUE", "CROSSINGS/H", "REJECTED", "QUARANTINED",
                                                "CLOCK"}};
    for (const auto& item : checkpoints) {
        const auto& cp = item.as_object();
        rows.push_back({text_of(cp.at("checkpoint_id")),
                        std::to_string(cp.at("devices_total").as_int64() - cp.at("devices_silent").as_int64()) + "/" +
                            text_of(cp.at("devices_total")) + " up",
                        state_text(cp.at("state")), text_of(cp.at("pending")), duration_text(cp.at("oldest_pending_age_s")),
                        ago(cp.at("last_contact_at"), now), ago(cp.at("last_sync_at"), now), text_of(cp.at("waiting")),
                        text_of(cp.at("crossings_last_hour")), text_of(cp.at("rejected")), text_of(cp.at("quarantined")),
                        cp.at("clock_offset_ms_max").is_int64() ? text_of(cp.at("clock_offset_ms_max")) + "ms" : "-"});
        for (const auto& dv : cp.at("devices").as_array()) {
            const auto& d = dv.as_object();
            rows.push_back({"", text_of(d.at("device_id")), state_text(d.at("state")), text_of(d.at("pending")),
                            duration_text(d.at("oldest_pending_age_s")), ago(d.at("last_contact_at"), now),
                            ago(d.at("last_sync_at"), now), "", text_of(d.at("crossings_last_hour")),
                            text_of(d.at("rejected")), text_of(d.at("quarantined")),
                            d.at("clock_offset_ms").is_int64() ? text_of(d.at("clock_offset_ms")) + "ms" : "-"});
        }
    }
    print_table(rows);
    if (!checkpoint.empty()) {
        std::vector<std::vector<std::string>> lanes{{"LANE", "WAITING", "PER MIN", "EST. WAIT", "COUNTED"}};
        for (const auto& l : checkpoints.front().at("lanes").as_array())
            lanes.push_back({text_of(l.at("lane")), text_of(l.at("waiting")), text_of(l.at("rate_per_min")),
                             l.at("wait_estimate_s").is_int64() ? duration_text(l.at("wait_estimate_s")) : "unknown",
                             ago(l.at("updated_at"), now)});
        std::cout << "\n";
        print_table(lanes);
    }
    return 0;
}

struct RejectedListOptions {
    std::string device, checkpoint, state = "open", after;
    int limit = 100;
    bool all = false, as_json = false;
};

// One line per quarantined record; the record itself (traveller data) only with --json.
int list_rejected(client::HttpClient& http, const Connection& c, const RejectedListOptions& o) {
    std::string after = o.after;
    bool first_page = true;
    for (;;) {
        std::string target = "/api/v1/rejected?" + query_part("limit", std::to_string(o.limit)) + "&" +
                             query_part("state", o.state);
        if (!o.device.empty()) target += "&" + query_part("device", o.device);
        if (!o.checkpoint.empty()) target += "&" + query_part("checkpoint", o.checkpoint);
        if (!after.empty()) target += "&" + query_part("after", after);
        const auto res = http.request("GET", target, "", c.token);
        if (res.status != 200) return report_failure(res);
        const json::value v = json::parse(res.body);
        if (o.as_json) {
            for (const auto& r : v.at("rejected").as_array()) std::cout << json::serialize(r) << "\n";
        } else {
            if (first_page) std::cout << "ID\tRECEIVED_AT\tCHECKPOINT\tDEVICE\tSTREAM\tSEQ\tCODE\tATTEMPTS\tSTATE\tDETAIL\n";
            for (const auto& r : v.at("rejected").as_array()) {
                const auto text = [&](const char* key) {
                    const auto& f = r.at(key);
                    return f.is_string() ? std::string(f.get_string()) : f.is_null() ? "-" : json::serialize(f);
                };
                std::cout << text("id") << '\t' << text("received_at") << '\t' << text("checkpoint_id") << '\t'
                          << text("device_id") << '\t' << (text("stream_id").empty() ? "-" : text("stream_id")) << '\t'
                          << text("seq") << '\t' << text("code") << '\t' << text("attempts") << '\t' << text("state")
                          << '\t' << text("detail") << "\n";
            }
        }
        first_page = false;
        const auto& next = v.at("next_after");
        if (!o.all || !next.is_string()) return 0;
        after = next.get_string();
    }
}

int release_rejected(client::HttpClient& http, const Connection& c, const std::string& id) {
    const auto res = http.request("POST", "/api/v1/rejected/" + boost::urls::encode(id, boost::urls::unreserved_chars) +
                                              "/release", "", c.token);
    if (res.status != 200) return report_failure(res);
    std::cout << res.body << "\n";
    const json::value v = json::parse(res.body);
    const std::string result(v.at("result").as_string());
    if (result == "refused") {
        const auto& e = v.at("error");
        std::cerr << "borderlogctl: still refused: " << e.at("code").as_string().c_str() << ": "
                  << e.at("detail").as_string().c_str() << "\n";
        return 1;
    }
    std::cerr << "released: " << result << "\n";
    return 0;
}

// --- audit: the trail of who did what (admins) -------------------------------------------------------

struct AuditOptions {
    std::string action, actor, from, to, after;
    std::int64_t token = 0;
    int limit = 100;
    bool all = false, csv = false, as_json = false;
};

void add_audit_command(CLI::App& app, AuditOptions& o, CLI::App*& command) {
    command = app.add_subcommand("audit", "The audit trail: sign-ins, token changes, the outage switch, drills, "
                                          "reads of traveller data (admins)");
    command->add_option("--action", o.action, "only this action (token.create), or a prefix ending in * (token.*)");
    command->add_option("--actor", o.actor, "only this actor (a token's name, or an operating-system user)");
    // Not --token: that is the caller's own token (and BORDERLOG_TOKEN would land here too).
    command->add_option("--token-id", o.token, "only what the token with this id did")->check(CLI::PositiveNumber);
    command->add_option("--from", o.from, "at or after (RFC 3339)");
    command->add_option("--to", o.to, "before (RFC 3339)");
    command->add_option("--limit", o.limit, "events per page")->check(CLI::Range(1, 1000))->capture_default_str();
    command->add_option("--after", o.after, "continue after this cursor (next_after of the previous page)");
    command->add_flag("--all", o.all, "follow the cursor to the last page");
    auto* csv = command->add_flag("--csv", o.csv, "print CSV");
    command->add_flag("--json", o.as_json, "print one JSON event per line")->excludes(csv);
}

// The records of a CSV text (quoted cells may hold line breaks), and the first cell of the last one.
std::pair<long, std::string> csv_records(const std::string& text) {
    long records = 0;
    std::string first, current_first;
    bool quoted = false, in_first = true;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char ch = text[i];
        if (ch == '"') quoted = !quoted;
        if (quoted) continue;
        if (ch == ',') in_first = false;
        else if (ch == '\n') {
            ++records;
            first = current_first;
            current_first.clear();
            in_first = true;
        } else if (in_first && ch != '\r') {
            current_first += ch;
        }
    }
    return {records, first};
}

int list_audit(client::HttpClient& http, const Connection& c, const AuditOptions& o) {
    std::string after = o.after;
    bool first_page = true;
    for (;;) {
        std::string target = "/api/v1/audit?" + query_part("limit", std::to_string(o.limit));
        for (const auto& [key, value] : {std::pair{"action", &o.action}, {"actor", &o.actor}, {"from", &o.from},
                                         {"to", &o.to}})
            if (!value->empty()) target += "&" + query_part(key, *value);
        if (o.token > 0) target += "&" + query_part("token", std::to_string(o.token));
        if (!after.empty()) target += "&" + query_part("after", after);
        if (o.csv) target += std::string("&format=csv&header=") + (first_page ? "true" : "false");
        const auto res = http.request("GET", target, "", c.token);
        if (res.status != 200) return report_failure(res);
        std::string next;
        if (o.csv) {
            std::cout << res.body;
            // A full page may have more behind it; the cursor is the last line's id (its first cell).
            const auto [records, last_id] = csv_records(res.body);
            if (records - (first_page ? 1 : 0) == o.limit) next = last_id;
        } else {
            const json::value v = json::parse(res.body);
            if (o.as_json) {
                for (const auto& e : v.at("events").as_array()) std::cout << json::serialize(e) << "\n";
            } else {
                if (first_page) std::cout << "ID\tAT\tACTION\tACTOR\tTOKEN\tROLE\tADDRESS\tTARGET\tDETAIL\n";
                for (const auto& e : v.at("events").as_array()) {
                    const auto text = [&](const char* key) {
                        const auto& f = e.at(key);
                        return f.is_string() ? std::string(f.get_string()) : f.is_null() ? "-" : json::serialize(f);
                    };
                    std::cout << text("id") << '\t' << text("at") << '\t' << text("action") << '\t' << text("actor")
                              << '\t' << text("token_id") << '\t' << text("role") << '\t' << text("address") << '\t'
                              << text("target") << '\t' << text("detail") << "\n";
                }
            }
            if (const auto& n = v.at("next_after"); n.is_string()) next = n.get_string();
        }
        first_page = false;
        if (!o.all || next.empty()) return 0;
        after = next;
    }
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"borderlogctl: operate a borderlog server (outage switch, crossings, fleet, quarantine, anomalies, "
                 "alerts, watchlist, reports, drills, audit)"};
    common::setup_program(app, "borderlogctl");
    Connection c;
    app.add_option("--server", c.server, "the central server, https://host:port")->capture_default_str();
    add_tls_options(app, c);
    app.add_option("--token", c.token, "an operations, trainer or admin token (visible in ps: prefer --token-file or BORDERLOG_TOKEN)");
    std::string token_file;
    app.add_option("--token-file", token_file, "a file holding the token");
    app.add_option("--timeout", c.timeout_s, "seconds to wait for the server")->check(CLI::Range(1, 600));

    std::string state, reason;
    auto* offline = app.add_subcommand("central-offline", "Take the central system offline for all devices, or back");
    offline->add_option("state", state, "on, off or status")->required()->check(CLI::IsMember({"on", "off", "status"}));
    offline->add_option("--reason", reason, "why (shown to operators)")->check(
        [](const std::string& v) { return v.size() > 500 ? std::string("at most 500 characters") : std::string(); });

    ListOptions list;
    auto* crossings = app.add_subcommand("crossings", "Crossings stored centrally");
    crossings->require_subcommand(1);
    auto* list_cmd = crossings->add_subcommand("list", "List crossings, oldest received first");
    list_cmd->add_option("--checkpoint", list.checkpoint, "only this checkpoint");
    list_cmd->add_option("--device", list.device, "only this device");
    list_cmd->add_option("--direction", list.direction, "entry or exit")->check(CLI::IsMember({"entry", "exit"}));
    list_cmd->add_option("--doc-country", list.doc_country, "issuing country of the document");
    list_cmd->add_option("--doc-number", list.doc_number, "document number");
    list_cmd->add_option("--from", list.from, "occurred at or after (RFC 3339)");
    list_cmd->add_option("--to", list.to, "occurred before (RFC 3339)");
    list_cmd->add_option("--synthetic", list.synthetic, "training records: exclude (the default), include or only")
        ->check(CLI::IsMember({"exclude", "include", "only"}));
    list_cmd->add_option("--limit", list.limit, "rows per page")->check(CLI::Range(1, 1000))->capture_default_str();
    list_cmd->add_option("--after", list.after, "continue after this cursor (next_after of the previous page)");
    list_cmd->add_flag("--all", list.all, "follow the cursor to the last page");
    list_cmd->add_flag("--csv", list.csv, "print CSV");
    list_cmd->add_flag("--json", list.as_json, "print one JSON crossing per line");

    std::string fleet_checkpoint;
    bool fleet_json = false;
    auto* fleet_cmd = app.add_subcommand("fleet", "The live state of every checkpoint and device (operations)");
    fleet_cmd->add_option("checkpoint", fleet_checkpoint, "only this checkpoint, with its lanes");
    fleet_cmd->add_flag("--json", fleet_json, "print the server's JSON");
    RejectedListOptions rejected_list;
    std::string release_id;
    auto* rejected = app.add_subcommand("rejected", "Records the centre refused, kept in its quarantine");
    rejected->require_subcommand(1);
    auto* rejected_list_cmd = rejected->add_subcommand("list", "List quarantined records, oldest first");
    rejected_list_cmd->add_option("--device", rejected_list.device, "only this device");
    rejected_list_cmd->add_option("--checkpoint", rejected_list.checkpoint, "only this checkpoint");
    rejected_list_cmd->add_option("--state", rejected_list.state, "open, released or all")
        ->check(CLI::IsMember({"open", "released", "all"}))->capture_default_str();
    rejected_list_cmd->add_option("--limit", rejected_list.limit, "rows per page")->check(CLI::Range(1, 1000))->capture_default_str();
    rejected_list_cmd->add_option("--after", rejected_list.after, "continue after this cursor (next_after)");
    rejected_list_cmd->add_flag("--all", rejected_list.all, "follow the cursor to the last page");
    rejected_list_cmd->add_flag("--json", rejected_list.as_json, "print one JSON entry per line, the record included");
    auto* release_cmd = rejected->add_subcommand("release", "Ingest a quarantined record again, after a fix");
    release_cmd->add_option("id", release_id, "the entry's id (rejected list)")->required();
    ctl::OfficerCommands officer_commands(app);  // anomalies, alerts, watchlist, report, traveler
    ctl::DrillCommands drill_commands(app);      // drill start|stop|status|list|report
    AuditOptions audit;
    CLI::App* audit_cmd = nullptr;
    add_audit_command(app, audit, audit_cmd);

    if (const auto stop = common::parse_command_line(app, argc, argv, "borderlogctl")) return *stop;
    // A flag wins over the environment: --token-file over BORDERLOG_TOKEN, --token over BORDERLOG_TOKEN_FILE.
    const bool token_flag = app.get_option("--token")->count() > 0;
    const bool token_file_flag = app.get_option("--token-file")->count() > 0;
    if (token_flag && !token_file_flag) token_file.clear();
    if (!token_file.empty()) {
        if (token_flag) {
            std::cerr << "borderlogctl: --token-file: give --token or --token-file, not both\n";
            return 2;
        }
        try {
            c.token = client::read_secret_file(token_file, "--token-file");
        } catch (const std::exception& e) {
            std::cerr << "borderlogctl: " << e.what() << "\n";
            return 2;
        }
    }
    if (const auto problem = client::check_server_url(c.server, c.insecure_http); !problem.empty()) {
        std::cerr << "borderlogctl: --server: " << problem << "\n";
        return 2;
    }
    if (const auto problem = check_tls_options(c); !problem.empty()) {
        std::cerr << "borderlogctl: " << problem << "\n";
        return 2;
    }
    if (c.token.empty()) {
        std::cerr << "borderlogctl: --token: required (--token-file FILE, or BORDERLOG_TOKEN)\n";
        return 2;
    }
    std::optional<client::HttpClient> connection;
    try {
        connection.emplace(c.server, std::chrono::seconds{c.timeout_s}, c.tls);
    } catch (const std::invalid_argument& e) {
        std::cerr << "borderlogctl: " << (c.tls.client_cert_file.empty() ? "--ca" : "--ca/--client-cert") << ": "
                  << e.what() << "\n";
        return 2;
    }
    try {
        client::HttpClient& http = *connection;
        if (offline->parsed()) return central_offline(http, c, state, reason);
        if (list_cmd->parsed()) return list_crossings(http, c, list);
        if (fleet_cmd->parsed()) return fleet(http, c, fleet_checkpoint, fleet_json);
        if (rejected_list_cmd->parsed()) return list_rejected(http, c, rejected_list);
        if (release_cmd->parsed()) return release_rejected(http, c, release_id);
        if (audit_cmd->parsed()) return list_audit(http, c, audit);
        if (const auto rc = officer_commands.run(http, c.token)) return *rc;
        if (const auto rc = drill_commands.run(http, c.token, c.server)) return *rc;
    } catch (const client::TlsError& e) {
        std::cerr << "borderlogctl: " << c.server << ": " << e.what() << "\n";
        return 1;
    } catch (const client::TransportError& e) {
        std::cerr << "borderlogctl: cannot reach " << c.server << ": " << e.what() << "\n";
        return 3;
    } catch (const std::exception& e) {
        std::cerr << "borderlogctl: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
