// A small fake central server on a loopback socket, for tests of what the checkpoint believes: each
// request goes to a handler that answers as the test wants (a malformed reconcile, a 500, a 413...), and
// every request is kept for the test to look at. One request per connection (Connection: close).
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <functional>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace borderlog::test {

struct FakeRequest {
    std::string method;
    std::string target;
    std::string body;
};

struct FakeAnswer {
    unsigned status = 200;
    std::string body = "{}";
    std::map<std::string, std::string> headers;
};

class FakeCentre {
public:
    using Handler = std::function<FakeAnswer(const FakeRequest&)>;

    explicit FakeCentre(Handler handler) : handler_(std::move(handler)) {
        listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        addr.sin_port = 0;
        if (listener_ < 0 || ::bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
            ::listen(listener_, 16) != 0)
            throw std::runtime_error("the fake centre cannot listen");
        socklen_t len = sizeof addr;
        ::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len);
        port_ = ntohs(addr.sin_port);
        thread_ = std::thread([this] { serve(); });
    }
    ~FakeCentre() {
        stop_ = true;
        thread_.join();
        ::close(listener_);
    }
    FakeCentre(const FakeCentre&) = delete;
    FakeCentre& operator=(const FakeCentre&) = delete;

    std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

    std::vector<FakeRequest> requests() {
        std::lock_guard lock(mutex_);
        return requests_;
    }
    std::size_t count(const std::string& target_prefix) {
        std::size_t n = 0;
        for (const auto& r : requests())
            if (r.target.rfind(target_prefix, 0) == 0) ++n;
        return n;
    }

private:
    void serve() {
        while (!stop_) {
            pollfd p{listener_, POLLIN, 0};
            if (::poll(&p, 1, 50) <= 0) continue;
            const int fd = ::accept(listener_, nullptr, nullptr);
            if (fd < 0) continue;
            handle(fd);
            ::close(fd);
        }
    }

    void handle(int fd) {
        std::string data;
        char buf[65536];
        std::size_t head_end = std::string::npos;
        while (head_end == std::string::npos) {
            const ssize_t n = ::read(fd, buf, sizeof buf);
            if (n <= 0) return;
            data.append(buf, static_cast<std::size_t>(n));
            head_end = data.find("\r\n\r\n");
        }
        FakeRequest req;
        const std::string head = data.substr(0, head_end);
        const auto sp1 = head.find(' '), sp2 = head.find(' ', sp1 + 1);
        req.method = head.substr(0, sp1);
        req.target = head.substr(sp1 + 1, sp2 - sp1 - 1);
        std::size_t length = 0;
        for (std::size_t at = head.find("\r\n"); at != std::string::npos; at = head.find("\r\n", at + 2)) {
            const std::string line = head.substr(at + 2, head.find("\r\n", at + 2) - at - 2);
            if (line.size() > 15 && (line.rfind("Content-Length:", 0) == 0 || line.rfind("content-length:", 0) == 0))
                length = std::strtoul(line.c_str() + 15, nullptr, 10);
        }
        req.body = data.substr(head_end + 4);
        while (req.body.size() < length) {
            const ssize_t n = ::read(fd, buf, sizeof buf);
            if (n <= 0) return;
            req.body.append(buf, static_cast<std::size_t>(n));
        }
        {
            std::lock_guard lock(mutex_);
            requests_.push_back(req);
        }
        const FakeAnswer answer = handler_(req);
        std::string out = "HTTP/1.1 " + std::to_string(answer.status) + " Answer\r\nContent-Type: application/json\r\n" +
                          "Content-Length: " + std::to_string(answer.body.size()) + "\r\nConnection: close\r\n";
        for (const auto& [k, v] : answer.headers) out += k + ": " + v + "\r\n";
        out += "\r\n" + answer.body;
        for (std::size_t sent = 0; sent < out.size();) {
            const ssize_t n = ::send(fd, out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
            if (n <= 0) return;
            sent += static_cast<std::size_t>(n);
        }
    }

    Handler handler_;
    int listener_ = -1;
    unsigned short port_ = 0;
    std::atomic<bool> stop_{false};
    std::mutex mutex_;
    std::vector<FakeRequest> requests_;
    std::thread thread_;
};

}  // namespace borderlog::test
