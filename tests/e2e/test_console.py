"""The web console's files (src/console.c) and its session cookie
(src/cookie.c), over verified TLS; the page itself is tested in a real
browser (tests/browser)."""

import gzip
import hashlib
import os
import shutil
import signal
import subprocess

import pytest

from rgtest import ROOT, Client, free_port, read_ready

FILES = {"/": ("index.html", "text/html; charset=utf-8"),
         "/console.js": ("console.js", "text/javascript; charset=utf-8"),
         "/console.css": ("console.css", "text/css; charset=utf-8"),
         "/favicon.svg": ("favicon.svg", "image/svg+xml")}
HDR = "X-Cockroach-API-Session"


def asset(name):
    with open(os.path.join(ROOT, "assets", name), "rb") as f:
        return f.read()


def test_console_is_small():
    total = sum(len(asset(n)) for n in os.listdir(os.path.join(ROOT, "assets")))
    assert total < 100 * 1024


@pytest.mark.parametrize("path", sorted(FILES))
def test_files_identity_and_gzip(client, path):
    name, ctype = FILES[path]
    body = asset(name)
    etag = '"%s"' % hashlib.sha256(body).hexdigest()

    r = client.get(path)
    assert r.status == 200, r
    assert r.body == body
    assert r.header("content-type") == ctype
    assert r.header("content-encoding") is None
    assert r.header("etag") == etag
    assert r.header("cache-control") == "no-cache"
    assert r.header("vary") == "Accept-Encoding"
    assert r.header("x-content-type-options") == "nosniff"
    csp = r.header("content-security-policy")
    assert "default-src 'none'" in csp and "script-src 'self'" in csp
    assert "style-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe" not in csp

    r = client.get(path, headers={"Accept-Encoding": "br, gzip;q=0.8"})
    assert r.status == 200
    assert r.header("content-encoding") == "gzip"
    assert gzip.decompress(r.body) == body
    assert r.header("etag") == etag[:-1] + '-gz"'

    # q=0 refuses gzip: identity.
    r = client.get(path, headers={"Accept-Encoding": "gzip;q=0, deflate"})
    assert r.header("content-encoding") is None and r.body == body

    # Revalidation: 304 without a body, for either copy.
    r = client.get(path, headers={"If-None-Match": etag})
    assert r.status == 304 and r.body == b""
    r = client.get(path, headers={"If-None-Match": '"other", ' + etag[:-1] +
                                  '-gz"', "Accept-Encoding": "gzip"})
    assert r.status == 304
    r = client.get(path, headers={"If-None-Match": '"other"'})
    assert r.status == 200


def test_other_paths_and_methods(client):
    assert client.get("/index.html").status == 404
    assert client.get("/console.js/").status == 404
    r = client.request("POST", "/", body="x")
    assert r.status == 405
    r = client.request("HEAD", "/console.js")
    assert r.status == 200 and r.body == b""


def cookie_of(r):
    v = r.header("set-cookie")
    assert v is not None, r
    return v


def test_login_sets_the_cookie_only_when_asked(server, client):
    user, pw = server.admin
    r = client.post_form("/api/v2/login/", {"username": user, "password": pw})
    assert r.status == 200 and r.header("set-cookie") is None

    r = client.post_form("/api/v2/login/", {"username": user, "password": pw},
                         headers={HDR: "cookie"})
    assert r.status == 200
    tok = r.json()["session"]
    c = cookie_of(r)
    assert c == ("session=%s; Path=/; HttpOnly; Secure; SameSite=Strict" % tok)

    # The cookie works in cookie mode only (the hook's CSRF guard).
    ck = {"Cookie": "session=" + tok}
    assert client.get("/api/v2/nodes/", session="cookie", headers=ck).status == 200
    assert client.get("/api/v2/nodes/", headers=ck).status == 401

    # A failed login sets no cookie.
    r = client.post_form("/api/v2/login/", {"username": user, "password": "x"},
                         headers={HDR: "cookie"})
    assert r.status == 401 and r.header("set-cookie") is None


def test_cookie_logout_revokes_and_expires(server, client):
    tok = client.post_form("/api/v2/login/", dict(zip(
        ("username", "password"), server.admin)),
        headers={HDR: "cookie"}).json()["session"]
    ck = {"Cookie": "session=" + tok}
    r = client.request("POST", "/api/v2/logout/", headers=dict(ck, **{HDR: "cookie"}))
    assert r.status == 200 and r.json() == {"logged_out": True}
    c = cookie_of(r)
    assert c.startswith("session=;") and "Max-Age=0" in c
    assert client.get("/api/v2/nodes/", session="cookie", headers=ck).status == 401
    assert client.get("/api/v2/nodes/", session=tok).status == 401


# --- make run FIXTURE=... ------------------------------------------------

def run_sh(fixture, port, rundir):
    env = dict(os.environ, ROACHGATE_PORT=str(port), ROACHGATE_RUNDIR=rundir,
               FIXTURE=fixture)
    return subprocess.Popen(["scripts/run.sh"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, start_new_session=True)


def test_fixture_mode_refuses_bad_settings():
    rundir = os.path.join(ROOT, "run", "fixbad-%d" % os.getpid())
    p = run_sh("nodes=4,color=red", free_port(26650), rundir)
    out, _ = p.communicate(timeout=120)
    shutil.rmtree(rundir, ignore_errors=True)
    assert p.returncode != 0
    assert "FIXTURE: unknown key 'color'" in out
    assert "roachgate ready" not in out


def test_fixture_mode_serves_the_generated_cluster():
    port = free_port(26660)
    rundir = os.path.join(ROOT, "run", "fixrun-%d" % os.getpid())
    p = run_sh("nodes=4,ranges=2000,sessions=30,seed=5", port, rundir)
    try:
        ready, lines = read_ready(p, 300)
        assert ready, "".join(lines)
        assert int(ready.group(1)) == port
        console = p.stdout.readline()
        assert console.startswith("console: https://127.0.0.1:%d/ " % port)
        c = Client(port, ready.group(2))
        assert c.get("/").status == 200
        tok = c.login(ready.group(3), ready.group(4))
        r = c.get("/api/v2/nodes/", session=tok)
        assert [n["node_id"] for n in r.json()["nodes"]] == [1, 2, 3, 4]
        r = c.get("/api/v2/sessions/", session=tok)
        assert len(r.json()["sessions"]) == 30
        r = c.get("/api/v2/nodes/1/ranges/?limit=1", session=tok)
        assert r.status == 200 and len(r.json()["ranges"]) == 1
    finally:
        os.killpg(p.pid, signal.SIGTERM)
        p.wait(timeout=120)
        shutil.rmtree(rundir, ignore_errors=True)
