"""Workers and the keymgr run chrooted, unprivileged, under seccomp."""

import os
import subprocess

from rgtest import proc_status


def test_workers_are_sandboxed(server):
    procs = server.processes()
    workers = [p for p, args in procs.items() if "wrk" in args]
    keymgr = [p for p, args in procs.items() if "keymgr" in args]
    assert len(workers) == server.workers, procs
    assert len(keymgr) == 1, procs
    chroot = os.path.realpath(os.path.join(server.dir, "chroot"))
    for pid in workers:
        st = proc_status(pid)
        assert st["Seccomp"] == "2", (pid, st["Seccomp"])
        uids = [int(x) for x in st["Uid"].split()]
        assert all(u != 0 for u in uids), uids
        assert os.readlink("/proc/%d/root" % pid) == chroot
    for pid in keymgr:
        st = proc_status(pid)
        assert st["Seccomp"] == "2"
        assert all(int(u) != 0 for u in st["Uid"].split())
        assert os.readlink("/proc/%d/root" % pid) == os.path.realpath(
            os.path.join(server.dir, "keymgr"))


def test_workers_cannot_read_the_key(server):
    # The private key lives only under the keymgr's root.
    chroot = os.path.join(server.dir, "chroot")
    assert os.listdir(chroot) == []


def openssl(server, *args):
    return subprocess.run(
        ["openssl", "s_client", "-connect", "127.0.0.1:%d" % server.port,
         "-CAfile", server.ca, "-verify_return_error", *args],
        input=b"", stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        timeout=30)


def test_tls_versions(server):
    assert openssl(server, "-tls1_2").returncode == 0
    assert openssl(server, "-tls1_3").returncode == 0
    for old in ("-tls1", "-tls1_1"):
        r = openssl(server, old, "-cipher", "DEFAULT:@SECLEVEL=0")
        assert r.returncode != 0, r.stdout


def test_only_aead_ciphers(server):
    ok = openssl(server, "-tls1_2", "-cipher", "ECDHE-RSA-AES128-GCM-SHA256")
    assert ok.returncode == 0, ok.stdout
    for cbc in ("ECDHE-RSA-AES128-SHA", "ECDHE-RSA-AES256-SHA384",
                "AES128-SHA"):
        r = openssl(server, "-tls1_2", "-cipher", cbc)
        assert r.returncode != 0, (cbc, r.stdout)
