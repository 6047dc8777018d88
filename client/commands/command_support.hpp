// What the checkpoint's commands share: messages that name the option at fault, the centre's state as
// the outbox last saw it, and the JSON of status and sync reports.
#pragma once

#include "client/queue/outbox.hpp"
#include "client/sync/syncer.hpp"

#include <boost/json/object.hpp>

#include <string>

namespace borderlog::client {

int current_year();

// Prints "borderlog-checkpoint: OPTION: MESSAGE" and returns the usage exit code.
int usage_error(const std::string& option, const std::string& message);

// Which command-line option carries which crossing field ("traveler.surname" -> "--surname").
std::string option_for(const std::string& field);

// online | offline | unknown, as the last contact with the centre left it.
std::string central_state(Outbox& outbox);

boost::json::object status_json(Outbox& outbox);

int sync_exit_code(const SyncReport& r);
boost::json::object report_json(const SyncReport& r, Outbox& outbox);

}  // namespace borderlog::client
