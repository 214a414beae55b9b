"""Logins, sessions, logout and the admin authentication hook (issue 4;
src/REFERENCE.md, "Login, logout and sessions"), end to end over verified
TLS against the demo cluster.  The database is manipulated directly
(psycopg2, as the superuser) to create roles, expire sessions and grant
or revoke the admin role while a session is live."""

import base64
import hashlib
import http.client
import os
import signal
import socket
import ssl
import statistics
import threading
import time
import urllib.parse

import psycopg2
import pytest

from rgtest import Client


LOGIN = "/api/v2/login/"
LOGOUT = "/api/v2/logout/"
ADMIN_ROUTE = "/api/v2/sessions/"
HDR = "X-Cockroach-API-Session"

GENERIC = ("An internal server error has occurred. Please check your "
           "CockroachDB logs for more details.\n")
DENIED = "the provided credentials did not match any account on the server\n"
NOT_VALIDATED = "the provided authentication session could not be validated\n"
FORBIDDEN = "user not allowed to access this endpoint\n"
THROTTLED = "too many failed login attempts\n"
BUSY = "too many logins in progress\n"

# session_cache_ms of the e2e server (the default), in seconds: a change
# made in the database reaches the admin check within this time.
CACHE = 2.0

# The docs' example token: a well-formed session that does not exist.
DOC_TOKEN = "CIGAqM6I6IGfCBIQKS/ul2Wvx6D/qiVPp7lpeA=="

# Every secret this module sends or receives; none may reach the log.
SECRETS = set()


def rnd(prefix):
    return "%s_%s" % (prefix, os.urandom(6).hex())


def wrong_password():
    p = rnd("wrongpw")
    SECRETS.add(p)
    return p


def assert_plain(r, status, text):
    assert r.status == status, r
    assert r.text == text
    assert r.header("content-type") == "text/plain; charset=utf-8"
    assert r.header("x-content-type-options") == "nosniff"


def decode_token(tok):
    """SessionCookie protobuf: 0x08 <varint id> 0x12 <len> <secret>."""
    raw = base64.b64decode(tok, validate=True)
    assert raw[0] == 0x08
    i, shift, sid = 1, 0, 0
    while True:
        b = raw[i]
        i += 1
        sid |= (b & 0x7f) << shift
        shift += 7
        if not b & 0x80:
            break
    assert raw[i] == 0x12 and raw[i + 1] == 16
    secret = raw[i + 2:]
    assert len(secret) == 16
    return sid, secret


def encode_token(sid, secret):
    out = bytearray([0x08])
    v = sid & 0xffffffffffffffff
    while v >= 0x80:
        out.append((v & 0x7f) | 0x80)
        v >>= 7
    out.append(v)
    out += bytes([0x12, len(secret)]) + secret
    return base64.b64encode(bytes(out)).decode()


def post(client, path, body=b"", headers=None, ctype=None, **kw):
    h = dict(headers or {})
    if ctype is not None:
        h["Content-Type"] = ctype
    return client.request("POST", path, body=body, headers=h, **kw)


def login(client, user, password, **kw):
    return client.post_form(LOGIN, {"username": user, "password": password},
                            **kw)


def login_ok(client, user, password, wait=15, **kw):
    """Log in, waiting out a throttle left by earlier failures."""
    end = time.time() + wait
    while True:
        r = login(client, user, password, **kw)
        if r.status != 429 or time.time() > end:
            break
        time.sleep(min(float(r.header("retry-after")), 2.0))
    assert r.status == 200, r
    assert r.header("content-type") == "application/json"
    tok = r.json()["session"]
    assert r.body == b'{"session":"%s"}' % tok.encode()
    SECRETS.add(tok)
    return tok


def get_admin(client, tok, **kw):
    return client.get(ADMIN_ROUTE, session=tok, **kw)


@pytest.fixture(scope="module")
def db(server):
    conn = psycopg2.connect(server.superuser_dsn())
    conn.autocommit = True
    yield conn
    conn.close()


def sql(db, q, *args):
    with db.cursor() as cur:
        cur.execute(q, args)
        return cur.fetchall() if cur.description else None


@pytest.fixture(scope="module")
def creds(server):
    for _, pw in (server.admin, server.user):
        SECRETS.add(pw)
    return server.admin, server.user


@pytest.fixture
def role(db):
    """A fresh login role (name, password), dropped afterwards."""
    made = []

    def make(*options):
        name, pw = rnd("rg_t"), rnd("pw")
        SECRETS.add(pw)
        sql(db, "CREATE ROLE %s LOGIN PASSWORD %%s %s" % (name,
            " ".join(options)), pw)
        made.append(name)
        return name, pw

    yield make
    for name in made:
        sql(db, "DROP ROLE IF EXISTS %s" % name)


