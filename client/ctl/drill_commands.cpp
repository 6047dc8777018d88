#include "client/ctl/drill_commands.hpp"

#include "client/simulation/synthetic_travellers.hpp"
#include "core/time.hpp"

#include <boost/json.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

namespace borderlog::ctl {

namespace json = boost::json;

namespace {

constexpr std::size_t kMaxScenarioBytes = 1024 * 1024;

// A problem+json answer as one line naming its code (and field); exit 3 when the server is unavailable.
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

int usage(const std::string& option, const std::string& message) {
    std::cerr << "borderlogctl: " << option << ": " << message << "\n";
    return 2;
}

std::string encoded(const std::string& text) { return std::string(boost::urls::encode(text, boost::urls::unreserved_chars)); }

std::string str(const json::value& v) {
    if (v.is_string()) return std::string(v.get_string());
    if (v.is_null()) return "-";
    if (v.is_double()) {
        std::ostringstream out;
        out << v.get_double();
        return out.str();
    }
    return json::serialize(v);
}

std::string field(const json::value& obj, const char* key) {
    const auto* v = obj.is_object() ? obj.get_object().if_contains(key) : nullptr;
    return v ? str(*v) : "-";
}

std::string scope_text(const json::value& scope) {
    const auto& o = scope.as_object();
    if (o.contains("all")) return "all devices";
    std::string out;
    for (const char* kind : {"checkpoints", "devices"}) {
        const auto* list = o.if_contains(kind);
        if (!list || !list->is_array() || list->get_array().empty()) continue;
        out += std::string(out.empty() ? "" : " ") + kind + " ";
        bool first = true;
        for (const auto& item : list->get_array()) {
            out += (first ? "" : ",") + str(item);
            first = false;
        }
    }
    return out;
}

std::string params_text(const json::value& params) {
    std::string out;
    for (const auto& kv : params.as_object()) {
        std::string value = str(kv.value());
        if (kv.value().is_array()) {
            value.clear();
            for (const auto& item : kv.value().get_array()) value += (value.empty() ? "" : ",") + str(item);
        }
        out += (out.empty() ? "" : " ") + std::string(kv.key()) + "=" + value;
    }
    return out;
}

std::string seconds_text(long long s) {
    if (s < 120) return std::to_string(s) + "s";
    if (s < 7200) return std::to_string(s / 60) + "m" + (s % 60 ? std::to_string(s % 60) + "s" : "");
    return std::to_string(s / 3600) + "h" + (s % 3600 ? std::to_string(s % 3600 / 60) + "m" : "");
}

// One drill as a few lines: its state, its current step, and its timeline.
void print_drill(const json::value& d) {
    std::cout << "drill " << field(d, "id") << " \"" << field(d, "name") << "\": " << field(d, "state") << ", started "
              << field(d, "started_at") << ", ends " << field(d, "ends_at");
    if (d.at("stopped_at").is_string()) std::cout << ", stopped " << field(d, "stopped_at") << " by " << field(d, "stopped_by");
    std::cout << (d.at("telemetry").as_bool() ? " (telemetry: heartbeats pass)" : "") << "\n";
    for (const auto& c : d.at("current").as_array())
        std::cout << "  now: step " << field(c, "step") << " " << field(c, "fault") << " on " << scope_text(c.at("scope"))
                  << " until " << field(c, "until") << "\n";
    std::size_t i = 0;
    for (const auto& s : d.at("steps").as_array()) {
        std::cout << "  step " << i++ << ": t+" << seconds_text(s.at("at_s").to_number<long long>()) << " "
                  << field(s, "fault") << " for " << seconds_text(s.at("duration_s").to_number<long long>()) << " on "
                  << scope_text(s.at("scope"));
        const std::string p = params_text(s.at("params"));
        std::cout << (p.empty() ? "" : " (" + p + ")") << "\n";
    }
}

// A --param value: kinds is a list, numbers are numbers, anything else text.
json::value param_value(const std::string& key, const std::string& text) {
    if (key == "kinds") {
        json::array kinds;
        std::stringstream in(text);
        std::string item;
        while (std::getline(in, item, ','))
            if (!item.empty()) kinds.emplace_back(item);
        return kinds;
    }
    long long whole = 0;
    if (auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), whole);
        ec == std::errc{} && end == text.data() + text.size())
        return whole;
    try {
        std::size_t used = 0;
        const double d = std::stod(text, &used);
        if (used == text.size()) return d;
    } catch (const std::exception&) {
    }
    return json::value(text);
}

