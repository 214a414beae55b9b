"""GET /api/v2/health/ (src/REFERENCE.md, "GET /health/"), over verified
TLS."""

import pytest

from rgtest import Client, assert_plain

GENERIC = ("An internal server error has occurred. Please check your "
           "CockroachDB logs for more details.\n")

TRUE_FORMS = ["1", "t", "T", "TRUE", "true", "True"]
FALSE_FORMS = ["0", "f", "F", "FALSE", "false", "False", ""]


def assert_empty_json(r):
    assert r.status == 200, r
    assert r.body == b"{}"
    assert r.header("content-type") == "application/json"


def test_no_parameter(client):
    assert_empty_json(client.get("/api/v2/health/"))


@pytest.mark.parametrize("v", TRUE_FORMS + FALSE_FORMS)
def test_every_parsebool_form(client, v):
    assert_empty_json(client.get("/api/v2/health/?ready=" + v))


@pytest.mark.parametrize("v", ["yes", "no", "2", "tRUE", "true%20", "%00",
                               "1.0", "on", "truee"])
def test_bad_ready_value(client, v):
    assert_plain(client.get("/api/v2/health/?ready=" + v), 400,
                 "invalid ready value\n")


def test_first_value_wins_like_go(client):
    # Go reads the first value; Kore would hand over the valid second one.
    assert_plain(client.get("/api/v2/health/?ready=yes&ready=true"), 400,
                 "invalid ready value\n")
    assert_empty_json(client.get("/api/v2/health/?ready=true&ready=yes"))


def test_unknown_parameters_ignored(client):
    assert_empty_json(client.get("/api/v2/health/?foo=bar&ready=1"))


def test_wrong_method(client):
    r = client.request("POST", "/api/v2/health/", body=b"",
                       keepalive=False)
    assert r.status == 405


def test_wrong_paths(client):
    # "/" is the web console (tests/e2e/test_console.py).
    for path in ["/api/v2/health", "/api/v2/healthz/", "/api/v2/",
                 "/index.html", "/api/v2/nodes"]:
        assert_plain(client.get(path, keepalive=False), 404,
                     "404 page not found\n")


def test_no_version_banner(client):
    r = client.get("/api/v2/health/")
    assert "kore" not in (r.header("server") or "").lower()


def test_ready_follows_the_primary(server):
    c = server.client()
    assert_empty_json(c.get("/api/v2/health/?ready=true"))
    server.stop_node(1)
    try:
        r = c.get("/api/v2/health/?ready=true", keepalive=False)
        assert_plain(r, 500, GENERIC)
        # Not ready is about this server only.
        assert_empty_json(c.get("/api/v2/health/?ready=false"))
    finally:
        server.start_node(1)
    # A pooled connection to the restarted primary fails once, then
    # reconnects: no server restart is needed.
    server.wait_for(
        lambda: c.get("/api/v2/health/?ready=true",
                      keepalive=False).status == 200,
        timeout=30, what="ready=true after the primary returned")
    assert "readiness: primary n1" in server.log()
    assert "statement_timeout" not in r.text


def test_certificate_is_verified(server):
    import ssl
    # A client that trusts only the system CAs must refuse the server.
    c = Client(server.port, server.ca)
    c.ctx = ssl.create_default_context()
    with pytest.raises(ssl.SSLError):
        c.get("/api/v2/health/")


def test_hung_primary_never_blocks_a_worker(server):
    """A primary that stops answering costs ready=true the node timeout,
    and nothing else: requests on the same workers keep flowing."""
    import threading
    import time

    from rgtest import frozen

    c = server.client()
    assert_empty_json(c.get("/api/v2/health/?ready=true"))
    workers = sorted(server.processes())
    logged = len(server.log())
    slow = {}

    def ready():
        try:
            r = server.client().get("/api/v2/health/?ready=true",
                                    keepalive=False)
            key = r.status
        except Exception as e:  # recorded, so the assertion shows it
            key = repr(e)
        slow[key] = slow.get(key, 0) + 1

    with frozen(server, 1):
        threads = [threading.Thread(target=ready) for _ in range(4)]
        t0 = time.time()
        for t in threads:
            t.start()
        # Meanwhile every worker keeps answering: requests on new
        # connections (spread over both workers by SO_REUSEPORT) are
        # answered while all four ready=true requests still wait. A worker
        # blocked on the hang would hold its share until the node timeout.
        answered = 0
        while all(t.is_alive() for t in threads) and answered < 20:
            assert_empty_json(server.client().get("/api/v2/health/",
                                                  keepalive=False))
            answered += 1
        for t in threads:
            t.join()
        waited = time.time() - t0
    assert slow == {500: 4}, slow
    # Bounded by the node timeout (3 s in the fixture), not by the hang.
    assert waited < 10, waited
    assert answered == 20, answered
    server.wait_for(
        lambda: c.get("/api/v2/health/?ready=true",
                      keepalive=False).status == 200,
        timeout=30, what="ready=true after the primary resumed")
    # No worker died on the way (e.g. Kore's "sleeping request on list").
    assert sorted(server.processes()) == workers
    assert "exited" not in server.log()[logged:]


def test_many_parameters(client):
    """Kore parses only its first 19 query arguments; Go reads them all.
    The validator declared in kore.conf still decides on the value Go
    would read."""
    filler = "&".join("a%d=%d" % (i, i) for i in range(25))
    assert_empty_json(client.get("/api/v2/health/?%s&ready=true" % filler))
    assert_plain(client.get("/api/v2/health/?%s&ready=yes" % filler), 400,
                 "invalid ready value\n")
