#include "core/time.hpp"

#include <date/date.h>

#include <cctype>
#include <charconv>

namespace borderlog::core {

namespace {

// Reads exactly `width` decimal digits at `pos`.
std::optional<int> digits(std::string_view s, std::size_t pos, std::size_t width) {
    if (pos + width > s.size()) return std::nullopt;
    int v = 0;
    for (std::size_t i = pos; i < pos + width; ++i) {
        if (!std::isdigit(static_cast<unsigned char>(s[i]))) return std::nullopt;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

std::optional<date::year_month_day> read_date(std::string_view s) {
    if (s.size() < 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
    const auto y = digits(s, 0, 4), m = digits(s, 5, 2), d = digits(s, 8, 2);
    if (!y || !m || !d || *y < 1) return std::nullopt;  // there is no year 0 in PostgreSQL (or in ISO dates)
    const date::year_month_day ymd{date::year{*y}, date::month{static_cast<unsigned>(*m)},
                                   date::day{static_cast<unsigned>(*d)}};
    if (!ymd.ok()) return std::nullopt;
    return ymd;
}

}  // namespace

Millis now_millis() { return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now()); }

std::string format_rfc3339(Millis t) { return date::format("%FT%TZ", t); }

std::optional<Millis> parse_rfc3339(std::string_view s) {
    const auto ymd = read_date(s);
    if (!ymd || s.size() < 20 || (s[10] != 'T' && s[10] != 't') || s[13] != ':' || s[16] != ':') return std::nullopt;
    const auto hh = digits(s, 11, 2), mi = digits(s, 14, 2), ss = digits(s, 17, 2);
    if (!hh || !mi || !ss || *hh > 23 || *mi > 59 || *ss > 59) return std::nullopt;
    std::size_t pos = 19;
    long millis = 0;
    if (pos < s.size() && s[pos] == '.') {
        ++pos;
        const std::size_t start = pos;
        while (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos]))) {
            if (pos - start < 3) millis = millis * 10 + (s[pos] - '0');
            ++pos;
        }
        const std::size_t n = pos - start;
        if (n == 0 || n > 9) return std::nullopt;
        for (std::size_t i = n; i < 3; ++i) millis *= 10;
    }
    std::chrono::minutes offset{0};
    if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
        ++pos;
    } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
        const auto oh = digits(s, pos + 1, 2), om = digits(s, pos + 4, 2);
        if (!oh || !om || pos + 3 >= s.size() || s[pos + 3] != ':' || *oh > 23 || *om > 59) return std::nullopt;
        offset = std::chrono::hours{*oh} + std::chrono::minutes{*om};
        if (s[pos] == '-') offset = -offset;
        pos += 6;
    } else {
        return std::nullopt;
    }
    if (pos != s.size()) return std::nullopt;
    const auto day = date::sys_days{*ymd};
    const Millis t = Millis{day} + std::chrono::hours{*hh} + std::chrono::minutes{*mi} + std::chrono::seconds{*ss} +
                     std::chrono::milliseconds{millis} - offset;
    // An offset can carry the instant out of the four-digit years that format_rfc3339 writes.
    const auto utc_year = date::year_month_day{date::floor<date::days>(t)}.year();
    if (utc_year < date::year{1} || utc_year > date::year{9999}) return std::nullopt;
    return t;
}

bool is_iso_date(std::string_view text) { return text.size() == 10 && read_date(text).has_value(); }

std::optional<std::chrono::seconds> parse_duration(std::string_view text) {
    constexpr long long kMax = 100'000'000;
    long long total = 0;
    bool unit_seen = false;
    std::size_t i = 0;
    if (text.empty()) return std::nullopt;
    while (i < text.size()) {
        long long n = 0;
        const auto [end, ec] = std::from_chars(text.data() + i, text.data() + text.size(), n);
        if (ec != std::errc{} || end == text.data() + i || n < 0) return std::nullopt;
        i = static_cast<std::size_t>(end - text.data());
        long long unit = 1;
        if (i < text.size()) {
            const char u = text[i++];
            unit = u == 's' ? 1 : u == 'm' ? 60 : u == 'h' ? 3600 : u == 'd' ? 86400 : 0;
            if (unit == 0) return std::nullopt;
            unit_seen = true;
        } else if (unit_seen) {
            return std::nullopt;  // "1h30": the last number needs its unit too
        }
        if (n > kMax / unit || total + n * unit > kMax) return std::nullopt;
        total += n * unit;
    }
    if (total <= 0) return std::nullopt;
    return std::chrono::seconds{total};
}

}  // namespace borderlog::core
