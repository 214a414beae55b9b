/*
 * Per-worker cache of validated sessions: a fixed-size, direct-mapped
 * table keyed by session id.  An entry holds SHA-256 of the secret, so
 * a hit still needs the client's secret, whether the user was an admin,
 * and the (monotonic) time after which it must not be used.  Pure C, no
 * clock of its own, so it links alone into the unit tests.
 */

#ifndef RG_SESSCACHE_H
#define RG_SESSCACHE_H

#include <stddef.h>
#include <stdint.h>

#define RG_SESSCACHE_HASH_LEN	32
#define RG_SESSCACHE_USER_LEN	64	/* a PostgreSQL name and its NUL */

struct rg_sesscache_entry {
	int64_t		id;
	uint64_t	until;		/* usable while now < until; 0 = free */
	uint64_t	due;		/* re-check it from then on */
	uint8_t		hash[RG_SESSCACHE_HASH_LEN];
	int		admin;
	char		user[RG_SESSCACHE_USER_LEN];
};

struct rg_sesscache {
	struct rg_sesscache_entry	*tab;
	size_t				size;
};

/* 0, or -1 on allocation failure.  A size of 0 caches nothing. */
int	rg_sesscache_init(struct rg_sesscache *, size_t);
void	rg_sesscache_free(struct rg_sesscache *);

/*
 * 1, *admin and the user name (into a buffer of RG_SESSCACHE_USER_LEN,
 * unless NULL) if id is cached with this hash and usable at now; then
 * *due (unless NULL) says whether a re-check of it is due at now.
 */
int	rg_sesscache_get(const struct rg_sesscache *, int64_t,
	    const uint8_t *, uint64_t, int *, char *, int *);

/*
 * Remember id (admin, user) until `until`, replacing its slot's entry;
 * a re-check is due from `due` on.
 */
void	rg_sesscache_put(struct rg_sesscache *, int64_t, const uint8_t *,
	    int, const char *, uint64_t, uint64_t);

/* Forget id (a logout). */
void	rg_sesscache_drop(struct rg_sesscache *, int64_t);

#endif /* !RG_SESSCACHE_H */
