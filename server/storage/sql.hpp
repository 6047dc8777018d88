// Every SQL statement the server runs, as named constants with $n parameters. Nothing else in the
// server builds SQL.
#pragma once

namespace borderlog::server::sql {

// Every transaction that stores crossings pins this, whatever the database or role default: an answer
// "stored" is sent only after a COMMIT that is durable.
// It also tells the key trigger of crossings (0008) that the server writes the rows' keys itself, in
// the statement that stores them.
inline constexpr const char* kDurableCommit =
    "SET LOCAL synchronous_commit = on; SET LOCAL borderlog.keys_given = on";
// For transactions that only keep a summary of committed data (reconcile's progress): losing the
// last one in a crash loses nothing that is not rebuilt from the rows.
inline constexpr const char* kRelaxedCommit = "SET LOCAL synchronous_commit = off";

// Around each crossing stored alone, so that one PostgreSQL refuses fails without the others.
inline constexpr const char* kSavepoint = "SAVEPOINT one_crossing";
inline constexpr const char* kReleaseSavepoint = "RELEASE SAVEPOINT one_crossing";
inline constexpr const char* kRollbackToSavepoint = "ROLLBACK TO SAVEPOINT one_crossing";

// --- ingest -----------------------------------------------------------------------------------------
// A transaction's crossings are first copied (COPY, see kStagingColumns) into this per-connection
// temporary table, then stored by one statement. Temporary: no WAL, emptied at every commit.
inline constexpr const char* kCreateStaging = R"SQL(
CREATE TEMPORARY TABLE IF NOT EXISTS crossings_staging (
    ord int NOT NULL, lead boolean NOT NULL,
    id uuid, device_id text, stream_id text, seq bigint, checkpoint_id text, lane text, direction text,
    occurred_at timestamptz, officer_id text, document_type text, document_number text, issuing_country text,
    nationality text, surname text, given_names text, birth_date date, sex text, expiry_date date,
    transport_mode text, vehicle_plate text, recorded_offline boolean, flags text[], paper_ref text, record jsonb,
    record_hash text, prev_hash text, sent_hash text
) ON COMMIT DELETE ROWS
)SQL";
inline constexpr const char* kStagingTable = "crossings_staging";
// The order in which Store writes each staged row. `lead`: the first row of the request with its id and
// the first with its (device, stream, seq); only leads are inserted, the others are answered by comparison.
inline constexpr const char* kStagingColumns[] = {
    "ord", "lead", "id", "device_id", "stream_id", "seq", "checkpoint_id", "lane", "direction", "occurred_at",
    "officer_id", "document_type", "document_number", "issuing_country", "nationality", "surname", "given_names",
    "birth_date", "sex", "expiry_date", "transport_mode", "vehicle_plate", "recorded_offline", "flags", "paper_ref",
    "record", "record_hash", "prev_hash", "sent_hash"};
// Rows of an earlier attempt in the same transaction (each crossing alone, in savepoints).
inline constexpr const char* kClearStaging = "DELETE FROM crossings_staging";

// Stores the staged leads whose id and (device, stream, seq) are both free: the keys first (ON CONFLICT
// DO NOTHING: a taken key skips the row), then the row. Keys are taken in one order (ids, then seqs,
// each sorted), so that two transactions never wait on each other in a circle. Returns one row per
// stored crossing (its ord), and one per id taken whose seq was not free (`orphan`, to be given back).
// A quarantined record that is now stored (carried over into a new stream, or sent again after a fix)
// leaves the quarantine.
inline constexpr const char* kIngestStaged = R"SQL(
WITH ids AS (
    INSERT INTO crossing_ids (id, device_id, occurred_at)
    SELECT id, device_id, occurred_at FROM crossings_staging WHERE lead ORDER BY id
    ON CONFLICT DO NOTHING
    RETURNING id
), seqs AS (
    INSERT INTO crossing_seqs (device_id, stream_id, seq, id)
    SELECT s.device_id, s.stream_id, s.seq, s.id FROM crossings_staging s JOIN ids USING (id)
    WHERE s.lead ORDER BY s.device_id, s.stream_id, s.seq
    ON CONFLICT DO NOTHING
    RETURNING id
), ins AS (
    INSERT INTO crossings (id, device_id, stream_id, seq, checkpoint_id, lane, direction, occurred_at, officer_id,
                           document_type, document_number, issuing_country, nationality, surname, given_names,
                           birth_date, sex, expiry_date, transport_mode, vehicle_plate, recorded_offline, flags,
                           paper_ref, record, record_hash, prev_hash)
    SELECT s.id, s.device_id, s.stream_id, s.seq, s.checkpoint_id, s.lane, s.direction, s.occurred_at, s.officer_id,
           s.document_type, s.document_number, s.issuing_country, s.nationality, s.surname, s.given_names,
           s.birth_date, s.sex, s.expiry_date, s.transport_mode, s.vehicle_plate, s.recorded_offline, s.flags,
           s.paper_ref, s.record, s.record_hash, s.prev_hash
    FROM crossings_staging s JOIN seqs USING (id)
    WHERE s.lead
    ORDER BY s.ord
    RETURNING id, device_id
), released AS (
    UPDATE rejected_records q SET released_at = now(), released_by = 'ingest', release_result = 'stored'
    FROM ins
    WHERE q.released_at IS NULL AND q.record_id = ins.id::text AND q.device_id = ins.device_id
)
SELECT s.ord, NULL::text FROM crossings_staging s JOIN ins USING (id) WHERE s.lead
UNION ALL
SELECT NULL, ids.id::text FROM ids WHERE NOT EXISTS (SELECT 1 FROM seqs WHERE seqs.id = ids.id)
)SQL";

// The hash chain, checked once per request after kIngestStaged. $1: the ords of the staged rows just
// stored that carry the chain. A break is a stored record whose sent hash is not the one the server
// computed (hash_mismatch), whose prev_hash is not its stored predecessor's record_hash
// (prev_hash_mismatch), or, records arriving out of order, a stored successor whose prev_hash is not
// the new record's hash (the successor is named). Each break is an anomaly chain_break of the later
// record of the link; the records are stored all the same. A predecessor stored without a hash (before
// the chain) is not compared.
// A link inside the request is compared within it. Only the ends of each run of seqs in the request
// look into the stored tables, each through its own index probes (LATERAL ... LIMIT 1 is never turned
// into a join): a plain join let the planner hash the whole of crossing_seqs on every request, 50 ms a
// batch of 500 on a table of 25,000 rows and growing with it.
inline constexpr const char* kChainBreaks = R"SQL(
WITH stored AS MATERIALIZED (
    SELECT s.* FROM crossings_staging s
    WHERE s.ord IN (SELECT (jsonb_array_elements_text($1::jsonb))::int) AND s.prev_hash IS NOT NULL
), run_firsts AS MATERIALIZED (
    SELECT s.* FROM stored s
    WHERE NOT EXISTS (SELECT 1 FROM stored t
                      WHERE t.device_id = s.device_id AND t.stream_id = s.stream_id AND t.seq = s.seq - 1)
), run_lasts AS MATERIALIZED (
    SELECT s.* FROM stored s
    WHERE NOT EXISTS (SELECT 1 FROM stored t
                      WHERE t.device_id = s.device_id AND t.stream_id = s.stream_id AND t.seq = s.seq + 1)
), found AS (
    SELECT s.id, s.checkpoint_id, s.device_id, s.direction, s.occurred_at, s.issuing_country, s.document_number,
           s.flags, s.stream_id, s.seq, 'hash_mismatch' AS reason
    FROM stored s WHERE s.sent_hash IS DISTINCT FROM s.record_hash
    UNION ALL
    SELECT s.id, s.checkpoint_id, s.device_id, s.direction, s.occurred_at, s.issuing_country, s.document_number,
           s.flags, s.stream_id, s.seq, 'prev_hash_mismatch'
    FROM stored s
    JOIN stored p ON p.device_id = s.device_id AND p.stream_id = s.stream_id AND p.seq = s.seq - 1
    WHERE p.record_hash IS NOT NULL AND p.record_hash <> s.prev_hash
    UNION ALL
    SELECT s.id, s.checkpoint_id, s.device_id, s.direction, s.occurred_at, s.issuing_country, s.document_number,
           s.flags, s.stream_id, s.seq, 'prev_hash_mismatch'
    FROM run_firsts s
    CROSS JOIN LATERAL (
        SELECT p.record_hash
        FROM crossing_seqs k
        JOIN crossing_ids i ON i.id = k.id
        JOIN crossings p ON p.id = k.id AND p.occurred_at = i.occurred_at
        WHERE k.device_id = s.device_id AND k.stream_id = s.stream_id AND k.seq = s.seq - 1
        LIMIT 1) p
    WHERE p.record_hash IS NOT NULL AND p.record_hash <> s.prev_hash
    UNION ALL
    SELECT n.id, n.checkpoint_id, n.device_id, n.direction, n.occurred_at, n.issuing_country, n.document_number,
           n.flags, n.stream_id, n.seq, 'prev_hash_mismatch'
    FROM run_lasts s
    CROSS JOIN LATERAL (
        SELECT n.*
        FROM crossing_seqs k
        JOIN crossing_ids i ON i.id = k.id
        JOIN crossings n ON n.id = k.id AND n.occurred_at = i.occurred_at
        WHERE k.device_id = s.device_id AND k.stream_id = s.stream_id AND k.seq = s.seq + 1
        LIMIT 1) n
    WHERE n.prev_hash IS NOT NULL AND n.prev_hash <> s.record_hash
)
INSERT INTO anomalies (kind, crossing_id, checkpoint_id, device_id, direction, occurred_at, issuing_country,
                       document_number, synthetic, detail)
