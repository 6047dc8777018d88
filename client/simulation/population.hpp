// The synthetic travellers a checkpoint has seen, kept between runs of `simulate` in a small SQLite file
// of the data directory (simulate.db; not the outbox): who is in the country, who is abroad, and when
// each is due to cross back, so that an entry is followed by an exit some (simulated) days later, in
// the same run or a later one.
#pragma once

#include "core/time.hpp"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

namespace SQLite {
class Database;
}

namespace borderlog::client::sim {

struct SimTraveller {
    std::int64_t no = 0;
    std::string mrz;      // the document, from which the traveller is read
    bool inside = false;  // in the country now: the next crossing is an exit
    std::string due_at;   // when the next crossing is due (RFC 3339)
};

class Population {
public:
    // Opens or creates `file` (mode 0600 under the program's umask).
    explicit Population(const std::filesystem::path& file);
    ~Population();
    Population(const Population&) = delete;
    Population& operator=(const Population&) = delete;

    // The traveller whose next crossing has been due longest (due at or before `now`), if any.
    std::optional<SimTraveller> next_due(core::Millis now);
    // A new traveller, after their first crossing.
    std::int64_t add(const std::string& mrz, bool inside, core::Millis due_at);
    // After a crossing: now inside or outside, next due at `due_at`.
    void crossed(std::int64_t no, bool inside, core::Millis due_at);

    std::int64_t size();
    std::int64_t inside_count();

private:
    std::unique_ptr<SQLite::Database> db_;
};

}  // namespace borderlog::client::sim
