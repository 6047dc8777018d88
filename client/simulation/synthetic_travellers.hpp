// Synthetic travellers for training rooms (`borderlog-checkpoint simulate`): plausible nationalities,
// names, documents and vehicles for a crossing point of Albania, each with a machine readable zone whose
// check digits are right (ICAO 9303, through core/mrz's check digit). No I/O: the population that
// remembers them between runs is in population.hpp.
#pragma once

#include "core/time.hpp"
#include "core/traveler.hpp"
#include "core/watchlist.hpp"

#include <cstdint>
#include <optional>
#include <random>
#include <string>

namespace borderlog::client::sim {

// A document a synthetic traveller shows: its MRZ, and the traveller as the MRZ reads.
struct Document {
    std::string mrz;  // lines separated by '\n'
    core::Traveler traveler;
};

// The MRZ of a passport (TD3, 2 x 44) or an identity card (TD1, 3 x 30) for `t`: names transliterated
// to A-Z (ICAO), fields padded with '<', every check digit computed. `t` needs a document number of at
// most 9 letters and digits, 3-letter codes, YYYY-MM-DD dates and sex F or M.
std::string td3_mrz(const core::Traveler& t);
std::string td1_mrz(const core::Traveler& t);

struct Vehicle {
    std::string mode;   // foot | car | bus | truck
    std::string plate;  // empty on foot and by bus
};

class TravellerMaker {
public:
    // `home_country`: whose citizens carry identity cards as often as passports, and leave first.
    explicit TravellerMaker(std::uint64_t seed, std::string home_country = "ALB");

    // A new traveller of a plausible nationality, with a document valid on `today`.
    Document make(core::Millis today);
    // A traveller a watchlist entry matches (its document, or its person), when an MRZ can carry it:
    // nothing for a document number longer than 9 characters or a name without a letter A-Z.
    std::optional<Document> make_hit(const core::WatchlistEntry& entry, core::Millis today);
    Vehicle vehicle(const std::string& nationality);

    std::mt19937_64& random() { return rng_; }
    const std::string& home_country() const { return home_; }

private:
    std::string pick_nationality();
    core::Traveler person(const std::string& nationality, core::Millis today);
    std::string document_number(const std::string& nationality);
    Document document_for(core::Traveler t, bool id_card);

    std::mt19937_64 rng_;
    std::string home_;
};

// "N/min", "N/h", "N/s" or "N" (per minute) as records per second; nullopt when it is none of these or
// not above 0 (at most 6000 a minute).
std::optional<double> parse_rate(const std::string& text);

// "90", "90s", "20m", "1h", "1h30m", "2d" as seconds; nullopt when it is none of these or not above 0.
std::optional<long long> parse_duration(const std::string& text);

}  // namespace borderlog::client::sim