SELECT 'chain_break', id, checkpoint_id, device_id, direction, occurred_at, issuing_country, document_number,
       'synthetic' = ANY (flags),
       jsonb_build_object('stream_id', stream_id, 'seq', seq, 'reasons', jsonb_agg(DISTINCT reason))
FROM found
GROUP BY id, checkpoint_id, device_id, direction, occurred_at, issuing_country, document_number, flags, stream_id, seq
ON CONFLICT (crossing_id, kind) DO UPDATE SET state = 'open', resolved_at = NULL, detail = EXCLUDED.detail
)SQL";

// $1: the orphans of kIngestStaged, as a JSON array of ids. Through 0011's function: the server's role
// may not delete keys itself, and the function gives back only ids with no stored crossing.
inline constexpr const char* kForgetOrphanIds = "SELECT crossing_ids_give_back($1::jsonb)";

// $1: the ords of the staged rows not stored. For each, whether its id is stored, and whether the stored
// record is its content (NULL when the row is gone while its key stays, as after retention).
inline constexpr const char* kCompareStaged = R"SQL(
SELECT s.ord, k.id IS NOT NULL, c.record = s.record
FROM crossings_staging s
LEFT JOIN crossing_ids k ON k.id = s.id
LEFT JOIN crossings c ON c.id = k.id AND c.occurred_at = k.occurred_at
WHERE s.ord IN (SELECT (jsonb_array_elements_text($1::jsonb))::int)
)SQL";

// $1: a JSON array of refused records (see RefusedRecord). The same record refused again counts one
// more attempt on its entry, which is open again; it never makes a second entry.
inline constexpr const char* kQuarantine = R"SQL(
INSERT INTO rejected_records AS q (device_id, checkpoint_id, stream_id, seq, record_id, code, detail, field, body)
SELECT r.device_id, r.checkpoint_id, coalesce(r.stream_id, ''), r.seq, r.record_id, r.code, r.detail, r.field, r.body
FROM jsonb_to_recordset($1::jsonb) AS r(device_id text, checkpoint_id text, stream_id text, seq bigint,
                                        record_id text, code text, detail text, field text, body text)
ON CONFLICT (device_id, stream_id, coalesce(seq, -1), coalesce(record_id, '')) DO UPDATE SET
    attempts = q.attempts + 1, checkpoint_id = EXCLUDED.checkpoint_id, code = EXCLUDED.code,
    detail = EXCLUDED.detail, field = EXCLUDED.field, body = EXCLUDED.body, released_at = NULL
)SQL";

// $1 device, $2 checkpoint, $3 the device's time: the offset of its clock to the server's.
inline constexpr const char* kNoteDeviceClock = R"SQL(
INSERT INTO devices (device_id, checkpoint_id, clock_offset_ms, clock_offset_at)
VALUES ($1, $2, round(extract(epoch FROM ($3::timestamptz - statement_timestamp())) * 1000)::bigint, now())
ON CONFLICT (device_id) DO UPDATE SET
    clock_offset_ms = EXCLUDED.clock_offset_ms, clock_offset_at = EXCLUDED.clock_offset_at
)SQL";

// The listing, ordered by ingest_no (the cursor). One statement per leading filter, so that each runs
// on the index made for it whatever the other filters, and none falls to a plan that scans: by document
// number ((document_number, issuing_country, occurred_at)), by device ((device_id, ingest_no)), by
// checkpoint ((checkpoint_id, ingest_no)), else by ingest_no alone. The time bounds are always given
// (-infinity / infinity when absent), so that they prune the months. Run unprepared: each is planned
// for its values. $1 checkpoint, $2 device, $3 direction, $4 doc_country, $5 doc_number, $6 from,
// $7 to, $8 after, $9 limit, $10 synthetic records: exclude | include | only.
inline constexpr const char* kListCrossingsByDocument = R"SQL(
SELECT ingest_no, record::text,
       to_char(received_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
       stream_id, array_to_json(flags)::text
FROM crossings
WHERE document_number = $5
  AND ($1::text IS NULL OR checkpoint_id = $1)
  AND ($2::text IS NULL OR device_id = $2)
  AND ($3::text IS NULL OR direction = $3)
  AND ($4::text IS NULL OR issuing_country = $4)
  AND ($5::text IS NULL OR document_number = $5)
  AND occurred_at >= $6::timestamptz AND occurred_at < $7::timestamptz
  AND ingest_no > $8
  AND ($10::text = 'include' OR
       ('synthetic' = ANY (flags) OR coalesce(record -> 'flags' ? 'synthetic', false)) = ($10::text = 'only'))
ORDER BY ingest_no
LIMIT $9
)SQL";
inline constexpr const char* kListCrossingsByDevice = R"SQL(
SELECT ingest_no, record::text,
       to_char(received_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
       stream_id, array_to_json(flags)::text
FROM crossings
WHERE device_id = $2
  AND ($1::text IS NULL OR checkpoint_id = $1)
  AND ($2::text IS NULL OR device_id = $2)
  AND ($3::text IS NULL OR direction = $3)
  AND ($4::text IS NULL OR issuing_country = $4)
  AND ($5::text IS NULL OR document_number = $5)
  AND occurred_at >= $6::timestamptz AND occurred_at < $7::timestamptz
  AND ingest_no > $8
  AND ($10::text = 'include' OR
       ('synthetic' = ANY (flags) OR coalesce(record -> 'flags' ? 'synthetic', false)) = ($10::text = 'only'))
ORDER BY ingest_no
LIMIT $9
)SQL";
inline constexpr const char* kListCrossingsByCheckpoint = R"SQL(
SELECT ingest_no, record::text,
       to_char(received_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
       stream_id, array_to_json(flags)::text
FROM crossings
WHERE checkpoint_id = $1
  AND ($1::text IS NULL OR checkpoint_id = $1)
  AND ($2::text IS NULL OR device_id = $2)
  AND ($3::text IS NULL OR direction = $3)
  AND ($4::text IS NULL OR issuing_country = $4)
  AND ($5::text IS NULL OR document_number = $5)
  AND occurred_at >= $6::timestamptz AND occurred_at < $7::timestamptz
  AND ingest_no > $8
  AND ($10::text = 'include' OR
       ('synthetic' = ANY (flags) OR coalesce(record -> 'flags' ? 'synthetic', false)) = ($10::text = 'only'))
ORDER BY ingest_no
LIMIT $9
)SQL";
inline constexpr const char* kListCrossingsInOrder = R"SQL(
SELECT ingest_no, record::text,
       to_char(received_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
       stream_id, array_to_json(flags)::text
FROM crossings
WHERE true
  AND ($1::text IS NULL OR checkpoint_id = $1)
  AND ($2::text IS NULL OR device_id = $2)
  AND ($3::text IS NULL OR direction = $3)
  AND ($4::text IS NULL OR issuing_country = $4)
  AND ($5::text IS NULL OR document_number = $5)
  AND occurred_at >= $6::timestamptz AND occurred_at < $7::timestamptz
  AND ingest_no > $8
  AND ($10::text = 'include' OR
       ('synthetic' = ANY (flags) OR coalesce(record -> 'flags' ? 'synthetic', false)) = ($10::text = 'only'))
ORDER BY ingest_no
LIMIT $9
)SQL";

