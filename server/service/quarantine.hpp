// The use case "records the centre refused": the quarantine listed for operations, and a release that
// ingests a record again after a fix. No sockets, no SQL.
#pragma once

#include "server/service/ingest.hpp"
#include "server/storage/store.hpp"

#include <boost/json/fwd.hpp>

#include <map>
#include <string>
#include <vector>

namespace borderlog::server::service {

// ?device=&checkpoint=&state=open|released|all&limit=&after=. Throws core::ValidationError naming the
// parameter at fault.
RejectedFilter parse_rejected_filter(const std::map<std::string, std::string>& query);

boost::json::object rejected_json(const RejectedRow& row);

// {"rejected":[...],"next_after":"N"|null}
boost::json::object rejected_page(const std::vector<RejectedRow>& rows, const RejectedFilter& filter);

// The quarantined body read again as its device sent it: a crossing to store, or why it is still refused.
PlannedRecord plan_release(const RejectedRow& row, int current_year);

// {"id","result":"stored"|"duplicate"|"refused","error"?:{"code","detail","field"?},"rejected":{...}}
boost::json::object release_json(const ReleaseResult& result);

}  // namespace borderlog::server::service
