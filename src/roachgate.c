/*
 * roachgate module lifecycle.  The parent reads the configuration (and
 * with it the connection strings' secrets) before it forks and chroots;
 * each worker then registers one Kore pgsql database per node.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kore/hooks.h>
#include <kore/seccomp.h>

#include "roachgate.h"
#include "certexpiry.h"
#include "reqstats.h"
#include "snapshot.h"
#include "waitq.h"
#include "login.h"
#include "session.h"

#define CONFIG_DEFAULT	"conf/cluster.conf"

struct rg_config	rg_cfg;

/*
 * Syscalls the workers need beyond Kore's own filter: glibc grows large
 * response buffers (realloc of an mmap'ed chunk, from about 128 KiB)
 * with mremap.  libpq needs nothing more with the DSN form that
 * conf/cluster.conf documents (host=<IP>, password, no SSL/GSS).
 */
KORE_SECCOMP_FILTER("roachgate",
	KORE_SYSCALL_ALLOW(mremap),
)

static void	ctx_free(struct http_request *);
static void	check_plaintext(void);

void
kore_parent_configure(int argc, char **argv)
{
	const char	*path;
	char		err[256];

	/* With -f the log is stdout: line-buffer it, or forked workers
	 * inherit (and print twice) what the parent had buffered. */
	setvbuf(stdout, NULL, _IOLBF, 0);

#if defined(KORE_SINGLE_BINARY)
	/* The single binary (kodev) runs this hook before it reads its
	 * options and its builtin config: do both here, so that -f/-n/-r
	 * work and check_plaintext() sees the configured servers. */
	kore_default_getopt(argc, argv);
	kore_parse_config();
#else
	(void)argc;
	(void)argv;
#endif

	if ((path = getenv("ROACHGATE_CONFIG")) == NULL)
		path = CONFIG_DEFAULT;

	rg_config_defaults(&rg_cfg);
	if (rg_config_load(&rg_cfg, path, err, sizeof(err)) == -1)
		fatal("roachgate: config %s", err);

	check_plaintext();
	rg_certexpiry_load();
	kore_log(LOG_NOTICE, "roachgate: %zu node(s), primary n%d, config %s",
	    rg_cfg.nnodes, rg_cfg.primary, path);
}

/*
 * TLS is on unless the operator says, in the environment, that a
 * plain-text listener is meant: session tokens and passwords cross it.
 */
static void
check_plaintext(void)
{
	struct kore_server	*srv;
	const char		*optout;

	optout = getenv("ROACHGATE_ALLOW_PLAINTEXT");
	LIST_FOREACH(srv, &kore_servers, list) {
		if (srv->tls)
			continue;
		if (optout == NULL || strcmp(optout, "yes") != 0) {
			fatal("roachgate: server '%s' has TLS off; set "
			    "ROACHGATE_ALLOW_PLAINTEXT=yes to allow that "
			    "(development only)", srv->name);
		}
		kore_log(LOG_WARNING, "roachgate: WARNING: server '%s' "
		    "serves PLAIN HTTP: passwords and session tokens cross "
		    "the network in clear text", srv->name);
	}
}

void
kore_worker_configure(void)
{
	size_t		i;

	for (i = 0; i < rg_cfg.nnodes; i++) {
		if (!kore_pgsql_register(rg_cfg.nodes[i].dbname,
		    rg_cfg.nodes[i].dsn))
			fatal("roachgate: cannot register node %d",
			    rg_cfg.nodes[i].id);
	}
	if (!kore_pgsql_register(rg_cfg.sessions.dbname, rg_cfg.sessions.dsn))
		fatal("roachgate: cannot register the session pool");

	rg_liveness_init();
	rg_login_init();
	rg_session_cache_init();
	rg_sampler_init();
	rg_nodeevents_init();
	rg_reqstats_init();
	rg_snapshot_init();
	rg_memtrim_init();
}

struct rg_ctx *
rg_ctx_get(struct http_request *req)
{
	struct rg_ctx	*ctx;

	if ((ctx = http_state_get(req)) == NULL) {
		ctx = http_state_create(req, sizeof(*ctx), ctx_free);
		ctx->t0 = rg_reqstats_now_us();
		rg_fanout_init(&ctx->fan, rg_cfg.nnodes);
	}

	return (ctx);
}

void
rg_ctx_ep_free(struct rg_ctx *ctx)
{
	if (ctx->ep != NULL && ctx->ep_free != NULL)
		ctx->ep_free(ctx->ep);
	kore_free(ctx->ep);
	ctx->ep = NULL;
	ctx->ep_free = NULL;
}

/* Runs before Kore frees the request (and its pgsql list), so the
 * queries are unlinked from the request while they still exist. */
static void
ctx_free(struct http_request *req)
{
	struct rg_ctx	*ctx;

	if ((ctx = http_state_get(req)) == NULL)
		return;

	rg_reqstats_done(req, ctx->t0);
	rg_waitq_leave(ctx);
	rg_fanout_free(&ctx->fan);
	rg_ctx_ep_free(ctx);
}
