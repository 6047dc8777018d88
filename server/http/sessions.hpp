// Dashboard sessions: an operations, trainer or admin token is exchanged once for a session secret
// kept in an HttpOnly, SameSite=Strict cookie; the database holds only the secret's hash. Sessions are
// cached here so that a signed-in dashboard keeps working while PostgreSQL is away (until it expires),
// and failed sign-ins are counted per address.
#pragma once

#include "core/time.hpp"
#include "server/storage/store.hpp"

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>

namespace borderlog::server::http {

inline constexpr const char* kSessionCookie = "borderlog_session";

class Sessions {
public:
    // Failed sign-ins: at most kMaxFailures per address in kFailureWindow; then 429 until it passes.
    static constexpr int kMaxFailures = 5;
    static constexpr std::chrono::seconds kFailureWindow{15 * 60};
    static constexpr std::chrono::seconds kFreshFor{5};  // a cached session is checked again after this

    // How long this address must wait before it may try again; nothing when it may try now.
    std::optional<std::chrono::seconds> sign_in_blocked(const std::string& address, core::Millis now);
    void sign_in_failed(const std::string& address, core::Millis now);

    // A session by its secret's hash: `fresh_only` asks for one checked against the database lately.
    std::optional<SessionInfo> cached(const std::string& hash, core::Millis now, bool fresh_only);
    void remember(const std::string& hash, const SessionInfo& session, core::Millis now);
    void forget(const std::string& hash);

private:
    struct Failures {
        int count = 0;
        core::Millis window_start;
    };
    struct Cached {
        SessionInfo session;
        core::Millis expires;
        core::Millis checked;
    };
    std::mutex mutex_;
    std::map<std::string, Failures> failures_;
    std::map<std::string, Cached> sessions_;
};

}  // namespace borderlog::server::http
