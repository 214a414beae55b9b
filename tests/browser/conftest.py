"""The browser tests' world: the demo exactly as `make run` makes it (a
primary, two standbys, the movr dataset and its workload), roachgate over
TLS in front of it, Debian's chromium trusting only the run's CA (an NSS
database under a HOME of its own), and playwright-core from npm in
build/npm (installed here when missing; no browser is downloaded)."""

import json
import os
import subprocess
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))

from rgtest import ROOT, Server, sh  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
NPM_DIR = os.path.join(ROOT, "build", "npm")
SHOTS = os.path.join(ROOT, "build", "browser")
EXTRA_CONF = """\
node_timeout_ms 1500
sample_interval_ms 2000
"""


def playwright():
    """playwright-core at the version package.json pins, in build/npm."""
    with open(os.path.join(HERE, "package.json")) as f:
        want = json.load(f)["dependencies"]["playwright-core"]
    pkg = os.path.join(NPM_DIR, "node_modules", "playwright-core")
    try:
        with open(os.path.join(pkg, "package.json")) as f:
            have = json.load(f)["version"]
    except OSError:
        have = None
    if have != want:
        os.makedirs(NPM_DIR, exist_ok=True)
        with open(os.path.join(HERE, "package.json")) as src, \
                open(os.path.join(NPM_DIR, "package.json"), "w") as dst:
            dst.write(src.read())
        subprocess.run(["npm", "install", "--no-audit", "--no-fund",
                        "--ignore-scripts"], cwd=NPM_DIR, check=True,
                       env=dict(os.environ,
                                PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD="1"),
                       timeout=600)
    return os.path.join(pkg, "index.mjs")


def nss_home(ca, home):
    """A HOME whose NSS database trusts the run's CA and nothing else."""
    db = os.path.join(home, ".pki", "nssdb")
    os.makedirs(db, exist_ok=True)
    subprocess.run(["certutil", "-N", "-d", "sql:" + db, "--empty-password"],
                   check=True, stdout=subprocess.DEVNULL)
    subprocess.run(["certutil", "-A", "-d", "sql:" + db, "-n", "roachgate-ca",
                    "-t", "C,,", "-i", ca], check=True)
    return home


@pytest.fixture(scope="session")
def demo():
    s = Server("browser", standbys=2, extra_conf=EXTRA_CONF)
    s.start_cluster()
    try:
        sh("scripts/workload.sh", s.cluster_dir, "start")
        s.start()
        yield s
    finally:
        sh("scripts/workload.sh", s.cluster_dir, "stop", check=False)
        s.teardown()


@pytest.fixture(scope="session")
def browser_env(demo):
    os.makedirs(SHOTS, exist_ok=True)
    home = nss_home(demo.ca, os.path.join(demo.dir, "home"))
    return {
        "HOME": home,
        "RG_PLAYWRIGHT": playwright(),
        "RG_ORIGIN": "https://127.0.0.1:%d" % demo.port,
        "RG_ADMIN": demo.admin[0], "RG_ADMIN_PW": demo.admin[1],
        "RG_USER": demo.user[0], "RG_USER_PW": demo.user[1],
        "RG_NODES": str(len(demo.node_ids)),
        "RG_SHOTS": SHOTS,
    }


@pytest.fixture
def drive(browser_env):
    """Runs one scenario of drive.mjs; fails with its output."""
    def run(scenario, **extra):
        env = dict(os.environ)
        env.update(browser_env)
        env.update(extra)
        r = subprocess.run(["node", os.path.join(HERE, "drive.mjs"), scenario],
                           env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True, timeout=300)
        assert r.returncode == 0, r.stdout
        assert ("ok %s" % scenario) in r.stdout, r.stdout
    return run
