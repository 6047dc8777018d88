// borderlogctl's commands for trainers: `drill start|stop|status|list|report` (docs/drills.md).
#pragma once

#include "client/sync/http_client.hpp"

#include <CLI/CLI.hpp>

#include <optional>
#include <string>
#include <vector>

namespace borderlog::ctl {

class DrillCommands {
public:
    // Adds the subcommand `drill` to `app`. Must outlive the parsing (CLI11 keeps pointers to the options).
    explicit DrillCommands(CLI::App& app);
    DrillCommands(const DrillCommands&) = delete;
    DrillCommands& operator=(const DrillCommands&) = delete;

    // Runs the drill subcommand given, if one was: its exit code; std::nullopt otherwise. `server` is
    // the base URL, for the report page's address.
    std::optional<int> run(client::HttpClient& http, const std::string& token, const std::string& server);

private:
    int start(client::HttpClient& http, const std::string& token);
    int stop(client::HttpClient& http, const std::string& token);
    int status(client::HttpClient& http, const std::string& token);
    int list(client::HttpClient& http, const std::string& token);
    int report(client::HttpClient& http, const std::string& token, const std::string& server);

    std::string name_, fault_, duration_, scenario_, id_, state_ = "all";
    std::vector<std::string> checkpoints_, devices_, params_;
    bool all_ = false, telemetry_ = false, as_json_ = false, csv_ = false;
    int limit_ = 100;

    CLI::App* start_ = nullptr;
    CLI::App* stop_ = nullptr;
    CLI::App* status_ = nullptr;
    CLI::App* list_ = nullptr;
    CLI::App* report_ = nullptr;
};

}  // namespace borderlog::ctl
