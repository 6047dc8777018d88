-- Baseline A for bench/run.sh: one single-row INSERT into crossings per transaction, the same columns
-- the server writes and a record jsonb of the same shape and size. Needs the sequence
-- bench_pgbench_seq (run.sh creates it). Ids are gen_random_uuid() with a millisecond time prefix and
-- version 7 bits, so that they are time-ordered like the UUIDv7 ids the checkpoints make; device_id
-- is one per pgbench client and seq comes from the sequence, so (device_id, seq) is unique.
-- Run it with -M prepared (parsed and planned once per connection, as a well-written client would):
-- every variable is cast explicitly, and no literal holds a colon, which pgbench would take for a variable.
\set lane random(1, 8)
\set officer random(100, 199)
\set dir random(0, 1)
\set sexn random(0, 1)
\set ci random(1, 10)
\set ni random(1, 10)
\set si random(1, 12)
\set gi random(1, 12)
\set docl1 random(65, 90)
\set docl2 random(65, 90)
\set docn random(0, 9999999)
\set by random(1950, 2005)
\set bm random(1, 12)
\set bd random(1, 28)
\set ey random(2027, 2036)
\set em random(1, 12)
\set ed random(1, 28)
\set plate random(0, 999)
INSERT INTO crossings (id, device_id, seq, checkpoint_id, lane, direction, occurred_at, officer_id,
                       document_type, document_number, issuing_country, nationality, surname, given_names,
                       birth_date, sex, expiry_date, transport_mode, vehicle_plate, recorded_offline, record)
SELECT r.id, r.device_id, r.seq, r.checkpoint_id, r.lane, r.direction, r.occurred_at, r.officer_id,
       'P', r.docnum, r.country, r.nationality, r.surname, r.given, r.birth, r.sex, r.expiry, 'car', r.plate, false,
       jsonb_build_object(
           'id', r.id, 'device_id', r.device_id, 'seq', r.seq, 'checkpoint_id', r.checkpoint_id, 'lane', r.lane,
           'direction', r.direction,
           'occurred_at', translate(to_char(r.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24|MI|SS.MS"Z"'), '|', chr(58)),
           'officer_id', r.officer_id,
           'traveler', jsonb_build_object(
               'document_type', 'P', 'document_number', r.docnum, 'issuing_country', r.country,
               'nationality', r.nationality, 'surname', r.surname, 'given_names', r.given,
               'birth_date', r.birth, 'sex', r.sex, 'expiry_date', r.expiry),
           'mrz', rpad('P<' || r.country || r.surname || '<<' || replace(r.given, ' ', '<'), 44, '<') || E'\n' ||
                  r.docnum || '0' || r.nationality || to_char(r.birth, 'YYMMDD') || '0' || r.sex ||
                  to_char(r.expiry, 'YYMMDD') || '0<<<<<<<<<<<<<<00',
           'transport', jsonb_build_object('mode', 'car', 'vehicle_plate', r.plate),
           'recorded_offline', false)
FROM (
    SELECT encode(set_bit(set_bit(overlay(uuid_send(gen_random_uuid())
                      PLACING substring(int8send(floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint) FROM 3)
                      FROM 1 FOR 6), 52, 1), 53, 1), 'hex')::uuid AS id,
           'PGB-' || :client_id::text AS device_id,
           nextval('bench_pgbench_seq') AS seq,
           'BENCH' AS checkpoint_id,
           :lane::int::text AS lane,
           (ARRAY['entry', 'exit'])[:dir::int + 1] AS direction,
           clock_timestamp() AS occurred_at,
           'officer-' || :officer::text AS officer_id,
           chr(:docl1::int) || chr(:docl2::int) || lpad(:docn::text, 7, '0') AS docnum,
           (ARRAY['ALB','GRC','ITA','DEU','FRA','GBR','USA','TUR','SRB','MKD'])[:ci::int] AS country,
           (ARRAY['ALB','GRC','ITA','DEU','FRA','GBR','USA','TUR','SRB','MKD'])[:ni::int] AS nationality,
           (ARRAY['HOXHA','PAPADOPOULOS','ROSSI','MUELLER','MARTIN','SMITH','JOHNSON','YILMAZ','JOVANOVIC',
                  'STOJANOVSKI','KOLA','BERISHA'])[:si::int] AS surname,
           (ARRAY['ANNA MARIA','ARBEN','ELENI','MARCO','JONAS','CLAIRE','OLIVER','EMMA','MEHMET','MILAN',
                  'ELIRA','DRITON KASTRIOT'])[:gi::int] AS given,
           make_date(:by::int, :bm::int, :bd::int) AS birth,
           (ARRAY['F', 'M'])[:sexn::int + 1] AS sex,
           make_date(:ey::int, :em::int, :ed::int) AS expiry,
           'AB' || lpad(:plate::text, 3, '0') || 'CD' AS plate
) r;
