// The JSON codec of a crossing: strict on the way in (types, unknown fields, limits), canonical on
// the way out, so that one crossing has one JSON spelling and "same content" is a plain comparison.
#pragma once

#include "core/crossing.hpp"

#include <boost/json/fwd.hpp>

#include <string>

namespace borderlog::core {

// Reads a crossing. Throws ValidationError naming every field that is missing, mistyped or unknown;
// the rules of validate() are not applied here (call it with the completeness you need).
Crossing crossing_from_json(const boost::json::value& value, Completeness completeness);

// Parses, then validates: the whole path from a request's JSON to a trusted crossing.
Crossing read_crossing(const boost::json::value& value, Completeness completeness, int current_year);

boost::json::object to_json(const Crossing& crossing);
boost::json::object to_json(const Traveler& traveler);

// The canonical serialisation: fixed field order, UTC milliseconds, absent optionals omitted.
std::string canonical_json(const Crossing& crossing);

}  // namespace borderlog::core
