-- Retention: `borderlog-server serve --retention-months N` drops, on a timer, whole months of crossings
-- older than N months, and only months that were exported: crossing_exports holds a row for the month
-- whose row count is the partition's count at the moment of the drop. The current month and any later
-- one are never dropped (N is at least 1). Every month dropped writes its line in audit_events, in the
-- same transaction as the drop.
--
-- The server's database role may neither drop tables nor delete crossings. This function runs as its
-- owner (the role that applies the migrations): SECURITY DEFINER, with a fixed search_path so that no
-- caller can put a table of its own in the way. The server may only EXECUTE it.

CREATE FUNCTION crossings_drop_exported_months(keep_months int)
RETURNS TABLE (month date, partition_name text, stored_rows bigint, exported_rows bigint, dropped boolean)
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
    this_month date := date_trunc('month', now() AT TIME ZONE 'UTC')::date;
    p record;
    counted bigint;
    exported bigint;
BEGIN
    IF keep_months IS NULL OR keep_months < 1 OR keep_months > 1200 THEN
        RAISE EXCEPTION 'keep_months must be 1 to 1200, not %', keep_months USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- One retention pass at a time, across every server instance.
    PERFORM pg_advisory_xact_lock(736820197);
    FOR p IN SELECT cp.name, cp.month FROM crossing_partitions cp
             WHERE cp.month < (this_month - make_interval(months => keep_months))::date
               AND cp.month < this_month
             ORDER BY cp.month
    LOOP
        month := p.month;
        partition_name := p.name;
        SELECT e.rows INTO exported FROM crossing_exports e WHERE e.month = p.month;
        exported_rows := exported;
        IF exported IS NULL THEN
            -- Not exported: kept, and not even counted (a full count of an old month is not free).
            stored_rows := NULL;
            dropped := false;
            RETURN NEXT;
            CONTINUE;
        END IF;
        -- No row may arrive in the month between the count and the drop (a late back-captured record).
        EXECUTE format('LOCK TABLE %I IN SHARE MODE', p.name);
        EXECUTE format('SELECT count(*) FROM %I', p.name) INTO counted;
        stored_rows := counted;
        IF counted <> exported THEN
            dropped := false;
            RETURN NEXT;
            CONTINUE;
        END IF;
        PERFORM crossings_drop_partition(p.name);
        INSERT INTO audit_events (role, actor, action, target, detail)
        VALUES ('system', 'borderlog-server retention', 'crossings.month_dropped', p.name,
                jsonb_build_object('month', to_char(p.month, 'YYYY-MM'), 'rows', counted,
                                   'keep_months', keep_months,
                                   'export_sha256', (SELECT e.sha256 FROM crossing_exports e WHERE e.month = p.month),
                                   'exported_at', (SELECT e.exported_at FROM crossing_exports e WHERE e.month = p.month)));
        dropped := true;
        RETURN NEXT;
    END LOOP;
END
$$;

-- The search_path of the schema the migrations run in (public unless the operator chose another).
DO $$
BEGIN
    EXECUTE format('ALTER FUNCTION crossings_drop_exported_months(int) SET search_path = %I, pg_temp', current_schema());
END
$$;

-- Only its owner and the server's role may run it.
REVOKE ALL ON FUNCTION crossings_drop_exported_months(int) FROM PUBLIC;
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'borderlog_server') THEN
        GRANT EXECUTE ON FUNCTION crossings_drop_exported_months(int) TO borderlog_server;
    END IF;
END
$$;
