-- Growth: crossings partitioned by month of occurred_at, exactly-once kept by two narrow key tables,
-- and reconcile made incremental. Every existing row is kept (copied into its month's partition).
--
-- Why key tables: a unique constraint of a partitioned table must include the partition key, so
-- neither the record id nor (device_id, stream_id, seq) could stay unique across months on crossings
-- itself. crossing_ids (by id) and crossing_seqs (by device, stream and seq) hold them globally, and each
-- is distributable under Citus by a column its key includes (docs/citus.md). The server inserts into
-- the key tables first, in the statement that stores the rows; triggers keep them true when rows are
-- deleted or their keys changed by hand (an operator repairing data, a test simulating a loss).

-- 1. The old table steps aside; its rows are copied below.
ALTER TABLE crossings RENAME TO crossings_before_0008;
ALTER TABLE crossings_before_0008 RENAME CONSTRAINT crossings_pkey TO crossings_before_0008_pkey;
ALTER TABLE crossings_before_0008 RENAME CONSTRAINT crossings_device_stream_seq_key TO crossings_before_0008_seq_key;
ALTER INDEX crossings_ingest_no_key RENAME TO crossings_before_0008_ingest_no_key;
ALTER INDEX crossings_document_idx RENAME TO crossings_before_0008_document_idx;
ALTER INDEX crossings_checkpoint_time_idx RENAME TO crossings_before_0008_checkpoint_time_idx;
ALTER INDEX crossings_occurred_at_idx RENAME TO crossings_before_0008_occurred_at_idx;

-- 2. The partitioned table: the same columns in the same order (those of the contract, and any a
-- migration before this one added), the same defaults, checks and the ingest_no identity.
ALTER SEQUENCE crossings_ingest_no_seq RENAME TO crossings_before_0008_ingest_no_seq;
CREATE TABLE crossings (LIKE crossings_before_0008 INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING IDENTITY
                        INCLUDING GENERATED INCLUDING STORAGE INCLUDING COMMENTS)
    PARTITION BY RANGE (occurred_at);

-- Whatever falls outside the months made (a terminal's clock years off, a paper register from long
-- ago) waits here; making its month's partition moves it there.
CREATE TABLE crossings_default PARTITION OF crossings DEFAULT;

-- 3. The keys, one row per stored crossing. occurred_at says which partition holds the row.
CREATE TABLE crossing_ids (
    id          uuid        PRIMARY KEY,
    device_id   text        NOT NULL,
    occurred_at timestamptz NOT NULL
);
CREATE TABLE crossing_seqs (
    device_id text   NOT NULL,
    stream_id text   NOT NULL,
    seq       bigint NOT NULL,
    id        uuid   NOT NULL,
    PRIMARY KEY (device_id, stream_id, seq)
);

-- 4. Reconcile's memory, per stream: every seq up to scanned_to is accounted for (stored or
-- quarantined) unless `missing` names it. A reconcile re-checks only the missing ranges and the seqs
-- above scanned_to, so its cost follows the gaps and what arrived since, not the stream's history.
CREATE TABLE stream_progress (
    device_id  text           NOT NULL,
    stream_id  text           NOT NULL,
    scanned_to bigint         NOT NULL DEFAULT 0,
    missing    int8multirange NOT NULL DEFAULT '{}',
    updated_at timestamptz    NOT NULL DEFAULT now(),
    PRIMARY KEY (device_id, stream_id)
);

-- 5. Partitions, made ahead of time by the server (and here for the months the old table holds).
-- The name of the month's partition: crossings_pYYYYMM.
CREATE FUNCTION crossings_partition_name(month date) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT 'crossings_p' || to_char(month, 'YYYYMM')
$$;

-- Makes the partition of the month holding `month` unless it exists, moving into it the rows of that
-- month waiting in crossings_default. Returns its name when it made it, NULL when it was there.
CREATE FUNCTION crossings_make_partition(month date) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    first date := date_trunc('month', month)::date;
    name text := crossings_partition_name(date_trunc('month', month)::date);
    lo timestamptz := first::timestamp AT TIME ZONE 'UTC';
    hi timestamptz := (first + interval '1 month')::timestamp AT TIME ZONE 'UTC';
