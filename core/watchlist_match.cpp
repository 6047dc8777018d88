#include "core/watchlist_match.hpp"

#include "core/transliteration.hpp"

#include <algorithm>

namespace borderlog::core {

namespace {

std::string only(std::string_view s, bool letters_only) {
    std::string out;
    for (char c : s) {
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
        if ((c >= 'A' && c <= 'Z') || (!letters_only && c >= '0' && c <= '9')) out += c;
    }
    return out;
}

void add_unique(std::vector<std::string>& to, std::string value) {
    if (std::find(to.begin(), to.end(), value) == to.end()) to.push_back(std::move(value));
}

std::vector<std::string> with_birth(const std::vector<std::string>& forms, std::string_view birth_date) {
    std::vector<std::string> out;
    if (birth_date.empty()) return out;
    for (const auto& f : forms) add_unique(out, f + "|" + std::string(birth_date));
    return out;
}

}  // namespace

std::string_view to_string(MatchKind kind) { return kind == MatchKind::document ? "document" : "person"; }

std::string document_key(std::string_view issuing_country, std::string_view document_number) {
    const std::string country = only(issuing_country, true);
    const std::string number = only(document_number, false);
    if (country.empty() || number.empty()) return {};
    return country + "/" + number;
}

std::vector<std::string> name_forms(std::string_view surname, std::string_view given_names) {
    std::vector<std::string> forms;
    for (const Umlauts u : {Umlauts::doc9303, Umlauts::folded}) {
        if (u == Umlauts::folded && !has_two_spellings(surname) && !has_two_spellings(given_names)) break;
        const std::string s = transliterate_name(surname, u);
        if (s.empty()) return {};
        add_unique(forms, s + "|" + transliterate_name(given_names, u));
    }
    return forms;
}

std::vector<std::string> person_keys(const WatchlistEntry& entry) {
    if (!entry.has_person()) return {};
    return with_birth(name_forms(entry.surname, entry.given_names), entry.birth_date);
}

std::vector<std::string> person_keys(const Traveler& traveler) {
    std::vector<std::string> keys = with_birth(name_forms(traveler.surname, traveler.given_names), traveler.birth_date);
    for (auto& k : with_birth(name_forms(traveler.surname, ""), traveler.birth_date)) add_unique(keys, std::move(k));
    return keys;
}

std::optional<MatchKind> match(const WatchlistEntry& entry, const Traveler& traveler) {
    if (entry.has_document()) {
        const std::string key = document_key(entry.issuing_country, entry.document_number);
        if (!key.empty() && key == document_key(traveler.issuing_country, traveler.document_number))
            return MatchKind::document;
    }
    if (entry.has_person()) {
        const auto wanted = person_keys(entry);
        const auto seen = person_keys(traveler);
        for (const auto& k : wanted)
            if (std::find(seen.begin(), seen.end(), k) != seen.end()) return MatchKind::person;
    }
    return std::nullopt;
}

std::vector<WatchlistHit> screen(const std::vector<WatchlistEntry>& entries, const Traveler& traveler) {
    std::vector<WatchlistHit> hits;
    for (const auto& e : entries)
        if (const auto by = match(e, traveler)) hits.push_back({&e, *by});
    return hits;
}

}  // namespace borderlog::core