# --- login ---------------------------------------------------------------

def test_login_creates_session(server, client, creds, db):
    (user, pw), _ = creds
    tok = login_ok(client, user, pw)
    sid, secret = decode_token(tok)
    rows = sql(db, 'SELECT "hashedSecret", username, '
               'extract(epoch FROM "expiresAt" - "createdAt"), '
               '"revokedAt" IS NULL FROM roachgate.web_sessions '
               "WHERE id = %s", sid)
    assert len(rows) == 1
    hashed, name, lifetime, live = rows[0]
    # Only SHA-256(secret) is stored, never the secret.
    assert bytes(hashed) == hashlib.sha256(secret).digest()
    assert name == user
    assert live
    assert abs(float(lifetime) - 7 * 86400) < 5
    assert get_admin(client, tok).status == 200


def test_login_secrets_are_random(client, creds):
    (user, pw), _ = creds
    a = decode_token(login_ok(client, user, pw))
    b = decode_token(login_ok(client, user, pw))
    assert a[0] != b[0] and a[1] != b[1]


def test_login_query_string(client, creds):
    (user, pw), _ = creds
    q = urllib.parse.urlencode({"username": user, "password": pw})
    r = post(client, LOGIN + "?" + q, ctype=None)
    assert r.status == 200, r
    SECRETS.add(r.json()["session"])
    r = post(client, LOGIN + "?" + q,
             ctype="application/x-www-form-urlencoded")
    assert r.status == 200, r
    SECRETS.add(r.json()["session"])


def test_login_body_wins_over_query(client, creds):
    (user, pw), _ = creds
    bad = wrong_password()
    q = urllib.parse.urlencode({"username": user, "password": bad})
    body = urllib.parse.urlencode({"password": pw})
    r = post(client, LOGIN + "?" + q, body=body,
             ctype="application/x-www-form-urlencoded; charset=UTF-8")
    assert r.status == 200, r
    SECRETS.add(r.json()["session"])
    q = urllib.parse.urlencode({"username": user, "password": pw})
    body = urllib.parse.urlencode({"password": bad})
    assert_plain(post(client, LOGIN + "?" + q, body=body,
                      ctype="application/x-www-form-urlencoded"),
                 401, DENIED)
    login_ok(client, user, pw)      # reset the throttle


@pytest.mark.parametrize("fields", [{}, {"password": "x"},
                                    {"username": "", "password": "x"}])
def test_login_username_missing(client, fields):
    assert_plain(client.post_form(LOGIN, fields), 400,
                 "username not specified\n")


def test_login_empty_body_username_hides_query(client, creds):
    # Go's r.Form.Get: the body's empty value comes first.
    (user, pw), _ = creds
    q = urllib.parse.urlencode({"username": user, "password": pw})
    assert_plain(post(client, LOGIN + "?" + q, body="username=",
                      ctype="application/x-www-form-urlencoded"),
                 400, "username not specified\n")


@pytest.mark.parametrize("ctype", ["application/json", "text/plain",
                                   "multipart/form-data; boundary=x", None])
def test_login_not_a_form(client, creds, ctype):
    (user, pw), _ = creds
    body = '{"username": "%s", "password": "%s"}' % (user, pw)
    r = post(client, LOGIN, body=body, ctype=ctype)
    assert_plain(r, 400, "unsupported content type: the login form must "
                 "be sent as application/x-www-form-urlencoded\n")


@pytest.mark.parametrize("body", ["username=a;b&password=x",
                                  "username=%zz&password=x",
                                  "username=a&password=%"])
def test_login_malformed_form(client, body):
    assert_plain(post(client, LOGIN, body=body,
                      ctype="application/x-www-form-urlencoded"),
                 400, "malformed form data\n")


def test_login_body_too_large(server):
    # Headers only: Kore answers from Content-Length before any body
    # (sending the body races with its close).
    ctx = ssl.create_default_context(cafile=server.ca)
    with socket.create_connection(("127.0.0.1", server.port), 10) as raw:
        with ctx.wrap_socket(raw, server_hostname="127.0.0.1") as s:
            s.sendall(b"POST /api/v2/login/ HTTP/1.1\r\nHost: x\r\n"
                      b"Content-Type: application/x-www-form-urlencoded\r\n"
                      b"Content-Length: 20000\r\n\r\n")
            head = s.recv(4096)
    assert head.startswith(b"HTTP/1.1 413 "), head[:100]


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "PATCH", "HEAD"])
@pytest.mark.parametrize("path", [LOGIN, LOGOUT])
def test_login_logout_post_only(server, method, path):
    # The reference answers 404 and keeps going (a bug we do not copy).
    c = server.client()
    r = c.request(method, path, body=b"" if method != "GET" else None,
                  keepalive=False)
    assert r.status == 405, r
    assert r.header("allow") == "POST"
    if method != "HEAD":
        assert_plain(r, 405, "method not allowed\n")


