#include "server/http/connections.hpp"

#include <boost/asio/ip/address.hpp>

namespace borderlog::server::http {

bool ConnectionTable::add(const std::shared_ptr<Connection>& c, const std::string& group) {
    std::lock_guard lock(mutex_);
    if (open_.size() >= max_total_) return false;
    auto& n = per_group_[group];
    if (n >= max_per_address_) {
        if (n == 0) per_group_.erase(group);
        return false;
    }
    ++n;
    open_.insert(c);
    return true;
}

void ConnectionTable::remove(const std::shared_ptr<Connection>& c, const std::string& group) {
    std::lock_guard lock(mutex_);
    if (open_.erase(c) == 0) return;
    if (auto it = per_group_.find(group); it != per_group_.end() && --it->second == 0) per_group_.erase(it);
}

std::vector<std::shared_ptr<Connection>> ConnectionTable::snapshot() {
    std::lock_guard lock(mutex_);
    return {open_.begin(), open_.end()};
}

std::size_t ConnectionTable::size() {
    std::lock_guard lock(mutex_);
    return open_.size();
}

std::size_t ConnectionTable::count(const std::string& group) {
    std::lock_guard lock(mutex_);
    const auto it = per_group_.find(group);
    return it == per_group_.end() ? 0 : it->second;
}

std::string address_group(const std::string& address) {
    boost::system::error_code ec;
    const auto a = boost::asio::ip::make_address(address, ec);
    if (ec) return address;
    if (a.is_v4()) return a.to_string();
    auto v6 = a.to_v6();
    if (v6.is_v4_mapped()) return boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, v6).to_string();
    auto bytes = v6.to_bytes();
    std::fill(bytes.begin() + 8, bytes.end(), 0);
    return boost::asio::ip::address_v6(bytes).to_string() + "/64";
}

}  // namespace borderlog::server::http
