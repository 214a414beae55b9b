import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))

from fixture import shared_fixture_server  # noqa: E402
from rgtest import Server  # noqa: E402

# A short node timeout (the production default, 3 s: the live readers
# of hot ranges and sessions took more than 1.5 s under a full run) and
# fast sampling keep failure tests quick.  The live
# cluster's tests compare answers with statistics read at the same moment
# (a session just opened, a node just stopped), so they read live
# (snapshot_max_age_ms 0); test_snapshot.py covers the snapshot.
EXTRA_CONF = """\
node_timeout_ms 3000
sample_interval_ms 1000
snapshot_max_age_ms 0
"""


@pytest.fixture(scope="session")
def server():
    s = Server("e2e", standbys=2, extra_conf=EXTRA_CONF)
    s.start_cluster()
    try:
        s.start()
        yield s
    finally:
        s.teardown()


@pytest.fixture
def client(server):
    return server.client()


@pytest.fixture(scope="module")
def admin(server):
    """A session of the demo cluster's admin."""
    return server.client().login(*server.admin)


@pytest.fixture(scope="module")
def fixture_server(server):
    """The fixture provider's server (tests/lib/fixture.py), shared."""
    return shared_fixture_server(server)


@pytest.fixture(scope="module")
def fadmin(fixture_server):
    """A session of the fixture server's admin."""
    return fixture_server.client().login(*fixture_server.admin)