def test_login_wrong_password_and_unknown_user(client, creds):
    (user, pw), _ = creds
    assert_plain(login(client, user, wrong_password()), 401, DENIED)
    assert_plain(login(client, rnd("nobody"), wrong_password()), 401, DENIED)
    assert_plain(login(client, user, ""), 401, DENIED)
    login_ok(client, user, pw)


def test_login_refused_roles(client, creds, role, db):
    (admin, apw), (user, upw) = creds
    nologin, p1 = role()
    sql(db, "ALTER ROLE %s NOLOGIN" % nologin)
    assert_plain(login(client, nologin, p1), 401, DENIED)
    # VALID UNTIL in the past: PostgreSQL only says "authentication
    # failed", so the answer is the generic 401 (see README).
    expired, p2 = role("VALID UNTIL '2001-01-01'")
    assert_plain(login(client, expired, p2), 401, DENIED)
    login_ok(client, admin, apw)
    # No CONNECT privilege on the database (SQLSTATE 42501).
    noconn, p3 = role()
    dbname = sql(db, "SELECT current_database()")[0][0]
    sql(db, "REVOKE CONNECT ON DATABASE %s FROM PUBLIC" % dbname)
    try:
        sql(db, "GRANT CONNECT ON DATABASE %s TO roachgate, %s, %s" % (
            dbname, admin, user))
        assert_plain(login(client, noconn, p3), 401, DENIED)
    finally:
        sql(db, "GRANT CONNECT ON DATABASE %s TO PUBLIC" % dbname)
    login_ok(client, admin, apw)
    # The same kind of role, untouched, logs in.
    ok, p4 = role()
    login_ok(client, ok, p4)


@pytest.mark.parametrize("name", ["a\x01b", "x" * 64])
def test_login_impossible_names(client, creds, name):
    (user, pw), _ = creds
    assert_plain(login(client, name, "pw"), 401, DENIED)
    login_ok(client, user, pw)


