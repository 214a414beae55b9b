-- roachgate status catalog: parts shared by every provider.
-- Run by the catalog owner (the role roachgate logs in as). Idempotent:
-- tables are created only if missing, functions and views are replaced.
-- Function bodies use SQL-standard syntax (RETURN / BEGIN ATOMIC) where
-- possible: they are parsed once, here, so a caller's search_path cannot
-- redirect them.

CREATE SCHEMA IF NOT EXISTS roachgate;
COMMENT ON SCHEMA roachgate IS 'roachgate status catalog (see sql/catalog.md)';

-- Timestamp -> int8 nanoseconds since the Unix epoch (NULL stays NULL).
CREATE OR REPLACE FUNCTION roachgate.ns(t timestamptz) RETURNS int8
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN (extract(epoch FROM t) * 1000000000)::int8;

-- CockroachDB's encoding.EncodeUvarintAscending, v read as uint64:
-- one byte 136+v for v <= 109, else 245+n followed by v in n big-endian bytes.
CREATE OR REPLACE FUNCTION roachgate.encode_uvarint(v int8) RETURNS bytea
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE
    WHEN v < 0 THEN '\xfd'::bytea || int8send(v)
    WHEN v <= 109 THEN set_byte('\x00'::bytea, 0, 136 + v::int4)
    WHEN v <= 255 THEN '\xf6'::bytea || substring(int8send(v) FROM 8)
    WHEN v <= 65535 THEN '\xf7'::bytea || substring(int8send(v) FROM 7)
    WHEN v <= 16777215 THEN '\xf8'::bytea || substring(int8send(v) FROM 6)
    WHEN v <= 4294967295 THEN '\xf9'::bytea || substring(int8send(v) FROM 5)
    WHEN v <= 1099511627775 THEN '\xfa'::bytea || substring(int8send(v) FROM 4)
    WHEN v <= 281474976710655 THEN '\xfb'::bytea || substring(int8send(v) FROM 3)
    WHEN v <= 72057594037927935 THEN '\xfc'::bytea || substring(int8send(v) FROM 2)
    ELSE '\xfd'::bytea || int8send(v)
END;

-- Range key helpers: /Table/<t>, /Table/<t>/<i>, /Table/<t>/<i>/<k>.
CREATE OR REPLACE FUNCTION roachgate.table_key(t int8, i int8 DEFAULT NULL,
    k int8 DEFAULT NULL) RETURNS bytea
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN roachgate.encode_uvarint(t)
    || CASE WHEN i IS NULL THEN '\x'::bytea ELSE roachgate.encode_uvarint(i) END
    || CASE WHEN i IS NULL OR k IS NULL THEN '\x'::bytea
        ELSE roachgate.encode_uvarint(k) END;

CREATE OR REPLACE FUNCTION roachgate.table_pretty(t int8, i int8 DEFAULT NULL,
    k int8 DEFAULT NULL) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN '/Table/' || t::text
    || CASE WHEN i IS NULL THEN '' ELSE '/' || i::text END
    || CASE WHEN i IS NULL OR k IS NULL THEN '' ELSE '/' || k::text END;

-- Replace SQL constants by _ (strings by '_'), like CockroachDB's
-- anonymized statements; placeholders ($1) and identifiers are kept.
CREATE OR REPLACE FUNCTION roachgate.anonymize_sql(q text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN regexp_replace(
    regexp_replace(q, '''(?:[^'']|'''')*''', '''_''', 'g'),
    '(?<![\w$.])(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?(?![\w])', '_', 'g');

-- Positive random 62-bit id for web sessions (not sequential, so session
-- ids do not reveal how many logins happened).
CREATE OR REPLACE FUNCTION roachgate.random_id() RETURNS int8
LANGUAGE sql VOLATILE PARALLEL SAFE
RETURN ('x' || encode(substring(uuid_send(gen_random_uuid()) FROM 9 FOR 8),
    'hex'))::bit(64)::int8 & 4611686018427387903;

-- CockroachDB's system.web_sessions, same column names. Lives on the
-- primary (standbys hold a read-only replica). CREATE ... IF NOT EXISTS:
-- re-installing never loses sessions.
CREATE TABLE IF NOT EXISTS roachgate.web_sessions (
    id int8 PRIMARY KEY DEFAULT roachgate.random_id() CHECK (id > 0),
    "hashedSecret" bytea NOT NULL,
    username text NOT NULL,
    "createdAt" timestamptz NOT NULL DEFAULT now(),
    "expiresAt" timestamptz NOT NULL,
    "revokedAt" timestamptz,
    "lastUsedAt" timestamptz NOT NULL DEFAULT now(),
    "auditInfo" text
);
CREATE INDEX IF NOT EXISTS web_sessions_expires_at
    ON roachgate.web_sessions ("expiresAt");

-- Superuser, or member (direct or indirect) of admin_role. False for an
-- unknown user; an unknown admin_role only admits superusers.
-- Called for every admin request: keep it to two syscache lookups and
-- PostgreSQL's cached role membership (superusers are members of every
-- role), and inlinable (a plain SQL body), not a scan of the pg_roles view.
-- Role names are exact (quote_ident: no case folding).
CREATE OR REPLACE FUNCTION roachgate.is_admin(username text, admin_role text)
RETURNS bool
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT CASE
        WHEN r.u IS NULL THEN false
        WHEN r.a IS NULL THEN coalesce((SELECT rolsuper FROM pg_roles
                                        WHERE oid = r.u), false)
        ELSE pg_has_role(r.u, r.a, 'MEMBER')
    END
    FROM (SELECT to_regrole(quote_ident($1)) AS u,
                 to_regrole(quote_ident($2)) AS a) AS r
$$;
