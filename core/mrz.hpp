// Parsing of ICAO 9303 machine-readable zones (passports, ID cards, visas) into a Traveler,
// with every check digit verified, and comparison of an MRZ against what an officer typed.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/errors.hpp"
#include "core/traveler.hpp"

namespace borderlog::core {

// One check digit of the MRZ. `field` is "document_number", "birth_date", "expiry_date",
// "optional_data" or "composite".
struct MrzCheck {
    std::string field;
    bool valid;

    bool operator==(const MrzCheck&) const = default;
};

// One thing wrong with the MRZ; `line` and `position` are 1-based and point at the offending
// character (the first character of the field when the field as a whole is wrong).
struct MrzError {
    std::string field;
    int line;
    int position;
    std::string message;

    bool operator==(const MrzError&) const = default;
};

struct MrzResult {
    bool valid = false;   // every check digit right and every field readable
    std::string format;   // "TD1" | "TD2" | "TD3" | "MRVA" | "MRVB"
    Traveler traveler;    // fields that could not be read, and dates the MRZ marks unknown (<), are empty
    std::vector<MrzCheck> checks;
    std::vector<MrzError> errors;
};

// Parses an MRZ whose lines are separated by '\n', "\r\n" or '\r'; whitespace around the whole text
// is ignored.
// Returns std::nullopt only when the text is not an MRZ at all: wrong number of lines, line
// lengths matching no format, or characters outside A-Z 0-9 '<'. Otherwise returns a result
// whose `errors` list what is wrong.
// `current_year` resolves two-digit years: birth year YY is 20YY if 20YY <= current_year, else
// 19YY; expiry year YY is 20YY unless that is more than 50 years after current_year, else 19YY.
std::optional<MrzResult> parse_mrz(std::string_view text, int current_year);

// ICAO 9303 check digit (weights 7,3,1; '<' = 0, '0'-'9' = 0-9, 'A'-'Z' = 10-35) of `chars`.
// Characters outside the MRZ alphabet count as fillers.
int mrz_check_digit(std::string_view chars);

// Where the MRZ and a typed Traveler disagree, as FieldErrors named "traveler.<field>".
// Compares document_number, issuing_country, nationality, birth_date, sex, expiry_date (when the
// typed one is non-empty), surname and given_names. Fields the MRZ could not read are skipped.
// Names are compared uppercased with every non A-Z character as a space and spaces collapsed;
// when the MRZ name field was full (truncated), each MRZ name word need only be a prefix of the
// typed word in the same place (so "ANNA M" accepts "ANNA MARIA"). Dates are compared without
// the century, which the MRZ does not record.
std::vector<FieldError> mrz_disagreements(const MrzResult& mrz, const Traveler& traveler);

}  // namespace borderlog::core
