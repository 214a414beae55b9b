-- postgres provider: privileges. The owner (the role roachgate logs in as)
-- reads and writes everything. Members of pg_monitor may read the status
-- relations; nobody else gets in. Writing functions are owner-only.
REVOKE ALL ON SCHEMA roachgate FROM PUBLIC;
REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA roachgate FROM PUBLIC;
GRANT USAGE ON SCHEMA roachgate TO pg_monitor;
GRANT SELECT ON roachgate.node_status, roachgate.ranges, roachgate.sessions
    TO pg_monitor;
GRANT EXECUTE ON FUNCTION roachgate.ns(timestamptz),
    roachgate.encode_uvarint(int8), roachgate.table_key(int8, int8, int8),
    roachgate.table_pretty(int8, int8, int8), roachgate.anonymize_sql(text),
    roachgate.setting_int8(text, int8), roachgate.self_name(),
    roachgate.load_counters(), roachgate.is_admin(text, text) TO pg_monitor;
