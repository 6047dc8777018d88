#include "common/config.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <optional>
#include <stdexcept>

namespace borderlog::common {

namespace {

std::string trim(std::string s) {
    const auto not_space = [](unsigned char c) { return !std::isspace(c); };
    s.erase(s.begin(), std::find_if(s.begin(), s.end(), not_space));
    s.erase(std::find_if(s.rbegin(), s.rend(), not_space).base(), s.end());
    return s;
}

std::string normalise_key(std::string key) {
    std::replace(key.begin(), key.end(), '_', '-');
    return key;
}

std::optional<std::string> config_path_from(int argc, const char* const* argv) {
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--config" && i + 1 < argc) return std::string(argv[i + 1]);
        if (arg.rfind("--config=", 0) == 0) return arg.substr(9);
    }
    if (const char* env = std::getenv("BORDERLOG_CONFIG"); env && *env) return std::string(env);
    return std::nullopt;
}

void fill(CLI::App& app, const std::map<std::string, std::string>& file) {
    for (CLI::Option* opt : app.get_options()) {
        if (opt->get_lnames().empty() || opt->get_expected_max() > 1) continue;  // positional or repeated
        const std::string name = opt->get_lnames().front();
        if (name == "help" || name == "version" || name == "config") continue;
        std::optional<std::string> value;
        if (const char* env = std::getenv(environment_name(name).c_str()); env && *env) {
            value = env;
        } else if (auto it = file.find(name); it != file.end()) {
            value = it->second;
        }
        if (!value) continue;
        opt->default_val(*value);
        opt->required(false);
    }
    for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) fill(*sub, file);
}

}  // namespace

void setup_program(CLI::App& app, const std::string& program) {
    app.set_version_flag("--version", program + " " + BORDERLOG_VERSION);
    app.require_subcommand(1);
    app.fallthrough();
}

std::optional<int> parse_command_line(CLI::App& app, int argc, const char* const* argv, const std::string& program) {
    try {
        apply_layered_defaults(app, argc, argv);
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    } catch (const std::exception& e) {
        std::cerr << program << ": " << e.what() << "\n";
        return 2;
    }
    return std::nullopt;
}

std::string environment_name(const std::string& option) {
    std::string out = "BORDERLOG_";
    for (char c : option) out.push_back(c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
    return out;
}

std::map<std::string, std::string> read_config_file(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw std::runtime_error("--config: cannot read " + path);
    std::map<std::string, std::string> out;
    std::string line;
    for (int no = 1; std::getline(in, line); ++no) {
        line = trim(line);
        if (line.empty() || line.front() == '#' || line.front() == '[') continue;  // comment or TOML section
        const auto eq = line.find('=');
        if (eq == std::string::npos)
            throw std::runtime_error("--config: " + path + " line " + std::to_string(no) + ": expected name = value");
        std::string value = trim(line.substr(eq + 1));
        if (!value.empty() && (value.front() == '"' || value.front() == '\'')) {
            // A quoted value keeps everything up to its closing quote, '#' included.
            const auto close = value.find(value.front(), 1);
            if (close == std::string::npos)
                throw std::runtime_error("--config: " + path + " line " + std::to_string(no) + ": unclosed quote");
            value = value.substr(1, close - 1);
        } else {
            value = trim(value.substr(0, value.find('#')));
        }
        out[normalise_key(trim(line.substr(0, eq)))] = value;
    }
    return out;
}

void apply_layered_defaults(CLI::App& app, int argc, const char* const* argv) {
    app.add_option("--config", "Read options from FILE (name = value lines); flags and BORDERLOG_* win over it");
    for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) {
        if (!sub->get_option_no_throw("--config"))
            sub->add_option("--config", "Read options from FILE (name = value lines)");
        for (CLI::App* subsub : sub->get_subcommands([](CLI::App*) { return true; }))
            if (!subsub->get_option_no_throw("--config"))
                subsub->add_option("--config", "Read options from FILE (name = value lines)");
    }
    const auto path = config_path_from(argc, argv);
    fill(app, path ? read_config_file(*path) : std::map<std::string, std::string>{});
}

}  // namespace borderlog::common
