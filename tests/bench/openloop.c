/*
 * openloop: an open-loop HTTPS load generator for `make bench`.
 *
 * wrk is closed-loop: a slow answer delays the next request, so its
 * latencies hide queueing (coordinated omission).  Here requests are due
 * at a fixed rate whatever the server does; each one's latency runs from
 * the time it was due to the end of its answer, so time spent waiting for
 * a free connection counts.  Keep-alive connections, one request in flight
 * on each, HTTP/1.1 with Content-Length answers (what Kore sends).
 *
 * usage: openloop HOST PORT PATH RATE SECONDS CONNS [HEADER]
 * prints one line: key=value pairs (rate, sent, done, non2xx, errors,
 * p50_ms, p90_ms, p99_ms, p999_ms, max_ms, then the driver's own figures:
 * sent_rate, late_p99_ms, late_max_ms, cpu), and exits non-zero only on
 * a usage or set-up error.
 *
 * The driver measures itself, so that its limit cannot pass for the
 * server's: sent_rate is the rate it sent at (requests over the time to
 * the last send), late_* how long after its due time the driver noticed
 * a request (its own scheduling delay, before any wait for a connection),
 * cpu the share of one core it used.
 */

#include <sys/resource.h>

#include <sys/epoll.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#define BUFSZ		65536

struct conn {
	int		 fd;
	SSL		*ssl;
	int		 busy;
	double		 due;		/* when its request was due */
	size_t		 idx;		/* its request's number */
	size_t		 have;		/* bytes of the answer read */
	char		 buf[BUFSZ];
};

static double	*lat, *late, *byidx;
static size_t	 nlat, nlate, sent, non2xx, errors;

static double
now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec + ts.tv_nsec / 1e9);
}

static int
cmp(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return ((x > y) - (x < y));
}

static int
conn_open(struct conn *c, SSL_CTX *ctx, struct sockaddr_in *sin, int ep)
{
	struct epoll_event	ev;
	int			one = 1;

	memset(c, 0, sizeof(*c));
	if ((c->fd = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    connect(c->fd, (struct sockaddr *)sin, sizeof(*sin)) == -1)
		return (-1);
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c->ssl = SSL_new(ctx);
	SSL_set_fd(c->ssl, c->fd);
	if (SSL_connect(c->ssl) != 1)
		return (-1);
	fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) | O_NONBLOCK);
	ev.events = EPOLLIN;
	ev.data.ptr = c;
	return (epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev));
}

static void
conn_send(struct conn *c, const char *req, size_t len, double due)
{
	int	r;

	c->busy = 1;
	c->due = due;
	c->idx = sent;
	c->have = 0;
	sent++;
	/* A request is a few hundred bytes: the socket buffer takes it. */
	do {
		r = SSL_write(c->ssl, req, len);
	} while (r <= 0 && SSL_get_error(c->ssl, r) == SSL_ERROR_WANT_WRITE);
	if (r <= 0) {
		errors++;
		c->busy = -1;
	}
}

/* 1 when a whole answer is in. */
static int
answer_done(struct conn *c)
{
	char	*end, *cl;
	size_t	 hdr, body;

	c->buf[c->have] = '\0';
	if ((end = strstr(c->buf, "\r\n\r\n")) == NULL)
		return (0);
	hdr = end + 4 - c->buf;
	if ((cl = strcasestr(c->buf, "\r\ncontent-length:")) == NULL ||
	    cl > end)
		body = 0;
	else
		body = strtoul(cl + 17, NULL, 10);
	if (c->have < hdr + body)
		return (0);
	if (strncmp(c->buf + 9, "2", 1) != 0)
		non2xx++;
	return (1);
}

static void
conn_read(struct conn *c, double t)
{
	int	r;

	for (;;) {
		if (c->have >= BUFSZ - 1) {
			/* Larger than the buffer: keep the headers only. */
			c->have = BUFSZ / 2;
		}
		r = SSL_read(c->ssl, c->buf + c->have, BUFSZ - 1 - c->have);
		if (r <= 0) {
			if (SSL_get_error(c->ssl, r) == SSL_ERROR_WANT_READ)
				return;
			errors++;
			c->busy = -1;
			return;
		}
		c->have += r;
		if (c->busy == 1 && answer_done(c)) {
			lat[nlat++] = (t - c->due) * 1e3;
			byidx[c->idx] = lat[nlat - 1];
			c->busy = 0;
			return;
		}
	}
}

/*
 * OPENLOOP_SERIES set: to stderr, the worst latency of the requests due
 * in each 100 ms, in order (when in the run the tail happened).
 */
static void
series(double rate, size_t total)
{
	size_t	i, per;
	double	worst = 0;

	per = rate / 10 < 1 ? 1 : (size_t)(rate / 10);
	for (i = 0; i < total; i++) {
		if (i % per == 0)
			worst = 0;
		if (byidx[i] > worst)
			worst = byidx[i];
		if (i % per == per - 1 || i == total - 1)
			fprintf(stderr, "%.1fs max %.1f ms\n",
			    (double)(i / per) / 10, worst);
	}
}

