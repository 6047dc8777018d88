#include "core/crossing_json.hpp"

#include "core/ids.hpp"
#include "core/time.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <array>
#include <initializer_list>
#include <limits>

namespace borderlog::core {

namespace json = boost::json;

namespace {

// Collects every problem of one JSON object instead of stopping at the first.
class Reader {
public:
    Reader(const json::object& obj, std::string prefix, std::vector<FieldError>& errors)
        : obj_(obj), prefix_(std::move(prefix)), errors_(errors) {}

    void only(std::initializer_list<std::string_view> known) {
        for (const auto& kv : obj_) {
            // A key of no characters is still named, as "", so that the refusal points somewhere.
            if (std::find(known.begin(), known.end(), kv.key()) == known.end())
                fail(kv.key().empty() ? std::string("\"\"") : std::string(kv.key()), "is not a known field");
        }
    }
    std::string string(std::string_view key, bool required) {
        const json::value* v = obj_.if_contains(key);
        if (!v || v->is_null()) {
            if (required) fail(key, "is required");
            return {};
        }
        if (!v->is_string()) {
            fail(key, "must be a string");
            return {};
        }
        return std::string(v->get_string());
    }
    std::int64_t integer(std::string_view key) {
        const json::value* v = obj_.if_contains(key);
        if (!v || v->is_null()) {
            fail(key, "is required");
            return 0;
        }
        if (v->is_int64()) return v->get_int64();
        if (v->is_uint64()) return std::numeric_limits<std::int64_t>::max();  // out of range, caught by validate
        fail(key, "must be a whole number");
        return 0;
    }
    bool boolean(std::string_view key) {
        const json::value* v = obj_.if_contains(key);
        if (!v || v->is_null()) return false;
        if (!v->is_bool()) fail(key, "must be true or false");
        return v->is_bool() && v->get_bool();
    }
    // A nested object, or nullptr (with an error when it is required or mistyped).
    const json::object* object(std::string_view key, bool required) {
        const json::value* v = obj_.if_contains(key);
        if (!v || v->is_null()) {
            if (required) fail(key, "is required");
            return nullptr;
        }
        if (!v->is_object()) fail(key, "must be an object");
        return v->if_object();
    }
    // An array of strings; empty when absent.
    std::vector<std::string> strings(std::string_view key) {
        std::vector<std::string> out;
        const json::value* v = obj_.if_contains(key);
        if (!v || v->is_null()) return out;
        if (!v->is_array()) {
            fail(key, "must be an array of strings");
            return out;
        }
        for (const auto& item : v->get_array()) {
            if (!item.is_string()) {
                fail(key, "must be an array of strings");
                return {};
            }
            out.emplace_back(item.get_string());
        }
        return out;
    }
    bool has(std::string_view key) const { return obj_.contains(key); }
    void fail(std::string_view key, std::string message) {
        errors_.push_back({prefix_ + std::string(key), std::move(message)});
    }

private:
    const json::object& obj_;
    std::string prefix_;
    std::vector<FieldError>& errors_;
};

Traveler read_traveler(const json::object& obj, std::vector<FieldError>& errors) {
    Reader r(obj, "traveler.", errors);
    r.only({"document_type", "document_number", "issuing_country", "nationality", "surname", "given_names",
            "birth_date", "sex", "expiry_date"});
    Traveler t;
    t.document_type = r.string("document_type", false);
    t.document_number = r.string("document_number", true);
    t.issuing_country = r.string("issuing_country", true);
    t.nationality = r.string("nationality", true);
    t.surname = r.string("surname", true);
    t.given_names = r.string("given_names", false);
    t.birth_date = r.string("birth_date", true);
    t.sex = r.string("sex", true);
    t.expiry_date = r.string("expiry_date", false);
    return t;
}

void put_if(json::object& obj, std::string_view key, const std::string& value) {
    if (!value.empty()) obj[key] = value;
}

}  // namespace

Crossing crossing_from_json(const json::value& value, Completeness completeness) {
    if (!value.is_object()) throw ValidationError("", "a crossing must be a JSON object");
    const json::object& obj = value.get_object();
    std::vector<FieldError> errors;
    Reader r(obj, "", errors);
    r.only({"id", "device_id", "stream_id", "seq", "checkpoint_id", "lane", "direction", "occurred_at",
            "officer_id", "traveler", "mrz", "transport", "recorded_offline", "flags", "paper_ref", "watchlist_version",
            "prev_hash", "hash"});
    Crossing x;
    if (completeness == Completeness::full) {
        x.id = canonical_uuid(r.string("id", true));
        x.device_id = r.string("device_id", true);
        x.stream_id = canonical_uuid(r.string("stream_id", false));
        x.seq = r.integer("seq");
        x.checkpoint_id = r.string("checkpoint_id", true);
    } else {
        // The checkpoint assigns these; a file that carries them was meant for another path.
        for (const char* key : {"id", "device_id", "stream_id", "seq", "prev_hash", "hash"})
            if (r.has(key)) r.fail(key, "is assigned by the checkpoint and must not be given");
        x.checkpoint_id = r.string("checkpoint_id", false);
    }
    x.lane = r.string("lane", false);
    x.direction = r.string("direction", true);
    x.occurred_at = r.string("occurred_at", true);
    if (const auto t = parse_rfc3339(x.occurred_at)) x.occurred_at = format_rfc3339(*t);
    x.officer_id = r.string("officer_id", false);
    if (const json::object* t = r.object("traveler", true)) x.traveler = read_traveler(*t, errors);
    if (obj.contains("mrz") && !obj.at("mrz").is_null()) x.mrz = r.string("mrz", false);
    if (const json::object* t = r.object("transport", false)) {
        Reader tr(*t, "transport.", errors);
        tr.only({"mode", "vehicle_plate"});
        x.transport.mode = tr.string("mode", false);
        x.transport.vehicle_plate = tr.string("vehicle_plate", false);
    }
    x.recorded_offline = r.boolean("recorded_offline");
    x.flags = r.strings("flags");
    x.paper_ref = r.string("paper_ref", false);
    if (r.has("watchlist_version") && !obj.at("watchlist_version").is_null())
        x.watchlist_version = r.integer("watchlist_version");
    if (completeness == Completeness::full) {
        x.prev_hash = r.string("prev_hash", false);
        x.hash = r.string("hash", false);
    }
    if (!errors.empty()) throw ValidationError(std::move(errors));
    return x;
}

Crossing read_crossing(const json::value& value, Completeness completeness, int current_year) {
    Crossing x = crossing_from_json(value, completeness);
    if (auto errors = validate(x, completeness, current_year); !errors.empty()) throw ValidationError(std::move(errors));
    return x;
}

json::object to_json(const Traveler& t) {
    json::object obj;
    put_if(obj, "document_type", t.document_type);
    obj["document_number"] = t.document_number;
    obj["issuing_country"] = t.issuing_country;
    obj["nationality"] = t.nationality;
    obj["surname"] = t.surname;
    put_if(obj, "given_names", t.given_names);
    obj["birth_date"] = t.birth_date;
    obj["sex"] = t.sex;
    put_if(obj, "expiry_date", t.expiry_date);
    return obj;
}

json::object to_json(const Crossing& x) {
    json::object obj;
    put_if(obj, "id", x.id);
    put_if(obj, "device_id", x.device_id);
    put_if(obj, "stream_id", x.stream_id);
    if (x.seq > 0) obj["seq"] = x.seq;
    put_if(obj, "checkpoint_id", x.checkpoint_id);
    put_if(obj, "lane", x.lane);
    obj["direction"] = x.direction;
    obj["occurred_at"] = x.occurred_at;
    put_if(obj, "officer_id", x.officer_id);
    obj["traveler"] = to_json(x.traveler);
    if (x.mrz) obj["mrz"] = *x.mrz;
    if (!x.transport.empty()) {
        json::object t;
        put_if(t, "mode", x.transport.mode);
        put_if(t, "vehicle_plate", x.transport.vehicle_plate);
        obj["transport"] = std::move(t);
    }
    obj["recorded_offline"] = x.recorded_offline;
    if (!x.flags.empty()) {
        json::array flags;
        for (const auto& f : x.flags) flags.emplace_back(f);
        obj["flags"] = std::move(flags);
    }
    put_if(obj, "paper_ref", x.paper_ref);
    if (x.watchlist_version > 0) obj["watchlist_version"] = x.watchlist_version;
    put_if(obj, "prev_hash", x.prev_hash);
    put_if(obj, "hash", x.hash);
    return obj;
}

std::string canonical_json(const Crossing& crossing) { return json::serialize(to_json(crossing)); }

}  // namespace borderlog::core
