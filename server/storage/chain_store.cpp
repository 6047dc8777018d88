#include "server/storage/chain_store.hpp"

#include "core/crossing.hpp"
#include "server/storage/sql.hpp"

#include <pqxx/pqxx>

#include <charconv>

namespace borderlog::server {

namespace {

const char* or_null(const std::optional<std::string>& v) { return v ? v->c_str() : nullptr; }

std::string text(const pqxx::field& f) { return f.is_null() ? std::string() : f.as<std::string>(); }

// The record rebuilt from its columns. The flags column holds the device's flags and the server's
// (clock_suspect): the device's are the known ones, in their order.
service::StoredLink link_of(const pqxx::row& r) {
    service::StoredLink out;
    core::Crossing& x = out.columns;
    x.id = text(r[0]);
    x.device_id = text(r[1]);
    x.stream_id = text(r[2]);
    x.seq = r[3].as<std::int64_t>();
    x.checkpoint_id = text(r[4]);
    x.lane = text(r[5]);
    x.direction = text(r[6]);
    x.occurred_at = text(r[7]);
    x.officer_id = text(r[8]);
    x.traveler.document_type = text(r[9]);
    x.traveler.document_number = text(r[10]);
    x.traveler.issuing_country = text(r[11]);
    x.traveler.nationality = text(r[12]);
    x.traveler.surname = text(r[13]);
    x.traveler.given_names = text(r[14]);
    x.traveler.birth_date = text(r[15]);
    x.traveler.sex = text(r[16]);
    x.traveler.expiry_date = text(r[17]);
    if (r[18].as<bool>()) x.mrz = text(r[19]);
    x.transport.mode = text(r[20]);
    x.transport.vehicle_plate = text(r[21]);
    x.recorded_offline = r[22].as<bool>();
    const std::string flags = text(r[23]);
    for (std::size_t start = 0; start < flags.size();) {
        const std::size_t end = std::min(flags.find(',', start), flags.size());
        const std::string flag = flags.substr(start, end - start);
        if (core::is_known_flag(flag)) x.flags.push_back(flag);
        start = end + 1;
    }
    x.paper_ref = text(r[24]);
    // What the JSON record holds, read as text: a value made unreadable by hand only fails its hash.
    const std::string version = text(r[25]);
    if (!version.empty()) {
        std::int64_t v = 0;
        const auto [end, ec] = std::from_chars(version.data(), version.data() + version.size(), v);
        x.watchlist_version = ec == std::errc() && end == version.data() + version.size() ? v : -1;
    }
    out.record_json = text(r[26]);
    out.record_hash = text(r[27]);
    out.prev_hash = text(r[28]);
    return out;
}

}  // namespace

void ChainStore::scan(const std::optional<std::string>& device,
                      const std::function<void(service::ChainContext)>& on_context,
                      const std::function<void(const service::StoredLink&)>& on_row) {
    pqxx::transaction<pqxx::repeatable_read, pqxx::read_only> tx(store_.connection());
    tx.exec(sql::kVerifyNoTimeout);
    service::ChainContext context;
    for (const auto& r : tx.exec_params(sql::kChainQuarantined, or_null(device)))
        context.quarantined[{r[0].as<std::string>(), r[1].as<std::string>()}].insert(r[2].as<std::int64_t>());
    for (const auto& r : tx.exec(sql::kChainDroppedMonths)) context.dropped_months.push_back(r[0].as<std::string>());
    for (const auto& r : tx.exec_params(sql::kChainOrphanKeys, or_null(device)))
        context.orphan_keys.push_back({r[0].as<std::string>(), r[1].as<std::string>(), r[2].as<std::string>(),
                                       r[3].as<std::int64_t>()});
    for (const auto& r : tx.exec_params(sql::kChainProgress, or_null(device)))
        context.scanned_to[{r[0].as<std::string>(), r[1].as<std::string>()}] = r[2].as<std::int64_t>();
    on_context(std::move(context));

    tx.exec_params(sql::kChainCursor, or_null(device));
    for (;;) {
        const pqxx::result page = tx.exec(sql::kChainFetch);
        if (page.empty()) break;
        for (const auto& r : page) on_row(link_of(r));
    }
    tx.commit();
}

}  // namespace borderlog::server
