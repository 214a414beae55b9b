"""Fixtures for the status catalog tests.

A real demo cluster (primary + 2 streaming standbys, scripts/cluster.sh) and
a standalone server holding fixture node databases (scripts/fixture.sh),
both under temporary run directories, stopped at the end of the session.
Run with Debian's interpreter: /usr/bin/python3 -m pytest tests/sql
Environment: RG_SQLTEST_BASE_PORT (default 26800), RG_SQLTEST_KEEP=1 keeps
the run directories (the servers are stopped regardless),
RG_SQLTEST_SKIP_BIG=1 skips the 1,000,000-range generator run.
"""
import os
import shutil
import subprocess
import tempfile

import pytest

from sqlcat import (BASE_PORT, CLUSTER_SH, FIXTURE_ARGS, Cluster, Provider,
                    run_fixture, sh)


def _start(prefix, standbys, base_port):
    rundir = tempfile.mkdtemp(prefix=prefix, dir="/tmp")
    os.chmod(rundir, 0o755)  # the postgres user must traverse it
    try:
        sh(CLUSTER_SH, "start", rundir, "--standbys", standbys,
           "--base-port", base_port)
    except Exception:
        subprocess.run([str(CLUSTER_SH), "stop", rundir], capture_output=True)
        raise
    return Cluster(rundir)


def _stop(cluster):
    sh(CLUSTER_SH, "stop", cluster.rundir)
    if os.environ.get("RG_SQLTEST_KEEP") != "1":
        shutil.rmtree(cluster.rundir, ignore_errors=True)


@pytest.fixture(scope="session")
def cluster():
    c = _start("rg-sqltest-", 2, BASE_PORT)
    yield c
    _stop(c)


@pytest.fixture(scope="session")
def fixture_server():
    """A standalone server (no standbys) for the fixture databases."""
    c = _start("rg-sqlfix-", 0, BASE_PORT + 20)
    yield c
    _stop(c)


@pytest.fixture(scope="session")
def fixture_dbs(fixture_server):
    return run_fixture(fixture_server, "rgfix_", **FIXTURE_ARGS)


@pytest.fixture(scope="session", params=["postgres", "fixture"])
def provider(request):
    if request.param == "postgres":
        c = request.getfixturevalue("cluster")
        return Provider("postgres", c, [(n, c.db) for n in range(1, c.nodes + 1)])
    srv = request.getfixturevalue("fixture_server")
    dbs = request.getfixturevalue("fixture_dbs")
    return Provider("fixture", srv, [(1, db) for db in dbs])