void print_table(const std::vector<std::vector<std::string>>& rows) {
    std::vector<std::size_t> widths;
    for (const auto& r : rows)
        for (std::size_t i = 0; i < r.size(); ++i) {
            if (widths.size() <= i) widths.push_back(0);
            widths[i] = std::max(widths[i], r[i].size());
        }
    for (const auto& r : rows) {
        std::string line;
        for (std::size_t i = 0; i < r.size(); ++i)
            line += r[i] + (i + 1 < r.size() ? std::string(widths[i] - r[i].size() + 2, ' ') : "");
        std::cout << line << "\n";
    }
}

}  // namespace

DrillCommands::DrillCommands(CLI::App& app) {
    auto* drill = app.add_subcommand("drill", "Outage drills for training: start, stop, status, list, report");
    drill->require_subcommand(1);

    start_ = drill->add_subcommand("start", "Start a drill: one fault for a while, or a scenario file of steps");
    start_->add_option("--name", name_, "what the drill is called (shown on every screen)");
    start_->add_option("--fault", fault_, "unavailable, reset, timeout, slow, flaky, lost_ack or db_down")
        ->check(CLI::IsMember({"unavailable", "reset", "timeout", "slow", "flaky", "lost_ack", "db_down"}));
    start_->add_flag("--all", all_, "every device");
    start_->add_option("--checkpoint", checkpoints_, "the devices of this checkpoint (repeatable)");
    start_->add_option("--device", devices_, "this device (repeatable)");
    start_->add_option("--duration", duration_, "how long: 90s, 20m, 1h30m (default 1h)");
    start_->add_option("--param", params_,
                       "a fault parameter KEY=VALUE (repeatable): p=0.3, kinds=reset,unavailable, delay_ms=2000, "
                       "retry_after_s=30");
    start_->add_option("--scenario", scenario_, "a scenario file: {\"name\",\"scenario\":{\"steps\":[...]}} (- reads stdin)");
    start_->add_flag("--telemetry", telemetry_, "let heartbeats through the faults, so the backlog is seen to grow");
    start_->add_flag("--json", as_json_, "print the server's JSON");

    stop_ = drill->add_subcommand("stop", "Stop a running drill now");
    stop_->add_option("id", id_, "the drill's id")->required();
    stop_->add_flag("--json", as_json_, "print the server's JSON");

    status_ = drill->add_subcommand("status", "A drill's state and current step (no id: the running drills)");
    status_->add_option("id", id_, "the drill's id");
    status_->add_flag("--json", as_json_, "print the server's JSON");

    list_ = drill->add_subcommand("list", "Drills, newest first");
    list_->add_option("--state", state_, "running, finished, stopped or all")
        ->check(CLI::IsMember({"running", "finished", "stopped", "all"}))->capture_default_str();
    list_->add_option("--limit", limit_, "at most this many")->check(CLI::Range(1, 1000))->capture_default_str();
    list_->add_flag("--json", as_json_, "print the server's JSON");

    report_ = drill->add_subcommand("report", "What happened in a drill, per checkpoint and device, and its verdict");
    report_->add_option("id", id_, "the drill's id")->required();
    auto* json_flag = report_->add_flag("--json", as_json_, "print the JSON report");
    report_->add_flag("--csv", csv_, "print the report as CSV")->excludes(json_flag);
}