// $1 months ahead: the monthly partitions of crossings from last month on that are missing (0008's
// crossings_make_partitions moves into each what waited in the default partition).
// Held while making them: two servers starting together do not race to create the same month.
inline constexpr const char* kPartitionUpkeepLock = "SELECT pg_advisory_xact_lock(736820196)";
inline constexpr const char* kMakePartitionsAhead = R"SQL(
SELECT made FROM crossings_make_partitions(((now() AT TIME ZONE 'UTC') - interval '1 month')::date,
                                           ((now() AT TIME ZONE 'UTC') + make_interval(months => $1::int))::date) made
)SQL";

// Retention (0013): the months older than $1 months before the current one, each dropped when it was
// exported with its exact row count (and audited), or kept. Runs as the function's owner.
inline constexpr const char* kDropExportedMonths = R"SQL(
SELECT to_char(month, 'YYYY-MM'), partition_name, stored_rows, exported_rows, dropped
FROM crossings_drop_exported_months($1::int)
)SQL";

// --- reconcile -------------------------------------------------------------------------------------
// A sequence number is accounted for when it is stored (crossing_seqs), or refused and quarantined (a
// refused record is not lost); quarantined seqs outside 1..2^53-1 were unreadable and count for nothing.
// stream_progress remembers, per stream, up to where every seq is accounted for but the missing ranges
// it names. A reconcile looks again only at those ranges and at the seqs above: its cost follows the
// gaps and what arrived since the last reconcile, never the stream's history.

// $1 device, $2 stream. One reconcile of a stream at a time (another waits, then starts from its result).
inline constexpr const char* kReconcileLock = "SELECT pg_advisory_xact_lock(736820195, hashtext($1 || '/' || $2))";

// $1 device, $2 stream: the stream's progress brought up to date and saved. Returns the highest seq
// accounted for, how many seqs the missing ranges hold, and how many seqs are quarantined
// without being stored (all, and the open ones).
inline constexpr const char* kReconcileAdvance = R"SQL(
WITH prev AS (
    SELECT coalesce((SELECT scanned_to FROM stream_progress WHERE device_id = $1 AND stream_id = $2), 0) AS scanned_to,
           coalesce((SELECT missing FROM stream_progress WHERE device_id = $1 AND stream_id = $2),
                    '{}'::int8multirange) AS missing
), filled AS (
    SELECT c.seq FROM prev, unnest(prev.missing) g
    JOIN crossing_seqs c ON c.device_id = $1 AND c.stream_id = $2 AND c.seq >= lower(g) AND c.seq < upper(g)
    UNION ALL
    SELECT q.seq FROM prev, unnest(prev.missing) g
    JOIN rejected_records q ON q.device_id = $1 AND q.stream_id = $2
                           AND coalesce(q.seq, -1) >= lower(g) AND coalesce(q.seq, -1) < upper(g)
), above AS (
    SELECT c.seq FROM prev JOIN crossing_seqs c ON c.device_id = $1 AND c.stream_id = $2 AND c.seq > prev.scanned_to
    UNION ALL
    SELECT q.seq FROM prev JOIN rejected_records q ON q.device_id = $1 AND q.stream_id = $2
                                                 AND coalesce(q.seq, -1) > prev.scanned_to
                                                 AND q.seq <= 9007199254740991
), next AS (
    SELECT greatest(prev.scanned_to, (SELECT max(seq) FROM above)) AS scanned_to,
           (prev.missing - coalesce((SELECT range_agg(int8range(seq, seq + 1)) FROM filled), '{}'::int8multirange))
           + (int8multirange(int8range(prev.scanned_to + 1, coalesce((SELECT max(seq) FROM above), prev.scanned_to) + 1))
              - coalesce((SELECT range_agg(int8range(seq, seq + 1)) FROM above), '{}'::int8multirange)) AS missing
    FROM prev
), saved AS (
    INSERT INTO stream_progress AS p (device_id, stream_id, scanned_to, missing, updated_at)
    SELECT $1, $2, scanned_to, missing, now() FROM next
    ON CONFLICT (device_id, stream_id) DO UPDATE
        SET scanned_to = EXCLUDED.scanned_to, missing = EXCLUDED.missing, updated_at = EXCLUDED.updated_at
    RETURNING scanned_to, missing
), quarantined AS (
    SELECT DISTINCT q.seq, q.released_at IS NULL AS open FROM rejected_records q
    WHERE q.device_id = $1 AND q.stream_id = $2 AND q.seq BETWEEN 1 AND 9007199254740991
      AND NOT EXISTS (SELECT 1 FROM crossing_seqs c WHERE c.device_id = $1 AND c.stream_id = $2 AND c.seq = q.seq)
)
SELECT top.max_seq,
       (SELECT coalesce(sum(upper(r) - lower(r)), 0) FROM unnest(saved.missing) r WHERE upper(r) <= top.max_seq),
       (SELECT count(DISTINCT seq) FROM quarantined),
       (SELECT count(DISTINCT seq) FROM quarantined WHERE open)
FROM saved, LATERAL (
    -- Seqs missing at the top (deleted since they were scanned) are above the highest accounted for.
    SELECT CASE WHEN NOT isempty(saved.missing) AND upper(saved.missing) = saved.scanned_to + 1
                THEN (SELECT lower(r) FROM unnest(saved.missing) r ORDER BY lower(r) DESC LIMIT 1) - 1
                ELSE saved.scanned_to END AS max_seq
) top
)SQL";

// $1 device, $2 stream, $3 at most this many, $4 only ranges starting after this seq, $5 the highest
// seq accounted for: the missing ranges kReconcileAdvance saved, inclusive, below $5.
inline constexpr const char* kReconcileRanges = R"SQL(
SELECT lower(r), upper(r) - 1
FROM stream_progress, unnest(missing) r
WHERE device_id = $1 AND stream_id = $2 AND lower(r) > $4 AND upper(r) <= $5
ORDER BY lower(r)
LIMIT $3
)SQL";

// $1 device, $2 checkpoint, $3 state (open | released | all), $4 after id, $5 limit.
inline constexpr const char* kListRejected = R"SQL(
SELECT id, to_char(received_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), device_id, checkpoint_id,
       stream_id, seq, coalesce(record_id, ''), code, detail, coalesce(field, ''), body, attempts,
       coalesce(to_char(released_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), ''),
       coalesce(released_by, ''), coalesce(release_result, '')
FROM rejected_records
WHERE ($1::text IS NULL OR device_id = $1) AND ($2::text IS NULL OR checkpoint_id = $2)
  AND ($3 = 'all' OR ($3 = 'open') = (released_at IS NULL)) AND id > $4
ORDER BY id
LIMIT $5
)SQL";

// The same columns for one entry.
inline constexpr const char* kFindRejected = R"SQL(
SELECT id, to_char(received_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), device_id, checkpoint_id,
       stream_id, seq, coalesce(record_id, ''), code, detail, coalesce(field, ''), body, attempts,
       coalesce(to_char(released_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), ''),
       coalesce(released_by, ''), coalesce(release_result, '')
FROM rejected_records WHERE id = $1
)SQL";

