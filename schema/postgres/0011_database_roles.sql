-- Database roles: what the server may do to the records it guards, enforced by PostgreSQL itself.
--
--   borderlog_server  the server runs as this role (serve --db-role borderlog_server, or a login role
--                     made a member of it). It reads and inserts crossings and audit events but can never
--                     update, delete or truncate them, nor the keys that make each crossing unique; every
--                     other table it may change as its features need.
--   borderlog_reader  read-only: reporting, backups' verification, auditors.
--
-- The roles belong to the PostgreSQL cluster, not to one database: they are made once, and each database
-- migrated grants them its own privileges. The migrating role needs CREATEROLE (or to be a superuser).
-- Tables are owned by the migrating role, which keeps every right: repairs are done as the owner, on
-- purpose, and show in `borderlog-server verify`.
DO $$
DECLARE
    wanted text;
BEGIN
    FOREACH wanted IN ARRAY ARRAY['borderlog_server', 'borderlog_reader'] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = wanted) THEN
            BEGIN
                EXECUTE format('CREATE ROLE %I NOLOGIN', wanted);
            EXCEPTION WHEN duplicate_object OR unique_violation THEN
                NULL;  -- another database's migration made it at the same moment
            END;
        END IF;
    END LOOP;
    -- A migrating login that is not a superuser becomes a member, so that `serve --db-role` may assume
    -- the role on its own connections (a superuser is a member of every role already).
    IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
        EXECUTE format('GRANT borderlog_server, borderlog_reader TO %I', current_user);
    END IF;
END
$$;

-- The append-only tables: the server inserts and reads, nothing more.
CREATE TABLE append_only_tables (name text PRIMARY KEY);
INSERT INTO append_only_tables VALUES ('crossings'), ('audit_events'), ('crossing_ids'), ('crossing_seqs'),
    ('append_only_tables');  -- the list itself, or the server could shorten it before the next migration

-- Tables the reader role never sees: they hold token hashes and session secrets.
CREATE TABLE secret_tables (name text PRIMARY KEY);
INSERT INTO secret_tables VALUES ('api_tokens'), ('dashboard_sessions'), ('secret_tables');

-- Grants every table of this schema to the roles: full use to borderlog_server, except the append-only
-- tables (SELECT, INSERT), views (SELECT) and the partitions of a partitioned table (reached only through
-- their parent); SELECT to borderlog_reader, except the tables of secrets. The migration runner calls it after every migration, so that a table a
-- later migration adds is granted without anyone remembering to.
CREATE FUNCTION borderlog_grant_roles() RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    t record;
BEGIN
    EXECUTE format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO borderlog_server, borderlog_reader', current_database());
    GRANT USAGE ON SCHEMA public TO borderlog_server, borderlog_reader;
    FOR t IN SELECT c.relname, c.relispartition, c.relkind = 'v' AS is_view, a.name IS NOT NULL AS append_only, x.name IS NOT NULL AS secret
             FROM pg_class c
             JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
             LEFT JOIN append_only_tables a ON a.name = c.relname
             LEFT JOIN secret_tables x ON x.name = c.relname
             WHERE c.relkind IN ('r', 'p', 'v') AND c.relname <> 'schema_migrations' LOOP
        EXECUTE format('REVOKE ALL ON %I FROM borderlog_server, borderlog_reader', t.relname);
        IF t.relispartition THEN
            CONTINUE;
        END IF;
        IF NOT t.secret THEN
            EXECUTE format('GRANT SELECT ON %I TO borderlog_reader', t.relname);
        END IF;
        -- A view reads with its owner's rights, so it is never written through: SELECT only.
        IF t.append_only OR t.is_view THEN
            EXECUTE format('GRANT SELECT, INSERT ON %I TO borderlog_server', t.relname);
        ELSE
            EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO borderlog_server', t.relname);
        END IF;
    END LOOP;
    GRANT SELECT ON schema_migrations TO borderlog_server, borderlog_reader;
    GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO borderlog_server;
    -- Functions the server calls that need the owner's rights (making partitions ahead of time) run as
    -- their owner; granting them is the job of the migration that made them.
END
$$;

-- Making next months' partitions (the server does it ahead of time) creates and attaches tables: the
-- owner's right, lent for exactly that through SECURITY DEFINER with a fixed search_path.
ALTER FUNCTION crossings_make_partition(date) SECURITY DEFINER SET search_path = public, pg_temp;
ALTER FUNCTION crossings_make_partitions(date, date) SECURITY DEFINER SET search_path = public, pg_temp;
REVOKE EXECUTE ON FUNCTION crossings_make_partition(date), crossings_make_partitions(date, date) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION crossings_make_partition(date), crossings_make_partitions(date, date) TO borderlog_server;

-- Ingest takes a record's id key before its (device, stream, seq) key; when the seq turns out taken, the
-- id goes back. Only an id with no stored crossing may go back: the server cannot remove the key of a
-- record it stored (which would let the record be stored twice).
CREATE FUNCTION crossing_ids_give_back(ids jsonb) RETURNS bigint LANGUAGE plpgsql
SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    given bigint;
BEGIN
    DELETE FROM crossing_ids k
    WHERE k.id IN (SELECT (jsonb_array_elements_text(ids))::uuid)
      AND NOT EXISTS (SELECT 1 FROM crossings c WHERE c.id = k.id);
    GET DIAGNOSTICS given = ROW_COUNT;
    RETURN given;
END
$$;
REVOKE EXECUTE ON FUNCTION crossing_ids_give_back(jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION crossing_ids_give_back(jsonb) TO borderlog_server;

SELECT borderlog_grant_roles();