std::optional<int> DrillCommands::run(client::HttpClient& http, const std::string& token, const std::string& server) {
    if (start_->parsed()) return start(http, token);
    if (stop_->parsed()) return stop(http, token);
    if (status_->parsed()) return status(http, token);
    if (list_->parsed()) return list(http, token);
    if (report_->parsed()) return report(http, token, server);
    return std::nullopt;
}

int DrillCommands::start(client::HttpClient& http, const std::string& token) {
    json::object body;
    if (!scenario_.empty()) {
        if (!fault_.empty() || all_ || !checkpoints_.empty() || !devices_.empty() || !duration_.empty() || !params_.empty())
            return usage("--scenario", "the scenario file holds the faults: give no --fault, scope, --duration or --param");
        std::string text;
        if (scenario_ == "-") {
            text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
        } else {
            std::ifstream in(scenario_, std::ios::binary);
            if (!in) return usage("--scenario", "cannot read " + scenario_);
            std::ostringstream all;
            all << in.rdbuf();
            text = all.str();
        }
        if (text.size() > kMaxScenarioBytes) return usage("--scenario", scenario_ + " is larger than 1 MiB");
        boost::system::error_code ec;
        json::value v = json::parse(text, ec);
        if (ec || !v.is_object()) return usage("--scenario", scenario_ + " is not a JSON object: " + (ec ? ec.message() : "an object is needed"));
        body = std::move(v.get_object());
        if (!name_.empty()) body["name"] = name_;
        if (telemetry_) body["telemetry"] = true;
    } else {
        if (name_.empty()) return usage("--name", "is required: what the trainees will see the drill called");
        if (fault_.empty()) return usage("--fault", "is required (or --scenario FILE)");
        const int scopes = (all_ ? 1 : 0) + (checkpoints_.empty() ? 0 : 1) + (devices_.empty() ? 0 : 1);
        if (scopes != 1) return usage("--all", "give one scope: --all, --checkpoint ID... or --device ID...");
        json::object scope;
        if (all_) scope["all"] = true;
        const auto ids = [](const std::vector<std::string>& v) {
            json::array a;
            for (const auto& id : v) a.emplace_back(id);
            return a;
        };
        if (!checkpoints_.empty()) scope["checkpoints"] = ids(checkpoints_);
        if (!devices_.empty()) scope["devices"] = ids(devices_);
        body["name"] = name_;
        body["fault"] = fault_;
        body["scope"] = std::move(scope);
        if (!duration_.empty()) {
            const auto seconds = client::sim::parse_duration(duration_);
            if (!seconds) return usage("--duration", "must be like 90s, 20m or 1h30m");
            body["duration_s"] = *seconds;
        }
        json::object params;
        for (const auto& p : params_) {
            const auto eq = p.find('=');
            if (eq == std::string::npos || eq == 0) return usage("--param", "must be KEY=VALUE, e.g. p=0.3");
            params[p.substr(0, eq)] = param_value(p.substr(0, eq), p.substr(eq + 1));
        }
        if (!params.empty()) body["params"] = std::move(params);
        if (telemetry_) body["telemetry"] = true;
    }
    const auto res = http.request("POST", "/api/v1/drills", json::serialize(body), token);
    if (res.status != 201) return failed(res);
    const json::value v = json::parse(res.body);
    if (as_json_) {
        std::cout << res.body << "\n";
    } else {
        std::cout << field(v, "id") << "\n";
        std::cerr << "drill \"" << field(v, "name") << "\" started; it ends by itself at " << field(v, "ends_at")
                  << " (borderlogctl drill stop " << field(v, "id") << " to end it sooner)\n";
    }
    return 0;
}

int DrillCommands::stop(client::HttpClient& http, const std::string& token) {
    const auto res = http.request("POST", "/api/v1/drills/" + encoded(id_) + "/stop", "", token);
    if (res.status != 200) return failed(res);
    if (as_json_) {
        std::cout << res.body << "\n";
    } else {
        print_drill(json::parse(res.body));
    }
    return 0;
}