// Held for the length of a release, so that two releases of one entry cannot both store it.
inline constexpr const char* kLockRejected =
    "SELECT released_at IS NOT NULL FROM rejected_records WHERE id = $1 FOR UPDATE";

// $1 id, $2 result (stored | duplicate | refused), $3 by, $4 code, $5 detail, $6 field: a release that
// stored the record closes the entry; one that was refused again leaves it open with the new reason.
inline constexpr const char* kNoteRelease = R"SQL(
UPDATE rejected_records SET
    released_at = CASE WHEN $2 = 'refused' THEN NULL ELSE now() END,
    released_by = $3, release_result = $2,
    code = CASE WHEN $2 = 'refused' THEN $4 ELSE code END,
    detail = CASE WHEN $2 = 'refused' THEN $5 ELSE detail END,
    field = CASE WHEN $2 = 'refused' THEN nullif($6, '') ELSE field END
WHERE id = $1
)SQL";

// The device's clock offset is kept from each heartbeat that says its time.
inline constexpr const char* kUpsertDevice = R"SQL(
INSERT INTO devices (device_id, checkpoint_id, last_seen_at, pending, oldest_pending_at, last_seq, rejected,
                     device_time, lanes, clock_offset_ms, clock_offset_at)
VALUES ($1, $2, now(), $3, $4::timestamptz, $5, $6, $7::timestamptz, $8::jsonb,
        round(extract(epoch FROM ($7::timestamptz - statement_timestamp())) * 1000)::bigint,
        CASE WHEN $7::timestamptz IS NULL THEN NULL ELSE now() END)
ON CONFLICT (device_id) DO UPDATE SET
    checkpoint_id = EXCLUDED.checkpoint_id, last_seen_at = now(), pending = EXCLUDED.pending,
    oldest_pending_at = EXCLUDED.oldest_pending_at, last_seq = EXCLUDED.last_seq,
    rejected = EXCLUDED.rejected, device_time = EXCLUDED.device_time, lanes = EXCLUDED.lanes,
    clock_offset_ms = coalesce(EXCLUDED.clock_offset_ms, devices.clock_offset_ms),
    clock_offset_at = coalesce(EXCLUDED.clock_offset_at, devices.clock_offset_at)
)SQL";

inline constexpr const char* kInsertToken = R"SQL(
INSERT INTO api_tokens (token_hash, role, checkpoint_id, device_id, name, expires_at)
VALUES ($1, $2, $3, $4, $5, to_timestamp($6::bigint / 1000.0))
RETURNING id
)SQL";

inline constexpr const char* kDeviceCheckpoint = R"SQL(
SELECT checkpoint_id FROM api_tokens WHERE role = 'device' AND device_id = $1 AND checkpoint_id <> $2 LIMIT 1
)SQL";

inline constexpr const char* kFindToken = R"SQL(
SELECT id, role, coalesce(checkpoint_id, ''), coalesce(device_id, ''), coalesce(name, ''),
       (extract(epoch FROM expires_at) * 1000)::bigint
FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())
)SQL";

inline constexpr const char* kListTokens = R"SQL(
SELECT id, role, coalesce(checkpoint_id, ''), coalesce(device_id, ''), coalesce(name, ''),
       to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
       coalesce(to_char(revoked_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), ''),
       coalesce(to_char(expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), ''),
       expires_at IS NOT NULL AND expires_at <= now()
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

// The audit trail for admins, oldest first. $1 action, $2 action prefix, $3 actor, $4 token id, $5 from,
// $6 to (on `at`), $7 after id, $8 limit; NULL filters match everything.
inline constexpr const char* kListAudit = R"SQL(
SELECT id, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), token_id, role, actor, address,
       action, target, detail::text
FROM audit_events
WHERE ($1::text IS NULL OR action = $1) AND ($2::text IS NULL OR starts_with(action, $2))
  AND ($3::text IS NULL OR actor = $3) AND ($4::bigint IS NULL OR token_id = $4)
  AND ($5::timestamptz IS NULL OR at >= $5) AND ($6::timestamptz IS NULL OR at < $6)
  AND id > $7
ORDER BY id
LIMIT $8
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
// Per device: crossings in the last hour, and training records (simulate) among them, counted apart.
inline constexpr const char* kCrossingsLastHourByDevice = R"SQL(
SELECT device_id, count(*) FILTER (WHERE NOT synthetic), count(*) FILTER (WHERE synthetic)
FROM (SELECT device_id, ('synthetic' = ANY (flags) OR coalesce(record -> 'flags' ? 'synthetic', false)) AS synthetic
      FROM crossings WHERE occurred_at > now() - interval '1 hour') c
GROUP BY device_id
)SQL";
// Crossings per checkpoint and lane in the last 15 minutes: the lane's recent processing rate (training
// records left out).
inline constexpr const char* kCrossingsByLane = R"SQL(
SELECT checkpoint_id, coalesce(lane, ''), count(*) FROM crossings
WHERE occurred_at > now() - interval '15 minutes'
  AND NOT ('synthetic' = ANY (flags) OR coalesce(record -> 'flags' ? 'synthetic', false))
GROUP BY 1, 2
)SQL";

// --- dashboard sessions ------------------------------------------------------------------------------
inline constexpr const char* kCreateSession = R"SQL(
INSERT INTO dashboard_sessions (secret_hash, token_id, address, expires_at)
VALUES ($1, $2, $3, least(now() + make_interval(secs => $4), (SELECT expires_at FROM api_tokens WHERE id = $2)))
RETURNING to_char(expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
)SQL";
inline constexpr const char* kFindSession = R"SQL(
SELECT t.id, t.role, coalesce(t.checkpoint_id, ''), coalesce(t.device_id, ''), coalesce(t.name, ''),
       to_char(s.expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
FROM dashboard_sessions s JOIN api_tokens t ON t.id = s.token_id
WHERE s.secret_hash = $1 AND s.ended_at IS NULL AND s.expires_at > now() AND t.revoked_at IS NULL
  AND (t.expires_at IS NULL OR t.expires_at > now())
)SQL";
inline constexpr const char* kEndSession = R"SQL(
UPDATE dashboard_sessions SET ended_at = now() WHERE secret_hash = $1 AND ended_at IS NULL
)SQL";
// What the fleet view shows of the officers' side: open anomalies and unacknowledged watchlist alerts per
// device, training records left out.
inline constexpr const char* kOpenAnomaliesByDevice = R"SQL(
SELECT device_id, count(*) FROM anomalies WHERE state = 'open' AND NOT synthetic GROUP BY device_id
)SQL";
inline constexpr const char* kOpenAlertsByDevice = R"SQL(
SELECT device_id, count(*) FROM alerts WHERE acknowledged_at IS NULL AND NOT synthetic GROUP BY device_id
)SQL";

inline constexpr const char* kPruneSessions = R"SQL(
DELETE FROM dashboard_sessions WHERE expires_at < now() - interval '7 days'
)SQL";

// --- Officers: the analyser, anomalies, the traveller view, the watchlist, alerts, reports ---------------
// A crossing is synthetic (training) or back-captured when the device's flags (record->'flags') or the
// server's (crossings.flags) say so; both are read, so that either may carry it.

inline constexpr const char* kAnalysisTryLock = "SELECT pg_try_advisory_xact_lock(7368201956)";
inline constexpr const char* kAnalysisLock = "SELECT pg_advisory_xact_lock(7368201956)";
inline constexpr const char* kAnalysisWatermark = "SELECT watermark FROM analysis_state";

