#include "core/record_hash.hpp"

#include "core/ids.hpp"

#include <cstdint>
#include <limits>
#include <stdexcept>

namespace borderlog::core {

namespace {

constexpr std::string_view kTag = "borderlog-record-v1";
constexpr std::uint32_t kAbsent = std::numeric_limits<std::uint32_t>::max();

void put_length(std::string& out, std::uint32_t n) {
    for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>((n >> shift) & 0xff));
}

void put(std::string& out, std::string_view field) {
    // Every field is bounded far below 4 GiB by validation; a longer one could not be told apart.
    if (field.size() >= kAbsent) throw std::length_error("a record field is too long to hash");
    put_length(out, static_cast<std::uint32_t>(field.size()));
    out.append(field);
}

}  // namespace

std::string record_hash_input(const Crossing& x) {
    std::string out;
    out.reserve(512);
    put(out, kTag);
    put(out, x.id);
    put(out, x.device_id);
    put(out, x.stream_id);
    put(out, std::to_string(x.seq));
    put(out, x.checkpoint_id);
    put(out, x.lane);
    put(out, x.direction);
    put(out, x.occurred_at);
    put(out, x.officer_id);
    const Traveler& t = x.traveler;
    for (const std::string* f : {&t.document_type, &t.document_number, &t.issuing_country, &t.nationality,
                                 &t.surname, &t.given_names, &t.birth_date, &t.sex, &t.expiry_date})
        put(out, *f);
    if (x.mrz)
        put(out, *x.mrz);
    else
        put_length(out, kAbsent);
    put(out, x.transport.mode);
    put(out, x.transport.vehicle_plate);
    put(out, x.recorded_offline ? "1" : "0");
    put(out, std::to_string(x.flags.size()));
    for (const auto& f : x.flags) put(out, f);
    put(out, x.paper_ref);
    put(out, std::to_string(x.watchlist_version));
    put(out, x.prev_hash);
    return out;
}

std::string record_hash(const Crossing& crossing) { return sha256_hex(record_hash_input(crossing)); }

bool is_record_hash(std::string_view text) noexcept {
    if (text.size() != 64) return false;
    for (const char c : text)
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    return true;
}

Crossing content_of(Crossing crossing) {
    crossing.prev_hash.clear();
    crossing.hash.clear();
    return crossing;
}

}  // namespace borderlog::core