int DrillCommands::status(client::HttpClient& http, const std::string& token) {
    if (!id_.empty()) {
        const auto res = http.request("GET", "/api/v1/drills/" + encoded(id_), "", token);
        if (res.status != 200) return failed(res);
        if (as_json_) std::cout << res.body << "\n";
        else print_drill(json::parse(res.body));
        return 0;
    }
    const auto res = http.request("GET", "/api/v1/drills?state=running", "", token);
    if (res.status != 200) return failed(res);
    if (as_json_) {
        std::cout << res.body << "\n";
        return 0;
    }
    const json::value v = json::parse(res.body);
    const auto& drills = v.at("drills").as_array();
    if (drills.empty()) std::cout << "no drill is running\n";
    for (const auto& d : drills) print_drill(d);
    return 0;
}

int DrillCommands::list(client::HttpClient& http, const std::string& token) {
    const auto res = http.request(
        "GET", "/api/v1/drills?state=" + encoded(state_) + "&limit=" + std::to_string(limit_), "", token);
    if (res.status != 200) return failed(res);
    if (as_json_) {
        std::cout << res.body << "\n";
        return 0;
    }
    const json::value v = json::parse(res.body);
    std::vector<std::vector<std::string>> rows{{"ID", "NAME", "STATE", "STARTED", "ENDS", "SCOPE", "STEPS"}};
    for (const auto& d : v.at("drills").as_array())
        rows.push_back({field(d, "id"), field(d, "name"), field(d, "state"), field(d, "started_at"), field(d, "ends_at"),
                        scope_text(d.at("scope")), std::to_string(d.at("steps").as_array().size())});
    print_table(rows);
    return 0;
}

int DrillCommands::report(client::HttpClient& http, const std::string& token, const std::string& server) {
    const std::string target = "/api/v1/drills/" + encoded(id_) + "/report" + (csv_ ? "?format=csv" : "");
    const auto res = http.request("GET", target, "", token);
    if (res.status != 200) return failed(res);
    if (as_json_ || csv_) {
        std::cout << res.body << (csv_ ? "" : "\n");
        return 0;
    }
    const json::value r = json::parse(res.body);
    std::string verdict = field(r, "verdict");
    std::transform(verdict.begin(), verdict.end(), verdict.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    std::cout << "drill " << field(r, "id") << " \"" << field(r, "name") << "\": " << field(r, "state")
              << ", restored " << field(r, "restored_at") << "\nverdict: " << verdict << "\n";
    for (const auto& reason : r.at("reasons").as_array()) std::cout << "  - " << str(reason) << "\n";
    for (const auto& note : r.at("notes").as_array()) std::cout << "  note: " << str(note) << "\n";
    std::cout << "\n";
    std::vector<std::vector<std::string>> rows{{"CHECKPOINT", "DEVICE", "RECORDS", "BACKLOG PEAK", "DRAIN S", "LOST",
                                                "DUPLICATES", "REJECTED", "BACK-CAPTURED", "RESENT DUP", "LATENCY P50/P99 MS"}};
    for (const auto& d : r.at("devices").as_array()) {
        const auto& lat = d.at("record_latency_ms");
        rows.push_back({field(d, "checkpoint_id"), field(d, "device_id"), field(d, "records_during"),
                        field(d, "backlog_peak"), field(d, "drain_seconds"), field(d, "lost"), field(d, "duplicates"),
                        field(d, "rejected"), field(d, "back_captured"), field(d, "resent_duplicates"),
                        lat.is_object() ? field(lat, "p50") + " / " + field(lat, "p99") : "-"});
    }
    const auto& t = r.at("totals");
    rows.push_back({"TOTAL", field(t, "devices_drained") + "/" + field(t, "devices") + " drained", field(t, "records_during"),
                    field(t, "backlog_peak"), field(t, "drain_seconds_max"), field(t, "lost"), field(t, "duplicates"),
                    field(t, "rejected"), field(t, "back_captured"), field(t, "resent_duplicates"), ""});
    print_table(rows);
    std::cerr << "\nthe report with its backlog plot: " << server << "/drills/" << field(r, "id") << "\n";
    return 0;
}

}  // namespace borderlog::ctl
