// The use case "retention": whole months of crossings leave the centre once they were exported and are
// older than the months kept (`serve --retention-months N`). The decision and the drop happen in the
// database (crossings_drop_exported_months, migration 0013, run as its owner); this pass reports it.
// No SQL, no sockets.
#pragma once

#include "server/storage/store.hpp"

#include <cstdint>
#include <vector>

namespace borderlog::server::service {

struct RetentionPass {
    std::vector<RetentionMonth> dropped;
    std::vector<RetentionMonth> kept;  // older than the months kept, but not exported, or not as counted
};

// One pass: drops what may go, logs a line per month dropped (retention_month_dropped) and per month
// kept although old enough (retention_month_kept, with the reason). `keep_months` is 1 or more.
RetentionPass apply_retention(Store& store, int keep_months);

}  // namespace borderlog::server::service
