#include "server/storage/notification_listener.hpp"

#include "common/log.hpp"

#include <pqxx/pqxx>

namespace borderlog::server {

namespace {

constexpr auto kReconnectPause = std::chrono::seconds{1};

class Receiver : public pqxx::notification_receiver {
public:
    Receiver(pqxx::connection_base& conn, const std::string& channel, std::function<void(const std::string&)>& fn)
        : pqxx::notification_receiver(conn, channel), fn_(fn) {}
    void operator()(const std::string& payload, int) override {
        if (fn_) fn_(payload);
    }

private:
    std::function<void(const std::string&)>& fn_;
};

}  // namespace

NotificationListener::NotificationListener(std::string db_url, std::string channel, Callbacks callbacks)
    : db_url_(std::move(db_url)), channel_(std::move(channel)), callbacks_(std::move(callbacks)) {
    thread_ = std::thread([this] { run(); });
}

NotificationListener::~NotificationListener() { stop(); }

void NotificationListener::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
}

void NotificationListener::report(bool connected) {
    const int now = connected ? 1 : 0;
    if (connected_ == now) return;
    connected_ = now;
    common::log_event(connected ? spdlog::level::info : spdlog::level::warn,
                      connected ? "notification_listener_connected" : "notification_listener_disconnected",
                      {{"channel", channel_}});
    if (callbacks_.connection) callbacks_.connection(connected);
}

void NotificationListener::run() {
    while (!stopping_) {
        try {
            pqxx::connection conn(db_url_);
            Receiver receiver(conn, channel_, callbacks_.notified);  // issues LISTEN
            report(true);
            while (!stopping_) {
                // Wakes on a notification or after a second, to look at stopping_. A dropped connection
                // throws broken_connection here.
                conn.await_notification(1, 0);
                if (!conn.is_open()) throw pqxx::broken_connection("the notification connection closed");
            }
        } catch (const std::exception&) {
            report(false);
            std::unique_lock lock(mutex_);
            wake_.wait_for(lock, kReconnectPause, [this] { return stopping_.load(); });
        }
    }
}

}  // namespace borderlog::server
