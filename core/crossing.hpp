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
    std::int64_t seq = 0;   // per device, from 1, without gaps
    std::string checkpoint_id;
    std::string lane;  // optional
    std::string direction;    // "entry" | "exit"
    std::string occurred_at;  // RFC 3339, normalised to UTC milliseconds
    std::string officer_id;   // optional
    Traveler traveler;
    std::optional<std::string> mrz;
    Transport transport;
    bool recorded_offline = false;

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
inline constexpr std::int64_t kMaxSeq = 9007199254740991;  // 2^53 - 1: exact in every JSON reader
}  // namespace limits

// Which fields a validation is responsible for: a draft is a crossing before the checkpoint has
// given it its id, device and sequence number (an import line, an officer's form).
enum class Completeness { full, draft };

// Every rule the crossing breaks, in field order; empty when it is valid. `current_year` resolves the
// two-digit years of an MRZ.
std::vector<FieldError> validate(const Crossing& crossing, Completeness completeness, int current_year);

bool is_identifier(std::string_view text);
bool is_valid_mode(std::string_view mode);

}  // namespace borderlog::core
