// The central-offline switch as this server instance knows it: set by an admin's call here, or
// learnt from the database, which every instance in front of it shares.
#pragma once

#include <atomic>
#include <cstdint>

namespace borderlog::server::service {

class CentralSwitch {
public:
    bool offline() const { return offline_; }

    // An admin's call on this instance.
    void set(bool offline) {
        offline_ = offline;
        ++changes_;
    }

    // A poll of the database: `changes_before` is changes() taken before the poll started, so that a
    // poll which overlapped a local change cannot undo it.
    void learn(bool offline, std::uint64_t changes_before) {
        if (changes_ == changes_before) offline_ = offline;
    }
    std::uint64_t changes() const { return changes_; }

private:
    std::atomic<bool> offline_{false};
    std::atomic<std::uint64_t> changes_{0};
};

}  // namespace borderlog::server::service
