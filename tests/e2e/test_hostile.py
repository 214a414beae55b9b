"""Hostile and unusual requests, table-driven: oversized, malformed,
pipelined, slow, non-ASCII.  Each gets the status RFC 9112/9110 (or Go's
net/http, which CockroachDB serves with) gives it, never a silent close,
and nothing else changes: the same worker processes serve a fresh client
afterwards and no session was created or dropped.  Kore patches 0006-0007
make these pass."""

import re
import socket
import ssl
import time

import psycopg2
import pytest

H = b"Host: 127.0.0.1\r\n"
CLOSE = b"Connection: close\r\n"


def get(path, extra=b"", version=b"HTTP/1.1"):
    return b"GET " + path + b" " + version + b"\r\n" + H + extra + b"\r\n"


HEALTH = b"/api/v2/health/"

# (id, request bytes, statuses of the answers, in order)
CASES = [
    # RFC 9112 9.3.2: pipelined requests are answered in order.
    ("pipelined-3", get(HEALTH) + get(HEALTH + b"?ready=x") +
     get(b"/api/v2/nodes/", CLOSE), [200, 400, 401]),
    ("pipelined-after-body",
     b"POST /api/v2/nosuch/ HTTP/1.1\r\n" + H +
     b"Content-Type: application/x-www-form-urlencoded\r\n"
     b"Content-Length: 3\r\n\r\nx=1" + get(HEALTH, CLOSE), [404, 200]),
    ("pipelined-in-one-write-x10", get(HEALTH) * 9 + get(HEALTH, CLOSE),
     [200] * 10),
    # Too large: a status, never a silent close.
    ("url-3k", get(HEALTH + b"?x=" + b"a" * 3000), [414]),
    ("url-100k", get(HEALTH + b"?x=" + b"a" * 100000), [414]),
    ("header-8k", get(HEALTH, b"X-A: " + b"a" * 8000 + b"\r\n"), [431]),
    ("header-100k", get(HEALTH, b"X-A: " + b"a" * 100000 + b"\r\n"),
     [431]),
    ("header-lines-70",
     get(HEALTH, b"".join(b"X-%d: a\r\n" % i for i in range(70))), [431]),
    # 63 lines are kept (request line, Host, 60 fields, Connection).
    ("header-lines-63",
     get(HEALTH, b"".join(b"X-%d: a\r\n" % i for i in range(60)) + CLOSE),
     [200]),
    ("header-lines-64",
     get(HEALTH, b"".join(b"X-%d: a\r\n" % i for i in range(61)) + CLOSE),
     [431]),
    ("body-too-large",
     b"POST /api/v2/login/ HTTP/1.1\r\n" + H +
     b"Content-Length: 20000\r\n\r\n", [413]),
    ("query-args-40",
     get(HEALTH + b"?" + b"&".join(b"a%d=1" % i for i in range(40)),
         CLOSE), [200]),
    # RFC 9110 5.5: HTAB and obs-text are field content; controls not.
    ("header-tab", get(HEALTH, b"User-Agent: a\tb\r\n" + CLOSE), [200]),
    ("header-utf8", get(HEALTH, "User-Agent: café\r\n".encode() + CLOSE),
     [200]),
    ("header-latin1", get(HEALTH, b"X-A: \xe9\xff\r\n" + CLOSE), [200]),
    ("header-trailing-ows", get(HEALTH, b"X-A: b \t\r\n" + CLOSE), [200]),
    ("header-control", get(HEALTH, b"User-Agent: a\x01b\r\n"), [400]),
    ("header-nul", get(HEALTH, b"User-Agent: a\x00b\r\n"), [400]),
    ("header-no-colon", get(HEALTH, b"Bogus\r\n"), [400]),
    ("header-name-utf8", get(HEALTH, "Ü: a\r\n".encode()), [400]),
    ("no-host", b"GET /api/v2/health/ HTTP/1.1\r\n\r\n", [400]),
    ("path-utf8", get("/api/v2/hé/".encode(), CLOSE), [404]),
    # Versions as Go: HTTP/1.x is served, another major is 505 (HTTP/2.0
    # in a request line too), what is not HTTP/d.d is 400.
    ("version-2.0", get(HEALTH, version=b"HTTP/2.0"), [505]),
    ("version-3.0", get(HEALTH, version=b"HTTP/3.0"), [505]),
    ("version-0.9", get(HEALTH, version=b"HTTP/0.9"), [505]),
    ("version-1.2", get(HEALTH, CLOSE, version=b"HTTP/1.2"), [200]),
    ("version-1.0", get(HEALTH, version=b"HTTP/1.0"), [200]),
    ("version-1.10", get(HEALTH, version=b"HTTP/1.10"), [400]),
    ("version-lowercase", get(HEALTH, version=b"http/1.1"), [400]),
    ("version-garbage", get(HEALTH, version=b"FOO"), [400]),
    ("request-line-2-parts", b"GET /api/v2/health/\r\n" + H + b"\r\n",
     [400]),
]


