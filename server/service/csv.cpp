#include "server/service/csv.hpp"

namespace borderlog::server::service {

namespace {

// What a spreadsheet takes for the start of a formula (OWASP's list).
bool starts_formula(char c) { return c == '=' || c == '+' || c == '-' || c == '@' || c == '\t' || c == '\r'; }
// Where a spreadsheet may split a cell into fields: locale spreadsheets split on ';', others on ',' or tab.
bool splits_fields(char c) { return c == ';' || c == ',' || c == '\t'; }

}  // namespace

std::string csv_cell(std::string_view v) {
    std::string s;
    s.reserve(v.size() + 2);
    bool field_start = true;
    for (const char c : v) {
        if (field_start && starts_formula(c)) s += '\'';
        s += c;
        field_start = splits_fields(c) || (field_start && c == ' ');
    }
    if (s.find_first_of(",;\t\"\r\n") == std::string::npos) return s;
    std::string out = "\"";
    for (char c : s) {
        if (c == '"') out += '"';
        out += c;
    }
    return out + '"';
}

std::string csv_line(std::initializer_list<std::string_view> cells) {
    std::string out;
    bool first = true;
    for (const auto cell : cells) {
        if (!first) out += ',';
        first = false;
        out += csv_cell(cell);
    }
    return out + "\r\n";
}

}  // namespace borderlog::server::service
