// Rules for text that crosses a trust boundary: what the wire, PostgreSQL and the officer's screen can
// all hold.
#pragma once

#include <string_view>

namespace borderlog::core {

// Well-formed UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF.
bool is_utf8(std::string_view s);

// No control characters (bytes below 0x20 and DEL); UTF-8 bytes (>= 0x80) are allowed.
bool is_printable(std::string_view s);

// Printable UTF-8 of 1 to `max` bytes: what a free-text field (a lane name, a reason) may hold.
bool is_text(std::string_view s, std::size_t max);

}  // namespace borderlog::core
