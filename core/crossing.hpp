// A crossing: one traveller passing one checkpoint in one direction, as an officer recorded it.
#pragma once

#include "core/errors.hpp"
#include "core/traveler.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace borderlog::core {

struct Transport {
    std::string mode;           // foot|car|bus|truck|rail|air|sea; optional
    std::string vehicle_plate;  // optional

    bool empty() const { return mode.empty() && vehicle_plate.empty(); }
    bool operator==(const Transport&) const = default;
};

struct Crossing {
    std::string id;         // UUID chosen by the checkpoint: the idempotency key
    std::string device_id;  // the terminal that recorded it
    std::string stream_id;  // UUID made by each `init` of a terminal; empty: the device's legacy stream
    std::int64_t seq = 0;   // per (device, stream), from 1, without gaps
    std::string checkpoint_id;
    std::string lane;  // optional
    std::string direction;    // "entry" | "exit"
    std::string occurred_at;  // RFC 3339, normalised to UTC milliseconds
    std::string officer_id;   // optional
    Traveler traveler;
    std::optional<std::string> mrz;
    Transport transport;
    bool recorded_offline = false;
    std::vector<std::string> flags;  // what the device says of the record: see kKnownFlags
    std::string paper_ref;           // the paper register's reference of a back-captured record
    std::int64_t watchlist_version = 0;  // the watchlist version the terminal checked it against; 0: none
    // The stream's hash chain (core/record_hash.hpp), set by the checkpoint's outbox; both empty for
    // a record of a terminal older than the chain. Not part of the record's content: see content_of.
    std::string prev_hash;  // the hash of the stream's previous record (kGenesisHash for the first)
    std::string hash;       // record_hash of this record

    bool has_flag(std::string_view flag) const;
    bool operator==(const Crossing&) const = default;
};

// Limits on every input: what a record may hold at most.
namespace limits {
inline constexpr std::size_t kIdentifier = 64;  // device, checkpoint, officer ids
inline constexpr std::size_t kLane = 16;
inline constexpr std::size_t kDocumentNumber = 20;
inline constexpr std::size_t kName = 120;
inline constexpr std::size_t kPlate = 16;
inline constexpr std::size_t kMrz = 200;
inline constexpr std::size_t kPaperRef = 64;
inline constexpr std::size_t kFlags = 8;
inline constexpr std::int64_t kMaxSeq = 9007199254740991;  // 2^53 - 1: exact in every JSON reader
}  // namespace limits

// Which fields a validation is responsible for: a draft is a crossing before the checkpoint has
// given it its id, device and sequence number (an import line, an officer's form).
enum class Completeness { full, draft };

// Every rule the crossing breaks, in field order; empty when it is valid. `current_year` resolves the
// two-digit years of an MRZ.
std::vector<FieldError> validate(const Crossing& crossing, Completeness completeness, int current_year);

// Flags a device may set on a record.
// mrz_invalid: the officer recorded a document whose MRZ has a wrong check digit (a misprinted zone).
// synthetic: made by `borderlog-checkpoint simulate` for training; reports can leave it out.
// back_captured: entered later from a paper register (`import --paper-ref`), with `paper_ref`.
inline constexpr std::string_view kFlagMrzInvalid = "mrz_invalid";
inline constexpr std::string_view kFlagSynthetic = "synthetic";
inline constexpr std::string_view kFlagBackCaptured = "back_captured";
bool is_known_flag(std::string_view flag);

bool is_identifier(std::string_view text);
bool is_valid_mode(std::string_view mode);

}  // namespace borderlog::core
