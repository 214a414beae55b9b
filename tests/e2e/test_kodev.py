"""Development with kodev, and the production install.

- `scripts/dev.sh` (`make dev`) + `kodev build` + `kodev run` in a scratch
  copy of the checkout whose folder has another name: the single binary
  built from the patched Kore answers over TLS, verified against kodev's
  self-signed certificate, and honours -fnr; a plain-HTTP listener in it
  is refused unless ROACHGATE_ALLOW_PLAINTEXT=yes.
- `scripts/install.sh` into a temporary PREFIX, then the server started
  by hand exactly as its systemd unit would (ExecStart, Environment,
  WorkingDirectory, capability bounding set, no-new-privileges), checked
  over TLS against a real CA and stopped by PID.
"""

import os
import re
import shlex
import shutil
import signal
import stat
import subprocess
import sys
import time

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))

from rgtest import ROOT, free_port, proc_status, sh  # noqa: E402

APP = "xyz-app"


@pytest.fixture(scope="module")
def cluster():
    """A primary and a standby under run/kodev-<pid>, its certificates and
    the cluster configuration the server reads (roachgate.conf)."""
    d = os.path.join(ROOT, "run", "kodev-%d" % os.getpid())
    os.makedirs(d, exist_ok=True)
    try:
        sh("scripts/certs.sh", d)
        sh("scripts/cluster.sh", "start", os.path.join(d, "cluster"),
           "--standbys", "1", "--base-port", str(free_port(27700)))
        sh("scripts/mkconf.sh", d, "0")
        yield d
    finally:
        sh("scripts/cluster.sh", "stop", os.path.join(d, "cluster"),
           check=False)
        shutil.rmtree(d, ignore_errors=True)


def run(args, cwd, env=None, timeout=120):
    e = dict(os.environ)
    e.update(env or {})
    return subprocess.run(args, cwd=cwd, env=e, timeout=timeout, text=True,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def curl(url, *args):
    return subprocess.run(["curl", "-sS", "-o", "/dev/null", "-w",
                           "%{http_code}", *args, url], text=True,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          timeout=30)


def wait_status(proc, url, *args, timeout=20):
    end = time.time() + timeout
    r = None
    while time.time() < end:
        assert proc.poll() is None, "server exited: %s" % proc.returncode
        r = curl(url, *args)
        if r.stdout == "200":
            return
        time.sleep(0.2)
    raise AssertionError("no 200 from %s: %s" % (url, r and r.stdout))


def children(pid):
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)],
                         stdout=subprocess.PIPE, text=True).stdout
    return [int(x) for x in out.split()]


def roles(pids):
    """{pid: "wrk" or "keymgr"} from the process titles ("kore [wrk 1]")."""
    out = {}
    for p in pids:
        with open("/proc/%d/cmdline" % p) as f:
            title = f.read()
        out[p] = "keymgr" if "[keymgr]" in title else "wrk"
    return out


def workers_in(conf):
    with open(conf) as f:
        return int(re.search(r"^workers\s+(\d+)", f.read(), re.M).group(1))


def wait_started(log, workers, keymgr, timeout=20):
    """Every worker (and the keymgr) has logged its start.  Kore 4.1 loses
    a SIGTERM that reaches a worker before the worker has set up its
    signal handlers (kore_signal_setup() clears sig_recv): that worker
    then sleeps for ever in epoll_wait and the parent waits for it."""
    end = time.time() + timeout
    while time.time() < end:
        text = log_of(log)
        if len(re.findall(r"worker \d+ started", text)) >= workers and \
                (not keymgr or "key manager started" in text):
            return
        time.sleep(0.1)
    raise AssertionError("not all workers started:\n" + log_of(log))


def stop(proc, log, timeout=15):
    """SIGTERM to the server's PID; its children must be gone after."""
    if proc.poll() is not None:
        return
    kids = children(proc.pid)
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        for k in set(kids + children(proc.pid)):
            try:
                os.kill(k, signal.SIGKILL)
            except ProcessLookupError:
                pass
        proc.kill()
        proc.wait(5)
        raise AssertionError("server ignored SIGTERM:\n" + log_of(log))
    for k in kids:
        assert not os.path.exists("/proc/%d" % k) or \
            proc_status(k).get("State", "").startswith("Z"), k


