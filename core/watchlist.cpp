#include "core/watchlist.hpp"

#include "core/crossing.hpp"
#include "core/ids.hpp"
#include "core/text.hpp"
#include "core/time.hpp"
#include "core/transliteration.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <array>
#include <optional>

namespace borderlog::core {

namespace json = boost::json;

namespace {

std::string trim(std::string_view s) {
    const auto first = s.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos) return {};
    const auto last = s.find_last_not_of(" \t\r\n");
    return std::string(s.substr(first, last - first + 1));
}

// Codes and numbers as an MRZ writes them: capitals, no fillers, spaces or dashes.
std::string code(std::string_view s) {
    std::string out;
    for (char c : s) {
        if (c == '<' || c == ' ' || c == '-' || c == '\t') continue;
        out += (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
    }
    return out;
}

std::string lower(std::string_view s) {
    std::string out;
    for (char c : trim(s)) out += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    return out;
}

bool all_of(std::string_view s, bool (*pred)(char)) { return std::all_of(s.begin(), s.end(), pred); }
bool upper_or_digit(char c) { return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }
bool upper(char c) { return c >= 'A' && c <= 'Z'; }
bool action_char(char c) { return (c >= 'a' && c <= 'z') || c == '_'; }

WatchlistEntry normalised(WatchlistEntry e) {
    e.document_number = code(e.document_number);
    e.issuing_country = code(e.issuing_country);
    e.surname = trim(e.surname);
    e.given_names = trim(e.given_names);
    e.birth_date = trim(e.birth_date);
    e.reason = trim(e.reason);
    e.action = lower(e.action);
    e.id = watchlist_entry_id(e);
    return e;
}

// Fields are checked one by one; an error carries the entry's place (a CSV line or a JSON index).
[[noreturn]] void refuse(const FieldError& e, const std::string& where_prefix, const std::string& where_suffix) {
    throw ValidationError(where_prefix + e.field, where_suffix.empty() ? e.message : where_suffix + " " + e.message);
}

void check_count(std::size_t n) {
    if (n > limits::kWatchlistEntries)
        throw ValidationError("entries", "holds more than " + std::to_string(limits::kWatchlistEntries) + " entries");
}

// --- CSV (RFC 4180) ---

struct CsvRecord {
    std::size_t line;  // where the record starts, from 1
    std::vector<std::string> fields;
};

std::vector<CsvRecord> read_csv(std::string_view text) {
    if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);  // a spreadsheet's byte order mark
    std::vector<CsvRecord> records;
    std::size_t line = 1;
    std::size_t i = 0;
    while (i < text.size()) {
        CsvRecord record{line, {}};
        std::string field;
        bool end_of_record = false;
        while (!end_of_record) {
            field.clear();
            if (i < text.size() && text[i] == '"') {
                ++i;
                const std::size_t opened_on = line;
                for (;;) {
                    if (i >= text.size())
                        throw ValidationError("csv", "a quoted field opened on line " + std::to_string(opened_on) +
                                                         " is never closed");
                    if (text[i] == '"') {
                        if (i + 1 < text.size() && text[i + 1] == '"') {
                            field += '"';
                            i += 2;
                            continue;
                        }
                        ++i;
                        break;
                    }
                    if (text[i] == '\n') ++line;
                    field += text[i++];
                }
                if (i < text.size() && text[i] != ',' && text[i] != '\r' && text[i] != '\n')
                    throw ValidationError("csv", "on line " + std::to_string(line) +
                                                     " a closing quote must end its field");
            } else {
                while (i < text.size() && text[i] != ',' && text[i] != '\r' && text[i] != '\n') field += text[i++];
            }
            record.fields.push_back(field);
            if (i < text.size() && text[i] == ',') {
                ++i;
                continue;
            }
            if (i < text.size() && text[i] == '\r') ++i;
            if (i < text.size() && text[i] == '\n') ++i;
            ++line;
            end_of_record = true;
        }
        const bool blank = record.fields.size() == 1 && trim(record.fields[0]).empty();
        if (!blank) records.push_back(std::move(record));
    }
    return records;
}

// --- JSON ---

std::string json_text(const json::object& o, std::string_view key, const std::string& prefix) {
    const auto* v = o.if_contains(key);
    if (!v || v->is_null()) return {};
    if (!v->is_string()) throw ValidationError(prefix + std::string(key), "must be a string");
    return std::string(v->get_string());
}

}  // namespace

