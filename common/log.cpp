#include "common/log.hpp"

#include <boost/json/serialize.hpp>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <stdexcept>
#include <string>

namespace borderlog::common {

void setup_json_logging(std::string_view program, spdlog::level::level_enum level) {
    auto logger = spdlog::stderr_logger_mt(std::string(program));
    // The message is the event's own JSON members; program and time come from the pattern.
    logger->set_pattern(R"({"ts":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l","program":")" + std::string(program) +
                            R"(",%v})",
                        spdlog::pattern_time_type::utc);
    logger->set_level(level);
    logger->flush_on(spdlog::level::info);
    spdlog::set_default_logger(logger);
}

spdlog::level::level_enum parse_log_level(std::string_view name) {
    if (name == "debug") return spdlog::level::debug;
    if (name == "info") return spdlog::level::info;
    if (name == "warn") return spdlog::level::warn;
    if (name == "error") return spdlog::level::err;
    throw std::invalid_argument("--log-level must be debug, info, warn or error");
}

void log_event(spdlog::level::level_enum level, std::string_view event, const boost::json::object& fields) {
    if (!spdlog::should_log(level)) return;
    boost::json::object line;
    line["event"] = event;
    for (const auto& kv : fields) line[kv.key()] = kv.value();
    std::string text = boost::json::serialize(line);
    // Strip the braces: the pattern supplies the enclosing object.
    spdlog::log(level, "{}", std::string_view(text).substr(1, text.size() - 2));
}

}  // namespace borderlog::common
