#include "client/recorder.hpp"

#include <boost/json.hpp>

namespace borderlog::client {

namespace json = boost::json;

MrzRefused::MrzRefused(std::vector<core::MrzError> errors)
    : std::runtime_error(errors.empty() ? std::string("not a machine readable zone") : describe(errors.front())),
      errors_(std::move(errors)) {}

std::string describe(const core::MrzError& e) {
    return "line " + std::to_string(e.line) + " position " + std::to_string(e.position) + ": " + e.field + " " + e.message;
}

core::MrzResult read_mrz_for_record(std::string_view text, bool force, int current_year) {
    auto parsed = core::parse_mrz(text, current_year);
    if (!parsed) throw MrzRefused({});
    if (!parsed->errors.empty() && !force) throw MrzRefused(parsed->errors);
    return std::move(*parsed);
}

bool needs_invalid_flag(const core::MrzResult& mrz) { return !mrz.valid || !mrz.errors.empty(); }

RecordedCrossing record_screened(Outbox& outbox, core::Crossing draft, const DeviceIdentity& device) {
    RecordedCrossing out;
    out.screening = WatchlistCopy(outbox).screen(draft.traveler);
    draft.watchlist_version = out.screening.list.version.value_or(0);
    draft.recorded_offline = outbox.meta("central").value_or("unknown") != "online";
    out.record = outbox.record(std::move(draft), device);
    return out;
}

json::object screening_json(const Screening& s, core::Millis now) {
    json::array hits;
    for (const auto& h : s.hits)
        hits.push_back({{"entry_id", h.entry.id},
                        {"entry_version", h.entry.version},
                        {"action", h.entry.action},
                        {"reason", h.entry.reason},
                        {"matched_by", core::to_string(h.by)}});
    const auto age = s.list.age_seconds(now);
    return {{"version", s.list.version ? json::value(*s.list.version) : json::value(nullptr)},
            {"entries", s.list.entries},
            {"checked_at", s.list.checked_at ? json::value(*s.list.checked_at) : json::value(nullptr)},
            {"age_s", age ? json::value(*age) : json::value(nullptr)},
            {"hits", std::move(hits)}};
}

}  // namespace borderlog::client
