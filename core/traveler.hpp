// The traveller's document as recorded at a crossing. Dates are ISO 8601 calendar dates
// ("YYYY-MM-DD"); optional fields are empty strings when absent.
#pragma once

#include <string>

namespace borderlog::core {

struct Traveler {
    std::string document_type;    // ICAO document code, e.g. "P", "ID", "V"; optional
    std::string document_number;  // up to 9 characters in an MRZ, longer when typed
    std::string issuing_country;  // ICAO 3-letter code (ISO 3166-1 alpha-3 or ICAO special)
    std::string nationality;      // ICAO 3-letter code
    std::string surname;
    std::string given_names;
    std::string birth_date;  // YYYY-MM-DD
    std::string sex;         // "F", "M" or "X"
    std::string expiry_date;  // YYYY-MM-DD; optional

    bool operator==(const Traveler&) const = default;
};

}  // namespace borderlog::core
