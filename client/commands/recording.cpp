// record and import: crossings into the outbox, durable on local disk, never waiting on the network.
#include "client/commands.hpp"

#include "client/commands/command_support.hpp"
#include "client/client_config.hpp"
#include "core/crossing_json.hpp"
#include "core/ids.hpp"
#include "core/mrz.hpp"
#include "core/time.hpp"

#include <boost/json.hpp>

#include <fstream>
#include <iostream>
#include <variant>

namespace borderlog::client {

namespace json = boost::json;

namespace {

// A draft from the officer's options: the traveller from the MRZ or from the typed fields.
std::variant<core::Crossing, int> draft_from(const RecordOptions& o) {
    core::Crossing x;
    x.direction = o.direction;
    x.lane = o.lane;
    x.officer_id = o.officer;
    x.transport = {o.mode, o.vehicle};
    x.occurred_at = core::format_rfc3339(core::now_millis());
    if (!o.mrz.empty()) {
        std::string text;
        for (const auto& line : o.mrz) text += (text.empty() ? "" : "\n") + line;
        const auto parsed = core::parse_mrz(text, current_year());
        if (!parsed) return usage_error("--mrz", "not a machine readable zone: give each of its 2 or 3 lines with --mrz");
        if (!parsed->errors.empty()) {
            const auto& e = parsed->errors.front();
            return usage_error("--mrz", "line " + std::to_string(e.line) + " position " + std::to_string(e.position) +
                                            ": " + e.field + " " + e.message);
        }
        x.traveler = parsed->traveler;
        x.mrz = text;
    } else {
        x.traveler = {o.doc_type,  o.doc_number, o.doc_country, o.nationality, o.surname,
                      o.given_names, o.birth_date, o.sex,        o.expiry_date};
        for (const auto& [value, option] : {std::pair{&o.doc_number, "--doc-number"}, {&o.doc_country, "--doc-country"},
                                            {&o.nationality, "--nationality"}, {&o.surname, "--surname"},
                                            {&o.birth_date, "--birth-date"}, {&o.sex, "--sex"}})
            if (value->empty()) return usage_error(option, "is required unless --mrz is given");
    }
    if (const auto errors = core::validate(x, core::Completeness::draft, current_year()); !errors.empty())
        return usage_error(option_for(errors.front().field), errors.front().message);
    return x;
}

}  // namespace

int run_record(const RecordOptions& o) {
    const DataDir dir = open_data_dir(o.data_dir);
    const ClientConfig config = load_config(dir);
    auto draft = draft_from(o);
    if (auto* code = std::get_if<int>(&draft)) return *code;
    Outbox outbox(dir.outbox_file());
    core::Crossing x = std::get<core::Crossing>(std::move(draft));
    x.recorded_offline = central_state(outbox) != "online";
    const core::Crossing stored = outbox.record(std::move(x), config.device);
    if (o.json) {
        std::cout << json::serialize(core::to_json(stored)) << "\n";
    } else {
        std::cout << stored.id << "\n";
    }
    return 0;
}

int run_import(const ImportOptions& o) {
    constexpr std::size_t kMaxLine = 64 * 1024;
    std::ifstream in(o.file);
    if (!in) return usage_error("FILE", "cannot read " + o.file.string());
    const DataDir dir = open_data_dir(o.data_dir);
    const ClientConfig config = load_config(dir);
    Outbox outbox(dir.outbox_file());
    const std::string source = std::filesystem::canonical(o.file).string();
    const bool offline = central_state(outbox) != "online";

    std::int64_t recorded = 0, already = 0, failed = 0;
    std::vector<ImportLine> chunk;
    const auto flush = [&] {
        for (const auto& [outcome, seq] : outbox.import_lines(source, std::move(chunk), config.device)) {
            if (outcome == ImportOutcome::recorded) ++recorded;
            else if (outcome == ImportOutcome::already_recorded) ++already;
            else {
                ++failed;
                std::cerr << "line recorded earlier as seq " << seq << " has changed in the file since; not recorded again\n";
            }
        }
        chunk.clear();
    };
    std::string line;
    for (std::int64_t no = 1; std::getline(in, line); ++no) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.find_first_not_of(" \t") == std::string::npos) continue;
        const auto fail = [&](const std::string& why) {
            ++failed;
            std::cerr << o.file.string() << ": line " << no << ": " << why << "\n";
        };
        if (line.size() > kMaxLine) {
            fail("longer than 64 KiB");
            continue;
        }
        boost::system::error_code ec;
        const json::value v = json::parse(line, ec);
        if (ec) {
            fail("not valid JSON");
            continue;
        }
        try {
            core::Crossing x = core::crossing_from_json(v, core::Completeness::draft);
            if (!x.checkpoint_id.empty() && x.checkpoint_id != config.device.checkpoint_id) {
                fail("checkpoint_id " + x.checkpoint_id + " is not this checkpoint (" + config.device.checkpoint_id + ")");
                continue;
            }
            if (auto errors = core::validate(x, core::Completeness::draft, current_year()); !errors.empty())
                throw core::ValidationError(std::move(errors));
            if (!v.get_object().contains("recorded_offline")) x.recorded_offline = offline;
            chunk.push_back({no, core::sha256_hex(line), std::move(x)});
        } catch (const core::ValidationError& e) {
            fail(e.first().field + " " + e.first().message);
            continue;
        }
        if (chunk.size() >= o.chunk_size) flush();
    }
    if (!chunk.empty()) flush();
    if (o.json) {
        std::cout << json::serialize(json::object{{"recorded", recorded}, {"already_recorded", already}, {"failed", failed}})
                  << "\n";
    } else {
        std::cout << recorded << "\n";
        std::cerr << "recorded " << recorded << ", already recorded earlier " << already << ", failed " << failed << "\n";
    }
    return failed > 0 ? 1 : 0;
}

}  // namespace borderlog::client
