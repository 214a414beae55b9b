/*
 * reqstats.c: roachgate's own request counters, summed over the workers
 * through Kore's messages (metrics.c writes them).
 */

#ifndef RG_REQSTATS_H
#define RG_REQSTATS_H

#include "snapshot.h"

#define RG_STATS_ROUTES		48	/* kore.conf has fewer */
#define RG_STATS_NCODES		12	/* rg_stats_codes + other */
#define RG_STATS_OTHER		(RG_STATS_NCODES - 1)
#define RG_STATS_NBUCKETS	14	/* rg_stats_bounds_us + Inf */

struct rg_route_stats {
	u_int64_t	by_code[RG_STATS_NCODES];
	u_int64_t	bucket[RG_STATS_NBUCKETS];	/* not cumulative */
	u_int64_t	sum_us;
};

/* One worker's counters: what it broadcasts. */
struct rg_stats {
	u_int32_t		nroutes;
	struct rg_route_stats	r[RG_STATS_ROUTES];
	u_int64_t		pgsql_queued;	/* waiting for a connection */
	/* kore_time_ms of each snapshot copy (0: none); the node index. */
	u_int64_t		snap_at[RG_SNAP_NKINDS][RG_MAX_NODES];
};

extern const int	rg_stats_codes[RG_STATS_NCODES - 1];
extern const u_int64_t	rg_stats_bounds_us[RG_STATS_NBUCKETS - 1];

void		 rg_reqstats_init(void);
u_int64_t	 rg_reqstats_now_us(void);
void		 rg_reqstats_done(struct http_request *, u_int64_t);
void		 rg_reqstats_sum(struct rg_stats *);
size_t		 rg_reqstats_code(int);
const char	*rg_reqstats_route(size_t);
const char	*rg_reqstats_handler(size_t);

#endif /* !RG_REQSTATS_H */
