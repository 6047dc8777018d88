// Record identifiers: UUIDv7 (48 bits of Unix milliseconds, then random bits), so that ids made
// offline on many checkpoints never collide and still sort by the time they were made.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace borderlog::core {

std::string new_uuid_v7(std::chrono::system_clock::time_point now = std::chrono::system_clock::now());

// True for the canonical 8-4-4-4-12 hexadecimal form (either case).
bool is_uuid(std::string_view text) noexcept;

// Lower-cases a UUID so that one id has one spelling.
std::string canonical_uuid(std::string_view text);

// A random string of `bytes` bytes, URL-safe base64 without padding (tokens, request ids).
std::string random_urlsafe(std::size_t bytes);

// Lower-case hexadecimal SHA-256 of `data` (token hashes, migration checksums, import line keys).
std::string sha256_hex(std::string_view data);

}  // namespace borderlog::core
