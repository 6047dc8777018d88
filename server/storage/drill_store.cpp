#include "server/storage/drill_store.hpp"

#include "server/storage/sql.hpp"

#include <boost/json.hpp>
#include <pqxx/pqxx>

#include <algorithm>

namespace borderlog::server {

namespace json = boost::json;

namespace {

std::string text(const pqxx::field& f) { return f.is_null() ? std::string() : f.as<std::string>(); }

std::vector<std::string> strings_of(const std::string& json_array) {
    std::vector<std::string> out;
    boost::system::error_code ec;
    const json::value v = json::parse(json_array, ec);
    if (ec || !v.is_array()) return out;
    for (const auto& item : v.get_array())
        if (item.is_string()) out.emplace_back(item.get_string());
    return out;
}

std::string json_array_of(const std::vector<std::string>& items) {
    json::array out;
    for (const auto& i : items) out.emplace_back(i);
    return json::serialize(out);
}

// The columns of sql's BORDERLOG_DRILL_COLUMNS, in order.
DrillRow drill_from(const pqxx::row& r) {
    DrillRow d;
    d.id = text(r[0]);
    d.name = text(r[1]);
    d.steps_json = text(r[2]);
    d.telemetry = r[3].as<bool>();
    d.scope_all = r[4].as<bool>();
    d.scope_checkpoints = strings_of(text(r[5]));
    d.scope_devices = strings_of(text(r[6]));
    d.created_by = text(r[7]);
    d.started_at = text(r[8]);
    d.ends_at = text(r[9]);
    d.stopped_at = text(r[10]);
    d.stopped_by = text(r[11]);
    d.state = text(r[12]);
    return d;
}

void append_audit(pqxx::transaction_base& tx, const AuditEvent& e) {
    const auto opt = [](const std::string& v) { return v.empty() ? nullptr : v.c_str(); };
    tx.exec_params(sql::kAppendAudit, e.token_id == 0 ? std::optional<std::int64_t>{} : e.token_id, opt(e.role),
                   opt(e.actor), opt(e.address), e.action, opt(e.target), e.detail_json);
}

std::optional<RecordLatency> latency_of(const pqxx::field& f) {
    if (f.is_null()) return std::nullopt;
    boost::system::error_code ec;
    const json::value v = json::parse(f.as<std::string>(), ec);
    if (ec || !v.is_object()) return std::nullopt;
    const auto get = [&](const char* key) -> std::int64_t {
        const auto* x = v.get_object().if_contains(key);
        return x && x->is_int64() ? x->get_int64() : 0;
    };
    return RecordLatency{get("p50"), get("p99"), get("count")};
}

DeviceCheckpoints read_device_checkpoints(pqxx::transaction_base& tx) {
    DeviceCheckpoints out;
    for (const auto& r : tx.exec(sql::kDeviceCheckpoints)) out[text(r[0])] = text(r[1]);
    return out;
}

}  // namespace

DrillStore::DrillStore(Store& store) : store_(store) {}

DrillStart DrillStore::start(const NewDrill& d, const DrillConflict& conflict, const AuditEvent& audit) {
    DrillStart out;
    pqxx::work tx(store_.connection());
    tx.exec(sql::kDrillLock);
    std::vector<DrillRow> running;
    for (const auto& r : tx.exec(sql::kRunningDrills)) running.push_back(drill_from(r));
    if (const auto other = conflict(running, read_device_checkpoints(tx))) {
        out.conflict_id = *other;
        return out;
    }
    const auto r = tx.exec_params1(sql::kInsertDrill, d.id, d.name, d.steps_json, d.telemetry, d.scope_all,
                                   json_array_of(d.scope_checkpoints), json_array_of(d.scope_devices),
                                   d.created_by.empty() ? nullptr : d.created_by.c_str(), d.length_ms);
    append_audit(tx, audit);
    tx.commit();
    out.started = drill_from(r);
    return out;
}

std::optional<DrillRow> DrillStore::find(const std::string& id) {
    pqxx::read_transaction tx(store_.connection());
    const auto r = tx.exec_params(sql::kFindDrill, id);
    if (r.empty()) return std::nullopt;
    return drill_from(r[0]);
}

std::vector<DrillRow> DrillStore::list(const std::string& state, int limit) {
    pqxx::read_transaction tx(store_.connection());
    std::vector<DrillRow> out;
    for (const auto& r : tx.exec_params(sql::kListDrills, state, limit)) out.push_back(drill_from(r));
    return out;
}

std::vector<DrillRow> DrillStore::current(std::chrono::seconds tail) {
    pqxx::read_transaction tx(store_.connection());
    std::vector<DrillRow> out;
    for (const auto& r : tx.exec_params(sql::kCurrentDrills, static_cast<std::int64_t>(tail.count())))
        out.push_back(drill_from(r));
    return out;
}

DrillStop DrillStore::stop(const std::string& id, const std::string& by, const AuditEvent& audit) {
    pqxx::work tx(store_.connection());
    if (tx.exec_params(sql::kFindDrill, id).empty()) return DrillStop::not_found;
    if (tx.exec_params(sql::kStopDrill, id, by).empty()) return DrillStop::not_running;
    append_audit(tx, audit);
    tx.commit();
    return DrillStop::stopped;
}

std::vector<EndedDrill> DrillStore::note_ended() {
    pqxx::work tx(store_.connection());
    std::vector<EndedDrill> out;
    for (const auto& r : tx.exec(sql::kNoteDrillsEnded)) {
        EndedDrill e{text(r[0]), text(r[1]), r[2].as<bool>(), text(r[3])};
        if (!e.stopped) {
            AuditEvent audit;
            audit.actor = "server";
            audit.action = "drill.end";
            audit.target = e.id;
            audit.detail_json = json::serialize(json::object{{"name", e.name}, {"ended_at", e.ended_at}});
            append_audit(tx, audit);
        }
        out.push_back(std::move(e));
    }
    tx.commit();
    return out;
}

void DrillStore::save(const std::vector<DrillSample>& samples, const std::vector<DrillCount>& counts) {
    if (samples.empty() && counts.empty()) return;
    const auto opt = [](const std::optional<std::string>& v) { return v ? v->c_str() : nullptr; };
    pqxx::work tx(store_.connection());
    for (const auto& s : samples)
        tx.exec_params(sql::kSaveDrillSample, s.drill_id, s.device_id, s.at, s.checkpoint_id, s.pending, s.rejected,
                       s.last_seq, opt(s.stream_id), opt(s.record_latency_json));
    for (const auto& c : counts) tx.exec_params(sql::kAddDrillCount, c.drill_id, c.device_id, c.what, c.count);
    tx.commit();
}

DeviceCheckpoints DrillStore::device_checkpoints() {
    pqxx::read_transaction tx(store_.connection());
    return read_device_checkpoints(tx);
}

std::vector<DeviceFacts> DrillStore::facts(const std::string& drill_id, const std::string& started_at,
                                           const std::string& restore_at,
                                           const std::vector<std::pair<std::string, std::string>>& devices,
                                           const DrainBoundRule& bound) {
    std::vector<DeviceFacts> out;
    std::map<std::string, std::size_t> index;
    std::vector<std::string> ids;
    for (const auto& [device, checkpoint] : devices) {
        index[device] = out.size();
        ids.push_back(device);
        DeviceFacts f;
        f.device_id = device;
        f.checkpoint_id = checkpoint;
        out.push_back(std::move(f));
    }
    const std::string id_list = json_array_of(ids);
    {
        pqxx::read_transaction tx(store_.connection());
        for (const auto& r : tx.exec_params(sql::kDrillRecordCounts, id_list, started_at, restore_at)) {
            auto& f = out[index.at(text(r[0]))];
            f.records_during = r[1].as<std::int64_t>();
            f.synthetic_during = r[2].as<std::int64_t>();
            f.back_captured = r[3].as<std::int64_t>();
            f.duplicate_content = r[4].as<std::int64_t>();
        }
        for (const auto& r : tx.exec_params(sql::kDrillRejected, id_list, started_at)) {
            auto& f = out[index.at(text(r[0]))];
            f.rejected = r[1].as<std::int64_t>();
            f.quarantined_open = r[2].as<std::int64_t>();
        }
        for (const auto& r : tx.exec_params(sql::kDrillSamples, drill_id)) {
            const auto it = index.find(text(r[0]));
            if (it == index.end()) continue;
            out[it->second].samples.push_back({r[1].as<std::int64_t>(), r[2].as<std::int64_t>(), r[3].as<std::int64_t>(),
                                               r[4].as<std::int64_t>(), text(r[5]), latency_of(r[6])});
        }
        for (const auto& r : tx.exec_params(sql::kDrillCounts, drill_id)) {
            const auto it = index.find(text(r[0]));
            if (it != index.end()) out[it->second].counts[text(r[1])] = r[2].as<std::int64_t>();
        }
        for (auto& f : out) {
            for (const auto& r : tx.exec_params(sql::kDrillBacklogRecords, f.device_id, started_at, restore_at,
                                                kMaxBacklogRecords + 1))
                f.backlog_records.emplace_back(r[0].as<std::int64_t>(), r[1].as<std::int64_t>());
            if (static_cast<std::int64_t>(f.backlog_records.size()) > kMaxBacklogRecords) {
                f.backlog_records.resize(static_cast<std::size_t>(kMaxBacklogRecords));
                f.backlog_records_truncated = true;
            }
            f.drain_bound = bound(f.samples);
            if (f.drain_bound) {
                const auto r = tx.exec_params1(sql::kDrillArrived, f.device_id, f.drain_bound->stream_id,
                                               f.drain_bound->last_seq, restore_at);
                f.drain_arrived = r[0].as<std::int64_t>();
                if (!r[1].is_null()) f.drain_last_received_ms = r[1].as<std::int64_t>();
            }
        }
    }
    // Lost records: the gaps reconcile finds in every stream the device used during the drill.
    for (auto& f : out) {
        std::vector<std::string> streams;
        {
            pqxx::read_transaction tx(store_.connection());
            for (const auto& r : tx.exec_params(sql::kDrillStreams, f.device_id, started_at)) streams.push_back(text(r[0]));
        }
        if (f.drain_bound && std::find(streams.begin(), streams.end(), f.drain_bound->stream_id) == streams.end())
            streams.push_back(f.drain_bound->stream_id);
        for (const auto& stream : streams) {
            StreamGaps gaps{stream, 0, 0};
            std::int64_t after = 0;
            for (;;) {
                const Reconciliation rec = store_.reconcile(f.device_id, stream, 1000, after);
                gaps.max_seq = rec.max_seq;
                for (const auto& [from, to] : rec.missing) gaps.missing += to - from + 1;
                if (!rec.truncated || rec.missing.empty()) break;
                after = rec.missing.back().second;
            }
            f.streams.push_back(std::move(gaps));
        }
    }
    return out;
}

}  // namespace borderlog::server
