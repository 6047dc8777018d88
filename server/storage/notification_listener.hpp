// Listens to a PostgreSQL notification channel on a connection of its own, on a thread of its own, so
// that server instances in front of one database hear of each other's changes. It reconnects when the
// connection drops and says so: a dropped listener is also the first sign that the database is away.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace borderlog::server {

class NotificationListener {
public:
    struct Callbacks {
        std::function<void(const std::string& payload)> notified;  // on the listener's thread
        std::function<void(bool connected)> connection;            // on every change of connection
    };

    NotificationListener(std::string db_url, std::string channel, Callbacks callbacks);
    ~NotificationListener();
    NotificationListener(const NotificationListener&) = delete;
    NotificationListener& operator=(const NotificationListener&) = delete;

    void stop();

private:
    void run();
    void report(bool connected);

    std::string db_url_;
    std::string channel_;
    Callbacks callbacks_;
    std::atomic<bool> stopping_{false};
    std::mutex mutex_;
    std::condition_variable wake_;
    int connected_ = -1;  // -1 unknown, 0 no, 1 yes; touched by the listener thread only
    std::thread thread_;
};

}  // namespace borderlog::server
