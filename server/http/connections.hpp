// Which connections are open, counted in total and per source address, so that one address holding
// many unfinished requests cannot take every connection, and so that shutdown can close the idle ones
// and wait for the rest.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace borderlog::server::http {

// An open connection as shutdown sees it.
class Connection {
public:
    virtual ~Connection() = default;
    // Closes the connection unless it is in the middle of a request. Safe from any thread.
    virtual void close_if_idle() = 0;
};

class ConnectionTable {
public:
    ConnectionTable(std::size_t max_total, std::size_t max_per_address)
        : max_total_(max_total), max_per_address_(max_per_address) {}

    // Takes a place for a connection from `group` (see address_group); false when the total or the
    // group's share is full, and then nothing is taken.
    bool add(const std::shared_ptr<Connection>& c, const std::string& group);
    void remove(const std::shared_ptr<Connection>& c, const std::string& group);

    std::vector<std::shared_ptr<Connection>> snapshot();
    std::size_t size();
    std::size_t count(const std::string& group);

private:
    const std::size_t max_total_;
    const std::size_t max_per_address_;
    std::mutex mutex_;
    std::set<std::shared_ptr<Connection>> open_;
    std::map<std::string, std::size_t> per_group_;
};

// The key that shares are counted by: the IPv4 address, or the /64 network of an IPv6 address (one
// host is usually given a whole /64). An IPv4 address mapped into IPv6 counts as the IPv4 address.
std::string address_group(const std::string& address);

}  // namespace borderlog::server::http
