// borderlogctl: operations staff, trainers and admins talk to the server's HTTP API with a token.
#include "client/client_config.hpp"
#include "client/ctl/officer_commands.hpp"
#include "client/sync/http_client.hpp"
#include "common/config.hpp"

#include <boost/json.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

#include <iostream>

namespace json = boost::json;
using namespace borderlog;

namespace {

struct Connection {
    std::string server = "http://127.0.0.1:8080";
    std::string token;
    int timeout_s = 30;
};

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
    std::string checkpoint, device, direction, doc_country, doc_number, from, to;
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
                                         {"doc_number", &o.doc_number}, {"from", &o.from}, {"to", &o.to}})
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

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"borderlogctl: operate a borderlog server (outage switch, crossings, anomalies, alerts, watchlist, "
                 "reports)"};
    common::setup_program(app, "borderlogctl");
    Connection c;
    app.add_option("--server", c.server, "the central server, http://host:port")->capture_default_str();
    app.add_option("--token", c.token, "an operations, trainer or admin token (or BORDERLOG_TOKEN)");
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
    list_cmd->add_option("--limit", list.limit, "rows per page")->check(CLI::Range(1, 1000))->capture_default_str();
    list_cmd->add_option("--after", list.after, "continue after this cursor (next_after of the previous page)");
    list_cmd->add_flag("--all", list.all, "follow the cursor to the last page");
    list_cmd->add_flag("--csv", list.csv, "print CSV");
    list_cmd->add_flag("--json", list.as_json, "print one JSON crossing per line");

    ctl::OfficerCommands officer_commands(app);  // anomalies, alerts, watchlist, report, traveler

    if (const auto stop = common::parse_command_line(app, argc, argv, "borderlogctl")) return *stop;
    if (const auto problem = client::check_server_url(c.server); !problem.empty()) {
        std::cerr << "borderlogctl: --server: " << problem << "\n";
        return 2;
    }
    if (c.token.empty()) {
        std::cerr << "borderlogctl: --token: required (or set BORDERLOG_TOKEN)\n";
        return 2;
    }
    try {
        client::HttpClient http(c.server, std::chrono::seconds{c.timeout_s});
        if (offline->parsed()) return central_offline(http, c, state, reason);
        if (list_cmd->parsed()) return list_crossings(http, c, list);
        if (const auto rc = officer_commands.run(http, c.token)) return *rc;
    } catch (const client::TransportError& e) {
        std::cerr << "borderlogctl: cannot reach " << c.server << ": " << e.what() << "\n";
        return 3;
    } catch (const std::exception& e) {
        std::cerr << "borderlogctl: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