std::vector<FieldError> validate(const WatchlistEntry& e) {
    std::vector<FieldError> errors;
    const auto add = [&](const char* field, const char* message) { errors.push_back({field, message}); };
    if (!e.has_document() && !e.has_person() && e.issuing_country.empty() && e.birth_date.empty() &&
        e.given_names.empty())
        add("document_number", "or surname with birth_date is required: an entry names a document or a person");
    if (e.has_document()) {
        if (e.document_number.size() > limits::kDocumentNumber || !all_of(e.document_number, upper_or_digit))
            add("document_number", "must be letters and digits, at most 20");
        if (e.issuing_country.empty()) add("issuing_country", "is required with document_number");
    }
    if (!e.issuing_country.empty()) {
        if (e.issuing_country.size() > 3 || !all_of(e.issuing_country, upper))
            add("issuing_country", "must be an ICAO country code of letters, e.g. ALB");
        if (!e.has_document()) add("document_number", "is required with issuing_country");
    }
    const bool person_part = !e.surname.empty() || !e.given_names.empty() || !e.birth_date.empty();
    if (person_part) {
        if (e.surname.empty()) add("surname", "is required with given_names or birth_date");
        else if (!is_text(e.surname, limits::kName)) add("surname", "must be printable UTF-8 text of at most 120 bytes");
        else if (transliterate_name(e.surname).empty())
            add("surname", "has no letter in the ICAO (Latin or Cyrillic) table; give it as the passport's MRZ spells it");
        if (!e.given_names.empty() && !is_text(e.given_names, limits::kName))
            add("given_names", "must be printable UTF-8 text of at most 120 bytes");
        if (e.birth_date.empty()) add("birth_date", "is required with surname");
        else if (!is_iso_date(e.birth_date)) add("birth_date", "must be a date YYYY-MM-DD");
    }
    if (e.reason.empty()) add("reason", "is required");
    else if (!is_text(e.reason, limits::kWatchlistReason)) add("reason", "must be printable UTF-8 text of at most 500 bytes");
    if (e.action.empty()) add("action", "is required (refer, deny, monitor, ...)");
    else if (e.action.size() > limits::kWatchlistAction || !all_of(e.action, action_char))
        add("action", "must be one lower-case word such as refer, deny or monitor");
    return errors;
}

std::string watchlist_entry_id(const WatchlistEntry& e) {
    std::string content = "watchlist-entry-v1";
    for (const std::string* f : {&e.document_number, &e.issuing_country, &e.surname, &e.given_names, &e.birth_date,
                                 &e.reason, &e.action}) {
        content += '\x1f';
        content += *f;
    }
    return sha256_hex(content).substr(0, 32);
}

std::vector<WatchlistEntry> read_watchlist_csv(std::string_view text) {
    const std::vector<CsvRecord> records = read_csv(text);
    if (records.empty()) throw ValidationError("csv", "needs a header line naming its columns, e.g. " +
                                                          std::string("document_number,issuing_country,surname,"
                                                                      "given_names,birth_date,reason,action"));
    check_count(records.size() - 1);
    // Which member each column fills.
    std::vector<std::string WatchlistEntry::*> columns;
    for (const std::string& raw : records[0].fields) {
        const std::string name = lower(raw);
        static constexpr std::array<std::pair<std::string_view, std::string WatchlistEntry::*>, 7> kMembers{{
            {"document_number", &WatchlistEntry::document_number},
            {"issuing_country", &WatchlistEntry::issuing_country},
            {"surname", &WatchlistEntry::surname},
            {"given_names", &WatchlistEntry::given_names},
            {"birth_date", &WatchlistEntry::birth_date},
            {"reason", &WatchlistEntry::reason},
            {"action", &WatchlistEntry::action},
        }};
        const auto it = std::find_if(kMembers.begin(), kMembers.end(), [&](const auto& m) { return m.first == name; });
        if (it == kMembers.end())
            throw ValidationError("csv", "the header names an unknown column '" + name +
                                             "'; the columns are document_number, issuing_country, surname, "
                                             "given_names, birth_date, reason, action");
        if (std::find(columns.begin(), columns.end(), it->second) != columns.end())
            throw ValidationError("csv", "the header names column '" + name + "' twice");
        columns.push_back(it->second);
    }
    std::vector<WatchlistEntry> out;
    out.reserve(records.size() - 1);
    for (std::size_t r = 1; r < records.size(); ++r) {
        const CsvRecord& rec = records[r];
        const std::string where = "on line " + std::to_string(rec.line);
        if (rec.fields.size() != columns.size())
            throw ValidationError("csv", where + " has " + std::to_string(rec.fields.size()) + " fields; the header has " +
                                             std::to_string(columns.size()));
        WatchlistEntry e;
        for (std::size_t c = 0; c < columns.size(); ++c) e.*columns[c] = rec.fields[c];
        e = normalised(std::move(e));
        if (const auto errors = validate(e); !errors.empty()) refuse(errors.front(), "", where);
        out.push_back(std::move(e));
    }
    return out;
}

