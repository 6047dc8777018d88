#include "client/ctl/officer_commands.hpp"

#include "core/errors.hpp"
#include "core/watchlist.hpp"

#include <boost/json.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

namespace borderlog::ctl {

namespace json = boost::json;

namespace {

// A problem+json answer as one line naming its code; exit 3 when the server is unavailable, else 1.
int failed(const client::HttpResponse& res) {
    std::string detail = res.body;
    boost::system::error_code ec;
    const json::value v = json::parse(res.body, ec);
    if (!ec && v.is_object()) {
        detail.clear();
        for (const char* key : {"code", "detail", "field"})
            if (const auto* f = v.get_object().if_contains(key); f && f->is_string())
                detail += (detail.empty() ? "" : ": ") + std::string(f->get_string());
    }
    std::cerr << "borderlogctl: the server answered " << res.status << " " << detail << "\n";
    return res.status == 503 ? 3 : 1;
}

// "?a=1&b=2" of the parameters that are set.
std::string query(std::initializer_list<std::pair<const char*, std::string>> params) {
    std::string out;
    for (const auto& [key, value] : params) {
        if (value.empty()) continue;
        out += (out.empty() ? "?" : "&") + std::string(key) + "=" +
               std::string(boost::urls::encode(value, boost::urls::unreserved_chars));
    }
    return out;
}

std::string str(const json::value& v) {
    if (v.is_string()) return std::string(v.get_string());
    if (v.is_null()) return "-";
    return json::serialize(v);
}

std::string field(const json::value& obj, const char* key) {
    const auto* v = obj.as_object().if_contains(key);
    return v ? str(*v) : "-";
}

std::string read_file(const std::string& path) {
    if (path == "-") return {std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>()};
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + path);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// The last line's first cell of a CSV page: its id, the cursor of the next page.
std::string last_id(const std::string& csv) {
    auto end = csv.find_last_not_of("\r\n");
    if (end == std::string::npos) return {};
    const auto start = csv.rfind('\n', end);
    const std::string line = csv.substr(start == std::string::npos ? 0 : start + 1, end + 1);
    return line.substr(0, line.find(','));
}

}  // namespace

OfficerCommands::OfficerCommands(CLI::App& app) {
    Filters& f = filters_;
    const auto add_filters = [&f](CLI::App* cmd, bool with_device) {
        cmd->add_option("--checkpoint", f.checkpoint, "only this checkpoint");
        if (with_device) cmd->add_option("--device", f.device, "only this device");
        cmd->add_option("--from", f.from, "occurred at or after (RFC 3339)");
        cmd->add_option("--to", f.to, "occurred before (RFC 3339)");
        cmd->add_option("--synthetic", f.synthetic, "exclude (default), include or only training records")
            ->check(CLI::IsMember({"exclude", "include", "only"}));
    };

    auto* anomalies = app.add_subcommand("anomalies", "Anomalies the centre found in stored crossings");
    anomalies->require_subcommand(1);
    anomalies_list_ = anomalies->add_subcommand("list", "List anomalies, oldest found first");
    add_filters(anomalies_list_, true);
    anomalies_list_->add_option("--kind", f.kind, "exit_without_entry, entry_while_in_country, overstay_at_exit, "
                                                  "document_expired, mrz_invalid, clock_suspect, "
                                                  "recorded_while_marked_offline, chain_break");
    anomalies_list_->add_option("--state", f.state, "open (default), resolved or all")
        ->check(CLI::IsMember({"open", "resolved", "all"}));
    anomalies_list_->add_option("--limit", f.limit, "rows per page")->check(CLI::Range(1, 1000))->capture_default_str();
    anomalies_list_->add_option("--after", f.after, "continue after this cursor (next_after of the previous page)");
    anomalies_list_->add_flag("--all", f.all, "follow the cursor to the last page");
    anomalies_list_->add_flag("--csv", f.csv, "print CSV");
    anomalies_list_->add_flag("--json", f.as_json, "print one JSON anomaly per line");
    anomalies_summary_ = anomalies->add_subcommand("summary", "Count anomalies per checkpoint and kind");
    add_filters(anomalies_summary_, true);
    anomalies_summary_->add_option("--state", f.state, "open (default), resolved or all")
        ->check(CLI::IsMember({"open", "resolved", "all"}));
    anomalies_summary_->add_flag("--json", f.as_json, "print the JSON answer");

    auto* alerts = app.add_subcommand("alerts", "Watchlist hits the centre raised");
    alerts->require_subcommand(1);
    alerts_list_ = alerts->add_subcommand("list", "List alerts, oldest first");
    add_filters(alerts_list_, false);
    alerts_list_->add_option("--state", f.state, "open (default), acknowledged or all")
        ->check(CLI::IsMember({"open", "acknowledged", "all"}));
    alerts_list_->add_option("--late", f.late, "true: only hits the terminal could not see; false: only the others")
        ->check(CLI::IsMember({"true", "false"}));
    alerts_list_->add_option("--limit", f.limit, "rows per page")->check(CLI::Range(1, 1000))->capture_default_str();
    alerts_list_->add_option("--after", f.after, "continue after this cursor");
    alerts_list_->add_flag("--all", f.all, "follow the cursor to the last page");
    alerts_list_->add_flag("--json", f.as_json, "print one JSON alert per line");
    alerts_ack_ = alerts->add_subcommand("ack", "Acknowledge an alert");
    alerts_ack_->add_option("id", alert_id_, "the alert's id")->required();
    alerts_ack_->add_option("--note", note_, "what was done (at most 500 characters)");

    auto* watchlist = app.add_subcommand("watchlist", "The watchlist checkpoints screen travellers against");
    watchlist->require_subcommand(1);
    watchlist_load_ = watchlist->add_subcommand("load", "Replace the whole watchlist with FILE (a new version)");
    watchlist_load_->add_option("file", file_, "CSV with a header line, or JSON; - reads stdin")->required();
    watchlist_load_->add_option("--format", format_, "csv or json (default: by the file name, else json)")
        ->check(CLI::IsMember({"csv", "json"}));
    watchlist_load_->add_flag("--json", filters_.as_json, "print the JSON answer");
    watchlist_show_ = watchlist->add_subcommand("show", "Print the changes since a version (the whole list from 0)");
    watchlist_show_->add_option("--since", since_, "version the copy is at")->check(CLI::Range(0LL, 9007199254740991LL));

    auto* report = app.add_subcommand("report", "Reports");
    report->require_subcommand(1);
    report_daily_ = report->add_subcommand("daily", "Crossings of one day by checkpoint, direction and nationality");
    report_daily_->add_option("--date", date_, "the day, YYYY-MM-DD (UTC; default today)");
    report_daily_->add_option("--synthetic", f.synthetic, "exclude (default), include or only training records")
        ->check(CLI::IsMember({"exclude", "include", "only"}));
    report_daily_->add_flag("--csv", f.csv, "print CSV");
    report_daily_->add_flag("--json", f.as_json, "print the JSON answer");

    auto* traveler = app.add_subcommand("traveler", "One traveller's crossings, status and stay (audited)");
    traveler->require_subcommand(1);
    traveler_show_ = traveler->add_subcommand("show", "Show a traveller by document");
    traveler_show_->add_option("doc_country", doc_country_, "the document's issuing state, e.g. UTO")->required();
    traveler_show_->add_option("doc_number", doc_number_, "the document number")->required();
    traveler_show_->add_option("--on", on_, "the stay as of this day, YYYY-MM-DD (default today)");
    traveler_show_->add_flag("--json", f.as_json, "print the JSON answer");
}

std::optional<int> OfficerCommands::run(client::HttpClient& http, const std::string& token) {
    if (anomalies_list_->parsed()) return anomalies_list(http, token);
    if (anomalies_summary_->parsed()) return anomalies_summary(http, token);
    if (alerts_list_->parsed()) return alerts_list(http, token);
    if (alerts_ack_->parsed()) return alerts_ack(http, token);
    if (watchlist_load_->parsed()) return watchlist_load(http, token);
    if (watchlist_show_->parsed()) return watchlist_show(http, token);
    if (report_daily_->parsed()) return report_daily(http, token);
    if (traveler_show_->parsed()) return traveler_show(http, token);
    return std::nullopt;
}

int OfficerCommands::anomalies_list(client::HttpClient& http, const std::string& token) {
    const Filters& f = filters_;
    std::string after = f.after;
    bool first = true;
    for (;;) {
        const std::string target =
            "/api/v1/anomalies" + query({{"kind", f.kind}, {"checkpoint", f.checkpoint}, {"device", f.device},
                                         {"from", f.from}, {"to", f.to}, {"state", f.state},
                                         {"synthetic", f.synthetic}, {"limit", std::to_string(f.limit)},
                                         {"after", after}, {"format", f.csv ? "csv" : ""},
                                         {"header", f.csv ? (first ? "true" : "false") : ""}});
        const auto res = http.request("GET", target, "", token);
        if (res.status != 200) return failed(res);
        std::string next;
        if (f.csv) {
            std::cout << res.body;
            const auto lines = std::count(res.body.begin(), res.body.end(), '\n') - (first ? 1 : 0);
            if (lines == f.limit) next = last_id(res.body);
        } else {
            const json::value v = json::parse(res.body);
            if (first && !f.as_json) std::cout << "ID\tOCCURRED_AT\tKIND\tSTATE\tCHECKPOINT\tDEVICE\tDOCUMENT\n";
            for (const auto& a : v.at("anomalies").as_array()) {
                if (f.as_json) {
                    std::cout << json::serialize(a) << "\n";
                    continue;
                }
                std::cout << field(a, "id") << '\t' << field(a, "occurred_at") << '\t' << field(a, "kind") << '\t'
                          << field(a, "state") << '\t' << field(a, "checkpoint_id") << '\t' << field(a, "device_id")
                          << '\t' << field(a, "issuing_country") << ' ' << field(a, "document_number") << "\n";
            }
            if (const auto& n = v.at("next_after"); n.is_string()) next = n.get_string();
        }
        first = false;
        if (!f.all || next.empty()) return 0;
        after = next;
    }
}

int OfficerCommands::anomalies_summary(client::HttpClient& http, const std::string& token) {
    const Filters& f = filters_;
    const auto res = http.request("GET",
                                  "/api/v1/anomalies/summary" +
                                      query({{"checkpoint", f.checkpoint}, {"device", f.device}, {"from", f.from},
                                             {"to", f.to}, {"state", f.state}, {"synthetic", f.synthetic}}),
                                  "", token);
    if (res.status != 200) return failed(res);
    if (f.as_json) {
        std::cout << res.body << "\n";
        return 0;
    }
    const json::value v = json::parse(res.body);
    std::cout << "CHECKPOINT\tTOTAL\tBY_KIND\n";
    for (const auto& cp : v.at("checkpoints").as_array()) {
        std::string kinds;
        for (const auto& kv : cp.at("by_kind").as_object())
            kinds += (kinds.empty() ? "" : " ") + std::string(kv.key()) + "=" + str(kv.value());
        std::cout << field(cp, "checkpoint_id") << '\t' << field(cp, "total") << '\t' << kinds << "\n";
    }
    std::cout << "total\t" << field(v, "total") << "\n";
    return 0;
}

int OfficerCommands::alerts_list(client::HttpClient& http, const std::string& token) {
    const Filters& f = filters_;
    std::string after = f.after;
    bool first = true;
    for (;;) {
        const std::string target =
            "/api/v1/alerts" + query({{"checkpoint", f.checkpoint}, {"from", f.from}, {"to", f.to},
                                      {"state", f.state}, {"late", f.late}, {"synthetic", f.synthetic},
                                      {"limit", std::to_string(f.limit)}, {"after", after}});
        const auto res = http.request("GET", target, "", token);
        if (res.status != 200) return failed(res);
        const json::value v = json::parse(res.body);
        if (first && !f.as_json) std::cout << "ID\tRAISED_AT\tLATE\tACTION\tCHECKPOINT\tDOCUMENT\tSURNAME\tREASON\tSTATE\n";
        for (const auto& a : v.at("alerts").as_array()) {
            if (f.as_json) {
                std::cout << json::serialize(a) << "\n";
                continue;
            }
            const auto& t = a.at("traveler");
            std::cout << field(a, "id") << '\t' << field(a, "raised_at") << '\t' << field(a, "late") << '\t'
                      << field(a, "action") << '\t' << field(a, "checkpoint_id") << '\t' << field(t, "issuing_country")
                      << ' ' << field(t, "document_number") << '\t' << field(t, "surname") << '\t'
                      << field(a, "reason") << '\t' << field(a, "state") << "\n";
        }
        first = false;
        const auto& n = v.at("next_after");
        if (!f.all || !n.is_string()) return 0;
        after = n.get_string();
    }
}

int OfficerCommands::alerts_ack(client::HttpClient& http, const std::string& token) {
    const std::string body = note_.empty() ? "" : json::serialize(json::object{{"note", note_}});
    const auto res = http.request("POST", "/api/v1/alerts/" + std::string(boost::urls::encode(
                                                                  alert_id_, boost::urls::unreserved_chars)) +
                                              "/acknowledge",
                                  body, token);
    if (res.status != 200) return failed(res);
    std::cout << res.body << "\n";
    return 0;
}

int OfficerCommands::watchlist_load(client::HttpClient& http, const std::string& token) {
    const std::string text = read_file(file_);
    const bool csv = format_ == "csv" || (format_.empty() && file_.size() > 4 &&
                                          (file_.ends_with(".csv") || file_.ends_with(".CSV")));
    std::vector<core::WatchlistEntry> entries;
    try {
        if (csv) {
            entries = core::read_watchlist_csv(text);
        } else {
            boost::system::error_code ec;
            const json::value v = json::parse(text, ec);
            if (ec) throw core::ValidationError("entries", "the file is not valid JSON (" + ec.message() + ")");
            entries = core::read_watchlist_json(v);
        }
    } catch (const core::ValidationError& e) {
        // The same reading as the server's: the file is refused here, with its line, before anything is sent.
        std::cerr << "borderlogctl: " << file_ << ": " << e.first().field << " " << e.first().message << "\n";
        return 1;
    }
    json::array items;
    items.reserve(entries.size());
    for (const auto& e : entries) {
        json::object o = core::to_json(e);
        o.erase("id");
        o.erase("version");
        items.push_back(std::move(o));
    }
    const auto res = http.request("POST", "/api/v1/watchlist", json::serialize(json::object{{"entries", std::move(items)}}),
                                  token);
    if (res.status != 201) return failed(res);
    if (filters_.as_json) {
        std::cout << res.body << "\n";
        return 0;
    }
    const json::value v = json::parse(res.body);
    std::cout << "watchlist version " << field(v, "version") << ": " << field(v, "entries") << " entries, "
              << field(v, "added") << " added, " << field(v, "removed") << " removed\n";
    return 0;
}

int OfficerCommands::watchlist_show(client::HttpClient& http, const std::string& token) {
    const auto res = http.request("GET", "/api/v1/watchlist?since=" + std::to_string(since_), "", token);
    if (res.status != 200) return failed(res);
    std::cout << res.body << "\n";
    return 0;
}

int OfficerCommands::report_daily(client::HttpClient& http, const std::string& token) {
    const Filters& f = filters_;
    const auto res = http.request(
        "GET",
        "/api/v1/reports/daily" + query({{"date", date_}, {"synthetic", f.synthetic}, {"format", f.csv ? "csv" : ""}}),
        "", token);
    if (res.status != 200) return failed(res);
    if (f.csv || f.as_json) {
        std::cout << res.body << (f.csv ? "" : "\n");
        return 0;
    }
    const json::value v = json::parse(res.body);
    std::cout << "DATE\tCHECKPOINT\tDIRECTION\tNATIONALITY\tCOUNT\tBACK_CAPTURED\n";
    for (const auto& r : v.at("rows").as_array())
        std::cout << field(v, "date") << '\t' << field(r, "checkpoint_id") << '\t' << field(r, "direction") << '\t'
                  << field(r, "nationality") << '\t' << field(r, "count") << '\t' << field(r, "back_captured") << "\n";
    const auto& t = v.at("totals");
    std::cout << "total\t\t\t\t" << field(t, "count") << '\t' << field(t, "back_captured") << "\n";
    return 0;
}

int OfficerCommands::traveler_show(client::HttpClient& http, const std::string& token) {
    const auto enc = [](const std::string& s) { return std::string(boost::urls::encode(s, boost::urls::unreserved_chars)); };
    const auto res = http.request(
        "GET", "/api/v1/travelers/" + enc(doc_country_) + "/" + enc(doc_number_) + query({{"on", on_}}), "", token);
    if (res.status != 200) return failed(res);
    if (filters_.as_json) {
        std::cout << res.body << "\n";
        return 0;
    }
    const json::value v = json::parse(res.body);
    const auto& stay = v.at("stay");
    std::cout << "status\t" << field(v, "status") << "\n";
    if (const auto& t = v.at("traveler"); t.is_object())
        std::cout << "traveler\t" << field(t, "surname") << ", " << field(t, "given_names") << " ("
                  << field(t, "nationality") << ", born " << field(t, "birth_date") << ")\n";
    std::cout << "stay\trule " << field(stay, "rule") << ", " << field(stay, "days_used") << " days used in "
              << field(stay, "window_start") << ".." << field(stay, "on") << ", " << field(stay, "days_remaining")
              << " remaining" << (stay.at("overstay").as_bool() ? ", OVERSTAY" : "") << "\n";
    std::cout << "OCCURRED_AT\tDIRECTION\tCHECKPOINT\tDEVICE\n";
    for (const auto& x : v.at("crossings").as_array())
        std::cout << field(x, "occurred_at") << '\t' << field(x, "direction") << '\t' << field(x, "checkpoint_id")
                  << '\t' << field(x, "device_id") << "\n";
    for (const auto& a : v.at("anomalies").as_array())
        std::cout << "anomaly\t" << field(a, "kind") << " at " << field(a, "occurred_at") << "\n";
    return 0;
}

}  // namespace borderlog::ctl