// A crossing not judged yet, as the analyser reads it (officer_store.cpp pending_from): the columns of
// kPendingAbove, kPendingOfDocument and kPendingBelow.
#define BORDERLOG_PENDING_SELECT                                                                       \
    "SELECT c.ingest_no, c.id::text, c.checkpoint_id, c.device_id, c.direction, "                      \
    "to_char(c.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), "                 \
    "c.issuing_country, c.document_number, coalesce(c.document_type, ''), c.nationality, c.surname, "  \
    "coalesce(c.given_names, ''), to_char(c.birth_date, 'YYYY-MM-DD'), c.sex, "                        \
    "coalesce(to_char(c.expiry_date, 'YYYY-MM-DD'), ''), c.recorded_offline, "                         \
    "(to_jsonb(c.flags) || CASE WHEN jsonb_typeof(c.record -> 'flags') = 'array' "                     \
    "THEN c.record -> 'flags' ELSE '[]'::jsonb END)::text, "                                           \
    "coalesce((c.record ->> 'watchlist_version')::bigint, 0) "                                         \
    "FROM crossings c"

// $1: a JSON array of [issuing_country, document_number]. Locks each document for the transaction, in
// one order (so that two lockers never wait on each other), in the two-key space of advisory locks
// (class 736820 "a document being judged"), apart from the analyser's one-key lock. Taken by the
// analyser's batches for every document in them and by a traveller lookup for its own: a crossing is
// judged by one of them at a time, and whoever comes second sees it judged (analysis_done).
inline constexpr const char* kLockDocuments = R"SQL(
SELECT pg_advisory_xact_lock(736820, k.key)
FROM (SELECT DISTINCT hashtext((d ->> 0) || '/' || (d ->> 1)) AS key
      FROM jsonb_array_elements($1::jsonb) d ORDER BY 1) k
)SQL";

// The newest crossing the analyser judged itself (a lookup's numbers are left out: crossings of other
// documents below them may still wait): crossings above it it has not taken yet. $1: the watermark.
inline constexpr const char* kAnalysedTop =
    "SELECT coalesce(max(ingest_no), $1) FROM analysis_done WHERE NOT by_lookup";

// $1: the newest judged by the analyser, $2: at most this many. Crossings received since that neither it
// nor a lookup judged, oldest first.
inline constexpr const char* kPendingAbove = BORDERLOG_PENDING_SELECT R"SQL(
WHERE c.ingest_no > $1
  AND NOT EXISTS (SELECT 1 FROM analysis_done d WHERE d.ingest_no = c.ingest_no)
ORDER BY c.ingest_no
LIMIT $2
)SQL";

// $1: issuing country, $2: document number, $3: at most this many. The crossings of one document not
// judged yet (the same columns as kPendingAbove), oldest first, for a traveller lookup; on
// crossings_document_idx. The watermark is read in the same statement as analysis_done, so that an
// analyser's batch that moves it and forgets the numbers below cannot show a judged crossing as pending.
inline constexpr const char* kPendingOfDocument = BORDERLOG_PENDING_SELECT R"SQL(
WHERE c.document_number = $2 AND c.issuing_country = $1
  AND c.ingest_no > (SELECT watermark FROM analysis_state)
  AND NOT EXISTS (SELECT 1 FROM analysis_done d WHERE d.ingest_no = c.ingest_no)
ORDER BY c.ingest_no
LIMIT $3
)SQL";

// $1: a JSON array of ingest numbers. Those already judged (after the batch that took them locked their
// documents: a lookup may have judged them meanwhile).
inline constexpr const char* kJudgedAmong = R"SQL(
SELECT ingest_no FROM analysis_done WHERE ingest_no IN (SELECT (jsonb_array_elements_text($1::jsonb))::bigint)
)SQL";

// $1: the watermark, $2: the newest judged, $3: at most this many. Crossings numbered between them that
// were not judged: they committed after higher numbers had been (the same columns as kPendingAbove).
inline constexpr const char* kPendingBelow = BORDERLOG_PENDING_SELECT R"SQL(
WHERE c.ingest_no > $1 AND c.ingest_no < $2
  AND NOT EXISTS (SELECT 1 FROM analysis_done d WHERE d.ingest_no = c.ingest_no)
ORDER BY c.ingest_no
LIMIT $3
)SQL";

// $1: a JSON array of [issuing_country, document_number]. Their crossings in time order.
inline constexpr const char* kTimelines = R"SQL(
SELECT c.ingest_no, c.id::text, c.checkpoint_id, c.device_id, c.direction,
       to_char(c.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
       c.issuing_country, c.document_number, c.nationality,
       ('synthetic' = ANY (c.flags) OR coalesce(c.record -> 'flags' ? 'synthetic', false))
FROM crossings c
JOIN (SELECT DISTINCT d ->> 0 AS country, d ->> 1 AS number FROM jsonb_array_elements($1::jsonb) d) t
  ON c.issuing_country = t.country AND c.document_number = t.number
ORDER BY c.issuing_country, c.document_number, c.occurred_at, c.ingest_no
)SQL";

inline constexpr const char* kTimelineFindings = R"SQL(
SELECT a.id, a.crossing_id::text, a.kind, a.state
FROM anomalies a
JOIN (SELECT DISTINCT d ->> 0 AS country, d ->> 1 AS number FROM jsonb_array_elements($1::jsonb) d) t
  ON a.issuing_country = t.country AND a.document_number = t.number
WHERE a.kind IN ('exit_without_entry', 'entry_while_in_country', 'overstay_at_exit')
)SQL";

inline constexpr const char* kCentralHistory = R"SQL(
SELECT offline, to_char(changed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
FROM central_state_history ORDER BY changed_at, id
)SQL";

// $1: document keys, $2: person keys (JSON arrays). Current entries that may match; confirmed in C++.
inline constexpr const char* kWatchlistCandidates = R"SQL(
SELECT entry_id, added_version, coalesce(document_number, ''), coalesce(issuing_country, ''),
       coalesce(surname, ''), coalesce(given_names, ''), coalesce(to_char(birth_date, 'YYYY-MM-DD'), ''),
       reason, action
FROM watchlist_entries
WHERE removed_version IS NULL
  AND (document_key IN (SELECT jsonb_array_elements_text($1::jsonb))
       OR person_keys && ARRAY(SELECT jsonb_array_elements_text($2::jsonb)))
)SQL";

// $1: a JSON array of anomalies. New ones are stored open; resolved ones reopen; open ones take the
// new detail.
inline constexpr const char* kUpsertAnomalies = R"SQL(
INSERT INTO anomalies (kind, crossing_id, checkpoint_id, device_id, direction, occurred_at, issuing_country,
                       document_number, synthetic, detail)
SELECT r.kind, r.crossing_id, r.checkpoint_id, r.device_id, r.direction, r.occurred_at, r.issuing_country,
       r.document_number, r.synthetic, r.detail
FROM jsonb_to_recordset($1::jsonb) AS r(kind text, crossing_id uuid, checkpoint_id text, device_id text,
       direction text, occurred_at timestamptz, issuing_country text, document_number text, synthetic boolean,
       detail jsonb)
ON CONFLICT (crossing_id, kind) DO UPDATE SET state = 'open', resolved_at = NULL, detail = EXCLUDED.detail
WHERE anomalies.state <> 'open' OR anomalies.detail <> EXCLUDED.detail
)SQL";

inline constexpr const char* kResolveAnomalies = R"SQL(
UPDATE anomalies SET state = 'resolved', resolved_at = now()
WHERE state = 'open' AND id IN (SELECT (jsonb_array_elements_text($1::jsonb))::bigint)
)SQL";

inline constexpr const char* kInsertAlerts = R"SQL(
INSERT INTO alerts (crossing_id, entry_id, entry_version, matched_by, action, reason, late, record_watchlist_version,
                    checkpoint_id, device_id, direction, occurred_at, issuing_country, document_number, synthetic)
SELECT r.crossing_id, r.entry_id, r.entry_version, r.matched_by, r.action, r.reason, r.late,
       nullif(r.record_watchlist_version, 0), r.checkpoint_id, r.device_id, r.direction, r.occurred_at,
       r.issuing_country, r.document_number, r.synthetic
FROM jsonb_to_recordset($1::jsonb) AS r(crossing_id uuid, entry_id text, entry_version bigint, matched_by text,
       action text, reason text, late boolean, record_watchlist_version bigint, checkpoint_id text, device_id text,
       direction text, occurred_at timestamptz, issuing_country text, document_number text, synthetic boolean)