def log_of(path):
    with open(path, errors="replace") as f:
        return f.read()


class App:
    """A scratch checkout named xyz-app, prepared by scripts/dev.sh."""

    def __init__(self, path, port, out):
        self.path = path
        self.port = port
        self.out = out

    @property
    def conf(self):
        return os.path.join(self.path, "conf", APP + ".conf")


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    src = os.path.join(ROOT, "build", "kore", "src-tree")
    if not os.path.isfile(os.path.join(src, "Makefile")):
        pytest.fail("no build/kore/src-tree: run make kore")
    d = str(tmp_path_factory.mktemp("kodev") / APP)
    os.makedirs(d)
    for sub in ("src", "conf", "scripts", "assets"):
        if os.path.isdir(os.path.join(ROOT, sub)):
            shutil.copytree(os.path.join(ROOT, sub), os.path.join(d, sub),
                            symlinks=True)
    shutil.copy2(os.path.join(ROOT, "kore.conf"), d)
    shutil.copytree(src, os.path.join(d, "build", "kore", "src-tree"),
                    symlinks=True)
    run(["git", "init", "-q"], d)
    port = free_port(26700)
    # dev.sh builds Kore's kodev flavour: minutes on a loaded 2-core
    # machine. The limit only guards against a hang.
    r = run(["scripts/dev.sh"], d, {"ROACHGATE_DEV_PORT": str(port)},
            timeout=900)
    assert r.returncode == 0, r.stdout
    yield App(d, port, r.stdout)
    shutil.rmtree(os.path.dirname(d), ignore_errors=True)


def test_dev_prepares_and_builds(app):
    with open(app.conf) as f:
        text = f.read()
    assert "\nload" not in text
    assert "bind 127.0.0.1 %d\n" % app.port in text
    assert os.access(os.path.join(app.path, APP), os.X_OK)
    assert os.path.isfile(os.path.join(app.path, "cert", "server.pem"))
    assert "ROACHGATE_CONFIG=run/roachgate.conf kodev run" in app.out
    # The folder-named files are ignored through .git/info/exclude.
    for p in ("conf/%s.conf" % APP, APP, "dh2048.pem"):
        r = run(["git", "check-ignore", "-q", p], app.path)
        assert r.returncode == 0, p
    # -v is answered by kore_default_getopt, before any config is read.
    r = run(["./" + APP, "-v"], app.path)
    assert r.returncode == 0 and "pgsql" in r.stdout, r.stdout


def test_kodev_run_serves_tls(app, cluster):
    port = app.port
    log = os.path.join(app.path, "kodev.log")
    with open(log, "w") as out:
        proc = subprocess.Popen(
            ["kodev", "run"], cwd=app.path, stdout=out,
            stderr=subprocess.STDOUT,
            env=dict(os.environ, ROACHGATE_CONFIG=os.path.join(
                cluster, "roachgate.conf")))
    try:
        # kodev's certificate is self-signed (CN=localhost): it is its
        # own CA.
        wait_status(proc, "https://localhost:%d/api/v2/health/?ready=true"
                    % port, "--cacert", os.path.join(app.path, "cert",
                                                     "server.pem"),
                    "--resolve", "localhost:%d:127.0.0.1" % port,
                    timeout=60)
        wait_started(log, workers_in(app.conf), keymgr=True)
        # kodev exec'd the binary: the PID is the server's.
        with open("/proc/%d/comm" % proc.pid) as f:
            assert f.read().strip() == APP
        # -fnr: foreground, no chroot, no privilege drop; seccomp stays.
        kids = children(proc.pid)
        r = list(roles(kids).values())
        assert r.count("keymgr") == 1 and r.count("wrk") >= 1, r
        for k in kids:
            assert os.readlink("/proc/%d/root" % k) == "/"
            st = proc_status(k)
            assert st["Uid"].split()[0] == str(os.getuid())
            assert st["Seccomp"] == "2"
        text = log_of(log)
        assert "privsep: will not chroot" in text
        assert "roachgate: 2 node(s)" in text
        # The console, from the assets kodev compiled itself.
        r = subprocess.run(
            ["curl", "-sS", "-D", "-", "--cacert",
             os.path.join(app.path, "cert", "server.pem"), "--resolve",
             "localhost:%d:127.0.0.1" % port,
             "https://localhost:%d/" % port], text=True,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=30)
        with open(os.path.join(ROOT, "assets", "index.html")) as f:
            assert r.stdout.endswith(f.read()), r.stdout
        assert "content-security-policy: default-src 'none'" in r.stdout
    finally:
        stop(proc, log)


