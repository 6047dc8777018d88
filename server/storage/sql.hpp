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

// --- the fleet view (operations) -------------------------------------------------------------------
// A device's state as a server instance knows it. Several instances write the same device: the newer
// heartbeat wins field by field, the later sync wins.
inline constexpr const char* kSaveFleetDevice = R"SQL(
INSERT INTO devices AS d (device_id, checkpoint_id, last_seen_at, pending, oldest_pending_at, last_seq, rejected,
                          device_time, lanes, last_sync_at, reported_last_sync_at, clock_offset_ms, stream_id,
                          watchlist_version, record_latency)
VALUES ($1, $2, $3::timestamptz, $4, $5::timestamptz, $6, $7, $8::timestamptz, $9::jsonb, $10::timestamptz,
        $11::timestamptz, $12, $13, $14, $15::jsonb)
ON CONFLICT (device_id) DO UPDATE SET
    checkpoint_id = EXCLUDED.checkpoint_id,
    last_sync_at = greatest(d.last_sync_at, EXCLUDED.last_sync_at),
    last_seen_at = greatest(d.last_seen_at, EXCLUDED.last_seen_at),
    pending = CASE WHEN d.last_seen_at IS NULL OR EXCLUDED.last_seen_at >= d.last_seen_at
                   THEN EXCLUDED.pending ELSE d.pending END,
    oldest_pending_at = CASE WHEN d.last_seen_at IS NULL OR EXCLUDED.last_seen_at >= d.last_seen_at
                             THEN EXCLUDED.oldest_pending_at ELSE d.oldest_pending_at END,
    last_seq = CASE WHEN d.last_seen_at IS NULL OR EXCLUDED.last_seen_at >= d.last_seen_at
                    THEN EXCLUDED.last_seq ELSE d.last_seq END,
    rejected = CASE WHEN d.last_seen_at IS NULL OR EXCLUDED.last_seen_at >= d.last_seen_at
                    THEN EXCLUDED.rejected ELSE d.rejected END,
    device_time = CASE WHEN d.last_seen_at IS NULL OR EXCLUDED.last_seen_at >= d.last_seen_at
                       THEN EXCLUDED.device_time ELSE d.device_time END,
    lanes = CASE WHEN d.last_seen_at IS NULL OR EXCLUDED.last_seen_at >= d.last_seen_at
                 THEN EXCLUDED.lanes ELSE d.lanes END,
    reported_last_sync_at = CASE WHEN d.last_seen_at IS NULL OR EXCLUDED.last_seen_at >= d.last_seen_at
                                 THEN EXCLUDED.reported_last_sync_at ELSE d.reported_last_sync_at END,
    clock_offset_ms = CASE WHEN d.last_seen_at IS NULL OR EXCLUDED.last_seen_at >= d.last_seen_at
                           THEN EXCLUDED.clock_offset_ms ELSE d.clock_offset_ms END,
    stream_id = CASE WHEN d.last_seen_at IS NULL OR EXCLUDED.last_seen_at >= d.last_seen_at
                     THEN EXCLUDED.stream_id ELSE d.stream_id END,
    watchlist_version = CASE WHEN d.last_seen_at IS NULL OR EXCLUDED.last_seen_at >= d.last_seen_at
                             THEN EXCLUDED.watchlist_version ELSE d.watchlist_version END,
    record_latency = CASE WHEN d.last_seen_at IS NULL OR EXCLUDED.last_seen_at >= d.last_seen_at
                          THEN EXCLUDED.record_latency ELSE d.record_latency END
)SQL";

inline constexpr const char* kSaveFleetSample = R"SQL(
INSERT INTO fleet_history (checkpoint_id, bucket_at, backlog, waiting) VALUES ($1, $2::timestamptz, $3, $4)
ON CONFLICT (checkpoint_id, bucket_at) DO UPDATE SET backlog = EXCLUDED.backlog, waiting = EXCLUDED.waiting
)SQL";

// Tells every server instance listening on this database that a device's state changed.
inline constexpr const char* kFleetChannel = "borderlog_fleet";
inline constexpr const char* kNotifyFleet = "SELECT pg_notify('borderlog_fleet', $1)";
inline constexpr const char* kListenFleet = "LISTEN borderlog_fleet";

inline constexpr const char* kLoadFleetDevices = R"SQL(
SELECT device_id, checkpoint_id,
       to_char(last_seen_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
       pending,
       to_char(oldest_pending_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
       last_seq, rejected,
       to_char(device_time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
       lanes::text,
       to_char(last_sync_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
       to_char(reported_last_sync_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
       clock_offset_ms, stream_id, watchlist_version, record_latency::text
FROM devices
)SQL";

// Devices with a valid token: shown (as silent) before their first heartbeat.
inline constexpr const char* kLoadDeviceTokens = R"SQL(
SELECT DISTINCT device_id, checkpoint_id FROM api_tokens WHERE role = 'device' AND revoked_at IS NULL
)SQL";

inline constexpr const char* kLoadFleetHistory = R"SQL(
SELECT checkpoint_id, to_char(bucket_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), backlog, waiting
FROM fleet_history WHERE bucket_at >= $1::timestamptz ORDER BY checkpoint_id, bucket_at
)SQL";

inline constexpr const char* kPruneFleetHistory = "DELETE FROM fleet_history WHERE bucket_at < $1::timestamptz";

inline constexpr const char* kIngestCursor = "SELECT coalesce(max(ingest_no), 0) FROM crossings";
inline constexpr const char* kIngestedSince = R"SQL(
SELECT count(*), coalesce(max(ingest_no), $1) FROM crossings WHERE ingest_no > $1
)SQL";
inline constexpr const char* kQuarantinedByDevice = R"SQL(
SELECT device_id, count(*) FROM rejected_records WHERE released_at IS NULL GROUP BY device_id
)SQL";
inline constexpr const char* kCrossingsLastHourByDevice = R"SQL(
SELECT device_id, count(*) FROM crossings WHERE occurred_at > now() - interval '1 hour' GROUP BY device_id
)SQL";
// Crossings per checkpoint and lane in the last 15 minutes: the lane's recent processing rate.
inline constexpr const char* kCrossingsByLane = R"SQL(
SELECT checkpoint_id, coalesce(lane, ''), count(*) FROM crossings
WHERE occurred_at > now() - interval '15 minutes' GROUP BY 1, 2
)SQL";

// --- dashboard sessions ------------------------------------------------------------------------------
inline constexpr const char* kCreateSession = R"SQL(
INSERT INTO dashboard_sessions (secret_hash, token_id, address, expires_at)
VALUES ($1, $2, $3, now() + make_interval(secs => $4))
RETURNING to_char(expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
)SQL";
inline constexpr const char* kFindSession = R"SQL(
SELECT t.id, t.role, coalesce(t.checkpoint_id, ''), coalesce(t.device_id, ''), coalesce(t.name, ''),
       to_char(s.expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
FROM dashboard_sessions s JOIN api_tokens t ON t.id = s.token_id
WHERE s.secret_hash = $1 AND s.ended_at IS NULL AND s.expires_at > now() AND t.revoked_at IS NULL
)SQL";
inline constexpr const char* kEndSession = R"SQL(
UPDATE dashboard_sessions SET ended_at = now() WHERE secret_hash = $1 AND ended_at IS NULL
)SQL";
inline constexpr const char* kPruneSessions = R"SQL(
DELETE FROM dashboard_sessions WHERE expires_at < now() - interval '7 days'
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
