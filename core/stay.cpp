#include "core/stay.hpp"

#include <algorithm>
#include <utility>

namespace borderlog::core {

namespace {

// Inclusive ranges of days present.
using Days = std::pair<date::sys_days, date::sys_days>;

std::vector<Days> stays_up_to(std::vector<Movement> movements, date::sys_days on, PresenceStatus& status) {
    std::stable_sort(movements.begin(), movements.end(),
                     [](const Movement& a, const Movement& b) { return a.occurred_at < b.occurred_at; });
    std::vector<Days> stays;
    bool open = false;
    date::sys_days opened_on{};
    status = PresenceStatus::unknown;
    for (const Movement& m : movements) {
        const date::sys_days day = utc_day(m.occurred_at);
        if (day > on) break;
        if (m.direction == Direction::entry) {
            if (!open) opened_on = day;
            open = true;
            status = PresenceStatus::in_country;
        } else {
            stays.emplace_back(open ? opened_on : day, day);
            open = false;
            status = PresenceStatus::departed;
        }
    }
    if (open) stays.emplace_back(opened_on, on);
    return stays;
}

}  // namespace

std::string_view to_string(PresenceStatus status) {
    switch (status) {
        case PresenceStatus::in_country: return "in_country";
        case PresenceStatus::departed: return "departed";
        case PresenceStatus::unknown: break;
    }
    return "unknown";
}

Stay compute_stay(std::vector<Movement> movements, date::sys_days on) {
    Stay stay;
    stay.on = on;
    stay.window_start = on - date::days{kStayWindowDays - 1};
    std::vector<Days> stays = stays_up_to(std::move(movements), on, stay.status);

    // Clip each stay to the window, then count the days of their union.
    std::vector<Days> clipped;
    for (const auto& [from, to] : stays) {
        const auto start = std::max(from, stay.window_start);
        const auto end = std::min(to, on);
        if (start <= end) clipped.emplace_back(start, end);
    }
    std::sort(clipped.begin(), clipped.end());
    long used = 0;
    date::sys_days next_uncounted = stay.window_start;  // days before it are counted already
    for (const auto& [from, to] : clipped) {
        const auto start = std::max(from, next_uncounted);
        if (start <= to) {
            used += (to - start).count() + 1;
            next_uncounted = to + date::days{1};
        }
    }
    stay.days_used = static_cast<int>(used);
    stay.days_remaining = std::max(0, kStayMaxDays - stay.days_used);
    stay.overstay = stay.days_used > kStayMaxDays;
    return stay;
}

date::sys_days utc_day(Millis t) { return date::floor<date::days>(t); }

std::string format_day(date::sys_days day) { return date::format("%F", day); }

std::optional<date::sys_days> parse_day(std::string_view text) {
    if (!is_iso_date(text)) return std::nullopt;
    const auto t = parse_rfc3339(std::string(text) + "T00:00:00Z");
    if (!t) return std::nullopt;
    return utc_day(*t);
}

}  // namespace borderlog::core