ON CONFLICT (crossing_id, entry_id) DO NOTHING
)SQL";

// $1: a JSON array of ingest numbers; $2: judged by a traveller lookup (true) or the analyser (false).
inline constexpr const char* kMarkAnalysed = R"SQL(
INSERT INTO analysis_done (ingest_no, received_at, by_lookup)
SELECT ingest_no, received_at, $2::boolean FROM crossings
WHERE ingest_no IN (SELECT (jsonb_array_elements_text($1::jsonb))::bigint)
ON CONFLICT DO NOTHING
)SQL";

// $1: the settle time in seconds; $2: a bound (the last number of a full batch) or NULL. The watermark
// moves to the newest judged number whose transaction began more than $1 ago (every number below it
// belongs to a finished transaction by then), never past $2, never back. Run only after a sweep found
// every crossing below the newest judged one judged. A lookup's numbers count too: the batch took every
// crossing above the analyser's newest that no lookup had judged (up to $2 when it was full), so below
// that newest-of-all nothing is left unjudged either.
inline constexpr const char* kAdvanceWatermark = R"SQL(
WITH settled AS (
    SELECT max(ingest_no) AS m FROM analysis_done WHERE received_at < now() - make_interval(secs => $1::double precision)
)
UPDATE analysis_state SET analysed_at = now(),
    watermark = CASE WHEN settled.m IS NULL THEN watermark
                     ELSE greatest(watermark, least(settled.m, coalesce($2::bigint, settled.m))) END
FROM settled
RETURNING watermark
)SQL";

inline constexpr const char* kForgetAnalysed = "DELETE FROM analysis_done WHERE ingest_no <= $1";

// $3: include synthetic records. The newest 10,000, newest first.
inline constexpr const char* kTravelerCrossings = R"SQL(
SELECT (record || jsonb_build_object('received_at',
            to_char(received_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')))::text
FROM crossings c
WHERE issuing_country = $1 AND document_number = $2
  AND ($3::boolean OR NOT ('synthetic' = ANY (c.flags) OR coalesce(c.record -> 'flags' ? 'synthetic', false)))
ORDER BY occurred_at DESC, ingest_no DESC
LIMIT 10000
)SQL";

inline constexpr const char* kTravelerAnomalies = R"SQL(
SELECT id, kind, state, crossing_id::text, checkpoint_id, device_id, direction,
       to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), issuing_country, document_number,
       synthetic, to_char(detected_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
       coalesce(to_char(resolved_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), ''), detail::text
FROM anomalies
WHERE issuing_country = $1 AND document_number = $2 AND state = 'open' AND ($3::boolean OR NOT synthetic)
ORDER BY occurred_at, id
)SQL";

// $1 kind, $2 checkpoint, $3 device, $4 from, $5 to, $6 state (open|resolved|all),
// $7 synthetic (exclude|include|only), $8 after id, $9 limit.
inline constexpr const char* kListAnomalies = R"SQL(
SELECT id, kind, state, crossing_id::text, checkpoint_id, device_id, direction,
       to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), issuing_country, document_number,
       synthetic, to_char(detected_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
       coalesce(to_char(resolved_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), ''), detail::text
FROM anomalies
WHERE ($1::text IS NULL OR kind = $1) AND ($2::text IS NULL OR checkpoint_id = $2)
  AND ($3::text IS NULL OR device_id = $3)
  AND ($4::timestamptz IS NULL OR occurred_at >= $4) AND ($5::timestamptz IS NULL OR occurred_at < $5)
  AND ($6::text = 'all' OR state = $6)
  AND ($7::text = 'include' OR synthetic = ($7::text = 'only'))
  AND id > $8
ORDER BY id
LIMIT $9
)SQL";

// The same filters as kListAnomalies but the cursor: counts per checkpoint and kind.
inline constexpr const char* kCountAnomalies = R"SQL(
SELECT checkpoint_id, kind, count(*)
FROM anomalies
WHERE ($1::text IS NULL OR kind = $1) AND ($2::text IS NULL OR checkpoint_id = $2)
  AND ($3::text IS NULL OR device_id = $3)
  AND ($4::timestamptz IS NULL OR occurred_at >= $4) AND ($5::timestamptz IS NULL OR occurred_at < $5)
  AND ($6::text = 'all' OR state = $6)
  AND ($7::text = 'include' OR synthetic = ($7::text = 'only'))
GROUP BY checkpoint_id, kind
ORDER BY checkpoint_id, kind
)SQL";

// $1 checkpoint, $2 state (open|acknowledged|all), $3 late (NULL: both), $4 synthetic, $5 from, $6 to,
// $7 after id, $8 limit; $9 one alert's id, or NULL.
inline constexpr const char* kListAlerts = R"SQL(
SELECT a.id, a.crossing_id::text, a.entry_id, a.entry_version, a.matched_by, a.action, a.reason, a.late,
       coalesce(a.record_watchlist_version, 0), a.checkpoint_id, a.device_id, a.direction,
       to_char(a.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), a.issuing_country,
       a.document_number, a.synthetic, to_char(a.raised_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
       coalesce(to_char(a.acknowledged_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), ''),
       coalesce(a.acknowledged_by, ''), coalesce(a.note, ''),
       coalesce(c.document_type, ''), coalesce(c.nationality, ''), coalesce(c.surname, ''),
       coalesce(c.given_names, ''), coalesce(to_char(c.birth_date, 'YYYY-MM-DD'), ''), coalesce(c.sex, '')
FROM alerts a
LEFT JOIN crossings c ON c.id = a.crossing_id  -- the alert keeps the crossing's time to the ms: one month's partition
                     AND c.occurred_at >= a.occurred_at AND c.occurred_at < a.occurred_at + interval '1 millisecond'
WHERE ($9::bigint IS NULL OR a.id = $9)
  AND ($1::text IS NULL OR a.checkpoint_id = $1)
  AND ($2::text = 'all' OR (a.acknowledged_at IS NULL) = ($2::text = 'open'))
  AND ($3::boolean IS NULL OR a.late = $3)
  AND ($4::text = 'include' OR a.synthetic = ($4::text = 'only'))
  AND ($5::timestamptz IS NULL OR a.occurred_at >= $5) AND ($6::timestamptz IS NULL OR a.occurred_at < $6)
  AND a.id > $7
ORDER BY a.id
LIMIT $8
)SQL";

inline constexpr const char* kAcknowledgeAlert = R"SQL(
UPDATE alerts SET acknowledged_at = now(), acknowledged_by = $2, note = $3 WHERE id = $1 AND acknowledged_at IS NULL
)SQL";

inline constexpr const char* kWatchlistLock = "SELECT pg_advisory_xact_lock(7368201957)";
inline constexpr const char* kWatchlistVersion = "SELECT coalesce(max(version), 0) FROM watchlist_versions";
inline constexpr const char* kWatchlistCurrentIds =
    "SELECT entry_id FROM watchlist_entries WHERE removed_version IS NULL";
inline constexpr const char* kInsertWatchlistVersion = R"SQL(
INSERT INTO watchlist_versions (version, loaded_by, entries, added, removed) VALUES ($1, $2, $3, $4, $5)
)SQL";
// $1: the new version, $2: a JSON array of entry ids.
inline constexpr const char* kRemoveWatchlistEntries = R"SQL(
UPDATE watchlist_entries SET removed_version = $1
WHERE removed_version IS NULL AND entry_id IN (SELECT jsonb_array_elements_text($2::jsonb))
)SQL";
// $1: the new version, $2: a JSON array of entries with their keys.
inline constexpr const char* kAddWatchlistEntries = R"SQL(
INSERT INTO watchlist_entries (entry_id, added_version, document_number, issuing_country, surname, given_names,
                               birth_date, reason, action, document_key, person_keys)
SELECT r.entry_id, $1, nullif(r.document_number, ''), nullif(r.issuing_country, ''), nullif(r.surname, ''),
       nullif(r.given_names, ''), nullif(r.birth_date, '')::date, r.reason, r.action, nullif(r.document_key, ''),
       ARRAY(SELECT jsonb_array_elements_text(r.person_keys))
