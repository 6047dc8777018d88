// Timestamps on the wire are RFC 3339 in UTC with milliseconds: 2026-11-27T10:42:05.123Z.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace borderlog::core {

using Millis = std::chrono::sys_time<std::chrono::milliseconds>;

Millis now_millis();

std::string format_rfc3339(Millis t);

// Accepts "Z" or a numeric offset and 0 to 9 fractional digits (kept to the millisecond).
std::optional<Millis> parse_rfc3339(std::string_view text);

// A span written as numbers with units s, m, h, d: "90s", "20m", "1h30m", "2d" ("90" alone is seconds).
// nullopt for anything else, for zero, and for more than 100 million seconds (about three years).
std::optional<std::chrono::seconds> parse_duration(std::string_view text);

// True for a real calendar date written YYYY-MM-DD.
bool is_iso_date(std::string_view text);

}  // namespace borderlog::core
