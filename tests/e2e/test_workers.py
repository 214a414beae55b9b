"""Every worker serves (patches/0010): each has its own listening socket
and the kernel spreads new connections over them, where Kore's accept lock
left every connection to one worker.

Which worker serves a connection is read from /proc: the server side of
each of our TCP connections is a socket inode in exactly one worker's file
table.  A keep-alive connection is served by the worker that accepted it,
so the requests each worker served are the requests sent on its
connections."""

import os

CONNECTIONS = 64
REQUESTS = 3


def server_sockets(port):
    """{socket inode: client port} of established connections to port."""
    peers = {}
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if not os.path.exists(table):
            continue
        with open(table) as f:
            next(f)
            for line in f:
                fields = line.split()
                local, remote, state = fields[1], fields[2], fields[3]
                if state == "01" and int(local.rsplit(":", 1)[1], 16) == port:
                    peers[int(fields[9])] = int(remote.rsplit(":", 1)[1], 16)
    return peers


def socket_inodes(pid):
    inodes = set()
    fds = "/proc/%d/fd" % pid
    for fd in os.listdir(fds):
        try:
            link = os.readlink(os.path.join(fds, fd))
        except FileNotFoundError:
            continue
        if link.startswith("socket:["):
            inodes.add(int(link[len("socket:["):-1]))
    return inodes


def requests_per_worker(server, clients):
    ports = {c.conn.sock.getsockname()[1]: c for c in clients}
    peers = server_sockets(server.port)
    workers = [p for p, args in server.processes().items() if "wrk" in args]
    assert len(workers) == server.workers
    served = {}
    for pid in workers:
        mine = [peers[i] for i in socket_inodes(pid) if peers.get(i) in ports]
        served[pid] = REQUESTS * len(mine)
    return served


def test_every_worker_serves(server):
    clients = [server.client() for _ in range(CONNECTIONS)]
    try:
        for _ in range(REQUESTS):
            for c in clients:
                assert c.get("/api/v2/health/").status == 200
        served = requests_per_worker(server, clients)
    finally:
        for c in clients:
            if c.conn is not None:
                c.conn.close()
    # Each connection is in exactly one worker.
    assert sum(served.values()) == CONNECTIONS * REQUESTS, served
    # The kernel hashes connections over the workers' sockets: with 64
    # connections, a worker below a fifth of them is a 5-sigma event for
    # a fair spread, and certain with one worker taking all.
    for pid, n in served.items():
        assert n >= CONNECTIONS * REQUESTS // 5, served
