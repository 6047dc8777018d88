// Options come from flags, then the environment (BORDERLOG_<OPTION>), then a config file
// (--config FILE: "option = value" lines), then defaults. CLI11 alone would let the file win over the
// environment, so the layers below the command line are applied here, before parsing, as defaults.
#pragma once

#include <CLI/CLI.hpp>

#include <map>
#include <optional>
#include <string>

namespace borderlog::common {

// Reads "name = value" lines; '#' starts a comment; names may use '-' or '_'. Throws
// std::runtime_error naming the file and line on anything else.
std::map<std::string, std::string> read_config_file(const std::string& path);

// Adds --config to `app`, and before parsing fills every option of `app` and its subcommands from the
// environment or the config file named on the command line or in BORDERLOG_CONFIG. An option filled
// this way no longer needs to be given on the command line. Call it after every option is declared.
void apply_layered_defaults(CLI::App& app, int argc, const char* const* argv);

// The conventions of every borderlog program: --version, exactly one subcommand, and the program's own
// options allowed after it.
void setup_program(CLI::App& app, const std::string& program);

// Applies the layered defaults, then parses. Returns the exit code when the program must stop now
// (--help, --version, a usage error, an unreadable config file), or nullopt to go on.
std::optional<int> parse_command_line(CLI::App& app, int argc, const char* const* argv, const std::string& program);

// "data-dir" -> "BORDERLOG_DATA_DIR".
std::string environment_name(const std::string& option);

}  // namespace borderlog::common