BEGIN
    IF to_regclass(name) IS NOT NULL THEN
        RETURN NULL;
    END IF;
    EXECUTE format('CREATE TABLE %I (LIKE crossings INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', name);
    -- Moving a row is not deleting it: the key triggers stand aside.
    PERFORM set_config('borderlog.moving_rows', 'on', true);
    EXECUTE format('WITH moved AS (DELETE FROM crossings_default WHERE occurred_at >= $1 AND occurred_at < $2 '
                   'RETURNING *) INSERT INTO %I SELECT * FROM moved', name) USING lo, hi;
    PERFORM set_config('borderlog.moving_rows', 'off', true);
    -- ATTACH (not CREATE ... PARTITION OF) takes the lighter lock on crossings: ingest goes on.
    EXECUTE format('ALTER TABLE crossings ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)', name, lo, hi);
    RETURN name;
END
$$;

-- Makes every month's partition from `first` to `last` (inclusive); returns the names it made.
CREATE FUNCTION crossings_make_partitions(first date, last date) RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE
    m date := date_trunc('month', first)::date;
    made text;
BEGIN
    WHILE m <= last LOOP
        made := crossings_make_partition(m);
        IF made IS NOT NULL THEN
            RETURN NEXT made;
        END IF;
        m := (m + interval '1 month')::date;
    END LOOP;
END
$$;

-- The monthly partitions with their bounds, oldest first.
CREATE VIEW crossing_partitions AS
SELECT c.relname::text AS name,
       to_date(substring(c.relname FROM 12 FOR 6), 'YYYYMM') AS month,
       (to_date(substring(c.relname FROM 12 FOR 6), 'YYYYMM')::timestamp AT TIME ZONE 'UTC') AS starts_at,
       ((to_date(substring(c.relname FROM 12 FOR 6), 'YYYYMM') + interval '1 month')::timestamp AT TIME ZONE 'UTC') AS ends_at
FROM pg_inherits i
JOIN pg_class c ON c.oid = i.inhrelid
WHERE i.inhparent = 'crossings'::regclass AND c.relname ~ '^crossings_p[0-9]{6}$'
ORDER BY 2;

-- Retention: drops the partition `name` with its keys, in one transaction. The server drops only
-- partitions that were exported first (crossing_exports), unless told otherwise.
CREATE FUNCTION crossings_drop_partition(name text) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    dropped bigint;
BEGIN
    IF name !~ '^crossings_p[0-9]{6}$' OR to_regclass(name) IS NULL THEN
        RAISE EXCEPTION 'no partition %', name USING ERRCODE = 'undefined_table';
    END IF;
    EXECUTE format('DELETE FROM crossing_ids k USING %I p WHERE k.id = p.id', name);
    GET DIAGNOSTICS dropped = ROW_COUNT;
    EXECUTE format('DELETE FROM crossing_seqs k USING %I p WHERE k.device_id = p.device_id '
                   'AND k.stream_id = p.stream_id AND k.seq = p.seq AND k.id = p.id', name);
    EXECUTE format('DROP TABLE %I', name);
    RETURN dropped;
END
$$;

-- What was exported of each month before retention may drop it.
CREATE TABLE crossing_exports (
    month       date        PRIMARY KEY,
    rows        bigint      NOT NULL,
    sha256      text        NOT NULL,
    exported_at timestamptz NOT NULL DEFAULT now(),
    exported_by text
);

-- 6. Every existing row, into its month.
SELECT count(*) FROM (
    SELECT crossings_make_partition(m::date)
    FROM (SELECT DISTINCT date_trunc('month', occurred_at AT TIME ZONE 'UTC') AS m FROM crossings_before_0008) months
) made;
SELECT count(*) FROM crossings_make_partitions((now() AT TIME ZONE 'UTC')::date - 31, (now() AT TIME ZONE 'UTC')::date + 93);

INSERT INTO crossings OVERRIDING SYSTEM VALUE SELECT * FROM crossings_before_0008;

INSERT INTO crossing_ids (id, device_id, occurred_at) SELECT id, device_id, occurred_at FROM crossings_before_0008;
INSERT INTO crossing_seqs (device_id, stream_id, seq, id) SELECT device_id, stream_id, seq, id FROM crossings_before_0008;

-- The cursor goes on from the last number given.
SELECT setval(pg_get_serial_sequence('crossings', 'ingest_no'),
              greatest((SELECT coalesce(max(ingest_no), 0) FROM crossings_before_0008),
                       (SELECT last_value FROM crossings_before_0008_ingest_no_seq)), true)
WHERE EXISTS (SELECT 1 FROM crossings_before_0008);

DROP TABLE crossings_before_0008;

