// Every SQL statement the server runs, as named constants with $n parameters. Nothing else in the
// server builds SQL.
#pragma once

namespace borderlog::server::sql {

// $1: a JSON array of rows (see Store::insert_crossings). Rows that collide with an existing id or
// (device_id, seq) are skipped; the statement returns the ids it inserted.
inline constexpr const char* kInsertCrossings = R"SQL(
INSERT INTO crossings (id, device_id, seq, checkpoint_id, lane, direction, occurred_at, officer_id,
                       document_type, document_number, issuing_country, nationality, surname, given_names,
                       birth_date, sex, expiry_date, transport_mode, vehicle_plate, recorded_offline, record)
SELECT r.id, r.device_id, r.seq, r.checkpoint_id, r.lane, r.direction, r.occurred_at, r.officer_id,
       r.document_type, r.document_number, r.issuing_country, r.nationality, r.surname, r.given_names,
       r.birth_date, r.sex, r.expiry_date, r.transport_mode, r.vehicle_plate, r.recorded_offline, r.record
FROM jsonb_to_recordset($1::jsonb) AS r(
       id uuid, device_id text, seq bigint, checkpoint_id text, lane text, direction text,
       occurred_at timestamptz, officer_id text, document_type text, document_number text,
       issuing_country text, nationality text, surname text, given_names text, birth_date date, sex text,
       expiry_date date, transport_mode text, vehicle_plate text, recorded_offline boolean, record jsonb)
ON CONFLICT DO NOTHING
RETURNING id::text
)SQL";

// $1: the same JSON array. For each position (from 1) whose id is stored, whether the stored content
// is that row's content.
inline constexpr const char* kCompareStored = R"SQL(
SELECT e.ord, c.record = e.item -> 'record'
FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS e(item, ord)
JOIN crossings c ON c.id = (e.item ->> 'id')::uuid
)SQL";

inline constexpr const char* kListCrossings = R"SQL(
SELECT ingest_no,
       (record || jsonb_build_object('received_at',
            to_char(received_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')))::text
FROM crossings
WHERE ($1::text IS NULL OR checkpoint_id = $1)
  AND ($2::text IS NULL OR device_id = $2)
  AND ($3::text IS NULL OR direction = $3)
  AND ($4::text IS NULL OR issuing_country = $4)
  AND ($5::text IS NULL OR document_number = $5)
  AND ($6::timestamptz IS NULL OR occurred_at >= $6)
  AND ($7::timestamptz IS NULL OR occurred_at < $7)
  AND ingest_no > $8
ORDER BY ingest_no
LIMIT $9
)SQL";

inline constexpr const char* kReconcileSummary = R"SQL(
SELECT count(*), coalesce(max(seq), 0), coalesce(min(seq), 0) FROM crossings WHERE device_id = $1
)SQL";

// Runs of missing sequence numbers between the ones stored, starting after $3.
inline constexpr const char* kReconcileGaps = R"SQL(
SELECT seq + 1, next_seq - 1
FROM (SELECT seq, lead(seq) OVER (ORDER BY seq) AS next_seq FROM crossings WHERE device_id = $1) s
WHERE next_seq > seq + 1 AND seq + 1 > $3
ORDER BY seq
LIMIT $2
)SQL";

inline constexpr const char* kUpsertDevice = R"SQL(
INSERT INTO devices (device_id, checkpoint_id, last_seen_at, pending, oldest_pending_at, last_seq, rejected,
                     device_time, lanes)
VALUES ($1, $2, now(), $3, $4::timestamptz, $5, $6, $7::timestamptz, $8::jsonb)
ON CONFLICT (device_id) DO UPDATE SET
    checkpoint_id = EXCLUDED.checkpoint_id, last_seen_at = now(), pending = EXCLUDED.pending,
    oldest_pending_at = EXCLUDED.oldest_pending_at, last_seq = EXCLUDED.last_seq,
    rejected = EXCLUDED.rejected, device_time = EXCLUDED.device_time, lanes = EXCLUDED.lanes
)SQL";

inline constexpr const char* kInsertToken = R"SQL(
INSERT INTO api_tokens (token_hash, role, checkpoint_id, device_id, name) VALUES ($1, $2, $3, $4, $5)
RETURNING id
)SQL";

inline constexpr const char* kDeviceCheckpoint = R"SQL(
SELECT checkpoint_id FROM api_tokens WHERE role = 'device' AND device_id = $1 AND checkpoint_id <> $2 LIMIT 1
)SQL";

inline constexpr const char* kFindToken = R"SQL(
SELECT id, role, coalesce(checkpoint_id, ''), coalesce(device_id, ''), coalesce(name, '')
FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL
)SQL";

inline constexpr const char* kListTokens = R"SQL(
SELECT id, role, coalesce(checkpoint_id, ''), coalesce(device_id, ''), coalesce(name, ''),
       to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
       coalesce(to_char(revoked_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), '')
FROM api_tokens ORDER BY id
)SQL";

inline constexpr const char* kRevokeToken = R"SQL(
UPDATE api_tokens SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL
)SQL";

inline constexpr const char* kGetCentral = R"SQL(
SELECT offline, coalesce(reason, ''),
       to_char(changed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), coalesce(changed_by, '')
FROM central_state
)SQL";

inline constexpr const char* kSetCentral = R"SQL(
UPDATE central_state SET offline = $1, reason = $2, changed_at = now(), changed_by = $3
)SQL";

inline constexpr const char* kAppendAudit = R"SQL(
INSERT INTO audit_events (token_id, role, actor, address, action, target, detail)
VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb)
)SQL";

inline constexpr const char* kPing = "SELECT 1";

// Migrations.
inline constexpr const char* kMigrationLock = "SELECT pg_advisory_lock(7368201955)";
inline constexpr const char* kMigrationUnlock = "SELECT pg_advisory_unlock(7368201955)";
inline constexpr const char* kCreateMigrationsTable = R"SQL(
CREATE TABLE IF NOT EXISTS schema_migrations (
    version    integer     PRIMARY KEY,
    name       text        NOT NULL,
    checksum   text        NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
)
)SQL";
inline constexpr const char* kAppliedMigrations = "SELECT version, name, checksum FROM schema_migrations ORDER BY version";
inline constexpr const char* kRecordMigration =
    "INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)";

}  // namespace borderlog::server::sql
