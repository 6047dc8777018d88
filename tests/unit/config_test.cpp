#include "common/config.hpp"

#include "core/ids.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <functional>
#include <fstream>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace borderlog::common {
namespace {

namespace fs = std::filesystem;

// A temporary config file, removed when the test ends.
class TempConfig {
public:
    explicit TempConfig(const std::string& text)
        : path_(fs::temp_directory_path() / ("borderlog-config-test-" + core::random_urlsafe(12) + ".conf")) {
        std::ofstream(path_) << text;
    }
    ~TempConfig() {
        std::error_code ec;
        fs::remove(path_, ec);
    }
    TempConfig(const TempConfig&) = delete;
    TempConfig& operator=(const TempConfig&) = delete;
    std::string path() const { return path_.string(); }

private:
    fs::path path_;
};

// Sets an environment variable for the life of the object, then restores what was there.
class ScopedEnv {
public:
    ScopedEnv(const char* name, std::optional<std::string> value) : name_(name) {
        if (const char* old = std::getenv(name)) old_ = old;
        if (value) ::setenv(name, value->c_str(), 1);
        else ::unsetenv(name);
    }
    ~ScopedEnv() {
        if (old_) ::setenv(name_, old_->c_str(), 1);
        else ::unsetenv(name_);
    }
    ScopedEnv(const ScopedEnv&) = delete;
    ScopedEnv& operator=(const ScopedEnv&) = delete;

private:
    const char* name_;
    std::optional<std::string> old_;
};

std::string message_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const std::runtime_error& e) {
        return e.what();
    }
    return "";
}

TEST(Config, AConfigFileIsReadWithCommentsQuotesAndBothSpellingsOfNames) {
    const TempConfig file("# the checkpoint at Kakavije\n"
                          "\n"
                          "server = http://central:8080   # the centre\n"
                          "data_dir = \"/var/lib/borderlog\"\n"
                          "  checkpoint-id='KAKAVIJE'  \n"
                          "[ignored-section]\n"
                          "token = a=b=c\n"
                          "empty =\n"
                          "lane = \"\"\n");
    const std::map<std::string, std::string> expected{{"server", "http://central:8080"},
                                                      {"data-dir", "/var/lib/borderlog"},
                                                      {"checkpoint-id", "KAKAVIJE"},
                                                      {"token", "a=b=c"},
                                                      {"empty", ""},
                                                      {"lane", ""}};
    EXPECT_EQ(read_config_file(file.path()), expected);
}

TEST(Config, AnUnclosedQuoteIsRefusedNamingItsLine) {
    const TempConfig file("# terminal\nsurname = \"O'BRIEN'\n");
    try {
        read_config_file(file.path());
        FAIL() << "an unclosed quote was accepted";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("line 2"), std::string::npos) << e.what();
    }
}

TEST(Config, AHashInsideAQuotedValueIsPartOfTheValue) {
    const TempConfig file("db = \"postgresql://borderlog:pa#ss@db.central/borderlog\"  # the central database\n");
    const std::string value = read_config_file(file.path()).at("db");
    EXPECT_EQ(value, "postgresql://borderlog:pa#ss@db.central/borderlog");
}

TEST(Config, ALaterLineWinsOverAnEarlierOne) {
    const TempConfig file("listen = 127.0.0.1:1\nlisten = 127.0.0.1:2\n");
    EXPECT_EQ(read_config_file(file.path()).at("listen"), "127.0.0.1:2");
}

TEST(Config, ALineWithoutAnEqualsSignIsRefusedNamingTheFileAndLine) {
    const TempConfig file("# comment\nserver = http://central\njust some words\n");
    const std::string message = message_of([&] { read_config_file(file.path()); });
    EXPECT_NE(message.find("line 3"), std::string::npos) << message;
    EXPECT_NE(message.find(file.path()), std::string::npos) << message;
}

TEST(Config, AMissingFileIsRefusedNamingIt) {
    const std::string path = (fs::temp_directory_path() / "borderlog-no-such-config.conf").string();
    const std::string message = message_of([&] { read_config_file(path); });
    EXPECT_NE(message.find(path), std::string::npos) << message;
}

TEST(Config, EnvironmentNamesAreUpperCaseWithUnderscores) {
    EXPECT_EQ(environment_name("data-dir"), "BORDERLOG_DATA_DIR");
    EXPECT_EQ(environment_name("db"), "BORDERLOG_DB");
    EXPECT_EQ(environment_name("ui-listen"), "BORDERLOG_UI_LISTEN");
}

// flag > environment > file > default, for one option of a small program.
struct LayerCase {
    const char* name;
    bool flag;
    bool environment;
    bool file;
    const char* expected;
};
void PrintTo(const LayerCase& c, std::ostream* os) { *os << c.name; }

class OptionLayers : public testing::TestWithParam<LayerCase> {};

constexpr const char* kEnvName = "BORDERLOG_DRILL_AREA";

