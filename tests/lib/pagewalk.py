"""Token pagination for the end-to-end tests of /sessions/ and /ranges/hot/.

- PageState: a Python model of CockroachDB's paginationState (token text,
  mergeNodeIDs, paginate) and of rpcNodePaginator's consuming side
  (expected_page), to predict every page and `next` token exactly.
- walk(): follow `next` tokens the way CockroachDB's own test does (until a
  page is shorter than the limit).
- go_time(): time.Time.MarshalJSON (RFC3339Nano, UTC) of int64 ns;
  go_time_ns(): back from that text to ns (it does not sort as text:
  "...:05Z" is before "...:05.5Z").
"""

import base64
import datetime

ZERO_TOKEN = "fDB8MHw="          # "|0|0|"
ZERO_TIME = "0001-01-01T00:00:00Z"


def token_text(tok):
    return base64.urlsafe_b64decode(tok.encode()).decode()


def make_token(text):
    return base64.urlsafe_b64encode(text.encode()).decode()


def go_time(ns):
    secs, frac = divmod(ns, 1000000000)
    t = datetime.datetime(1970, 1, 1) + datetime.timedelta(seconds=secs)
    s = t.strftime("%Y-%m-%dT%H:%M:%S")
    if frac:
        s += "." + ("%09d" % frac).rstrip("0")
    return s + "Z"


def go_time_ns(text):
    whole, _, frac = text[:-1].partition(".")
    assert text.endswith("Z") and len(frac) <= 9, text
    t = datetime.datetime.strptime(whole, "%Y-%m-%dT%H:%M:%S")
    secs = (t - datetime.datetime(1970, 1, 1)) // datetime.timedelta(
        seconds=1)
    return secs * 1000000000 + int(frac.ljust(9, "0"))


class PageState:
    """paginationState (pkg/server/pagination.go)."""

    def __init__(self, queried=(), in_progress=0, index=0, to_query=()):
        self.queried = list(queried)
        self.in_progress = in_progress
        self.index = index
        self.to_query = list(to_query)

    def text(self):
        return ("".join("%d," % n for n in self.queried) +
                "|%d|%d|" % (self.in_progress, self.index) +
                "".join("%d," % n for n in self.to_query))

    def token(self):
        return make_token(self.text())

    def merge(self, ids):
        known = set(self.queried) | set(self.to_query) | {self.in_progress}
        self.to_query += [n for n in sorted(ids) if n not in known]
        if self.in_progress == 0 and self.to_query:
            self.in_progress = self.to_query.pop(0)
            self.index = 0

    def nodes(self):
        return ([self.in_progress] if self.in_progress else []) + \
            self.to_query

    def paginate(self, limit, node, length):
        if limit <= 0 or self.in_progress == 0:
            return 0, 0, 0
        if self.in_progress != node:
            self.queried.append(self.in_progress)
            self.in_progress, self.index = 0, 0
            if node not in self.to_query:
                raise KeyError(node)
            i = self.to_query.index(node)
            self.queried += self.to_query[:i]
            self.in_progress = node
            self.to_query = self.to_query[i + 1:]
        start = end = 0
        done = False
        if length > 0:
            start = min(self.index, length)
            if start + limit >= length:
                end, done = length, True
            else:
                end = start + limit
            limit -= end - start
            self.index = end
        if done:
            self.queried.append(node)
            self.index = 0
            self.in_progress = self.to_query.pop(0) if self.to_query else 0
        return start, end, limit


def expected_page(state, limit, lists, nodes=None):
    """One page: lists maps node id -> its full sorted list, or None for a
    node that fails; nodes are the server's node ids (default: lists').
    Returns ([(node, items or None)], next PageState)."""
    st = PageState(state.queried, state.in_progress, state.index,
                   state.to_query)
    st.merge(list(lists) if nodes is None else list(nodes))
    orig_ip, orig_idx = st.in_progress, st.index
    out, left, cur = [], limit, 0
    for node in st.nodes():
        items = lists.get(node)
        if items is None:
            out.append((node, None))
            length = 0
        else:
            s, e, left = st.paginate(left, node, len(items))
            out.append((node, items[s:e]))
            length = len(items)
        cur += length - (min(length, orig_idx) if node == orig_ip else 0)
        if cur >= limit:
            break
    return out, st


def expected_walk(lists, limit):
    """Every page of a walk from the zero state until a short page."""
    st, pages = PageState(), []
    while True:
        out, st = expected_page(st, limit, lists)
        pages.append((out, st.token()))
        n = sum(len(items) for _, items in out if items is not None)
        if n < limit:
            return pages
        assert len(pages) < 100000


def walk(fetch, limit, count):
    """Follow `next` from no token until a page holds fewer than limit
    items.  fetch(start) -> parsed body (start None on the first call);
    count(body) -> items on that page.  Returns the bodies."""
    bodies, start = [], None
    while True:
        body = fetch(start)
        bodies.append(body)
        n = count(body)
        assert n <= limit, (n, limit)
        assert body["next"], body
        if n < limit:
            return bodies
        start = body["next"]
        assert len(bodies) < 100000
