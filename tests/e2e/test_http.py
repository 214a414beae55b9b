"""HTTP/1.1 details that Kore 4.1 got wrong and patch 0004 fixes, seen
through the endpoints that depend on them."""

import socket
import ssl


def raw(server, request):
    """Sends request bytes as they are; returns (status, body)."""
    ctx = ssl.create_default_context(cafile=server.ca)
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as s:
        with ctx.wrap_socket(s, server_hostname="127.0.0.1") as t:
            t.sendall(request)
            data = b""
            while True:
                chunk = t.recv(65536)
                if not chunk:
                    break
                data += chunk
                head, sep, body = data.partition(b"\r\n\r\n")
                if sep:
                    for line in head.split(b"\r\n"):
                        if line.lower().startswith(b"content-length:"):
                            n = int(line.split(b":")[1])
                            if len(body) >= n:
                                return (int(head.split()[1]), body[:n])
    head, _, body = data.partition(b"\r\n\r\n")
    return (int(head.split()[1]), body)


def test_empty_session_header_is_missing(server):
    # RFC 7230 allows an empty value; CockroachDB answers 401.
    status, body = raw(server, b"GET /api/v2/nodes/ HTTP/1.1\r\n"
                       b"Host: 127.0.0.1\r\n"
                       b"X-Cockroach-API-Session:\r\n"
                       b"Connection: close\r\n\r\n")
    assert (status, body) == (401, b"invalid session header\n")


def test_header_without_colon_is_refused(server):
    status, _ = raw(server, b"GET /api/v2/health/ HTTP/1.1\r\n"
                    b"Host: 127.0.0.1\r\n"
                    b"Bogus\r\n"
                    b"Connection: close\r\n\r\n")
    assert status == 400


def test_bodyless_post_needs_no_content_length(server):
    # `curl -X POST -H "X-Cockroach-API-Session: ..." .../logout/`
    token = server.client().login(*server.admin)
    status, body = raw(server, b"POST /api/v2/logout/ HTTP/1.1\r\n"
                       b"Host: 127.0.0.1\r\n"
                       b"X-Cockroach-API-Session: " + token.encode() +
                       b"\r\nConnection: close\r\n\r\n")
    assert (status, body) == (200, b'{"logged_out":true}')


def test_chunked_body_is_refused(server):
    status, _ = raw(server, b"POST /api/v2/login/ HTTP/1.1\r\n"
                    b"Host: 127.0.0.1\r\n"
                    b"Transfer-Encoding: chunked\r\n"
                    b"Connection: close\r\n\r\n0\r\n\r\n")
    assert status == 411
