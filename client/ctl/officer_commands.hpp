// borderlogctl's commands for the officers' area: anomalies, alerts, the watchlist, the daily report and
// the traveller view.
#pragma once

#include "client/sync/http_client.hpp"

#include <CLI/CLI.hpp>

#include <optional>
#include <string>

namespace borderlog::ctl {

class OfficerCommands {
public:
    // Adds the subcommands `anomalies`, `alerts`, `watchlist`, `report` and `traveler` to `app`. Must
    // outlive the parsing (CLI11 keeps pointers to the options).
    explicit OfficerCommands(CLI::App& app);
    OfficerCommands(const OfficerCommands&) = delete;
    OfficerCommands& operator=(const OfficerCommands&) = delete;

    // Runs the subcommand given, if it is one of these: its exit code; std::nullopt otherwise.
    std::optional<int> run(client::HttpClient& http, const std::string& token);

private:
    struct Filters {
        std::string kind, checkpoint, device, from, to, state, synthetic, late, after;
        int limit = 100;
        bool all = false, csv = false, as_json = false;
    };
    int anomalies_list(client::HttpClient& http, const std::string& token);
    int anomalies_summary(client::HttpClient& http, const std::string& token);
    int alerts_list(client::HttpClient& http, const std::string& token);
    int alerts_ack(client::HttpClient& http, const std::string& token);
    int watchlist_load(client::HttpClient& http, const std::string& token);
    int watchlist_show(client::HttpClient& http, const std::string& token);
    int report_daily(client::HttpClient& http, const std::string& token);
    int traveler_show(client::HttpClient& http, const std::string& token);

    Filters filters_;
    std::string alert_id_, note_;
    std::string file_, format_;
    long long since_ = 0;
    std::string date_;
    std::string doc_country_, doc_number_, on_;

    CLI::App* anomalies_list_ = nullptr;
    CLI::App* anomalies_summary_ = nullptr;
    CLI::App* alerts_list_ = nullptr;
    CLI::App* alerts_ack_ = nullptr;
    CLI::App* watchlist_load_ = nullptr;
    CLI::App* watchlist_show_ = nullptr;
    CLI::App* report_daily_ = nullptr;
    CLI::App* traveler_show_ = nullptr;
};

}  // namespace borderlog::ctl