int
main(int argc, char **argv)
{
	struct sockaddr_in	 sin;
	struct epoll_event	 evs[256];
	struct conn		*conns;
	SSL_CTX			*ctx;
	char			 req[4096];
	struct rusage		 ru;
	double			 rate, secs, start, next, t, end, wait;
	double			 last_send, cpu;
	size_t			 nconns, i, total, backlog, reqlen;
	int			 ep, n, k;

	if (argc < 7 || argc > 8) {
		fprintf(stderr, "usage: openloop HOST PORT PATH RATE SECONDS "
		    "CONNS [HEADER]\n");
		return (2);
	}
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(atoi(argv[2]));
	if (inet_pton(AF_INET, argv[1], &sin.sin_addr) != 1)
		return (2);
	rate = atof(argv[4]);
	secs = atof(argv[5]);
	nconns = strtoul(argv[6], NULL, 10);
	if (rate <= 0 || secs <= 0 || nconns == 0)
		return (2);
	reqlen = snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: %s\r\n"
	    "%s%s", argv[3], argv[1], argc == 8 ? argv[7] : "",
	    argc == 8 ? "\r\n\r\n" : "\r\n");
	if (reqlen >= sizeof(req))
		return (2);

	total = (size_t)(rate * secs);
	if ((lat = calloc(total + 1, sizeof(*lat))) == NULL ||
	    (late = calloc(total + 1, sizeof(*late))) == NULL ||
	    (byidx = calloc(total + 1, sizeof(*byidx))) == NULL ||
	    (conns = calloc(nconns, sizeof(*conns))) == NULL)
		return (2);
	/* The bench measures the server, not certificate checks. */
	ctx = SSL_CTX_new(TLS_client_method());
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	if ((ep = epoll_create1(0)) == -1)
		return (2);
	for (i = 0; i < nconns; i++) {
		/* A handshake can fail on a loaded machine: try again. */
		for (k = 0; conn_open(&conns[i], ctx, &sin, ep) == -1; k++) {
			if (conns[i].ssl != NULL)
				SSL_free(conns[i].ssl);
			if (conns[i].fd != -1)
				close(conns[i].fd);
			if (k == 4) {
				fprintf(stderr, "openloop: connection %zu "
				    "failed\n", i);
				return (1);
			}
		}
	}

	start = now();
	end = start + secs;
	backlog = 0;
	next = start;
	last_send = start;
	for (;;) {
		t = now();
		/* Requests now due wait in the backlog for a free connection. */
		while (sent + backlog < total && next <= t) {
			late[nlate++] = (t - next) * 1e3;
			backlog++;
			next = start + (sent + backlog) / rate;
		}
		for (i = 0; i < nconns && backlog > 0; i++) {
			if (conns[i].busy != 0)
				continue;
			conn_send(&conns[i], req, reqlen,
			    start + sent / rate);
			backlog--;
			last_send = now();
		}
		if (t > end + 10)
			break;		/* answers still missing: not counted */
		if (sent >= total && backlog == 0) {
			for (i = 0; i < nconns; i++)
				if (conns[i].busy == 1)
					break;
			if (i == nconns)
				break;
		}
		wait = (next - t) * 1e3;
		n = epoll_wait(ep, evs, 256, backlog > 0 ? 1 :
		    wait < 0 ? 0 : wait > 10 ? 10 : (int)wait + 1);
		t = now();
		for (k = 0; k < n; k++)
			conn_read(evs[k].data.ptr, t);
	}

	t = now();
	getrusage(RUSAGE_SELF, &ru);
	cpu = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	    ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
	if (getenv("OPENLOOP_SERIES") != NULL)
		series(rate, total);
	qsort(lat, nlat, sizeof(*lat), cmp);
	qsort(late, nlate, sizeof(*late), cmp);
#define PCT(a, n, p)	(n ? a[(size_t)((n - 1) * (p))] : 0.0)
	printf("rate=%.1f sent=%zu done=%zu non2xx=%zu errors=%zu "
	    "p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f p999_ms=%.3f max_ms=%.3f "
	    "sent_rate=%.1f late_p99_ms=%.3f late_max_ms=%.3f cpu=%.2f\n",
	    nlat / (t - start), sent, nlat, non2xx, errors,
	    PCT(lat, nlat, 0.5), PCT(lat, nlat, 0.9), PCT(lat, nlat, 0.99),
	    PCT(lat, nlat, 0.999), PCT(lat, nlat, 1.0),
	    last_send > start ? sent / (last_send - start) : 0.0,
	    PCT(late, nlate, 0.99), PCT(late, nlate, 1.0), cpu / (t - start));
	return (0);
}
