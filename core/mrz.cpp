#include "core/mrz.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <utility>

namespace borderlog::core {

namespace {

constexpr char kFiller = '<';

// A run of characters in the MRZ; line and start are 0-based.
struct Span {
    int line = 0;
    int start = 0;
    int length = 0;
};

// Where each element sits in one format. Optional spans have length 0 when absent.
struct Layout {
    std::string_view format;
    int line_count;
    int line_length;
    Span document_type;
    Span issuing_country;
    Span name;
    Span document_number;
    Span document_number_check;
    Span nationality;
    Span birth_date;
    Span birth_date_check;
    Span sex;
    Span expiry_date;
    Span expiry_date_check;
    Span optional_data;        // TD1 line 1 / TD2: where a long document number continues; TD3: personal number
    Span optional_data_check;  // TD3's personal-number check digit
    std::array<Span, 4> composite_data;
    Span composite_check;
    // ICAO 9303-5 and -6 let a document number longer than 9 characters continue in the optional data
    // (a filler in the check position); passports (9303-4) and visas (9303-7) have no such rule.
    bool long_numbers = false;
};

constexpr Layout kTd1{
    "TD1", 3, 30,
    {0, 0, 2}, {0, 2, 3}, {2, 0, 30}, {0, 5, 9}, {0, 14, 1}, {1, 15, 3},
    {1, 0, 6}, {1, 6, 1}, {1, 7, 1}, {1, 8, 6}, {1, 14, 1},
    {0, 15, 15}, {},
    {{{0, 5, 25}, {1, 0, 7}, {1, 8, 7}, {1, 18, 11}}}, {1, 29, 1}, true};

constexpr Layout kTd2{
    "TD2", 2, 36,
    {0, 0, 2}, {0, 2, 3}, {0, 5, 31}, {1, 0, 9}, {1, 9, 1}, {1, 10, 3},
    {1, 13, 6}, {1, 19, 1}, {1, 20, 1}, {1, 21, 6}, {1, 27, 1},
    {1, 28, 7}, {},
    {{{1, 0, 10}, {1, 13, 7}, {1, 21, 14}, {}}}, {1, 35, 1}, true};

constexpr Layout kTd3{
    "TD3", 2, 44,
    {0, 0, 2}, {0, 2, 3}, {0, 5, 39}, {1, 0, 9}, {1, 9, 1}, {1, 10, 3},
    {1, 13, 6}, {1, 19, 1}, {1, 20, 1}, {1, 21, 6}, {1, 27, 1},
    {1, 28, 14}, {1, 42, 1},
    {{{1, 0, 10}, {1, 13, 7}, {1, 21, 22}, {}}}, {1, 43, 1}, false};

// Visas carry no composite digit and no long-number convention, so those spans stay empty.
constexpr Layout kMrva{
    "MRVA", 2, 44,
    {0, 0, 2}, {0, 2, 3}, {0, 5, 39}, {1, 0, 9}, {1, 9, 1}, {1, 10, 3},
    {1, 13, 6}, {1, 19, 1}, {1, 20, 1}, {1, 21, 6}, {1, 27, 1},
    {}, {}, {}, {}, false};

constexpr Layout kMrvb{
    "MRVB", 2, 36,
    {0, 0, 2}, {0, 2, 3}, {0, 5, 31}, {1, 0, 9}, {1, 9, 1}, {1, 10, 3},
    {1, 13, 6}, {1, 19, 1}, {1, 20, 1}, {1, 21, 6}, {1, 27, 1},
    {}, {}, {}, {}, false};

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_letter(char c) { return c >= 'A' && c <= 'Z'; }
bool is_mrz_char(char c) { return is_digit(c) || is_letter(c) || c == kFiller; }

int char_value(char c) {
    if (is_digit(c)) return c - '0';
    if (is_letter(c)) return c - 'A' + 10;
    return 0;
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// Lines end in "\n", "\r\n" or a lone "\r" (what some readers send for Enter); whitespace around the
// whole text is ignored, a blank line inside it is not.
std::vector<std::string_view> split_lines(std::string_view text) {
    while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
    while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
    std::vector<std::string_view> lines;
    while (true) {
        const auto end = text.find_first_of("\r\n");
        lines.push_back(text.substr(0, end));
        if (end == std::string_view::npos) break;
        const bool crlf = text[end] == '\r' && end + 1 < text.size() && text[end + 1] == '\n';
        text.remove_prefix(end + (crlf ? 2 : 1));
    }
    return lines;
}

const Layout* detect_layout(const std::vector<std::string_view>& lines) {
    const auto all_of_length = [&](std::size_t n) {
        return std::all_of(lines.begin(), lines.end(),
                           [n](std::string_view l) { return l.size() == n; });
    };
    if (lines.size() == 3 && all_of_length(30)) return &kTd1;
    if (lines.size() != 2) return nullptr;
    const bool visa = !lines[0].empty() && lines[0][0] == 'V';
    if (all_of_length(44)) return visa ? &kMrva : &kTd3;
    if (all_of_length(36)) return visa ? &kMrvb : &kTd2;
    return nullptr;
}

bool only_mrz_chars(const std::vector<std::string_view>& lines) {
    return std::all_of(lines.begin(), lines.end(), [](std::string_view l) {
        return std::all_of(l.begin(), l.end(), is_mrz_char);
    });
}

std::string strip_fillers(std::string_view s) {
    std::string out;
    for (char c : s)
        if (c != kFiller) out += c;
    return out;
}

// Uppercase, every non A-Z character a space, runs of spaces collapsed, trimmed.
std::string normalize_name(std::string_view s) {
    std::string out;
    for (char c : s) {
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
        if (!is_letter(c)) c = ' ';
        if (c == ' ' && (out.empty() || out.back() == ' ')) continue;
        out += c;
    }
    if (!out.empty() && out.back() == ' ') out.pop_back();
    return out;
}

std::string uppercase_alnum(std::string_view s) {
    std::string out;
    for (char c : s) {
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
        if (is_letter(c) || is_digit(c)) out += c;
    }
    return out;
}

std::string two_digits(int n) {
    return std::string(1, static_cast<char>('0' + n / 10)) + static_cast<char>('0' + n % 10);
}

bool is_leap(int year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

int days_in_month(int year, int month) {
    constexpr std::array<int, 12> days{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (month == 2 && is_leap(year)) return 29;
    return days[static_cast<std::size_t>(month - 1)];
}

enum class DateKind { birth, expiry };

int resolve_year(int yy, DateKind kind, int current_year) {
    const int year = 2000 + yy;
    if (kind == DateKind::birth) return year <= current_year ? year : year - 100;
    return year > current_year + 50 ? year - 100 : year;
}

// Parsing state: the lines and the result being filled in.
class MrzReader {
public:
    MrzReader(const Layout& layout, std::vector<std::string_view> lines, int current_year)
        : layout_(layout), lines_(std::move(lines)), current_year_(current_year) {
        result_.format = std::string(layout.format);
    }

    MrzResult read() {
        Traveler& t = result_.traveler;
        t.document_type = read_document_type();
        t.issuing_country = read_country(layout_.issuing_country, "issuing_country");
        t.nationality = read_country(layout_.nationality, "nationality");
        read_names();
        t.document_number = read_document_number();
        t.birth_date = read_date(layout_.birth_date, layout_.birth_date_check, "birth_date",
                                 DateKind::birth);
        t.sex = read_sex();
        t.expiry_date = read_date(layout_.expiry_date, layout_.expiry_date_check, "expiry_date",
                                  DateKind::expiry);
        check_optional_data();
        check_composite();
        result_.valid = result_.errors.empty();
        return std::move(result_);
    }

private:
    std::string_view text(const Span& s) const {
        return lines_[static_cast<std::size_t>(s.line)].substr(static_cast<std::size_t>(s.start),
                                                               static_cast<std::size_t>(s.length));
    }

    void error(std::string field, const Span& s, int offset, std::string message) {
        result_.errors.push_back({std::move(field), s.line + 1, s.start + offset + 1,
                                  std::move(message)});
    }

    // Records one check digit over `data`; a filler digit is accepted only when `filler_ok`.
    void check(const std::string& field, std::string_view data, const Span& digit,
               bool filler_ok = false) {
        const char c = text(digit)[0];
        bool valid = false;
        if (filler_ok && c == kFiller) {
            valid = true;
        } else if (!is_digit(c)) {
            error(field, digit, 0, "check digit must be a digit, found '" + std::string(1, c) + "'");
        } else {
            const int expected = mrz_check_digit(data);
            valid = c - '0' == expected;
            if (!valid)
                error(field, digit, 0, "check digit is " + std::string(1, c) + " but the data gives " +
                                           std::to_string(expected));
        }
        result_.checks.push_back({field, valid});
    }

    std::string read_document_type() {
        const std::string_view s = text(layout_.document_type);
        if (!is_letter(s[0])) {
            error("document_type", layout_.document_type, 0, "must start with a letter");
            return {};
        }
        if (is_digit(s[1])) {
            error("document_type", layout_.document_type, 1, "must be letters");
            return {};
        }
        return strip_fillers(s);
    }

    std::string read_country(const Span& span, const std::string& field) {
        const std::string_view s = text(span);
        const auto digit = std::find_if(s.begin(), s.end(), is_digit);
        if (digit != s.end()) {
            error(field, span, static_cast<int>(digit - s.begin()), "country code must be letters");
            return {};
        }
        std::string code = strip_fillers(s);
        if (code.empty()) error(field, span, 0, "country code is empty");
        return code;
    }

    // '<<' separates the primary identifier from the secondary; single fillers are spaces.
    void read_names() {
        const std::string_view s = text(layout_.name);
        const std::size_t separator = std::min(s.find("<<"), s.size());
        for (std::size_t i = 0; i < s.size(); ++i) {
            if (!is_digit(s[i])) continue;
            error(i < separator ? "surname" : "given_names", layout_.name, static_cast<int>(i),
                  "names must be letters");
            return;
        }
        result_.traveler.surname = normalize_name(s.substr(0, separator));
        if (separator < s.size())
            result_.traveler.given_names = normalize_name(s.substr(separator + 2));
        if (result_.traveler.surname.empty())
            error("surname", layout_.name, 0, "primary identifier is empty");
    }

    std::string read_document_number() {
        const std::string_view principal = text(layout_.document_number);
        std::string number = strip_fillers(principal);
        if (number.empty()) error("document_number", layout_.document_number, 0, "is empty");
        if (text(layout_.document_number_check)[0] == kFiller && layout_.long_numbers)
            return read_long_document_number(principal);
        check("document_number", principal, layout_.document_number_check);
        return number;
    }

    // ICAO 9303 long numbers: a filler in the check position, the rest of the number opening the
    // optional data, followed by the check digit over the whole number.
    std::string read_long_document_number(std::string_view principal) {
        const std::string_view overflow = text(layout_.optional_data);
        const std::size_t end = std::min(overflow.find(kFiller), overflow.size());
        if (end == 0) {  // nothing continues: a plain missing check digit
            check("document_number", principal, layout_.document_number_check);
            return strip_fillers(principal);
        }
        const std::string rest(overflow.substr(0, end - 1));
        const Span digit{layout_.optional_data.line,
                         layout_.optional_data.start + static_cast<int>(end) - 1, 1};
        const std::string full = std::string(principal) + rest;
        check("document_number", full, digit);
        return strip_fillers(full);
    }

    std::string read_date(const Span& span, const Span& check_span, const std::string& field,
                          DateKind kind) {
        const std::string_view s = text(span);
        check(field, s, check_span);
        // ICAO 9303-3: an unknown date, or an unknown day or month of it, is written with fillers. It is
        // not wrong, only not known: left empty.
        const bool digits_or_fillers =
            std::all_of(s.begin(), s.end(), [](char c) { return is_digit(c) || c == kFiller; });
        if (digits_or_fillers && s.find(kFiller) != std::string_view::npos) return {};
        const auto bad = std::find_if_not(s.begin(), s.end(), is_digit);
        if (bad != s.end()) {
            error(field, span, static_cast<int>(bad - s.begin()), "date must be digits YYMMDD");
            return {};
        }
        const auto number = [&](std::size_t at) { return (s[at] - '0') * 10 + (s[at + 1] - '0'); };
        const int year = resolve_year(number(0), kind, current_year_);
        const int month = number(2);
        const int day = number(4);
        if (month < 1 || month > 12) {
            error(field, span, 2, "month " + two_digits(month) + " does not exist");
            return {};
        }
        if (day < 1 || day > days_in_month(year, month)) {
            error(field, span, 4, "day " + two_digits(day) + " does not exist in that month");
            return {};
        }
        return std::to_string(year) + "-" + two_digits(month) + "-" + two_digits(day);
    }

    std::string read_sex() {
        const char c = text(layout_.sex)[0];
        if (c == 'F' || c == 'M' || c == 'X') return std::string(1, c);
        if (c == kFiller) return "X";
        error("sex", layout_.sex, 0, "must be F, M or <");
        return {};
    }

    // TD3's personal number digit may be a filler when the personal number is all fillers.
    void check_optional_data() {
        if (layout_.optional_data_check.length == 0) return;
        const std::string_view data = text(layout_.optional_data);
        const bool empty = data.find_first_not_of(kFiller) == std::string_view::npos;
        check("optional_data", data, layout_.optional_data_check, empty);
    }

    void check_composite() {
        if (layout_.composite_check.length == 0) return;
        std::string data;
        for (const Span& s : layout_.composite_data)
            if (s.length > 0) data += text(s);
        check("composite", data, layout_.composite_check);
    }

    const Layout& layout_;
    std::vector<std::string_view> lines_;
    int current_year_;
    MrzResult result_;
};

// --- comparison with a typed traveler ---

std::vector<std::string> words(std::string_view s) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start < s.size()) {
        const std::size_t end = std::min(s.find(' ', start), s.size());
        if (end > start) out.emplace_back(s.substr(start, end - start));
        start = end + 1;
    }
    return out;
}

// A truncated MRZ name keeps a prefix of each word (down to initials) and may drop trailing words.
bool truncated_name_matches(std::string_view mrz, std::string_view typed) {
    const auto mrz_words = words(mrz);
    const auto typed_words = words(typed);
    if (mrz_words.size() > typed_words.size()) return false;
    for (std::size_t i = 0; i < mrz_words.size(); ++i)
        if (!std::string_view(typed_words[i]).starts_with(mrz_words[i])) return false;
    return true;
}

std::size_t name_field_length(std::string_view format) {
    if (format == "TD1") return 30;
    if (format == "TD2" || format == "MRVB") return 31;
    return 39;
}

// Rebuilds the encoded name to see whether it filled its field, the sign of truncation.
bool name_truncated(const MrzResult& mrz) {
    std::size_t length = mrz.traveler.surname.size();
    if (!mrz.traveler.given_names.empty()) length += 2 + mrz.traveler.given_names.size();
    return length >= name_field_length(mrz.format);
}

// The MRZ records only the last two digits of the year.
bool same_date(std::string_view mrz, std::string_view typed) {
    if (mrz.size() == 10 && typed.size() == 10) return mrz.substr(2) == typed.substr(2);
    return mrz == typed;
}

// Document numbers longer than nine characters are cut to nine outside the long-number convention.
bool same_document_number(std::string_view mrz, std::string_view typed) {
    if (mrz == typed) return true;
    return mrz.size() == 9 && typed.size() > 9 && typed.starts_with(mrz);
}

std::string uppercase_trimmed(std::string_view s) {
    std::string out;
    for (char c : s) {
        if (c == ' ' || c == kFiller) continue;
        out += (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
    }
    return out;
}

void add_disagreement(std::vector<FieldError>& out, const std::string& field,
                      std::string_view mrz, std::string_view typed) {
    out.push_back({"traveler." + field, "typed '" + std::string(typed) + "' but the MRZ reads '" +
                                            std::string(mrz) + "'"});
}

}  // namespace

int mrz_check_digit(std::string_view chars) {
    constexpr std::array<int, 3> weights{7, 3, 1};
    int sum = 0;
    for (std::size_t i = 0; i < chars.size(); ++i) sum += char_value(chars[i]) * weights[i % 3];
    return sum % 10;
}

std::optional<MrzResult> parse_mrz(std::string_view text, int current_year) {
    std::vector<std::string_view> lines = split_lines(text);
    const Layout* layout = detect_layout(lines);
    if (layout == nullptr || !only_mrz_chars(lines)) return std::nullopt;
    return MrzReader(*layout, std::move(lines), current_year).read();
}

std::vector<FieldError> mrz_disagreements(const MrzResult& mrz, const Traveler& traveler) {
    std::vector<FieldError> out;
    const Traveler& m = mrz.traveler;

    if (!m.document_number.empty() &&
        !same_document_number(m.document_number, uppercase_alnum(traveler.document_number)))
        add_disagreement(out, "document_number", m.document_number, traveler.document_number);

    const auto compare_code = [&](const std::string& field, const std::string& mrz_value,
                                  const std::string& typed) {
        if (!mrz_value.empty() && mrz_value != uppercase_trimmed(typed))
            add_disagreement(out, field, mrz_value, typed);
    };
    compare_code("issuing_country", m.issuing_country, traveler.issuing_country);
    compare_code("nationality", m.nationality, traveler.nationality);

    if (!m.birth_date.empty() && !same_date(m.birth_date, traveler.birth_date))
        add_disagreement(out, "birth_date", m.birth_date, traveler.birth_date);
    compare_code("sex", m.sex, traveler.sex);
    if (!m.expiry_date.empty() && !traveler.expiry_date.empty() &&
        !same_date(m.expiry_date, traveler.expiry_date))
        add_disagreement(out, "expiry_date", m.expiry_date, traveler.expiry_date);

    const bool truncated = name_truncated(mrz);
    const auto compare_name = [&](const std::string& field, const std::string& mrz_value,
                                  const std::string& typed) {
        const std::string normalized = normalize_name(typed);
        const bool ok = normalized == mrz_value ||
                        (truncated && truncated_name_matches(mrz_value, normalized));
        if (!ok) add_disagreement(out, field, mrz_value, typed);
    };
    if (!m.surname.empty()) {  // names unreadable in the MRZ cannot disagree
        compare_name("surname", m.surname, traveler.surname);
        compare_name("given_names", m.given_names, traveler.given_names);
    }
    return out;
}

}  // namespace borderlog::core
