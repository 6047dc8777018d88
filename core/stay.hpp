// The authorised short stay (the Schengen 90/180 rule) as the EU Entry/Exit System's calculator counts
// it, and where a traveller is, from their recorded crossings. Pure: no clock, no I/O.
#pragma once

#include "core/time.hpp"

#include <date/date.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace borderlog::core {

enum class Direction { entry, exit };

// One recorded crossing of one traveller.
struct Movement {
    Millis occurred_at;
    Direction direction;
};

enum class PresenceStatus { unknown, in_country, departed };
std::string_view to_string(PresenceStatus status);

inline constexpr int kStayWindowDays = 180;
inline constexpr int kStayMaxDays = 90;

struct Stay {
    date::sys_days on;            // the last day of the window
    date::sys_days window_start;  // on - 179: the window holds 180 days
    int days_used = 0;            // days present within the window
    int days_remaining = 0;       // of the 90, never below 0
    bool overstay = false;        // more than 90 days used
    PresenceStatus status = PresenceStatus::unknown;  // after the last crossing on or before `on`
};

// Days are UTC calendar days of occurred_at. Crossings after `on` are ignored (the stay as it stood on
// that day); the others are taken in time order, whatever order they are given in. The rules:
// - an entry opens a stay; an entry while a stay is open continues that stay (the earlier entry stands,
//   as a missed exit leaves the traveller counted as present);
// - an exit closes the open stay: every day from the entry's day to the exit's day counts, both included;
// - an exit without an open stay counts its own day only (the traveller was certainly present that day);
// - a stay still open on `on` counts up to `on`, included;
// - a day counts once, however many crossings fall on it (same-day exit and re-entry: one day).
// status: in_country after an entry, departed after an exit, unknown with no crossing up to `on`.
Stay compute_stay(std::vector<Movement> movements, date::sys_days on);

// The UTC calendar day of an instant.
date::sys_days utc_day(Millis t);

// "YYYY-MM-DD" of a day, and back (std::nullopt unless a real date).
std::string format_day(date::sys_days day);
std::optional<date::sys_days> parse_day(std::string_view text);

}  // namespace borderlog::core
