// Logs for operators: one JSON object per line on stderr, one event each, never a traveller record
// or a token. log_event("sync_done", {{"device_id", id}, {"sent", n}}).
#pragma once

#include <boost/json/object.hpp>
#include <spdlog/common.h>

#include <string_view>

namespace borderlog::common {

void setup_json_logging(std::string_view program, spdlog::level::level_enum level);

// Accepts "debug", "info", "warn", "error"; throws std::invalid_argument otherwise.
spdlog::level::level_enum parse_log_level(std::string_view name);

void log_event(spdlog::level::level_enum level, std::string_view event, const boost::json::object& fields = {});

}  // namespace borderlog::common
