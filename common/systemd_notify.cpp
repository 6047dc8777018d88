#include "common/systemd_notify.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>

namespace borderlog::common {

bool notify_systemd(std::string_view state) {
    const char* path = std::getenv("NOTIFY_SOCKET");
    if (!path || !*path) return false;
    const std::size_t length = std::strlen(path);
    sockaddr_un addr{};
    if (length >= sizeof(addr.sun_path)) return false;
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, path, length);
    if (addr.sun_path[0] == '@') addr.sun_path[0] = '\0';  // an abstract socket
    const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    const auto size = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + length);
    const ssize_t sent = ::sendto(fd, state.data(), state.size(), MSG_NOSIGNAL, reinterpret_cast<sockaddr*>(&addr), size);
    ::close(fd);
    return sent == static_cast<ssize_t>(state.size());
}

std::optional<std::chrono::milliseconds> watchdog_interval() {
    const char* usec = std::getenv("WATCHDOG_USEC");
    if (!usec || !*usec) return std::nullopt;
    // WATCHDOG_PID, when set, names the process the watchdog is for (not a child we started).
    if (const char* pid = std::getenv("WATCHDOG_PID"); pid && *pid && std::to_string(::getpid()) != pid)
        return std::nullopt;
    char* end = nullptr;
    const unsigned long long us = std::strtoull(usec, &end, 10);
    if (end == usec || *end != '\0' || us == 0) return std::nullopt;
    return std::chrono::milliseconds{static_cast<long long>(us / 2000)};
}

}  // namespace borderlog::common
