// libFuzzer target: the crossing decoder (core/crossing_json: read_crossing), as the server reads a
// record. Any JSON: no crash, a refusal that names its fields, and a crossing it accepts reads back
// the same from its own canonical JSON (one crossing, one spelling: what "same content" rests on).
#include "core/crossing_json.hpp"
#include "core/errors.hpp"
#include "core/record_hash.hpp"

#include <boost/json.hpp>

#include <cstdint>
#include <string_view>

namespace {

[[noreturn]] void broken() { __builtin_trap(); }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace borderlog::core;
    if (size < 1) return 0;
    const auto completeness = data[0] & 1 ? Completeness::draft : Completeness::full;
    boost::system::error_code ec;
    const boost::json::value v = boost::json::parse(std::string_view(reinterpret_cast<const char*>(data + 1), size - 1), ec);
    if (ec) return 0;
    Crossing c;
    try {
        c = read_crossing(v, completeness, 2026);
    } catch (const ValidationError& e) {
        if (e.errors().empty()) broken();
        // Every refusal says why, and names its field; only a crossing that is not an object at all
        // has no field to name.
        for (const auto& f : e.errors())
            if (f.message.empty() || (f.field.empty() && v.is_object())) broken();
        return 0;
    }
    const std::string canonical = canonical_json(c);
    Crossing again;
    try {
        again = read_crossing(boost::json::parse(canonical), completeness, 2026);
    } catch (const ValidationError&) {
        broken();  // what was accepted once must be accepted from its own canonical form
    }
    if (canonical_json(again) != canonical) broken();
    // The chain's hash covers the content alone, and reads the same from the canonical form.
    if (!is_record_hash(record_hash(c)) || record_hash(again) != record_hash(c)) broken();
    return 0;
}
