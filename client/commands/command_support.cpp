#include "client/commands/command_support.hpp"

#include "client/commands.hpp"
#include "client/queue/watchlist_copy.hpp"
#include "core/time.hpp"

#include <boost/json.hpp>
#include <date/date.h>

#include <iostream>
#include <map>

namespace borderlog::client {

namespace json = boost::json;

int current_year() {
    return static_cast<int>(date::year_month_day{date::floor<date::days>(std::chrono::system_clock::now())}.year());
}

// A message that names the option at fault, and the usage exit code.
int usage_error(const std::string& option, const std::string& message) {
    std::cerr << "borderlog-checkpoint: " << option << ": " << message << "\n";
    return kExitUsage;
}

// Which command-line option carries which crossing field.
std::string option_for(const std::string& field) {
    static const std::map<std::string, std::string> kOptions{
        {"direction", "--direction"},
        {"lane", "--lane"},
        {"officer_id", "--officer"},
        {"mrz", "--mrz"},
        {"traveler.document_type", "--doc-type"},
        {"traveler.document_number", "--doc-number"},
        {"traveler.issuing_country", "--doc-country"},
        {"traveler.nationality", "--nationality"},
        {"traveler.surname", "--surname"},
        {"traveler.given_names", "--given-names"},
        {"traveler.birth_date", "--birth-date"},
        {"traveler.sex", "--sex"},
        {"traveler.expiry_date", "--expiry-date"},
        {"transport.mode", "--mode"},
        {"transport.vehicle_plate", "--vehicle"},
    };
    const auto it = kOptions.find(field);
    return it == kOptions.end() ? field : it->second;
}

std::string central_state(Outbox& outbox) { return outbox.meta("central").value_or("unknown"); }

json::object status_json(Outbox& outbox) {
    const OutboxStats s = outbox.stats();
    json::array rejected;
    for (const auto& r : outbox.rejected(100))
        rejected.push_back({{"stream_id", r.stream_id}, {"seq", r.seq}, {"id", r.id}, {"code", r.code},
                            {"detail", r.detail}, {"rejected_at", r.rejected_at}});
    json::array streams;
    for (const auto& st : outbox.streams())
        streams.push_back({{"stream_id", st.stream_id}, {"started_at", st.started_at}, {"reason", st.reason},
                           {"last_seq", st.last_seq}, {"current", st.current}});
    json::array notices;
    for (const auto& n : outbox.notices(10)) notices.push_back({{"at", n.at}, {"code", n.code}, {"message", n.message}});
    json::value last_error = nullptr;
    if (const auto text = outbox.meta("last_error")) {
        boost::system::error_code ec;
        last_error = json::parse(*text, ec);
        if (ec) last_error = *text;
    }
    const auto nullable = [](const std::optional<std::string>& v) { return v ? json::value(*v) : json::value(nullptr); };
    // {"id","name"} of the training drill the centre last said covers this device, or null.
    json::value drill = nullptr;
    if (const auto text = outbox.meta("drill")) {
        boost::system::error_code ec;
        drill = json::parse(*text, ec);
        if (ec) drill = nullptr;
    }
    const WatchlistInfo list = WatchlistCopy(outbox).info();
    const auto list_age = list.age_seconds(core::now_millis());
    return {{"pending", s.pending},
            {"rejected", s.rejected},
            {"acknowledged", s.acknowledged},
            {"stream_id", s.stream_id},
            {"last_seq", s.last_seq},
            {"oldest_pending_at", nullable(s.oldest_pending_at)},
            {"last_sync_at", nullable(outbox.meta("last_sync_at"))},
            {"central", central_state(outbox)},
            {"last_error", std::move(last_error)},
            {"drill", std::move(drill)},
            {"watchlist_version", list.version ? json::value(*list.version) : json::value(nullptr)},
            {"watchlist_entries", list.entries},
            {"watchlist_checked_at", nullable(list.checked_at)},
            {"watchlist_age_s", list_age ? json::value(*list_age) : json::value(nullptr)},
            // The same, as one object (as the officer screen's state shows it).
            {"watchlist",
             {{"version", list.version ? json::value(*list.version) : json::value(nullptr)},
              {"entries", list.entries},
              {"checked_at", nullable(list.checked_at)},
              {"age_s", list_age ? json::value(*list_age) : json::value(nullptr)}}},
            {"streams", std::move(streams)},
            {"notices", std::move(notices)},
            {"rejected_records", std::move(rejected)}};
}

int sync_exit_code(const SyncReport& r) {
    switch (r.status) {
    case SyncStatus::drained: return 0;
    case SyncStatus::unavailable: return kExitCentralUnavailable;
    default: return 1;
    }
}

json::object report_json(const SyncReport& r, Outbox& outbox) {
    static const char* kStatus[] = {"drained", "unavailable", "failed", "stopped"};
    json::object o{{"status", kStatus[static_cast<int>(r.status)]},
                   {"stored", r.stored},
                   {"duplicates", r.duplicates},
                   {"rejected", r.rejected},
                   {"requeued", r.requeued},
                   {"carried_over", r.carried_over},
                   {"pending", outbox.stats().pending}};
    if (!r.error.empty()) o["error"] = r.error;
    return o;
}

}  // namespace borderlog::client