-- 7. Indexes, made on every partition (and on those made later). Each serves a query of the server:
CREATE INDEX crossings_document_idx ON crossings (document_number, issuing_country, occurred_at);  -- traveller, timelines, listing by document
CREATE INDEX crossings_checkpoint_idx ON crossings (checkpoint_id, ingest_no);    -- listing by checkpoint
CREATE INDEX crossings_device_idx ON crossings (device_id, ingest_no);            -- listing by device
CREATE INDEX crossings_ingest_no_idx ON crossings (ingest_no);                    -- listing, analyser, fleet
CREATE INDEX crossings_id_idx ON crossings (id);                                  -- a crossing by id (duplicates, alerts)
CREATE INDEX crossings_occurred_at_idx ON crossings (occurred_at);                  -- a day or an hour: daily report, fleet, listing by time

-- 8. The keys follow the rows when rows are deleted or their keys changed by hand. A deleted seq at or
-- below a stream's scanned_to is missing again, so that reconcile names it.
CREATE FUNCTION crossings_keys_follow() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('borderlog.moving_rows', true) = 'on' THEN
        RETURN NULL;
    END IF;
    DELETE FROM crossing_ids WHERE id = OLD.id;
    DELETE FROM crossing_seqs WHERE device_id = OLD.device_id AND stream_id = OLD.stream_id AND seq = OLD.seq
                                AND id = OLD.id;
    UPDATE stream_progress SET missing = missing + int8multirange(int8range(OLD.seq, OLD.seq + 1))
    WHERE device_id = OLD.device_id AND stream_id = OLD.stream_id AND OLD.seq <= scanned_to;
    IF TG_OP = 'UPDATE' THEN
        INSERT INTO crossing_ids (id, device_id, occurred_at) VALUES (NEW.id, NEW.device_id, NEW.occurred_at);
        INSERT INTO crossing_seqs (device_id, stream_id, seq, id) VALUES (NEW.device_id, NEW.stream_id, NEW.seq, NEW.id);
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER crossings_keys_after_delete AFTER DELETE ON crossings
    FOR EACH ROW EXECUTE FUNCTION crossings_keys_follow();
CREATE TRIGGER crossings_keys_after_update AFTER UPDATE OF id, device_id, stream_id, seq, occurred_at ON crossings
    FOR EACH ROW EXECUTE FUNCTION crossings_keys_follow();

-- A row inserted by hand (an operator loading a paper register, a test) takes its keys here, in one
-- statement-level step, and is refused like a device's duplicate would be (unique_violation). The
-- server's connections write the keys themselves, in the statement that stores the rows (ON CONFLICT
-- skips a taken key there), and say so with borderlog.keys_given, set for their session.
CREATE FUNCTION crossings_keys_on_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('borderlog.keys_given', true) = 'on'
       OR current_setting('borderlog.moving_rows', true) = 'on' THEN
        RETURN NULL;
    END IF;
    INSERT INTO crossing_ids (id, device_id, occurred_at) SELECT id, device_id, occurred_at FROM inserted;
    INSERT INTO crossing_seqs (device_id, stream_id, seq, id) SELECT device_id, stream_id, seq, id FROM inserted;
    RETURN NULL;
END
$$;
CREATE TRIGGER crossings_keys_after_insert AFTER INSERT ON crossings
    REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION crossings_keys_on_insert();

-- TRUNCATE crossings (a test bench, a training database emptied) empties the keys and reconcile's
-- memory with it: no key may outlive its row.
CREATE FUNCTION crossings_keys_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    TRUNCATE crossing_ids, crossing_seqs, stream_progress;
    RETURN NULL;
END
$$;
CREATE TRIGGER crossings_keys_after_truncate AFTER TRUNCATE ON crossings
    FOR EACH STATEMENT EXECUTE FUNCTION crossings_keys_truncate();

-- 9. Reconcile's memory of the streams that have rows, so that no reconcile scans a long history.
INSERT INTO stream_progress (device_id, stream_id, scanned_to, missing)
SELECT device_id, stream_id, max(seq),
       int8multirange(int8range(1, max(seq) + 1)) - range_agg(int8range(seq, seq + 1))
FROM (SELECT device_id, stream_id, seq FROM crossing_seqs
      UNION
      SELECT device_id, stream_id, seq FROM rejected_records WHERE seq BETWEEN 1 AND 9007199254740991) accounted
GROUP BY device_id, stream_id;