FROM jsonb_to_recordset($2::jsonb) AS r(entry_id text, document_number text, issuing_country text, surname text,
       given_names text, birth_date text, reason text, action text, document_key text, person_keys jsonb)
)SQL";

// $1: since. The current entries added after it (all current entries when $1 is 0).
inline constexpr const char* kWatchlistAddedSince = R"SQL(
SELECT entry_id, added_version, coalesce(document_number, ''), coalesce(issuing_country, ''),
       coalesce(surname, ''), coalesce(given_names, ''), coalesce(to_char(birth_date, 'YYYY-MM-DD'), ''),
       reason, action
FROM watchlist_entries
WHERE removed_version IS NULL AND added_version > $1
ORDER BY added_version, entry_id
)SQL";

// $1: since. Entries a copy at that version holds that have been removed since.
inline constexpr const char* kWatchlistRemovedSince = R"SQL(
SELECT DISTINCT entry_id FROM watchlist_entries
WHERE added_version <= $1 AND removed_version > $1
ORDER BY entry_id
)SQL";

// $1: the day (YYYY-MM-DD, UTC); $2: synthetic records (exclude|include|only).
inline constexpr const char* kDailyCounts = R"SQL(
SELECT checkpoint_id, direction, nationality, count(*), count(*) FILTER (WHERE back_captured)
FROM (SELECT checkpoint_id, direction, nationality,
             ('back_captured' = ANY (flags) OR coalesce(record -> 'flags' ? 'back_captured', false)) AS back_captured,
             ('synthetic' = ANY (flags) OR coalesce(record -> 'flags' ? 'synthetic', false)) AS synthetic
      FROM crossings
      WHERE occurred_at >= ($1::date)::timestamp AT TIME ZONE 'UTC'
        AND occurred_at < ($1::date + 1)::timestamp AT TIME ZONE 'UTC') c
WHERE $2::text = 'include' OR synthetic = ($2::text = 'only')
GROUP BY checkpoint_id, direction, nationality
ORDER BY checkpoint_id, direction, nationality
)SQL";

// --- Drills (trainers) -----------------------------------------------------------------------------------
// A drill's columns as the storage reads them; its state follows from its stored times alone (running
// until the first of ends_at and stopped_at), so that every instance, restarted or not, agrees.
#define BORDERLOG_DRILL_COLUMNS                                                                              \
    "id::text, name, steps::text, telemetry, scope_all, array_to_json(scope_checkpoints)::text, "           \
    "array_to_json(scope_devices)::text, coalesce(created_by, ''), "                                        \
    "to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), "                          \
    "to_char(ends_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), "                             \
    "coalesce(to_char(stopped_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), ''), "            \
    "coalesce(stopped_by, ''), "                                                                            \
    "CASE WHEN stopped_at IS NOT NULL THEN 'stopped' WHEN ends_at <= now() THEN 'finished' ELSE 'running' END"

// Held while a drill starts, so that two trainers starting overlapping drills at once cannot both win.
inline constexpr const char* kDrillLock = "SELECT pg_advisory_xact_lock(7368201958)";
inline constexpr const char* kRunningDrills =
    "SELECT " BORDERLOG_DRILL_COLUMNS " FROM drills WHERE stopped_at IS NULL AND ends_at > now() ORDER BY started_at";
// Which checkpoint each device belongs to: its heartbeats first, else its tokens.
inline constexpr const char* kDeviceCheckpoints = R"SQL(
SELECT DISTINCT ON (device_id) device_id, checkpoint_id
FROM (SELECT device_id, checkpoint_id, 0 AS pref FROM devices
      UNION ALL
      SELECT device_id, checkpoint_id, 1 FROM api_tokens WHERE role = 'device' AND device_id IS NOT NULL) d
ORDER BY device_id, pref
)SQL";
// $1 id, $2 name, $3 steps (JSON), $4 telemetry, $5 scope_all, $6 checkpoints (JSON array), $7 devices
// (JSON array), $8 created_by, $9 the length in milliseconds. Starts now.
inline constexpr const char* kInsertDrill =
    "INSERT INTO drills (id, name, steps, telemetry, scope_all, scope_checkpoints, scope_devices, created_by, "
    "                    started_at, ends_at) "
    "VALUES ($1::uuid, $2, $3::jsonb, $4, $5, ARRAY(SELECT jsonb_array_elements_text($6::jsonb)), "
    "        ARRAY(SELECT jsonb_array_elements_text($7::jsonb)), $8, now(), now() + make_interval(secs => $9 / 1000.0)) "
    "RETURNING " BORDERLOG_DRILL_COLUMNS;
inline constexpr const char* kFindDrill = "SELECT " BORDERLOG_DRILL_COLUMNS " FROM drills WHERE id = $1::uuid";
// $1 state (running | finished | stopped | all), $2 at most this many; newest first.
inline constexpr const char* kListDrills =
    "SELECT * FROM (SELECT " BORDERLOG_DRILL_COLUMNS " AS state_, started_at AS started_ FROM drills) d "
    "WHERE $1::text = 'all' OR state_ = $1 ORDER BY started_ DESC, id DESC LIMIT $2";
// Running drills, and those that ended less than $1 seconds ago (their drain is still watched).
inline constexpr const char* kCurrentDrills =
    "SELECT " BORDERLOG_DRILL_COLUMNS " FROM drills "
    "WHERE coalesce(stopped_at, ends_at) > now() - make_interval(secs => $1) ORDER BY started_at";
// $1 id, $2 by. Only a running drill stops; returns its id when it did.
inline constexpr const char* kStopDrill = R"SQL(
UPDATE drills SET stopped_at = now(), stopped_by = $2
WHERE id = $1::uuid AND stopped_at IS NULL AND ends_at > now()
RETURNING id::text
)SQL";
// Drills that ended and whose end is not yet noted: each is noted by one instance only.
inline constexpr const char* kNoteDrillsEnded = R"SQL(
UPDATE drills SET end_noted = true
WHERE NOT end_noted AND coalesce(stopped_at, ends_at) <= now()
RETURNING id::text, name, stopped_at IS NOT NULL,
          to_char(coalesce(stopped_at, ends_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
)SQL";
// $1 drill, $2 device, $3 at, $4 checkpoint, $5 pending, $6 rejected, $7 last_seq, $8 stream, $9 latency (JSON).
inline constexpr const char* kSaveDrillSample = R"SQL(
INSERT INTO drill_samples (drill_id, device_id, at, checkpoint_id, pending, rejected, last_seq, stream_id, record_latency)
VALUES ($1::uuid, $2, $3::timestamptz, $4, $5, $6, $7, $8, $9::jsonb)
ON CONFLICT (drill_id, device_id, at) DO NOTHING
)SQL";
// $1 drill, $2 device, $3 what, $4 how many more.
inline constexpr const char* kAddDrillCount = R"SQL(
INSERT INTO drill_counts AS c (drill_id, device_id, what, count) VALUES ($1::uuid, $2, $3, $4)
ON CONFLICT (drill_id, device_id, what) DO UPDATE SET count = c.count + EXCLUDED.count
)SQL";

// The report. $1 devices (JSON array), $2 the drill's start, $3 its restore (the end of its faults; now
// while it runs). Per device: records made during it (not back-captured), of them synthetic, the
// back-captured ones, and rows that repeat another row's content (device, direction, time, document)
// under another id, since the start.
inline constexpr const char* kDrillRecordCounts = R"SQL(
SELECT device_id,
       count(*) FILTER (WHERE occurred_at < $3::timestamptz AND NOT back_captured),
       count(*) FILTER (WHERE occurred_at < $3::timestamptz AND NOT back_captured AND synthetic),
       count(*) FILTER (WHERE occurred_at < $3::timestamptz AND back_captured),
       count(*) - count(DISTINCT (direction, occurred_at, issuing_country, document_number))
