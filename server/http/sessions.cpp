#include "server/http/sessions.hpp"

namespace borderlog::server::http {

namespace {
constexpr std::size_t kMaxTracked = 10000;  // bounded: addresses and sessions are few, garbage is not
}

std::optional<std::chrono::seconds> Sessions::sign_in_blocked(const std::string& address, core::Millis now) {
    std::lock_guard lock(mutex_);
    const auto it = failures_.find(address);
    if (it == failures_.end()) return std::nullopt;
    const auto window_end = it->second.window_start + kFailureWindow;
    if (now >= window_end) {
        failures_.erase(it);
        return std::nullopt;
    }
    if (it->second.count < kMaxFailures) return std::nullopt;
    return std::chrono::ceil<std::chrono::seconds>(window_end - now);
}

void Sessions::sign_in_failed(const std::string& address, core::Millis now) {
    std::lock_guard lock(mutex_);
    if (failures_.size() > kMaxTracked)
        std::erase_if(failures_, [&](const auto& f) { return now >= f.second.window_start + kFailureWindow; });
    auto [it, inserted] = failures_.try_emplace(address, Failures{0, now});
    if (now >= it->second.window_start + kFailureWindow) it->second = {0, now};
    ++it->second.count;
}

std::optional<SessionInfo> Sessions::cached(const std::string& hash, core::Millis now, bool fresh_only) {
    std::lock_guard lock(mutex_);
    const auto it = sessions_.find(hash);
    if (it == sessions_.end()) return std::nullopt;
    if (now >= it->second.expires) {
        sessions_.erase(it);
        return std::nullopt;
    }
    if (fresh_only && now - it->second.checked > kFreshFor) return std::nullopt;
    return it->second.session;
}

void Sessions::remember(const std::string& hash, const SessionInfo& session, core::Millis now) {
    const auto expires = core::parse_rfc3339(session.expires_at);
    if (!expires) return;
    std::lock_guard lock(mutex_);
    if (sessions_.size() > kMaxTracked) std::erase_if(sessions_, [&](const auto& s) { return now >= s.second.expires; });
    if (sessions_.size() > kMaxTracked) sessions_.clear();
    sessions_[hash] = {session, *expires, now};
}

void Sessions::forget(const std::string& hash) {
    std::lock_guard lock(mutex_);
    sessions_.erase(hash);
}

}  // namespace borderlog::server::http
