-- Install or upgrade the roachgate status catalog, postgres provider.
--   psql -v ON_ERROR_STOP=1 -d <database> -f sql/postgres/install.sql
-- Run on the primary only, connected as the catalog owner (the role the
-- server logs in as; it needs CREATE on the database), or as a superuser
-- after SET ROLE <owner>. Standbys receive it by replication.
-- Idempotent: tables are kept (web sessions survive), views and functions
-- are replaced.
\set ON_ERROR_STOP 1
BEGIN;
SET LOCAL client_min_messages = warning;
SET LOCAL search_path = pg_catalog;
\ir ../common/10_schema.sql
\ir 20_state.sql
\ir 30_node_status.sql
\ir 40_ranges.sql
\ir 50_sessions.sql
\ir 60_sampler.sql
\ir ../common/80_readers.sql
\ir ../common/85_api.sql
\ir 87_eventlog.sql
\ir 90_grants.sql
COMMIT;