std::vector<WatchlistEntry> read_watchlist_json(const json::value& value) {
    const json::array* items = value.if_array();
    if (const auto* o = value.if_object()) {
        for (const auto& kv : *o)
            if (kv.key() != "entries") throw ValidationError(std::string(kv.key()), "is not a known field");
        const auto* entries = o->if_contains("entries");
        items = entries ? entries->if_array() : nullptr;
    }
    if (!items) throw ValidationError("entries", "must be an array of entries");
    check_count(items->size());
    std::vector<WatchlistEntry> out;
    out.reserve(items->size());
    for (std::size_t i = 0; i < items->size(); ++i) {
        const std::string prefix = "entries[" + std::to_string(i) + "].";
        const json::object* o = (*items)[i].if_object();
        if (!o) throw ValidationError("entries[" + std::to_string(i) + "]", "must be an object");
        for (const auto& kv : *o) {
            const std::string_view k = kv.key();
            const bool known = std::find(std::begin(kWatchlistColumns), std::end(kWatchlistColumns), k) !=
                               std::end(kWatchlistColumns);
            // id and version are what the centre answers with: a list read back can be loaded again.
            if (!known && k != "id" && k != "version") throw ValidationError(prefix + std::string(k), "is not a known field");
        }
        WatchlistEntry e;
        e.document_number = json_text(*o, "document_number", prefix);
        e.issuing_country = json_text(*o, "issuing_country", prefix);
        e.surname = json_text(*o, "surname", prefix);
        e.given_names = json_text(*o, "given_names", prefix);
        e.birth_date = json_text(*o, "birth_date", prefix);
        e.reason = json_text(*o, "reason", prefix);
        e.action = json_text(*o, "action", prefix);
        e = normalised(std::move(e));
        if (const auto errors = validate(e); !errors.empty()) refuse(errors.front(), prefix, "");
        out.push_back(std::move(e));
    }
    return out;
}

json::object to_json(const WatchlistEntry& e) {
    json::object o;
    o["id"] = e.id;
    const auto put = [&](const char* key, const std::string& v) {
        if (!v.empty()) o[key] = v;
    };
    put("document_number", e.document_number);
    put("issuing_country", e.issuing_country);
    put("surname", e.surname);
    put("given_names", e.given_names);
    put("birth_date", e.birth_date);
    o["reason"] = e.reason;
    o["action"] = e.action;
    o["version"] = e.version;
    return o;
}

WatchlistEntry watchlist_entry_from_json(const json::value& value) {
    const json::object* o = value.if_object();
    if (!o) throw ValidationError("entry", "must be an object");
    WatchlistEntry e;
    e.id = json_text(*o, "id", "");
    e.document_number = json_text(*o, "document_number", "");
    e.issuing_country = json_text(*o, "issuing_country", "");
    e.surname = json_text(*o, "surname", "");
    e.given_names = json_text(*o, "given_names", "");
    e.birth_date = json_text(*o, "birth_date", "");
    e.reason = json_text(*o, "reason", "");
    e.action = json_text(*o, "action", "");
    if (const auto* v = o->if_contains("version"); v && v->is_int64()) e.version = v->get_int64();
    if (e.id.empty()) throw ValidationError("id", "is required");
    return e;
}

}  // namespace borderlog::core
