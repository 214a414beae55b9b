"""Input size cannot exhaust the server: every process stays small, and a
value of every parameter of every route (kore.conf's `params` blocks), as
long as a request line may be, is answered as its short twin is.

Before the validators were C functions, glibc's regcomp of `{1,16384}` and
`{1,8192}` made every process hold about 2.6 GB from start-up, and one
long value cost a worker seconds of CPU and another 1.5 GB.  No timing is
asserted: the long and short answers' times are only printed."""

import os
import re
import time
import urllib.parse
import uuid

import pytest

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")

# The longest request-target Kore takes (HTTP_URI_LEN 2000, less one).
TARGET_MAX = 1998
# The largest form body (kore.conf http_body_max).
BODY_MAX = 16384
# A process of this server needs a few tens of MB; the regexes made 2.6 GB.
RSS_MAX_KB = 256 * 1024

# Per validator: a character it accepts, its length bound, a short value
# that fails it for another reason than length, and the short twin of a
# long valid value.  A value at the bound is compared with the character
# alone; a value past the bound with the short invalid one.
VALIDATORS = {
    "v_bool": ("t", 1, "x", "t"),
    "v_int": ("1", 19, "x", "1"),
    "v_token": ("A", 16384, "!", "A"),
    "v_ids": ("9", 8192, "x", "9" * 20),     # both overflow int64
    "v_node": ("a", 64, "!", "a"),
    "v_username": ("a", 63, "\x01", "a"),
    "v_password": ("a", 1024, "\x01", "a"),
    "v_event_type": ("a", 256, "\x01", "a"),
}

# Placeholders for the regex routes of kore.conf.
ROUTE_PATHS = {
    "^/api/v2/nodes/([^/]+)/ranges/$": "/api/v2/nodes/1/ranges/",
    "^/api/v2/databases/[A-Za-z0-9_.]+/grants/$":
        "/api/v2/databases/roachgate/grants/",
    "^/api/v2/databases/[A-Za-z0-9_.]+/tables/$":
        "/api/v2/databases/roachgate/tables/",
}


def declared_params():
    """(method, where, path, name, validator) from kore.conf."""
    out = []
    cur = None
    with open(os.path.join(ROOT, "kore.conf")) as f:
        for line in f:
            m = re.match(r"\s*params\s+(qs:)?(get|post)\s+(\S+)\s*\{", line)
            if m:
                where = "qs" if m.group(1) else "body"
                path = ROUTE_PATHS.get(m.group(3), m.group(3))
                cur = (m.group(2).upper(), where, path)
                continue
            m = re.match(r"\s*validate\s+(\S+)\s+(\S+)", line)
            if m and cur:
                out.append(cur + (m.group(1), m.group(2)))
            if line.strip() == "}":
                cur = None
    return out


PARAMS = declared_params()


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def check_rss(server):
    pids = [server.pid()] + list(server.processes())
    sizes = {p: rss_kb(p) for p in pids}
    for p, kb in sizes.items():
        assert kb < RSS_MAX_KB, "process %d holds %d kB" % (p, kb)
    return sizes


@pytest.fixture(scope="module")
def admin(server):
    return server.client().login(*server.admin)


def send(server, admin, method, where, path, name, value):
    """One request with name=value (and a fresh user name at login, so no
    throttle entry is shared with other tests); returns (status, secs)."""
    fields = {name: value}
    if path == "/api/v2/login/" and name != "username":
        fields["username"] = "rg_nosuch_" + uuid.uuid4().hex[:8]
    qs = urllib.parse.urlencode(fields)
    c = server.client()
    headers = {"X-Cockroach-API-Session": admin}
    t = time.monotonic()
    if where == "qs":
        r = c.request(method, path + "?" + qs, headers=headers,
                      keepalive=False)
    else:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        r = c.request(method, path, body=qs, headers=headers,
                      keepalive=False)
    return r.status, time.monotonic() - t


def longest(path, where, name, ch):
    """ch repeated to fill the request-target or the body."""
    room = (TARGET_MAX - len(path) - 1 if where == "qs" else BODY_MAX)
    room -= len(name) + 1 + 40      # the fresh user name at login
    enc = len(urllib.parse.quote(ch, safe=""))
    return ch * (room // enc)


def same(path, a, b):
    # A login refused by the throttle (429) is still the refusal of a
    # name that cannot exist; other tests may have counted failures.
    if path == "/api/v2/login/":
        return {a, b} <= {401, 429} or a == b
    return a == b


def test_start_up_rss_is_bounded(server):
    sizes = check_rss(server)
    print("RSS kB per process:", sorted(sizes.values()))


def test_params_cover_every_validated_route():
    paths = {p[2] for p in PARAMS}
    assert len(PARAMS) >= 15 and len(paths) >= 6, PARAMS
    assert {p[4] for p in PARAMS} <= set(VALIDATORS)


@pytest.mark.parametrize("method,where,path,name,validator", PARAMS,
                         ids=["%s %s %s %s" % p[:4] for p in PARAMS])
def test_longest_value_answers_as_its_short_twin(server, admin, method,
                                                 where, path, name,
                                                 validator):
    ch, bound, invalid, twin = VALIDATORS[validator]
    long = longest(path, where, name, ch)
    if len(long) > bound:
        cases = [(ch * bound, ch), (long, invalid)]
    else:
        cases = [(long, twin)]
    for value, twin in cases:
        s_long, t_long = send(server, admin, method, where, path, name,
                              value)
        s_short, t_short = send(server, admin, method, where, path, name,
                                twin)
        print("%s %s %s len %d: %d in %.3fs, short: %d in %.3fs" % (
            method, path, name, len(value), s_long, t_long, s_short,
            t_short))
        assert s_long < 500
        assert same(path, s_long, s_short), (len(value), s_long, s_short)
    check_rss(server)
