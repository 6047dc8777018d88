// Reading a request's query parameters the same way in every listing: an empty value is an absent one,
// numbers are whole and bounded, times are RFC 3339. Refusals are ValidationErrors naming the parameter.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace borderlog::server::service {

std::optional<std::string> param(const std::map<std::string, std::string>& q, const char* key);

std::int64_t whole_number(const std::string& text, const char* field, std::int64_t lo, std::int64_t hi);

// The parameter as a normalised timestamp (UTC, milliseconds), or nullopt when absent.
std::optional<std::string> timestamp(const std::map<std::string, std::string>& q, const char* key);

}  // namespace borderlog::server::service
