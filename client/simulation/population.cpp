#include "client/simulation/population.hpp"

#include <SQLiteCpp/SQLiteCpp.h>

namespace borderlog::client::sim {

namespace {

constexpr int kBusyTimeoutMs = 5000;

// Created by simulate itself; the outbox's schema is not touched.
constexpr const char* kSchema = R"SQL(
CREATE TABLE IF NOT EXISTS travellers (
    no      INTEGER PRIMARY KEY,
    mrz     TEXT    NOT NULL,  -- the document; the traveller is read from it
    inside  INTEGER NOT NULL,  -- 1: in the country, the next crossing is an exit
    due_at  TEXT    NOT NULL,  -- when the next crossing is due (RFC 3339 UTC, so text order is time order)
    crossed INTEGER NOT NULL DEFAULT 1  -- crossings made
);
CREATE INDEX IF NOT EXISTS travellers_due ON travellers (due_at);
)SQL";

}  // namespace

Population::Population(const std::filesystem::path& file)
    : db_(std::make_unique<SQLite::Database>(file, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE, kBusyTimeoutMs)) {
    db_->exec("PRAGMA journal_mode=WAL");
    db_->exec(kSchema);
}

Population::~Population() = default;

std::optional<SimTraveller> Population::next_due(core::Millis now) {
    SQLite::Statement q(*db_, "SELECT no, mrz, inside, due_at FROM travellers WHERE due_at <= ? ORDER BY due_at LIMIT 1");
    q.bind(1, core::format_rfc3339(now));
    if (!q.executeStep()) return std::nullopt;
    return SimTraveller{q.getColumn(0).getInt64(), q.getColumn(1).getString(), q.getColumn(2).getInt() != 0,
                        q.getColumn(3).getString()};
}

std::int64_t Population::add(const std::string& mrz, bool inside, core::Millis due_at) {
    SQLite::Statement q(*db_, "INSERT INTO travellers (mrz, inside, due_at) VALUES (?, ?, ?)");
    q.bind(1, mrz);
    q.bind(2, inside ? 1 : 0);
    q.bind(3, core::format_rfc3339(due_at));
    q.exec();
    return db_->getLastInsertRowid();
}

void Population::crossed(std::int64_t no, bool inside, core::Millis due_at) {
    SQLite::Statement q(*db_, "UPDATE travellers SET inside = ?, due_at = ?, crossed = crossed + 1 WHERE no = ?");
    q.bind(1, inside ? 1 : 0);
    q.bind(2, core::format_rfc3339(due_at));
    q.bind(3, no);
    q.exec();
}

std::int64_t Population::size() { return db_->execAndGet("SELECT count(*) FROM travellers").getInt64(); }

std::int64_t Population::inside_count() {
    return db_->execAndGet("SELECT count(*) FROM travellers WHERE inside = 1").getInt64();
}

}  // namespace borderlog::client::sim
