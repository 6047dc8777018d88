// record and import: crossings into the outbox, durable on local disk, never waiting on the network.
#include "client/commands.hpp"

#include "client/commands/command_support.hpp"
#include "client/client_config.hpp"
#include "client/queue/import_key.hpp"
#include "client/recorder.hpp"
#include "core/crossing_json.hpp"
#include "core/ids.hpp"
#include "core/mrz.hpp"
#include "core/text.hpp"
#include "core/time.hpp"

#include <boost/json.hpp>

#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <set>
#include <tuple>
#include <variant>

namespace borderlog::client {

namespace json = boost::json;

namespace {

constexpr std::size_t kMaxStdin = 64 * 1024;

// The crossing's fields that standard input may give (`record --stdin`): what an officer's form holds.
// The terminal gives the rest (id, device, stream, seq, the time of recording).
const std::set<std::string> kStdinFields{"direction", "lane", "officer_id", "traveler", "mrz", "transport"};

// The crossing's fields as the officer gave them, and where each came from (an option, or --stdin).
struct Given {
    json::object fields;
    std::map<std::string, std::string> origin;  // top-level field -> option

    // Puts an option's value in, unless standard input gave that field too.
    int put(const std::string& field, const std::string& value, const std::string& option) {
        if (value.empty()) return 0;
        if (fields.contains(field)) return usage_error(option, "is also given on standard input");
        fields[field] = value;
        origin[field] = option;
        return 0;
    }
    // The option a field error is reported under: "--stdin: traveler.surname ..." for standard input.
    int error(const core::FieldError& e) const {
        const std::string top = e.field.substr(0, e.field.find('.'));
        const auto it = origin.find(top);
        if (it != origin.end() && it->second == "--stdin") return usage_error("--stdin", e.field + " " + e.message);
        return usage_error(option_for(e.field), e.message);
    }
};

int read_stdin(Given& given) {
    std::string text;
    char buf[4096];
    while (std::cin.read(buf, sizeof buf) || std::cin.gcount() > 0) {
        text.append(buf, static_cast<std::size_t>(std::cin.gcount()));
        if (text.size() > kMaxStdin) return usage_error("--stdin", "standard input holds more than 64 KiB");
    }
    boost::system::error_code ec;
    json::value v = json::parse(text, ec);
    if (ec || !v.is_object()) return usage_error("--stdin", "standard input must be one JSON object of crossing fields");
    for (auto& kv : v.get_object()) {
        const std::string key(kv.key());
        if (!kStdinFields.count(key))
            return usage_error("--stdin", key + " is not a field given here (direction, lane, officer_id, traveler, "
                                                "mrz, transport)");
        given.fields[key] = std::move(kv.value());
        given.origin[key] = "--stdin";
    }
    return 0;
}

// The MRZ as one text: --mrz lines, or standard input's "mrz" (a text with \n between lines, or a list).
std::optional<std::string> mrz_text(const RecordOptions& o, const Given& given) {
    std::string text;
    if (!o.mrz.empty()) {
        for (const auto& line : o.mrz) text += (text.empty() ? "" : "\n") + line;
        return text;
    }
    const auto* v = given.fields.if_contains("mrz");
    if (!v) return std::nullopt;
    if (v->is_string()) return std::string(v->get_string());
    if (v->is_array()) {
        for (const auto& line : v->get_array()) {
            if (!line.is_string()) return "";
            text += (text.empty() ? "" : "\n") + std::string(line.get_string());
        }
        return text;
    }
    return "";
}

// A draft from the officer's options and standard input: the traveller from the MRZ or from the
// typed fields.
std::variant<core::Crossing, int> draft_from(const RecordOptions& o) {
    Given given;
    if (o.from_stdin)
        if (const int code = read_stdin(given)) return code;
    const bool traveler_on_stdin = given.fields.contains("traveler") || given.fields.contains("mrz");
    const bool typed = !o.doc_number.empty() || !o.doc_country.empty() || !o.nationality.empty() || !o.surname.empty() ||
                       !o.given_names.empty() || !o.birth_date.empty() || !o.sex.empty() || !o.doc_type.empty() ||
                       !o.expiry_date.empty();
    if (traveler_on_stdin && (typed || !o.mrz.empty()))
        return usage_error(o.mrz.empty() ? "--doc-number" : "--mrz", "the traveller is also given on standard input");
    if (given.fields.contains("transport") && (!o.mode.empty() || !o.vehicle.empty()))
        return usage_error(o.mode.empty() ? "--vehicle" : "--mode", "transport is also given on standard input");
    for (const auto& [field, value, option] :
         {std::tuple{"direction", &o.direction, "--direction"}, {"lane", &o.lane, "--lane"}, {"officer_id", &o.officer, "--officer"}})
        if (const int code = given.put(field, *value, option)) return code;
    if (!given.fields.contains("direction")) return usage_error("--direction", "is required: entry or exit");
    if (!given.fields.contains("transport") && (!o.mode.empty() || !o.vehicle.empty())) {
        json::object t;
        if (!o.mode.empty()) t["mode"] = o.mode;
        if (!o.vehicle.empty()) t["vehicle_plate"] = o.vehicle;
        given.fields["transport"] = std::move(t);
        given.origin["transport"] = o.mode.empty() ? "--vehicle" : "--mode";
    }

    const std::string mrz_option = o.mrz.empty() ? "--stdin" : "--mrz";
    const auto text = mrz_text(o, given);
    if (o.force && !text)
        return usage_error("--force", "records an MRZ with a wrong check digit as read: give the MRZ (--mrz, or mrz on "
                                      "--stdin)");
    if (text) {
        core::MrzResult parsed;
        try {
            if (text->empty()) throw MrzRefused({});
            parsed = read_mrz_for_record(*text, o.force, current_year());
        } catch (const MrzRefused& refused) {
            if (refused.not_an_mrz())
                return usage_error(mrz_option, "not a machine readable zone: give each of its 2 or 3 lines" +
                                                   std::string(o.mrz.empty() ? " (separated by \\n)" : " with --mrz"));
            const std::size_t more = refused.errors().size() - 1;
            return usage_error(mrz_option, describe(refused.errors().front()) +
                                               (more ? " (and " + std::to_string(more) + " more)" : std::string()) +
                                               "; check the document, or record it as read with --force (flagged "
                                               "mrz_invalid)");
        }
        if (needs_invalid_flag(parsed)) {
            given.fields["flags"] = json::array{std::string(core::kFlagMrzInvalid)};
            given.origin["flags"] = "--force";
        }
        given.fields["mrz"] = *text;
        given.origin["mrz"] = mrz_option;
        if (!given.fields.contains("traveler")) {
            given.fields["traveler"] = core::to_json(parsed.traveler);
            given.origin["traveler"] = mrz_option;
        }
    } else if (!given.fields.contains("traveler")) {
        for (const auto& [value, option] : {std::pair{&o.doc_number, "--doc-number"}, {&o.doc_country, "--doc-country"},
                                            {&o.nationality, "--nationality"}, {&o.surname, "--surname"},
                                            {&o.birth_date, "--birth-date"}, {&o.sex, "--sex"}})
            if (value->empty()) return usage_error(option, "is required unless --mrz or --stdin gives the traveller");
        given.fields["traveler"] = core::to_json(core::Traveler{o.doc_type, o.doc_number, o.doc_country, o.nationality,
                                                                o.surname, o.given_names, o.birth_date, o.sex,
                                                                o.expiry_date});
        given.origin["traveler"] = "--doc-number";
    }
    json::object fields = given.fields;
    fields["occurred_at"] = core::format_rfc3339(core::now_millis());
    try {
        core::Crossing x = core::crossing_from_json(fields, core::Completeness::draft);
        if (const auto errors = core::validate(x, core::Completeness::draft, current_year()); !errors.empty())
            return given.error(errors.front());
        return x;
    } catch (const core::ValidationError& e) {
        return given.error(e.first());
    }
}

// An entry of a paper register, entered later: flagged back_captured with the register's reference
// (unless the line names its own reference).
void back_capture(core::Crossing& x, const std::string& paper_ref) {
    if (!x.has_flag(core::kFlagBackCaptured)) x.flags.emplace_back(core::kFlagBackCaptured);
    if (x.paper_ref.empty()) x.paper_ref = paper_ref;
}

// A watchlist hit is told on stderr, loud, with the list's version and age; the record is made (the
// officer acts on the hit), and stdout still carries only the record.
void report_screening(const Screening& s) {
    const std::string list = describe(s.list, core::now_millis());
    for (const auto& hit : s.hits)
        std::cerr << "borderlog-checkpoint: WATCHLIST HIT: " << hit.entry.action << ": " << hit.entry.reason
                  << " (matched by " << core::to_string(hit.by) << "; watchlist " << list << ")\n";
}

}  // namespace

int run_record(const RecordOptions& o) {
    const DataDir dir = open_data_dir(o.data_dir);
    const ClientConfig config = load_config(dir);
    auto draft = draft_from(o);
    if (auto* code = std::get_if<int>(&draft)) return *code;
    Outbox outbox(dir.outbox_file());
    const RecordedCrossing done = record_screened(outbox, std::get<core::Crossing>(std::move(draft)), config.device);
    const core::Crossing& stored = done.record;
    if (o.json) {
        std::cout << json::serialize(core::to_json(stored)) << "\n";
    } else {
        std::cout << stored.id << "\n";
    }
    report_screening(done.screening);
    return 0;
}

int run_import(const ImportOptions& o) {
    constexpr std::size_t kMaxLine = 64 * 1024;
    if (!o.paper_ref.empty() && !core::is_text(o.paper_ref, core::limits::kPaperRef))
        return usage_error("--paper-ref", "must be 1-64 printable characters, e.g. KAK-2022-09-10-A");
    std::ifstream in(o.file);
    if (!in) return usage_error("FILE", "cannot read " + o.file.string());
    const DataDir dir = open_data_dir(o.data_dir);
    const ClientConfig config = load_config(dir);
    Outbox outbox(dir.outbox_file());
    // Where the file is matters to no key (a moved file is the same file); it is noted for people, and
    // finds the lines a version-1 outbox imported, which it keyed by path and line number.
    const std::string source = std::filesystem::canonical(o.file).string();
    const bool offline = central_state(outbox) != "online";

    std::int64_t recorded = 0, already = 0, failed = 0;
    ImportKeys keys;
    std::vector<ImportLine> chunk;
    const auto flush = [&] {
        for (const auto& [outcome, id] : outbox.import_lines(source, std::move(chunk), config.device))
            (outcome == ImportOutcome::recorded ? recorded : already)++;
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
            // The key is the crossing's, before the flags of a paper import, which describe the import.
            const std::string line_hash = normalised_line_hash(x, config.device.checkpoint_id);
            if (!o.paper_ref.empty()) back_capture(x, o.paper_ref);
            if (auto errors = core::validate(x, core::Completeness::draft, current_year()); !errors.empty())
                throw core::ValidationError(std::move(errors));
            const std::string key = keys.next(line_hash);
            if (!v.get_object().contains("recorded_offline")) x.recorded_offline = offline || !o.paper_ref.empty();
            chunk.push_back({key, no, core::sha256_hex(line), std::move(x)});
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
