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

-- Pages are O(page) at any offset: each reader seeks a position column
-- (the row's 0-based place in the reader's order on this node; the fixture
-- indexes it) instead of skipping `off` rows. Every reader takes (lim, off)
-- in that order; lim NULL means no limit.

-- Ranges in range_id order, a page of them; with ids, only those (a
-- repeated id is listed again, as CockroachDB does: the list is bounded by
-- the request, so OFFSET over it is too).
CREATE OR REPLACE FUNCTION roachgate.read_ranges(lim int8, off int8,
    ids int8[])
RETURNS SETOF roachgate.ranges
LANGUAGE plpgsql STABLE
AS $$
BEGIN
    IF ids IS NULL THEN
        RETURN QUERY SELECT * FROM roachgate.ranges r
            WHERE r.range_position >= greatest(off, 0)
            ORDER BY r.range_position LIMIT lim;
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

-- Ranges with load, hottest first (the server reads at most 128 a node, so
-- OFFSET stays bounded).
DROP FUNCTION IF EXISTS roachgate.read_hot_ranges(int8, int8);
CREATE FUNCTION roachgate.read_hot_ranges(lim int8, off int8)
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

-- Sessions by start, optionally of one user, compared as bytes: a name that
-- is not valid UTF-8 matches nothing (text equality under a deterministic
-- collation is byte equality).
DROP FUNCTION IF EXISTS roachgate.read_sessions(bytea, int8, int8);
CREATE FUNCTION roachgate.read_sessions(username bytea, lim int8, off int8)
RETURNS SETOF roachgate.sessions
LANGUAGE plpgsql STABLE
AS $$
DECLARE
    u text;
BEGIN
    IF username IS NULL THEN
        RETURN QUERY SELECT * FROM roachgate.sessions s
            WHERE s.session_position >= greatest(off, 0)
            ORDER BY s.session_position LIMIT lim;
        RETURN;
    END IF;
    IF position('\x00'::bytea IN username) > 0 THEN
        RETURN;
    END IF;
    BEGIN
        u := convert_from(username, 'UTF8');
    EXCEPTION WHEN character_not_in_repertoire OR untranslatable_character
        OR invalid_parameter_value THEN
        RETURN;
    END;
    RETURN QUERY SELECT * FROM roachgate.sessions s
        WHERE s.username = u AND s.user_position >= greatest(off, 0)
        ORDER BY s.user_position LIMIT lim;
END
$$;
