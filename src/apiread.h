/*
 * The later API v2 routes (users/, databases/..., events/) read one
 * catalog function on the primary, with CockroachDB's offset pagination
 * done in SQL (LIMIT/OFFSET inside the reader).
 */

#ifndef RG_APIREAD_H
#define RG_APIREAD_H

#include "roachgate.h"

/* limit/offset as getSimplePaginationValues reads them, and as text. */
struct rg_offpage {
	int64_t		limit;		/* 0: no pagination */
	int64_t		offset;
	char		lim[24];
	char		off[24];
};

void		 rg_offpage_parse(struct http_request *, struct rg_offpage *);
void		 rg_offpage_bind(struct rg_query *, struct rg_offpage *, int);
int64_t		 rg_offpage_next(const struct rg_offpage *, int);
int64_t		 rg_offpage_next_simple(const struct rg_offpage *, int);

#define RG_READ_PENDING	0
#define RG_READ_DONE	1
#define RG_READ_FAILED	2

struct rg_query	*rg_read_primary(struct http_request *, const char *);
int		 rg_read_wait(struct http_request *);

/* The name in /api/v2/<prefix><name>/..., or -1 (too long, no '/'). */
int		 rg_path_name(struct http_request *, const char *, char *,
		    size_t);

#endif