def connect(server):
    ctx = ssl.create_default_context(cafile=server.ca)
    s = socket.create_connection(("127.0.0.1", server.port), timeout=30)
    return ctx.wrap_socket(s, server_hostname="127.0.0.1")


def read_until_close(t, timeout=15):
    """Everything the server sends until it closes the connection."""
    t.settimeout(timeout)
    data = b""
    while True:
        try:
            chunk = t.recv(65536)
        except (ConnectionResetError, ssl.SSLError):
            break
        if not chunk:
            break
        data += chunk
    return data


def statuses(data):
    return [int(s) for s in re.findall(rb"HTTP/1\.[01] (\d{3}) ", data)]


@pytest.fixture(scope="module")
def state(server):
    """What must not change: the workers, the sessions table."""
    def snapshot():
        with psycopg2.connect(server.superuser_dsn(1)) as conn:
            with conn.cursor() as cur:
                cur.execute("SELECT count(*) FROM roachgate.web_sessions")
                n = cur.fetchone()[0]
        return (sorted(server.processes()), n)
    return snapshot


@pytest.mark.parametrize("name,request_bytes,want", CASES,
                         ids=[c[0] for c in CASES])
def test_hostile_request(server, state, name, request_bytes, want):
    before = state()
    with connect(server) as t:
        try:
            t.sendall(request_bytes)
        except OSError:
            pass    # answered and closed before all was sent: read it
        data = read_until_close(t)
    assert statuses(data) == want, data[:600]
    # A fresh client is served by the same processes; nothing was stored.
    assert server.client().get("/api/v2/health/",
                               keepalive=False).status == 200
    assert state() == before


def test_slow_request_completes(server):
    """A request sent in pieces, well within the header timeout."""
    req = get(HEALTH, CLOSE)
    with connect(server) as t:
        for i in range(0, len(req), 7):
            t.sendall(req[i:i + 7])
            time.sleep(0.1)
        assert statuses(read_until_close(t)) == [200]


def test_started_request_times_out_with_408(server):
    """A request that starts and never ends gets 408 (header timeout)."""
    with connect(server) as t:
        t.sendall(b"GET /api/v2/health/ HTTP/1.1\r\n" + H)
        data = read_until_close(t, timeout=30)
    assert statuses(data) == [408], data


def test_idle_keepalive_is_not_answered_408(server):
    """`keep-alive: timeout=20`: idle 13 s after an answer (past the 10 s
    header timeout), the connection still serves, with no unsolicited
    408 in between."""
    with connect(server) as t:
        t.sendall(get(HEALTH))
        t.settimeout(10)
        first = t.recv(65536)
        assert statuses(first) == [200]
        assert b"keep-alive: timeout=20" in first
        t.settimeout(13)
        with pytest.raises(socket.timeout):
            extra = t.recv(65536)
            raise AssertionError("unsolicited: %r" % extra)
        t.settimeout(10)
        t.sendall(get(HEALTH, CLOSE))
        assert statuses(read_until_close(t)) == [200]
