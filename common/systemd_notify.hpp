// The systemd service protocol, without libsystemd: READY=1 when the program serves, STOPPING=1 when it
// drains, WATCHDOG=1 from its main loop so that systemd restarts a hung process (Type=notify,
// WatchdogSec= in deploy/systemd/). Outside systemd (no NOTIFY_SOCKET) every call does nothing.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace borderlog::common {

// Sends `state` (e.g. "READY=1") to $NOTIFY_SOCKET. Returns false when there is no socket or it fails.
bool notify_systemd(std::string_view state);

// How often to send WATCHDOG=1: half of WatchdogSec, when systemd asked this process for it.
std::optional<std::chrono::milliseconds> watchdog_interval();

}  // namespace borderlog::common
