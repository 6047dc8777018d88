// libFuzzer target: the MRZ parser (core/mrz). Any text: no crash, and what it says of an MRZ holds
// together: a known format, errors pointing inside the MRZ, a valid MRZ without errors, the same
// reading whatever the line breaks, and an MRZ agreeing with the traveller read from it.
#include "core/mrz.hpp"

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>

namespace {

[[noreturn]] void broken() { __builtin_trap(); }

bool same(const borderlog::core::MrzResult& a, const borderlog::core::MrzResult& b) {
    return a.valid == b.valid && a.format == b.format && a.checks == b.checks && a.errors == b.errors &&
           a.traveler.document_number == b.traveler.document_number && a.traveler.surname == b.traveler.surname &&
           a.traveler.given_names == b.traveler.given_names && a.traveler.birth_date == b.traveler.birth_date;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace borderlog::core;
    if (size > 512) return 0;  // an MRZ is at most 3 x 44 characters: longer text only repeats the refusal
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const auto result = parse_mrz(text, 2026);
    if (!result) return 0;
    static const std::string_view kFormats[] = {"TD1", "TD2", "TD3", "MRVA", "MRVB"};
    if (std::find(std::begin(kFormats), std::end(kFormats), result->format) == std::end(kFormats)) broken();
    if (result->valid && !result->errors.empty()) broken();
    for (const auto& e : result->errors) {
        if (e.line < 1 || e.line > 3 || e.position < 1 || e.position > 44 || e.field.empty() || e.message.empty())
            broken();
    }
    for (const auto& c : result->checks)
        if (c.field.empty()) broken();
    // The same MRZ with CRLF line breaks reads the same.
    std::string crlf;
    for (const char c : text) {
        if (c == '\n') crlf += '\r';
        crlf += c;
    }
    if (text.find('\r') == std::string_view::npos) {
        const auto again = parse_mrz(crlf, 2026);
        if (!again || !same(*result, *again)) broken();
    }
    // An MRZ never disagrees with the traveller read from it.
    if (!mrz_disagreements(*result, result->traveler).empty()) broken();
    return 0;
}
