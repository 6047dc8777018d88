#include "server/service/retention.hpp"

#include "common/log.hpp"

#include <boost/json.hpp>

namespace borderlog::server::service {

namespace {

boost::json::value count_or_null(const std::optional<std::int64_t>& n) {
    return n ? boost::json::value(*n) : boost::json::value(nullptr);
}

}  // namespace

RetentionPass apply_retention(Store& store, int keep_months) {
    RetentionPass pass;
    for (auto& month : store.drop_exported_months(keep_months)) {
        if (month.dropped) {
            common::log_event(spdlog::level::info, "retention_month_dropped",
                              {{"month", month.month}, {"partition", month.partition},
                               {"rows", count_or_null(month.stored_rows)}, {"keep_months", keep_months}});
            pass.dropped.push_back(std::move(month));
            continue;
        }
        // An old month that stays: an operator has an export to make (or to redo, when rows arrived
        // after it was made).
        const char* reason = month.exported_rows ? "export_count_differs" : "not_exported";
        common::log_event(spdlog::level::warn, "retention_month_kept",
                          {{"month", month.month}, {"partition", month.partition}, {"reason", reason},
                           {"stored_rows", count_or_null(month.stored_rows)},
                           {"exported_rows", count_or_null(month.exported_rows)}, {"keep_months", keep_months}});
        pass.kept.push_back(std::move(month));
    }
    return pass;
}

}  // namespace borderlog::server::service