def test_kodev_binary_refuses_plain_http(app, cluster):
    conf = app.conf
    with open(conf) as f:
        text = f.read()
    with open(conf, "w") as f:
        f.write(text.replace("\tbind 127.0.0.1", "\ttls no\n\tbind 127.0.0.1"))
    try:
        r = run(["kodev", "build"], app.path)
        assert r.returncode == 0, r.stdout
        env = {"ROACHGATE_CONFIG": os.path.join(cluster, "roachgate.conf")}
        r = run(["./" + APP, "-fnr"], app.path, env, timeout=30)
        assert r.returncode != 0
        assert "has TLS off" in r.stdout, r.stdout
        # The explicit opt-out starts it, loudly.
        env["ROACHGATE_ALLOW_PLAINTEXT"] = "yes"
        log = os.path.join(app.path, "plain.log")
        with open(log, "w") as out:
            proc = subprocess.Popen(["./" + APP, "-fnr"], cwd=app.path,
                                    env=dict(os.environ, **env), stdout=out,
                                    stderr=subprocess.STDOUT)
        try:
            wait_status(proc, "http://127.0.0.1:%d/api/v2/health/"
                        % app.port)
            wait_started(log, workers_in(conf), keymgr=False)
            assert "serves PLAIN HTTP" in log_of(log)
        finally:
            stop(proc, log)
    finally:
        with open(conf, "w") as f:
            f.write(text)
    r = run(["kodev", "build"], app.path)
    assert r.returncode == 0, r.stdout


@pytest.mark.parametrize("name", ["cluster", "build"])
def test_dev_refuses_a_folder_named_like_a_project_config(tmp_path, name):
    # kodev would read conf/<name>.conf, the project's own, as Kore's.
    d = tmp_path / name
    for sub in ("scripts", "conf"):
        shutil.copytree(os.path.join(ROOT, sub), d / sub)
    r = run(["scripts/dev.sh"], str(d))
    assert r.returncode != 0
    assert "conf/%s.conf, one of the project's files" % name in r.stdout, \
        r.stdout


def unit_fields(path):
    fields = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith(("#", "[")):
                k, _, v = line.partition("=")
                fields.setdefault(k, []).append(v)
    return fields


def mode(path):
    st = os.stat(path)
    return stat.S_IMODE(st.st_mode), st.st_uid


