-- Readers: the queries the server runs on every request, as PL/pgSQL
-- functions.  PostgreSQL caches a PL/pgSQL statement's plan for the life
-- of the connection, while the unnamed statements of Kore's pgsql layer
-- are planned every time, and planning these views costs more than running
-- them (node_status: 482 -> 1917 transactions/s in pgbench).  Each reader
-- keeps ORDER BY and LIMIT inside, so the fixture's indexes still serve
-- them.  Installed by both providers after their relations (the readers
-- return the providers' own row types).

CREATE OR REPLACE FUNCTION roachgate.read_node_status()
RETURNS SETOF roachgate.node_status
LANGUAGE plpgsql STABLE
AS $$
BEGIN
    RETURN QUERY SELECT * FROM roachgate.node_status;
END
$$;

-- Ranges in range_id order, a page of them (lim NULL = all); with ids, only
-- those (a repeated id is listed again, as CockroachDB does).
CREATE OR REPLACE FUNCTION roachgate.read_ranges(lim int8, off int8,
    ids int8[])
RETURNS SETOF roachgate.ranges
LANGUAGE plpgsql STABLE
AS $$
BEGIN
    IF ids IS NULL THEN
        RETURN QUERY SELECT * FROM roachgate.ranges r
            ORDER BY r.range_id LIMIT lim OFFSET off;
    ELSE
        RETURN QUERY SELECT r.* FROM roachgate.ranges r
            JOIN unnest(ids) AS f(id) ON r.range_id = f.id
            ORDER BY r.range_id LIMIT lim OFFSET off;
    END IF;
END
$$;

CREATE OR REPLACE FUNCTION roachgate.read_range(id int8)
RETURNS SETOF roachgate.ranges
LANGUAGE plpgsql STABLE
AS $$
BEGIN
    RETURN QUERY SELECT * FROM roachgate.ranges r WHERE r.range_id = id
        LIMIT 1;
END
$$;

-- Ranges with load, hottest first.
CREATE OR REPLACE FUNCTION roachgate.read_hot_ranges(off int8, lim int8)
RETURNS SETOF roachgate.ranges
LANGUAGE plpgsql STABLE
AS $$
BEGIN
    RETURN QUERY SELECT * FROM roachgate.ranges r
        WHERE r.queries_per_second > 0
        ORDER BY r.queries_per_second DESC, r.range_id
        LIMIT lim OFFSET off;
END
$$;

-- Sessions by start, optionally of one user (compared as bytes: no
-- collation or encoding surprises).
CREATE OR REPLACE FUNCTION roachgate.read_sessions(username bytea, off int8,
    lim int8)
RETURNS SETOF roachgate.sessions
LANGUAGE plpgsql STABLE
AS $$
BEGIN
    RETURN QUERY SELECT * FROM roachgate.sessions s
        WHERE read_sessions.username IS NULL
           OR convert_to(s.username, 'UTF8') = read_sessions.username
        ORDER BY s.start, s.session_id
        LIMIT lim OFFSET off;
END
$$;
