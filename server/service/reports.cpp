#include "server/service/reports.hpp"

#include "server/service/csv.hpp"

#include "core/errors.hpp"
#include "core/stay.hpp"

#include <boost/json.hpp>

namespace borderlog::server::service {

namespace json = boost::json;

DailyReportQuery parse_daily_report_query(const std::map<std::string, std::string>& query, date::sys_days today) {
    DailyReportQuery q;
    q.date = core::format_day(today);
    for (const auto& [key, value] : query) {
        if (key == "date") {
            if (!core::parse_day(value)) throw core::ValidationError("date", "must be a date YYYY-MM-DD");
            q.date = value;
        } else if (key == "synthetic") {
            if (value != "exclude" && value != "include" && value != "only")
                throw core::ValidationError("synthetic", "must be exclude, include or only");
            q.synthetic = value;
        } else if (key == "format") {
            if (value != "json" && value != "csv") throw core::ValidationError("format", "must be json or csv");
            q.csv = value == "csv";
        } else if (key == "header") {
            if (value != "true" && value != "false") throw core::ValidationError("header", "must be true or false");
            q.header = value == "true";
        } else {
            throw core::ValidationError(key, "is not a known parameter");
        }
    }
    return q;
}

json::object daily_report_json(const std::vector<DailyCount>& counts, const DailyReportQuery& q) {
    json::array rows;
    std::int64_t total = 0, back_captured = 0, entry = 0, exit = 0;
    for (const auto& c : counts) {
        rows.push_back({{"checkpoint_id", c.checkpoint_id},
                        {"direction", c.direction},
                        {"nationality", c.nationality},
                        {"count", c.count},
                        {"back_captured", c.back_captured}});
        total += c.count;
        back_captured += c.back_captured;
        (c.direction == "exit" ? exit : entry) += c.count;
    }
    return {{"date", q.date},
            {"synthetic", q.synthetic},
            {"rows", std::move(rows)},
            {"totals", {{"count", total}, {"back_captured", back_captured}, {"entry", entry}, {"exit", exit}}}};
}

std::string daily_report_csv(const std::vector<DailyCount>& counts, const DailyReportQuery& q) {
    std::string out;
    if (q.header) out += csv_line({"date", "checkpoint_id", "direction", "nationality", "count", "back_captured"});
    for (const auto& c : counts) {
        const std::string n = std::to_string(c.count), b = std::to_string(c.back_captured);
        out += csv_line({q.date, c.checkpoint_id, c.direction, c.nationality, n, b});
    }
    return out;
}

}  // namespace borderlog::server::service
