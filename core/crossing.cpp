#include "core/crossing.hpp"

#include "core/ids.hpp"
#include "core/mrz.hpp"
#include "core/record_hash.hpp"
#include "core/text.hpp"
#include "core/time.hpp"

#include <date/date.h>

#include <algorithm>
#include <array>
#include <cctype>

namespace borderlog::core {

namespace {

bool all_of(std::string_view s, auto pred) {
    return std::all_of(s.begin(), s.end(), [&](char c) { return pred(static_cast<unsigned char>(c)); });
}

bool is_upper_alnum(std::string_view s) {
    return all_of(s, [](unsigned char c) { return std::isupper(c) || std::isdigit(c); });
}

class Checker {
public:
    void require(bool ok, const char* field, const char* message) {
        if (!ok) errors_.push_back({field, message});
    }
    void add(std::string field, std::string message) { errors_.push_back({std::move(field), std::move(message)}); }
    void text(std::string_view value, const char* field, std::size_t max, bool required) {
        if (value.empty()) {
            require(!required, field, "is required");
            return;
        }
        require(value.size() <= max, field, "is too long");
        require(is_printable(value), field, "contains control characters");
        require(is_utf8(value), field, "is not UTF-8 text (check the terminal's character set)");
    }
    std::vector<FieldError> take() { return std::move(errors_); }

private:
    std::vector<FieldError> errors_;
};

void check_traveler(Checker& c, const Traveler& t) {
    c.require(t.document_type.empty() || (t.document_type.size() <= 2 &&
                                          all_of(t.document_type, [](unsigned char ch) { return std::isupper(ch); })),
              "traveler.document_type", "must be one or two capital letters");
    c.require(!t.document_number.empty(), "traveler.document_number", "is required");
    c.require(t.document_number.size() <= limits::kDocumentNumber && is_upper_alnum(t.document_number),
              "traveler.document_number", "must be capital letters and digits, at most 20");
    const auto country = [&](const std::string& v, const char* field) {
        c.require(!v.empty() && v.size() <= 3 && all_of(v, [](unsigned char ch) { return std::isupper(ch); }),
                  field, "must be an ICAO country code of capital letters, e.g. ALB");
    };
    country(t.issuing_country, "traveler.issuing_country");
    country(t.nationality, "traveler.nationality");
    c.text(t.surname, "traveler.surname", limits::kName, true);
    c.text(t.given_names, "traveler.given_names", limits::kName, false);
    c.require(is_iso_date(t.birth_date), "traveler.birth_date", "must be a date YYYY-MM-DD");
    c.require(t.sex == "F" || t.sex == "M" || t.sex == "X", "traveler.sex", "must be F, M or X");
    c.require(t.expiry_date.empty() || is_iso_date(t.expiry_date), "traveler.expiry_date",
              "must be a date YYYY-MM-DD");
}

void check_mrz(Checker& c, const Crossing& x, int current_year) {
    if (!x.mrz) return c.require(!x.has_flag(kFlagMrzInvalid), "flags", "mrz_invalid needs an mrz");
    if (x.mrz->size() > limits::kMrz) return c.require(false, "mrz", "is too long");
    const auto parsed = parse_mrz(*x.mrz, current_year);
    if (!parsed) return c.require(false, "mrz", "is not a machine readable zone");
    // A misprinted zone the officer chose to record: kept as read, flagged, compared with nothing.
    if (x.has_flag(kFlagMrzInvalid)) return;
    if (!parsed->valid) return c.require(false, "mrz", "has a wrong check digit or an unreadable field");
    for (const auto& e : mrz_disagreements(*parsed, x.traveler)) c.add("mrz", "does not agree with " + e.field);
}

}  // namespace

bool Crossing::has_flag(std::string_view flag) const {
    return std::find(flags.begin(), flags.end(), flag) != flags.end();
}

bool is_known_flag(std::string_view flag) {
    return flag == kFlagMrzInvalid || flag == kFlagSynthetic || flag == kFlagBackCaptured;
}

bool is_identifier(std::string_view text) {
    return !text.empty() && text.size() <= limits::kIdentifier &&
           all_of(text, [](unsigned char c) { return std::isalnum(c) || c == '-' || c == '_' || c == '.'; });
}

bool is_valid_mode(std::string_view mode) {
    static constexpr std::array<std::string_view, 7> kModes{"foot", "car", "bus", "truck", "rail", "air", "sea"};
    return std::find(kModes.begin(), kModes.end(), mode) != kModes.end();
}

std::vector<FieldError> validate(const Crossing& x, Completeness completeness, int current_year) {
    Checker c;
    if (completeness == Completeness::full) {
        c.require(is_uuid(x.id), "id", "must be a UUID");
        c.require(is_identifier(x.device_id), "device_id", "must be 1-64 letters, digits, '.', '_' or '-'");
        c.require(x.stream_id.empty() || is_uuid(x.stream_id), "stream_id", "must be a UUID");
        c.require(x.seq >= 1 && x.seq <= limits::kMaxSeq, "seq", "must be a whole number from 1");
        c.require(is_identifier(x.checkpoint_id), "checkpoint_id", "must be 1-64 letters, digits, '.', '_' or '-'");
        // The chain: both or neither (a terminal older than the chain sends neither).
        c.require(x.prev_hash.empty() ? x.hash.empty() : is_record_hash(x.prev_hash), "prev_hash",
                  x.prev_hash.empty() ? "is required with hash" : "must be 64 lower-case hexadecimal digits");
        c.require(x.hash.empty() ? x.prev_hash.empty() : is_record_hash(x.hash), "hash",
                  x.hash.empty() ? "is required with prev_hash" : "must be 64 lower-case hexadecimal digits");
    }
    c.text(x.lane, "lane", limits::kLane, false);
    c.require(x.direction == "entry" || x.direction == "exit", "direction", "must be entry or exit");
    c.require(parse_rfc3339(x.occurred_at).has_value(), "occurred_at", "must be an RFC 3339 timestamp");
    c.require(x.officer_id.empty() || is_identifier(x.officer_id), "officer_id",
              "must be 1-64 letters, digits, '.', '_' or '-'");
    check_traveler(c, x.traveler);
    c.require(x.transport.mode.empty() || is_valid_mode(x.transport.mode), "transport.mode",
              "must be one of foot, car, bus, truck, rail, air, sea");
    c.text(x.transport.vehicle_plate, "transport.vehicle_plate", limits::kPlate, false);
    c.require(x.flags.size() <= limits::kFlags, "flags", "holds too many flags");
    for (std::size_t i = 0; i < x.flags.size(); ++i) {
        c.require(is_known_flag(x.flags[i]), "flags", "must be among mrz_invalid, synthetic, back_captured");
        c.require(std::find(x.flags.begin(), x.flags.begin() + static_cast<std::ptrdiff_t>(i), x.flags[i]) ==
                      x.flags.begin() + static_cast<std::ptrdiff_t>(i),
                  "flags", "names a flag twice");
    }
    c.text(x.paper_ref, "paper_ref", limits::kPaperRef, false);
    c.require(x.watchlist_version >= 0 && x.watchlist_version <= limits::kMaxSeq, "watchlist_version",
              "must be a whole number >= 0");
    c.require(x.paper_ref.empty() || x.has_flag(kFlagBackCaptured), "paper_ref", "is only for back_captured records");
    // Two-digit MRZ years are read as of the crossing, not of the day it reaches the centre.
    int mrz_year = current_year;
    if (const auto t = parse_rfc3339(x.occurred_at))
        mrz_year = static_cast<int>(date::year_month_day{date::floor<date::days>(*t)}.year());
    check_mrz(c, x, mrz_year);
    return c.take();
}

}  // namespace borderlog::core