def test_login_concurrent(server, creds):
    """Many logins in flight at once: none blocks the others."""
    (user, pw), _ = creds
    results = []

    def one():
        c = server.client()
        r = login(c, user, pw, keepalive=False)
        results.append(r.status)
        if r.status == 200:
            SECRETS.add(r.json()["session"])

    threads = [threading.Thread(target=one) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [200] * 16


# --- the authentication hook ---------------------------------------------

def test_hook_statuses(client, creds):
    (admin, apw), (user, upw) = creds
    assert_plain(client.get(ADMIN_ROUTE), 401, "invalid session header\n")
    for bad in ["yes", "not base64!", "CIGA", "AAAA", "////"]:
        assert_plain(get_admin(client, bad), 400, "invalid session header\n")
    assert_plain(get_admin(client, DOC_TOKEN), 401, NOT_VALIDATED)
    tok = login_ok(client, user, upw)
    assert_plain(get_admin(client, tok), 403, FORBIDDEN)
    tok = login_ok(client, admin, apw)
    assert get_admin(client, tok).status == 200
    # Trailing blanks are not part of the value (Go trims them).
    assert get_admin(client, tok + "  ").status == 200


def test_hook_wrong_secret(client, creds, db):
    (admin, apw), _ = creds
    sid, secret = decode_token(login_ok(client, admin, apw))
    forged = encode_token(sid, bytes(16))
    assert_plain(get_admin(client, forged), 401, NOT_VALIDATED)
    assert_plain(get_admin(client, encode_token(sid, secret[:15])), 401,
                 NOT_VALIDATED)
    assert get_admin(client, encode_token(sid, secret)).status == 200


def test_hook_cookie_mode(client, creds):
    (admin, apw), _ = creds
    tok = login_ok(client, admin, apw)
    ck = {"Cookie": "session=" + tok}
    r = client.get(ADMIN_ROUTE, session="cookie", headers=ck)
    assert r.status == 200, r
    # Cookie alone: no header, no session.
    assert_plain(client.get(ADMIN_ROUTE, headers=ck), 401,
                 "invalid session header\n")
    # Another header value is a token that does not decode.
    assert_plain(client.get(ADMIN_ROUTE, session="yes", headers=ck), 400,
                 "invalid session header\n")
    # Header asks for the cookie, there is none.
    assert_plain(client.get(ADMIN_ROUTE, session="cookie"), 400,
                 "invalid session header\n")
    # Go's cookie parsing: other cookies, quotes, a bad session cookie
    # before a good one, several Cookie headers.
    for line in ["a=1; session=%s; b=2" % tok, 'session="%s"' % tok,
                 "session=garbage; session=%s" % tok,
                 "  session=%s  " % tok]:
        r = client.get(ADMIN_ROUTE, session="cookie",
                       headers={"Cookie": line})
        assert r.status == 200, (line, r)
    for line in ["Session=%s" % tok, "session =%s" % tok,
                 "session=garbage"]:
        r = client.get(ADMIN_ROUTE, session="cookie",
                       headers={"Cookie": line})
        assert_plain(r, 400, "invalid session header\n")


def test_hook_expired_session(client, creds, db):
    (admin, apw), _ = creds
    tok = login_ok(client, admin, apw)
    sid, _ = decode_token(tok)
    assert get_admin(client, tok).status == 200
    sql(db, 'UPDATE roachgate.web_sessions SET "expiresAt" = '
        "now() - interval '1 second' WHERE id = %s", sid)
    time.sleep(CACHE)
    assert_plain(get_admin(client, tok), 401, NOT_VALIDATED)


def test_hook_role_granted_and_revoked(client, role, db):
    """Role changes reach the admin check within the session cache's
    time (the sessions' answers are cached for CACHE)."""
    name, pw = role()
    tok = login_ok(client, name, pw)
    assert_plain(get_admin(client, tok), 403, FORBIDDEN)
    sql(db, "GRANT pg_monitor TO %s" % name)
    time.sleep(CACHE)
    assert get_admin(client, tok).status == 200
    sql(db, "REVOKE pg_monitor FROM %s" % name)
    time.sleep(CACHE)
    assert_plain(get_admin(client, tok), 403, FORBIDDEN)
    sql(db, "ALTER ROLE %s SUPERUSER" % name)
    time.sleep(CACHE)
    assert get_admin(client, tok).status == 200
    sql(db, "ALTER ROLE %s NOSUPERUSER" % name)
    time.sleep(CACHE)
    assert_plain(get_admin(client, tok), 403, FORBIDDEN)
    # A dropped role's session no longer opens admin routes.
    sql(db, "GRANT pg_monitor TO %s" % name)
    time.sleep(CACHE)
    assert get_admin(client, tok).status == 200
    sql(db, "DROP ROLE %s" % name)
    time.sleep(CACHE)
    assert_plain(get_admin(client, tok), 403, FORBIDDEN)


def test_hook_revocation_under_steady_use(client, role, db):
    """Refresh-ahead re-checks a session in steady use in the background;
    still, no answer older than CACHE is used: a request sent CACHE after
    the revocation is refused, however often the session was used."""
    name, pw = role()
    sql(db, "GRANT pg_monitor TO %s" % name)
    tok = login_ok(client, name, pw)
    c = client                  # one connection: one worker, its cache
    assert get_admin(c, tok).status == 200
    sql(db, "REVOKE pg_monitor FROM %s" % name)
    revoked = time.monotonic()
    while True:
        sent = time.monotonic()
        r = get_admin(c, tok)
        if sent >= revoked + CACHE:
            break
        assert r.status in (200, 403), r
        time.sleep(0.05)
    assert_plain(r, 403, FORBIDDEN)


def test_hook_last_used_at(client, creds, db):
    """lastUsedAt moves at most once a minute, not on every request."""
    (admin, apw), _ = creds
    tok = login_ok(client, admin, apw)
    sid, _ = decode_token(tok)
    sql(db, 'UPDATE roachgate.web_sessions SET "lastUsedAt" = '
        "now() - interval '2 minutes' WHERE id = %s", sid)
    assert get_admin(client, tok).status == 200
    age1 = sql(db, 'SELECT extract(epoch FROM now() - "lastUsedAt") '
               "FROM roachgate.web_sessions WHERE id = %s", sid)[0][0]
    assert float(age1) < 10
    sql(db, 'UPDATE roachgate.web_sessions SET "lastUsedAt" = '
        "now() - interval '30 seconds' WHERE id = %s", sid)
    for _ in range(5):
        assert get_admin(client, tok).status == 200
    age2 = sql(db, 'SELECT extract(epoch FROM now() - "lastUsedAt") '
               "FROM roachgate.web_sessions WHERE id = %s", sid)[0][0]
    assert float(age2) >= 29


# --- logout --------------------------------------------------------------

def test_logout_errors(client, creds):
    (admin, apw), _ = creds
    assert_plain(post(client, LOGOUT), 400, "invalid or unspecified session\n")
    # Undecodable: the reference's 500.
    assert_plain(post(client, LOGOUT, headers={HDR: "yes"}), 500, GENERIC)
    assert_plain(post(client, LOGOUT, headers={HDR: "cookie"}), 500, GENERIC)
    assert_plain(post(client, LOGOUT, headers={HDR: DOC_TOKEN}), 400,
                 "invalid session\n")


def test_logout_needs_the_secret(client, creds):
    (admin, apw), _ = creds
    tok = login_ok(client, admin, apw)
    sid, _ = decode_token(tok)
    forged = encode_token(sid, bytes(16))
    assert_plain(post(client, LOGOUT, headers={HDR: forged}), 400,
                 "invalid session\n")
    assert get_admin(client, tok).status == 200


def test_logout_everywhere(server, client, creds, db):
    (admin, apw), _ = creds
    tok = login_ok(client, admin, apw)
    sid, _ = decode_token(tok)
    # Warm several workers up with the session.
    for _ in range(8):
        assert get_admin(server.client(), tok, keepalive=False).status == 200
    keep = [server.client() for _ in range(4)]
    for c in keep:
        assert get_admin(c, tok).status == 200
    r = post(client, LOGOUT, headers={HDR: tok})
    assert r.status == 200, r
    assert r.body == b'{"logged_out":true}'
    assert r.header("content-type") == "application/json"
    # New connections land on any worker; kept ones on theirs.
    for _ in range(20):
        assert_plain(get_admin(server.client(), tok, keepalive=False), 401,
                     NOT_VALIDATED)
    for c in keep:
        assert_plain(get_admin(c, tok), 401, NOT_VALIDATED)
    revoked = sql(db, 'SELECT "revokedAt" FROM roachgate.web_sessions '
                  "WHERE id = %s", sid)[0][0]
    assert revoked is not None
    # Again: still 200 (as the reference), first revocation time kept.
    assert post(client, LOGOUT, headers={HDR: tok}).status == 200
    assert sql(db, 'SELECT "revokedAt" FROM roachgate.web_sessions '
               "WHERE id = %s", sid)[0][0] == revoked


# --- timing ----------------------------------------------------------------

def test_unknown_user_timing(server, creds):
    """Unknown users cost what a wrong password costs (PostgreSQL's
    mock SCRAM exchange).  Each round resets the throttle with a good
    login so the defaults never block; only the failures are timed."""
    _, (user, pw) = creds
    c = server.client()
    wrong, unknown = [], []
    for i in range(40):
        for kind in (("w", "u") if i % 2 else ("u", "w")):
            name = user if kind == "w" else rnd("ghost")
            t0 = time.perf_counter()
            r = login(c, name, wrong_password())
            dt = time.perf_counter() - t0
            assert_plain(r, 401, DENIED)
            (wrong if kind == "w" else unknown).append(dt)
        login_ok(c, user, pw)
    mw, mu = statistics.median(wrong), statistics.median(unknown)
    ratio = max(mw, mu) / min(mw, mu)
    print("\nlogin timing over %d tries each: wrong password median "
          "%.2f ms, unknown user median %.2f ms, ratio %.3f" %
          (len(wrong), mw * 1e3, mu * 1e3, ratio))
    assert ratio < 3


# --- throttling and short sessions (restarted server) ----------------------

THROTTLE_CONF = """\
session_lifetime 3
login_throttle_after 3
login_throttle_base_ms 1000
login_throttle_max_ms 4000
login_throttle_user_after 30
login_max_inflight 4
session_cache_ms 5000
"""


@pytest.fixture(scope="module")
def strict(server):
    """The server restarted with 3-second sessions and quick throttling;
    the original configuration is restored afterwards."""
    orig = server.extra_conf
    server.restart(orig + THROTTLE_CONF)
    try:
        yield server
    finally:
        server.restart(orig)


def fresh(server):
    """A new connection per request, so requests reach every worker."""
    return server.client()


def once(server, user, password):
    return login(fresh(server), user, password, keepalive=False)


def test_throttle_per_user(strict, creds):
    _, (user, pw) = creds
    login_ok(fresh(strict), user, pw, keepalive=False)
    for _ in range(3):
        assert_plain(once(strict, user, wrong_password()), 401, DENIED)
    # Blocked on every worker, even with the right password.
    for _ in range(6):
        r = once(strict, user, pw)
        assert_plain(r, 429, THROTTLED)
        assert r.header("retry-after") == "1"
    time.sleep(1.1)
    # One more failure doubles the delay.
    assert_plain(once(strict, user, wrong_password()), 401, DENIED)
    r = once(strict, user, pw)
    assert_plain(r, 429, THROTTLED)
    assert r.header("retry-after") == "2"
    time.sleep(2.1)
    # Success resets: failures count from zero again.
    login_ok(fresh(strict), user, pw, keepalive=False)
    for _ in range(2):
        assert_plain(once(strict, user, wrong_password()), 401, DENIED)
    login_ok(fresh(strict), user, pw, keepalive=False)


def test_throttle_per_address(strict, creds):
    _, (user, pw) = creds
    login_ok(fresh(strict), user, pw, keepalive=False)
    # Different unknown users, one client address.
    for _ in range(3):
        assert_plain(once(strict, rnd("ghost"), wrong_password()),
                     401, DENIED)
    r = once(strict, rnd("ghost"), wrong_password())
    assert_plain(r, 429, THROTTLED)
    assert int(r.header("retry-after")) >= 1
    time.sleep(1.1)
    login_ok(fresh(strict), user, pw, keepalive=False)


def From(server, addr):
    """A client whose connections come from another loopback address."""
    return server.client(source=addr)


def at_once(clients, send):
    """send(client) on every client at the same moment, each connection
    opened (TLS included) beforehand; the answers or exceptions, in
    order."""
    for c in clients:
        c.conn = c.connect()
        c.conn.connect()
    go = threading.Barrier(len(clients))
    got = [None] * len(clients)

    def run(i):
        go.wait()
        try:
            got[i] = send(clients[i])
        except Exception as e:  # recorded, so the assertion shows it
            got[i] = repr(e)

    threads = [threading.Thread(target=run, args=(i,))
               for i in range(len(clients))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return got


def status(r):
    return getattr(r, "status", r)


def test_parallel_guesses_are_throttled(strict, creds):
    """Guesses sent all at once must not all pass the throttle while the
    first answers are still on their way: attempts in flight count
    against the failures left (3 per worker; workers learn of each
    other's failures by message), the others wait and then get 429."""
    _, (user, pw) = creds
    target = rnd("victim")
    got = at_once([From(strict, "127.0.0.4") for _ in range(16)],
                  lambda c: login(c, target, wrong_password()))
    codes = [status(r) for r in got]
    assert set(codes) <= {401, 429, 503}, codes
    assert codes.count(401) <= 3 * strict.workers, codes
    assert codes.count(429) >= 1, codes


def test_parallel_good_logins_all_succeed(strict, creds):
    """Good logins sent all at once wait for each other (in flight, not
    failed) instead of being refused."""
    _, (user, pw) = creds
    got = at_once([From(strict, "127.0.0.5") for _ in range(4)],
                  lambda c: login(c, user, pw))
    assert [status(r) for r in got] == [200] * 4, got
    for r in got:
        SECRETS.add(r.json()["session"])


def test_burst_does_not_lock_out_other_addresses(strict, creds):
    """200 wrong passwords for the admin from one address, sent 16 at a
    time: that address is blocked, the admin is not: a login from
    another address succeeds at once."""
    (admin, apw), _ = creds
    codes = []

    def burst(c):
        return [status(login(c, admin, wrong_password()))
                for _ in range(13)]

    got = at_once([From(strict, "127.0.0.6") for _ in range(16)], burst)
    for r in got:
        assert isinstance(r, list), r
        codes += r
    assert len(codes) >= 192
    assert set(codes) <= {401, 429, 503}, codes
    assert codes.count(429) > codes.count(401), codes
    r = login(From(strict, "127.0.0.7"), admin, apw)
    assert r.status == 200, r
    SECRETS.add(r.json()["session"])


def test_name_blocked_after_failures_from_many_addresses(strict, creds):
    """The slower per-name limit: login_throttle_user_after (30)
    failures from any addresses block the name everywhere."""
    target = rnd("spread")
    for i in range(30):
        r = login(From(strict, "127.0.1.%d" % (i + 1)), target,
                  wrong_password())
        assert_plain(r, 401, DENIED)
    r = login(From(strict, "127.0.1.200"), target, wrong_password())
    assert_plain(r, 429, THROTTLED)
    assert int(r.header("retry-after")) >= 1


def test_login_flood(strict, creds):
    """Many concurrent logins from many addresses: each worker checks at
    most login_max_inflight (4) at once and answers the rest with a fast
    503 and Retry-After, never a 500; a legitimate user who retries as
    told gets in during the flood."""
    _, (user, pw) = creds
    clients = [From(strict, "127.0.2.%d" % (i + 1)) for i in range(60)]
    legit = {}

    def one(c):
        if c is clients[0]:
            for _ in range(200):
                r = login(From(strict, "127.0.0.8"), user, pw,
                          keepalive=False)
                if r.status not in (429, 503):
                    break
                time.sleep(0.05)
            legit["r"] = r
        return login(c, rnd("ghost"), wrong_password())

    got = at_once(clients, one)
    codes = [status(r) for r in got]
    assert set(codes) <= {401, 503}, codes
    assert codes.count(503) >= 1, codes
    for r in got:
        if r.status == 503:
            assert_plain(r, 503, BUSY)
            assert r.header("retry-after") == "1"
    assert legit["r"].status == 200, legit["r"]
    SECRETS.add(legit["r"].json()["session"])


def max_connections(server):
    with open(os.path.join(server.dir, "kore.conf")) as f:
        for line in f:
            w = line.split()
            if w[:1] == ["worker_max_connections"]:
                return int(w[1])
    return 512


def other_worker(server):
    """Kore 4.1 leaves all new connections to the worker holding the
    accept lock until it is full.  Fill it with idle TCP connections:
    connections made afterwards land on another worker, while those
    made before stay on the first.  Returns the filler sockets."""
    filler = []
    for i in range(max_connections(server)):
        # From other loopback addresses: kore.conf limits the connections
        # one address may hold (worker_max_addr_connections).
        s = socket.socket()
        s.settimeout(10)
        s.bind(("127.0.0.%d" % (2 + i % 4), 0))
        s.connect(("127.0.0.1", server.port))
        filler.append(s)
    time.sleep(0.5)
    return filler


def test_workers_agree(strict, creds):
    """Throttling, its reset and logouts reach every worker at once."""
    (admin, apw), (user, pw) = creds
    a = fresh(strict)
    tok = login_ok(a, admin, apw)
    filler = other_worker(strict)
    try:
        b = fresh(strict)
        assert get_admin(b, tok).status == 200
        # Failures on worker A block the user on worker B.
        for _ in range(3):
            assert_plain(login(a, user, wrong_password()), 401, DENIED)
        r = login(b, user, pw)
        assert_plain(r, 429, THROTTLED)
        assert r.header("retry-after") == "1"
        # A success on B resets A.
        time.sleep(1.1)
        login_ok(b, user, pw)
        for _ in range(2):
            assert_plain(login(a, user, wrong_password()), 401, DENIED)
        login_ok(a, user, pw)
        # A logout on A holds on B.
        assert post(a, LOGOUT, headers={HDR: tok}).status == 200
        assert_plain(get_admin(b, tok), 401, NOT_VALIDATED)
    finally:
        for f in filler:
            f.close()


def outlive(db, tok):
    """The strict server's sessions last 3 s: this one an hour."""
    sid, _ = decode_token(tok)
    sql(db, 'UPDATE roachgate.web_sessions SET "expiresAt" = '
        "now() + interval '1 hour' WHERE id = %s", sid)


def test_cache_logout_on_every_worker(strict, creds, db):
    """Both workers have the session cached (connections made before
    and after filling the first worker), then a logout: every request
    after it gets 401, on either worker, well within session_cache_ms."""
    (admin, apw), _ = creds
    first = [fresh(strict) for _ in range(4)]
    for c in first:
        assert c.get("/api/v2/health/").status == 200
    filler = other_worker(strict)
    try:
        second = [fresh(strict) for _ in range(4)]
        tok = login_ok(second[0], admin, apw)
        outlive(db, tok)
        for _ in range(2):
            for c in first + second:
                assert get_admin(c, tok).status == 200
        r = post(first[0], LOGOUT, headers={HDR: tok})
        assert r.status == 200, r
        for c in second + first:
            assert_plain(get_admin(c, tok), 401, NOT_VALIDATED)
        for c in first + second:
            assert_plain(get_admin(c, tok), 401, NOT_VALIDATED)
    finally:
        for f in filler:
            f.close()


def test_cache_expiry_is_exact(strict, creds, db):
    """With 3-second sessions and a 5-second cache: every answer received
    before "expiresAt" is 200, every request sent at or after it is 401,
    on kept and new connections."""
    (admin, apw), _ = creds
    tok = login_ok(fresh(strict), admin, apw, keepalive=False)
    sid, _ = decode_token(tok)
    expires = float(sql(db, 'SELECT extract(epoch FROM "expiresAt") FROM '
                        "roachgate.web_sessions WHERE id = %s", sid)[0][0])
    kept = [fresh(strict) for _ in range(4)]
    seen = []
    # Past the expiry by 0.5 s and by one request at least, however slow.
    while (time.time() < expires + 0.5 or not seen or
           seen[-1][0] < expires) and \
            time.time() < expires + 60:
        for c in kept + [fresh(strict)]:
            sent = time.time()
            r = get_admin(c, tok, keepalive=c in kept)
            seen.append((sent, time.time(), r.status))
    before = [st for sent, got, st in seen if got < expires]
    after = [st for sent, got, st in seen if sent >= expires]
    assert before and after, seen
    assert set(before) == {200}, seen
    assert set(after) == {401}, seen


def test_cache_role_revocation_within_bound(strict, role, db):
    """A revoked admin role holds at most session_cache_ms (5 s) after
    the cached answer: every request sent later is a 403."""
    name, pw = role()
    sql(db, "GRANT pg_monitor TO %s" % name)
    c = fresh(strict)
    tok = login_ok(c, name, pw)
    outlive(db, tok)
    assert get_admin(c, tok).status == 200
    cached = time.time()
    sql(db, "REVOKE pg_monitor FROM %s" % name)
    late = []
    # Until a few requests were sent past the bound, however slow the
    # machine is (a loaded one may answer a request in more than 0.5 s).
    while len(late) < 3 and time.time() < cached + 60:
        sent = time.time()
        st = get_admin(c, tok).status
        if sent >= cached + 5.0:
            late.append(st)
        time.sleep(0.1)
    assert late and set(late) == {403}, late


def test_short_session_lifetime(strict, creds, db):
    (admin, apw), _ = creds
    c = fresh(strict)
    tok = login_ok(c, admin, apw)
    sid, _ = decode_token(tok)
    lifetime = sql(db, 'SELECT extract(epoch FROM "expiresAt" - '
                   '"createdAt") FROM roachgate.web_sessions WHERE id = %s',
                   sid)[0][0]
    assert abs(float(lifetime) - 3) < 0.5
    assert get_admin(c, tok).status == 200
    time.sleep(3.5)
    assert_plain(get_admin(c, tok), 401, NOT_VALIDATED)


@pytest.fixture
def single(server):
    """One worker and a 1.5 s login timeout, restored afterwards."""
    orig, workers = server.extra_conf, server.workers
    server.workers = 1
    server.restart(orig + "login_timeout_ms 1500\n")
    try:
        yield server
    finally:
        server.workers = workers
        server.restart(orig)


def test_login_does_not_block_the_worker(single, creds):
    """A login waiting on an unresponsive primary (postmaster stopped:
    TCP connects, nobody answers) neither stalls the only worker nor
    outlives login_timeout_ms; it ends in the generic 500."""
    (admin, apw), _ = creds
    pidfile = os.path.join(single.cluster_dir, "pg", "n1", "postmaster.pid")
    with open(pidfile) as f:
        postmaster = int(f.readline())
    out = {}

    def slow_login():
        t0 = time.monotonic()
        out["r"] = login(single.client(), admin, apw, keepalive=False)
        out["t"] = time.monotonic() - t0

    os.kill(postmaster, signal.SIGSTOP)
    try:
        t = threading.Thread(target=slow_login)
        t.start()
        time.sleep(0.3)
        c = single.client()
        lat = []
        while t.is_alive() and len(lat) < 200:
            t0 = time.monotonic()
            assert c.get("/api/v2/health/").status == 200
            lat.append(time.monotonic() - t0)
            time.sleep(0.02)
        t.join(10)
    finally:
        os.kill(postmaster, signal.SIGCONT)
    assert_plain(out["r"], 500, GENERIC)
    assert 1.3 < out["t"] < 3.0, out["t"]
    assert len(lat) >= 10
    assert max(lat) < 0.5, max(lat)
    login_ok(single.client(), admin, apw)


# --- the log ---------------------------------------------------------------

def test_zz_no_secret_in_log(server):
    """Runs last in this module: no password or token was ever logged."""
    log = server.log()
    assert "login" in log
    leaked = [s for s in SECRETS if s in log]
    assert not leaked, "secrets in the server log: %d" % len(leaked)
    for s in SECRETS:
        assert urllib.parse.quote_plus(s) not in log