@pytest.mark.skipif(os.getuid() != 0, reason="install needs root")
def test_install_and_start_like_systemd(cluster, tmp_path):
    # A snapshot of what install.sh installs, so that a rebuild in the
    # checkout meanwhile cannot change it.
    pkg = tmp_path / "pkg"
    for sub in ("scripts", "conf"):
        shutil.copytree(os.path.join(ROOT, sub), pkg / sub)
    shutil.copy2(os.path.join(ROOT, "kore.conf"), pkg)
    for f in ("build/kore/bin/kore", "build/roachgate.so"):
        if not os.path.exists(os.path.join(ROOT, f)):
            pytest.fail("%s missing: run make module" % f)
        os.makedirs(os.path.dirname(pkg / f), exist_ok=True)
        shutil.copy2(os.path.join(ROOT, f), pkg / f)
    prefix = str(tmp_path / "opt" / "roachgate")
    port = free_port(26750)
    tls = os.path.join(cluster, "tls")
    install = [str(pkg / "scripts" / "install.sh"), prefix, "--cert",
               os.path.join(tls, "server.pem"), "--key",
               os.path.join(tls, "server.key")]
    r = sh(*install, env={"ROACHGATE_PORT": str(port)}, check=False)
    assert r.returncode == 0, r.stdout

    # The key belongs to the keymgr's own user, not the workers'.
    uid = int(run(["id", "-u", "roachgate"], ROOT).stdout)
    kmuid = int(run(["id", "-u", "roachgate-keymgr"], ROOT).stdout)
    assert kmuid != uid
    etc, var = os.path.join(prefix, "etc"), os.path.join(prefix, "var")
    assert mode(os.path.join(etc, "roachgate.conf")) == (0o600, 0)
    assert mode(os.path.join(var, "keymgr", "cert", "server.key")) == \
        (0o400, kmuid)
    assert mode(os.path.join(var, "chroot")) == (0o755, 0)
    assert os.listdir(os.path.join(var, "chroot")) == []
    with open(os.path.join(etc, "kore.conf")) as f:
        kconf = f.read()
    for d in ("load", "pidfile", "root", "keymgr_root", "tls_dhparam"):
        line = [x for x in kconf.splitlines() if x.startswith(d + "\t")]
        assert len(line) == 1 and line[0].split()[1].startswith(prefix), d

    # The operator's one config: the cluster.
    shutil.copyfile(os.path.join(cluster, "roachgate.conf"),
                    os.path.join(etc, "roachgate.conf"))

    unit = os.path.join(prefix, "lib", "systemd", "system",
                        "roachgate.service")
    r = run(["systemd-analyze", "verify", unit], ROOT)
    assert r.returncode == 0, r.stdout
    u = unit_fields(unit)
    env = dict(os.environ)
    for e in u["Environment"]:
        k, _, v = e.partition("=")
        env[k] = v
    argv = shlex.split(u["ExecStart"][0])
    # systemd's CapabilityBoundingSet= and NoNewPrivileges=, by setpriv.
    caps = ",".join("+" + c[4:].lower()
                    for c in u["CapabilityBoundingSet"][0].split())
    argv = ["setpriv", "--bounding-set", "-all," + caps] + \
        (["--no-new-privs"] if u["NoNewPrivileges"] == ["yes"] else []) \
        + ["--"] + argv
    log = os.path.join(str(tmp_path), "kore.log")
    with open(log, "w") as out:
        proc = subprocess.Popen(argv, cwd=u["WorkingDirectory"][0], env=env,
                                stdout=out, stderr=subprocess.STDOUT)
    url = "https://127.0.0.1:%d/api/v2/health/?ready=true" % port
    ca = ["--cacert", os.path.join(tls, "ca.pem")]
    try:
        wait_status(proc, url, *ca)
        wait_started(log, workers_in(os.path.join(etc, "kore.conf")),
                     keymgr=True)
        with open(os.path.join(var, "kore.pid")) as f:
            assert int(f.read()) == proc.pid
        kids = children(proc.pid)
        r = list(roles(kids).values())
        assert r.count("keymgr") == 1 and r.count("wrk") >= 1, r
        for k, role in roles(kids).items():
            want = "keymgr" if role == "keymgr" else "chroot"
            assert os.readlink("/proc/%d/root" % k) == \
                os.path.join(var, want), role
        for k, role in roles(kids).items():
            st = proc_status(k)
            want = kmuid if role == "keymgr" else uid
            assert st["Uid"].split() == [str(want)] * 4
            assert st["Seccomp"] == "2"
        # Re-installing under a running server: files are swapped by
        # rename, the operator's cluster config is kept.
        r = sh(*install, check=False)
        assert r.returncode == 0, r.stdout
        with open(os.path.join(etc, "roachgate.conf")) as f, \
                open(os.path.join(cluster, "roachgate.conf")) as g:
            assert f.read() == g.read()
        assert curl(url, *ca).stdout == "200"
    finally:
        stop(proc, log)
    assert "goodbye" in log_of(log)
    assert not os.path.exists(os.path.join(var, "kore.pid"))