TEST_P(OptionLayers, FlagBeatsEnvironmentBeatsFileBeatsDefault) {
    const LayerCase& c = GetParam();
    const ScopedEnv no_config("BORDERLOG_CONFIG", std::nullopt);
    const ScopedEnv env(kEnvName, c.environment ? std::optional<std::string>("from-environment") : std::nullopt);
    const TempConfig file(c.file ? "drill_area = from-file\n" : "# nothing\n");

    CLI::App app("test");
    std::string area;
    app.add_option("--drill-area", area)->default_val("from-default");
    std::vector<std::string> args{"prog", "--config", file.path()};
    if (c.flag) args.insert(args.end(), {"--drill-area", "from-flag"});
    std::vector<const char*> argv;
    for (const auto& a : args) argv.push_back(a.c_str());

    apply_layered_defaults(app, static_cast<int>(argv.size()), argv.data());
    app.parse(static_cast<int>(argv.size()), argv.data());
    EXPECT_EQ(area, c.expected);
}

INSTANTIATE_TEST_SUITE_P(Config, OptionLayers,
                         testing::Values(LayerCase{"NothingGiven", false, false, false, "from-default"},
                                         LayerCase{"FileOnly", false, false, true, "from-file"},
                                         LayerCase{"EnvironmentOnly", false, true, false, "from-environment"},
                                         LayerCase{"EnvironmentOverFile", false, true, true, "from-environment"},
                                         LayerCase{"FlagOnly", true, false, false, "from-flag"},
                                         LayerCase{"FlagOverFile", true, false, true, "from-flag"},
                                         LayerCase{"FlagOverEnvironment", true, true, false, "from-flag"},
                                         LayerCase{"FlagOverEverything", true, true, true, "from-flag"}),
                         [](const auto& param_info) { return std::string(param_info.param.name); });

TEST(Config, AnEmptyEnvironmentVariableDoesNotHideTheFile) {
    const ScopedEnv no_config("BORDERLOG_CONFIG", std::nullopt);
    const ScopedEnv env(kEnvName, "");
    const TempConfig file("drill-area = from-file\n");
    CLI::App app("test");
    std::string area;
    app.add_option("--drill-area", area)->default_val("from-default");
    const std::string path = file.path();
    const char* argv[] = {"prog", "--config", path.c_str()};
    apply_layered_defaults(app, 3, argv);
    app.parse(3, argv);
    EXPECT_EQ(area, "from-file");
}

TEST(Config, TheConfigFileMayBeNamedByTheEnvironment) {
    const TempConfig file("drill-area = from-file\n");
    const ScopedEnv config("BORDERLOG_CONFIG", file.path());
    const ScopedEnv env(kEnvName, std::nullopt);
    CLI::App app("test");
    std::string area;
    app.add_option("--drill-area", area);
    const char* argv[] = {"prog"};
    apply_layered_defaults(app, 1, argv);
    app.parse(1, argv);
    EXPECT_EQ(area, "from-file");
}

TEST(Config, TheConfigFlagMayUseAnEqualsSign) {
    const ScopedEnv no_config("BORDERLOG_CONFIG", std::nullopt);
    const ScopedEnv env(kEnvName, std::nullopt);
    const TempConfig file("drill-area = from-file\n");
    CLI::App app("test");
    std::string area;
    app.add_option("--drill-area", area);
    const std::string flag = "--config=" + file.path();
    const char* argv[] = {"prog", flag.c_str()};
    apply_layered_defaults(app, 2, argv);
    app.parse(2, argv);
    EXPECT_EQ(area, "from-file");
}

TEST(Config, ARequiredOptionOfASubcommandMayComeFromTheFile) {
    const ScopedEnv no_config("BORDERLOG_CONFIG", std::nullopt);
    const ScopedEnv env("BORDERLOG_DRILL_DB", std::nullopt);
    const TempConfig file("drill_db = postgresql://central/borderlog\n");
    CLI::App app("test");
    std::string db;
    app.add_subcommand("migrate")->add_option("--drill-db", db)->required();
    const std::string path = file.path();
    const char* argv[] = {"prog", "migrate", "--config", path.c_str()};
    apply_layered_defaults(app, 4, argv);
    EXPECT_NO_THROW(app.parse(4, argv));
    EXPECT_EQ(db, "postgresql://central/borderlog");
}

TEST(Config, ARequiredOptionGivenNowhereIsStillRequired) {
    const ScopedEnv no_config("BORDERLOG_CONFIG", std::nullopt);
    const ScopedEnv env("BORDERLOG_DRILL_DB", std::nullopt);
    CLI::App app("test");
    std::string db;
    app.add_subcommand("migrate")->add_option("--drill-db", db)->required();
    const char* argv[] = {"prog", "migrate"};
    apply_layered_defaults(app, 2, argv);
    EXPECT_THROW(app.parse(2, argv), CLI::RequiredError);
}

}  // namespace
}  // namespace borderlog::common
