// The use case "daily report": crossings of one UTC day counted by checkpoint, direction and
// nationality, as JSON or CSV. Also the CSV writing the officers' listings share.
#pragma once

#include "server/service/csv.hpp"  // csv_cell, csv_line: used by the exports

#include "server/storage/officer_store.hpp"

#include <boost/json/fwd.hpp>

#include <date/date.h>

#include <initializer_list>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace borderlog::server::service {

struct DailyReportQuery {
    std::string date;                   // YYYY-MM-DD (UTC day)
    std::string synthetic = "exclude";  // exclude | include | only
    bool csv = false;
    bool header = true;
};

// date (default today), synthetic, format (json | csv), header (true | false). Throws
// core::ValidationError naming the parameter.
DailyReportQuery parse_daily_report_query(const std::map<std::string, std::string>& query, date::sys_days today);

// {"date","synthetic","rows":[{"checkpoint_id","direction","nationality","count","back_captured"}],
//  "totals":{"count","back_captured","entry","exit"}}
boost::json::object daily_report_json(const std::vector<DailyCount>& counts, const DailyReportQuery& q);
// date,checkpoint_id,direction,nationality,count,back_captured
std::string daily_report_csv(const std::vector<DailyCount>& counts, const DailyReportQuery& q);


}  // namespace borderlog::server::service
