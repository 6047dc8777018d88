#include "common/systemd_notify.hpp"

#include <gtest/gtest.h>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>

namespace borderlog::common {
namespace {

// A datagram socket standing in for systemd's notification socket.
class NotifySocket {
public:
    NotifySocket() {
        path_ = std::filesystem::temp_directory_path() / ("bl-notify-" + std::to_string(::getpid()));
        std::filesystem::remove(path_);
        fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        std::strncpy(addr.sun_path, path_.c_str(), sizeof(addr.sun_path) - 1);
        EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
        ::setenv("NOTIFY_SOCKET", path_.c_str(), 1);
    }
    ~NotifySocket() {
        ::unsetenv("NOTIFY_SOCKET");
        ::close(fd_);
        std::filesystem::remove(path_);
    }
    std::string receive() {
        char buffer[256];
        const ssize_t n = ::recv(fd_, buffer, sizeof(buffer), MSG_DONTWAIT);
        return n > 0 ? std::string(buffer, static_cast<std::size_t>(n)) : std::string();
    }

private:
    std::filesystem::path path_;
    int fd_ = -1;
};

TEST(SystemdNotify, ReadyReachesTheNotifySocket) {
    NotifySocket socket;
    EXPECT_TRUE(notify_systemd("READY=1"));
    EXPECT_EQ(socket.receive(), "READY=1");
}

TEST(SystemdNotify, WithoutANotifySocketNothingIsSent) {
    ::unsetenv("NOTIFY_SOCKET");
    EXPECT_FALSE(notify_systemd("READY=1"));
}

TEST(SystemdNotify, TheWatchdogIsPingedAtHalfItsInterval) {
    ::setenv("WATCHDOG_USEC", "30000000", 1);
    ::setenv("WATCHDOG_PID", std::to_string(::getpid()).c_str(), 1);
    EXPECT_EQ(watchdog_interval(), std::chrono::milliseconds{15000});
    ::setenv("WATCHDOG_PID", "1", 1);  // the watchdog is for another process
    EXPECT_EQ(watchdog_interval(), std::nullopt);
    ::unsetenv("WATCHDOG_USEC");
    ::unsetenv("WATCHDOG_PID");
    EXPECT_EQ(watchdog_interval(), std::nullopt);
}

}  // namespace
}  // namespace borderlog::common
