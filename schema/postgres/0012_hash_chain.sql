-- Tamper evidence: each stream's records form a hash chain (core/record_hash.hpp). The server keeps the
-- hash it computed of each record (record_hash) and the hash of its predecessor the terminal sent
-- (prev_hash); both NULL for a record of a terminal older than the chain. A break found on ingest is
-- an anomaly of kind chain_break; `borderlog-server verify` re-checks the stored chains.
-- Columns without a default: adding them rewrites nothing, whatever the table's size.
ALTER TABLE crossings ADD COLUMN record_hash text;
ALTER TABLE crossings ADD COLUMN prev_hash text;

ALTER TABLE anomalies DROP CONSTRAINT anomalies_kind_check;
ALTER TABLE anomalies ADD CONSTRAINT anomalies_kind_check
    CHECK (kind IN ('exit_without_entry', 'entry_while_in_country', 'overstay_at_exit', 'document_expired',
                    'mrz_invalid', 'clock_suspect', 'recorded_while_marked_offline', 'chain_break'));
