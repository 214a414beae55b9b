/*
 * roachgate configuration: the cluster (nodes and their connection
 * strings) and the server's tunables.  Pure C: parsed by the parent
 * before it forks and chroots, and linked alone by the unit tests.
 */

#ifndef RG_CONFIG_H
#define RG_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#define RG_MAX_NODES		64
#define RG_NAME_MAX		32

struct rg_node {
	int32_t		id;
	char		name[RG_NAME_MAX];	/* replication name, "n<id>" */
	char		dbname[RG_NAME_MAX];	/* Kore pgsql name, "node<id>" */
	char		*dsn;
	char		*locality;		/* "region=eu,zone=a" */
	char		*attrs;			/* "ssd,fast" */
	int		liveness;		/* RG_LIVENESS_* override, or 0 */
};

struct rg_config {
	struct rg_node	nodes[RG_MAX_NODES];	/* ascending node id */
	size_t		nnodes;
	int32_t		primary;
	/*
	 * The primary again, under a Kore pgsql name of its own: session
	 * checks, logins and logouts get their own pool, so they never wait
	 * behind catalog reads.  Shares the primary's strings.
	 */
	struct rg_node	sessions;
	char		*admin_role;
	int64_t		session_lifetime;	/* seconds */
	int64_t		node_timeout_ms;
	int64_t		dead_after;		/* seconds */
	int64_t		sample_interval_ms;
	int64_t		login_timeout_ms;
	int64_t		throttle_after;		/* failures before 429 */
	int64_t		throttle_base_ms;	/* first delay, doubles */
	int64_t		throttle_max_ms;
	int64_t		snapshot_max_age_ms;	/* 0: always read live */
	int64_t		snapshot_max_sessions;	/* per node, else live */
	int64_t		snapshot_max_ranges;	/* per node, else live */
	int64_t		throttle_user_after;	/* per name, any address */
	int64_t		throttle_entries;	/* table size per worker */
	int64_t		login_max_inflight;	/* per worker, then 503 */
	int64_t		session_cache_ms;	/* 0 = no session cache */
	int64_t		session_cache_entries;	/* per worker */
	int64_t		memory_trim_ms;		/* 0 = never trim the heap */
};

void			 rg_config_defaults(struct rg_config *);
int			 rg_config_parse(struct rg_config *, const char *,
			    char *, size_t);
int			 rg_config_load(struct rg_config *, const char *,
			    char *, size_t);
void			 rg_config_free(struct rg_config *);
const struct rg_node	*rg_config_node(const struct rg_config *, int32_t);
const struct rg_node	*rg_config_node_by_name(const struct rg_config *,
			    const char *);

#endif
