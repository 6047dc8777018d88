// The hash chain of a stream: each record's hash covers its content and the hash of the record before
// it in its stream, so that a record altered or removed after the fact breaks the chain after it.
// The checkpoint makes the chain when it records (client/queue/outbox); the server checks it on ingest
// and `borderlog-server verify` re-checks what is stored. Pure: no I/O.
#pragma once

#include "core/crossing.hpp"

#include <string>
#include <string_view>

namespace borderlog::core {

// The prev_hash of a stream's first record: 64 zeros.
inline constexpr std::string_view kGenesisHash = "0000000000000000000000000000000000000000000000000000000000000000";

// The bytes a record's hash covers, version 1. A fixed tag, then each field in this order, each as its
// byte length (4 bytes, big-endian) followed by its UTF-8 bytes:
//   id (lower-case UUID), device_id, stream_id ('' for the legacy stream), seq (decimal), checkpoint_id,
//   lane, direction, occurred_at (RFC 3339, UTC, milliseconds: 2026-11-27T10:42:05.123Z), officer_id,
//   traveler.document_type, .document_number, .issuing_country, .nationality, .surname, .given_names,
//   .birth_date (YYYY-MM-DD), .sex, .expiry_date, mrz, transport.mode, transport.vehicle_plate,
//   recorded_offline ("1" | "0"), the number of flags (decimal) and each flag as sent, paper_ref,
//   watchlist_version (decimal, "0" when none), prev_hash (64 lower-case hex).
// An absent optional is the empty string, except mrz: absent is the length 0xFFFFFFFF with no bytes,
// so that an absent MRZ and an empty one differ. `hash` itself is not covered.
std::string record_hash_input(const Crossing& crossing);

// SHA-256 of record_hash_input, 64 lower-case hex digits.
std::string record_hash(const Crossing& crossing);

// 64 lower-case hexadecimal digits: the spelling of a hash on the wire and in the databases.
bool is_record_hash(std::string_view text) noexcept;

// The record without its chain fields: what the server stores as the record's content and compares
// when the same id is sent again (a record sent before the chain existed and again after it is the same).
Crossing content_of(Crossing crossing);

}  // namespace borderlog::core
