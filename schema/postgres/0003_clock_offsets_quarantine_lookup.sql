-- Each device's clock as the centre last measured it: device time minus the server's clock, from the
-- device_time of its last heartbeat or batch. What operations look at before trusting a record's time.
ALTER TABLE devices ADD COLUMN clock_offset_ms bigint;
ALTER TABLE devices ADD COLUMN clock_offset_at timestamptz;

-- A quarantined record that later arrives stored (carried over into a new stream, or sent again after a
-- fix) closes its open quarantine entry: found by the record's id.
CREATE INDEX rejected_records_open_record_idx ON rejected_records (record_id) WHERE released_at IS NULL;