FROM (SELECT device_id, direction, occurred_at, issuing_country, document_number,
             ('back_captured' = ANY (flags) OR coalesce(record -> 'flags' ? 'back_captured', false)) AS back_captured,
             ('synthetic' = ANY (flags) OR coalesce(record -> 'flags' ? 'synthetic', false)) AS synthetic
      FROM crossings
      WHERE device_id IN (SELECT jsonb_array_elements_text($1::jsonb)) AND occurred_at >= $2::timestamptz) c
GROUP BY device_id
)SQL";
// Refused records of the devices received since $2: all, and those still in the quarantine.
inline constexpr const char* kDrillRejected = R"SQL(
SELECT device_id, count(*), count(*) FILTER (WHERE released_at IS NULL)
FROM rejected_records
WHERE device_id IN (SELECT jsonb_array_elements_text($1::jsonb)) AND received_at >= $2::timestamptz
GROUP BY device_id
)SQL";
inline constexpr const char* kDrillSamples = R"SQL(
SELECT device_id, (extract(epoch FROM at) * 1000)::bigint, pending, rejected, last_seq, coalesce(stream_id, ''),
       record_latency::text
FROM drill_samples WHERE drill_id = $1::uuid ORDER BY device_id, at
)SQL";
inline constexpr const char* kDrillCounts = "SELECT device_id, what, count FROM drill_counts WHERE drill_id = $1::uuid";
// $1 device, $2 the drill's start: the streams it used since.
inline constexpr const char* kDrillStreams = R"SQL(
SELECT DISTINCT stream_id FROM crossings
WHERE device_id = $1 AND (occurred_at >= $2::timestamptz OR received_at >= $2::timestamptz) ORDER BY 1
)SQL";
// $1 device, $2 stream, $3 seq: how many of seqs 1..$3 are accounted for (stored, or refused and kept
// in the quarantine: reconcile's rule), and when the last of them made before $4 arrived.
inline constexpr const char* kDrillArrived = R"SQL(
SELECT (SELECT count(*) FROM (SELECT seq FROM crossings WHERE device_id = $1 AND stream_id = $2 AND seq BETWEEN 1 AND $3
                              UNION
                              SELECT seq FROM rejected_records
                              WHERE device_id = $1 AND stream_id = $2 AND released_at IS NULL AND seq BETWEEN 1 AND $3) s),
       (SELECT (extract(epoch FROM max(received_at)) * 1000)::bigint FROM crossings
        WHERE device_id = $1 AND stream_id = $2 AND seq BETWEEN 1 AND $3 AND occurred_at < $4::timestamptz)
)SQL";
// $1 device, $2 the drill's start, $3 its restore, $4 at most this many: when each record made before the
// restore and received after the start was made and when it arrived (milliseconds): the backlog over time.
inline constexpr const char* kDrillBacklogRecords = R"SQL(
SELECT (extract(epoch FROM occurred_at) * 1000)::bigint, (extract(epoch FROM received_at) * 1000)::bigint
FROM crossings
WHERE device_id = $1 AND occurred_at >= $2::timestamptz - interval '1 hour' AND occurred_at < $3::timestamptz
  AND received_at > $2::timestamptz
  AND NOT ('back_captured' = ANY (flags) OR coalesce(record -> 'flags' ? 'back_captured', false))
ORDER BY occurred_at LIMIT $4
)SQL";

#undef BORDERLOG_DRILL_COLUMNS
#undef BORDERLOG_PENDING_SELECT

inline constexpr const char* kPing = "SELECT 1";

// Migrations.
inline constexpr const char* kMigrationLock = "SELECT pg_advisory_lock(7368201955)";
inline constexpr const char* kMigrationUnlock = "SELECT pg_advisory_unlock(7368201955)";
// A login that holds only borderlog_server may not create tables, not even "IF NOT EXISTS": ask first.
inline constexpr const char* kMigrationsTableExists = "SELECT to_regclass('schema_migrations') IS NOT NULL";
inline constexpr const char* kCreateMigrationsTable = R"SQL(
CREATE TABLE IF NOT EXISTS schema_migrations (
    version    integer     PRIMARY KEY,
    name       text        NOT NULL,
    checksum   text        NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
)
)SQL";
// After migrations were applied: the database roles' grants cover every table (0011's function).
inline constexpr const char* kGrantRoles = R"SQL(
DO $$ BEGIN IF to_regproc('borderlog_grant_roles') IS NOT NULL THEN PERFORM borderlog_grant_roles(); END IF; END $$
)SQL";
inline constexpr const char* kAppliedMigrations = "SELECT version, name, checksum FROM schema_migrations ORDER BY version";
inline constexpr const char* kRecordMigration =
    "INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)";

// --- verify: the stored hash chains (ChainStore) -----------------------------------------------------
// One walk of every row may take longer than the statement timeout of the server's connections.
inline constexpr const char* kVerifyNoTimeout = "SET LOCAL statement_timeout = 0";

// $1: a device or NULL. Seqs held in quarantine: refused, never stored.
inline constexpr const char* kChainQuarantined = R"SQL(
SELECT device_id, stream_id, seq FROM rejected_records
WHERE seq IS NOT NULL AND ($1::text IS NULL OR device_id = $1)
)SQL";

// The months retention exported and dropped: their partition is gone.
inline constexpr const char* kChainDroppedMonths = R"SQL(
SELECT to_char(month, 'YYYY-MM') FROM crossing_exports
WHERE to_regclass(crossings_partition_name(date_trunc('month', month)::date)) IS NULL
ORDER BY month
)SQL";

// $1: a device or NULL. Keys whose row is gone (deleted with the key triggers set aside). seq 0: a key of
// crossing_ids with none in crossing_seqs.
inline constexpr const char* kChainOrphanKeys = R"SQL(
SELECT k.id::text, k.device_id, coalesce(s.stream_id, ''), coalesce(s.seq, 0)
FROM crossing_ids k
LEFT JOIN crossing_seqs s ON s.id = k.id
WHERE ($1::text IS NULL OR k.device_id = $1)
  AND NOT EXISTS (SELECT 1 FROM crossings c WHERE c.id = k.id AND c.occurred_at = k.occurred_at)
UNION
SELECT s.id::text, s.device_id, s.stream_id, s.seq
FROM crossing_seqs s
WHERE ($1::text IS NULL OR s.device_id = $1)
  AND NOT EXISTS (SELECT 1 FROM crossings c WHERE c.id = s.id AND c.device_id = s.device_id
                                              AND c.stream_id = s.stream_id AND c.seq = s.seq)
)SQL";

// $1: a device or NULL. Reconcile's memory: every seq up to scanned_to was once accounted for.
inline constexpr const char* kChainProgress = R"SQL(
SELECT device_id, stream_id, scanned_to FROM stream_progress WHERE ($1::text IS NULL OR device_id = $1)
)SQL";

// $1: a device or NULL. Every stored crossing in chain order, through a cursor read in pages: the
// columns of the record (as core/record_hash.hpp covers them), the JSON record and the chain columns.
inline constexpr const char* kChainCursor = R"SQL(
DECLARE chain_rows NO SCROLL CURSOR FOR
SELECT c.id::text, c.device_id, c.stream_id, c.seq, c.checkpoint_id, c.lane, c.direction,
       to_char(c.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), c.officer_id,
       c.document_type, c.document_number, c.issuing_country, c.nationality, c.surname, c.given_names,
       to_char(c.birth_date, 'YYYY-MM-DD'), c.sex, to_char(c.expiry_date, 'YYYY-MM-DD'),
       c.record ? 'mrz', c.record ->> 'mrz', c.transport_mode, c.vehicle_plate, c.recorded_offline,
       array_to_string(c.flags, ','), c.paper_ref, c.record ->> 'watchlist_version', c.record::text,
       c.record_hash, c.prev_hash
FROM crossings c
WHERE $1::text IS NULL OR c.device_id = $1
ORDER BY c.device_id, c.stream_id, c.seq
)SQL";
inline constexpr const char* kChainFetch = "FETCH FORWARD 2000 FROM chain_rows";

}  // namespace borderlog::server::sql
