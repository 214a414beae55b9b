/*
 * Login throttling bookkeeping: a fixed-size table of failure counters
 * and attempts in flight, keyed by a short string (login_admit.c: a
 * name, an address, or both).  Pure C, no clock of its own (callers
 * pass milliseconds), so it links alone into the unit tests.
 *
 * After `after` consecutive failures a key is blocked for base_ms, and
 * each further failure doubles the block, up to max_ms.  A success
 * (rg_throttle_reset) forgets the key.  A key that has not failed for
 * 2 * max_ms starts over.
 *
 * Attempts in flight count against the failures still allowed, so that
 * guesses sent in parallel cannot all pass before the first one fails:
 * a key with f failures may have max(after - f, 1) attempts in flight.
 * They do not count as failures, so concurrent good logins only wait
 * for each other instead of being refused.
 *
 * When the table is full, the unblocked entry whose last failure is
 * oldest is recycled, so memory stays bounded; a blocked entry is never
 * recycled (a flood of new keys must not lift a block): when every entry
 * is blocked, new keys wait until the first block ends.  An entry with
 * attempts in flight is never recycled either.
 */

#ifndef RG_THROTTLE_H
#define RG_THROTTLE_H

#include <stddef.h>
#include <stdint.h>

#define RG_THROTTLE_KEY_MAX	128	/* "p:" address, blank, role name */

struct rg_throttle_entry {
	char		key[RG_THROTTLE_KEY_MAX];	/* "" = free */
	uint32_t	failures;
	uint32_t	inflight;	/* attempts begun, not yet ended */
	uint64_t	last;		/* time of the last failure */
	uint64_t	until;		/* blocked until, 0 = not blocked */
};

struct rg_throttle {
	struct rg_throttle_entry	*tab;
	size_t				size;
	uint32_t			after;
	uint64_t			base_ms;
	uint64_t			max_ms;
	uint64_t			full_until;	/* all blocked: until */
};

/* 0, or -1 on bad arguments or allocation failure. */
int		rg_throttle_init(struct rg_throttle *, size_t, uint32_t,
		    uint64_t, uint64_t);
void		rg_throttle_free(struct rg_throttle *);

/* Milliseconds the key stays blocked at time now, 0 if it may try. */
uint64_t	rg_throttle_wait(const struct rg_throttle *, const char *,
		    uint64_t);

/* One more failure of key at time now. */
void		rg_throttle_fail(struct rg_throttle *, const char *, uint64_t);

/* A success: forget key's failures. */
void		rg_throttle_reset(struct rg_throttle *, const char *);

/* How many more attempts of key may begin at time now (0: wait). */
uint32_t	rg_throttle_room(const struct rg_throttle *, const char *,
		    uint64_t);

/* An attempt of key begins (0) or cannot be recorded (-1), and ends. */
int		rg_throttle_begin(struct rg_throttle *, const char *,
		    uint64_t);
void		rg_throttle_end(struct rg_throttle *, const char *);

/* Number of keys in use (for tests). */
size_t		rg_throttle_count(const struct rg_throttle *);

#endif /* !RG_THROTTLE_H */
