/*
 * Login throttling bookkeeping (see throttle.h).  Lookups scan the
 * table: it is small, and every lookup is paid for by a login attempt
 * that costs a database connection anyway.
 */

#include <stdlib.h>
#include <string.h>

#include "throttle.h"

static struct rg_throttle_entry	*throttle_find(const struct rg_throttle *,
				    const char *);
static struct rg_throttle_entry	*throttle_slot(struct rg_throttle *,
				    uint64_t);
static uint64_t			 throttle_delay(const struct rg_throttle *,
				    uint32_t);
static struct rg_throttle_entry	*throttle_add(struct rg_throttle *,
				    const char *, uint64_t);
static void			 throttle_tidy(struct rg_throttle_entry *);

int
rg_throttle_init(struct rg_throttle *t, size_t size, uint32_t after,
    uint64_t base_ms, uint64_t max_ms)
{
	memset(t, 0, sizeof(*t));
	if (size == 0 || after == 0 || base_ms == 0 || max_ms < base_ms)
		return (-1);
	if ((t->tab = calloc(size, sizeof(*t->tab))) == NULL)
		return (-1);

	t->size = size;
	t->after = after;
	t->base_ms = base_ms;
	t->max_ms = max_ms;

	return (0);
}

void
rg_throttle_free(struct rg_throttle *t)
{
	free(t->tab);
	memset(t, 0, sizeof(*t));
}

uint64_t
rg_throttle_wait(const struct rg_throttle *t, const char *key, uint64_t now)
{
	const struct rg_throttle_entry	*e;

	if ((e = throttle_find(t, key)) == NULL) {
		/* A key the full table could not take waits like the rest. */
		return (t->full_until > now ? t->full_until - now : 0);
	}
	if (e->until <= now)
		return (0);

	return (e->until - now);
}

void
rg_throttle_fail(struct rg_throttle *t, const char *key, uint64_t now)
{
	struct rg_throttle_entry	*e;
	uint64_t			 until;

	if ((e = throttle_find(t, key)) == NULL) {
		if ((e = throttle_add(t, key, now)) == NULL)
			return;
	} else if (now > e->last && now - e->last > 2 * t->max_ms &&
	    e->until <= now) {
		/* Quiet for long enough: start over. */
		e->failures = 0;
		e->until = 0;
	}

	if (e->failures < UINT32_MAX)
		e->failures++;
	if (now > e->last)
		e->last = now;

	if (e->failures >= t->after) {
		until = now + throttle_delay(t, e->failures - t->after);
		if (until > e->until)
			e->until = until;
	}
}

void
rg_throttle_reset(struct rg_throttle *t, const char *key)
{
	struct rg_throttle_entry	*e;

	if ((e = throttle_find(t, key)) == NULL)
		return;

	e->failures = 0;
	e->until = 0;
	throttle_tidy(e);
}

uint32_t
rg_throttle_room(const struct rg_throttle *t, const char *key, uint64_t now)
{
	const struct rg_throttle_entry	*e;
	uint32_t			 allowed;

	if (rg_throttle_wait(t, key, now) > 0)
		return (0);
	if ((e = throttle_find(t, key)) == NULL)
		return (t->after);

	allowed = e->failures < t->after ? t->after - e->failures : 1;
	return (e->inflight < allowed ? allowed - e->inflight : 0);
}

int
rg_throttle_begin(struct rg_throttle *t, const char *key, uint64_t now)
{
	struct rg_throttle_entry	*e;

	if ((e = throttle_find(t, key)) == NULL &&
	    (e = throttle_add(t, key, now)) == NULL)
		return (-1);

	if (e->inflight < UINT32_MAX)
		e->inflight++;
	return (0);
}

void
rg_throttle_end(struct rg_throttle *t, const char *key)
{
	struct rg_throttle_entry	*e;

	if ((e = throttle_find(t, key)) == NULL || e->inflight == 0)
		return;

	e->inflight--;
	throttle_tidy(e);
}

size_t
rg_throttle_count(const struct rg_throttle *t)
{
	size_t		i, n;

	n = 0;
	for (i = 0; i < t->size; i++) {
		if (t->tab[i].key[0] != '\0')
			n++;
	}

	return (n);
}

static struct rg_throttle_entry *
throttle_find(const struct rg_throttle *t, const char *key)
{
	size_t		i;

	if (key[0] == '\0')
		return (NULL);

	for (i = 0; i < t->size; i++) {
		if (strcmp(t->tab[i].key, key) == 0)
			return (&t->tab[i]);
	}

	return (NULL);
}

/* A new entry for key (valid length), or NULL if none can be had. */
static struct rg_throttle_entry *
throttle_add(struct rg_throttle *t, const char *key, uint64_t now)
{
	struct rg_throttle_entry	*e;
	size_t				 len;

	if ((len = strlen(key)) == 0 || len >= sizeof(e->key))
		return (NULL);
	if ((e = throttle_slot(t, now)) == NULL)
		return (NULL);

	memset(e, 0, sizeof(*e));
	memcpy(e->key, key, len + 1);
	return (e);
}

/* An entry with neither failures nor attempts in flight is free. */
static void
throttle_tidy(struct rg_throttle_entry *e)
{
	if (e->failures == 0 && e->inflight == 0)
		memset(e, 0, sizeof(*e));
}

/*
 * A free entry, else the unblocked one, with no attempt in flight, whose
 * last failure is the oldest.  A blocked entry is never reused: flooding
 * the table with new names must not lift a block.  When every entry is
 * blocked there is none: new keys then wait until the first block ends
 * (full_until).
 */
static struct rg_throttle_entry *
throttle_slot(struct rg_throttle *t, uint64_t now)
{
	struct rg_throttle_entry	*old, *e;
	uint64_t			 first;
	size_t				 i;

	old = NULL;
	first = 0;
	for (i = 0; i < t->size; i++) {
		e = &t->tab[i];
		if (e->key[0] == '\0')
			return (e);
		if (e->until > now) {
			if (first == 0 || e->until < first)
				first = e->until;
			continue;
		}
		if (e->inflight > 0)
			continue;
		if (old == NULL || e->last < old->last)
			old = e;
	}

	t->full_until = (old == NULL) ? first : 0;
	return (old);
}

/* base_ms * 2^extra, capped at max_ms. */
static uint64_t
throttle_delay(const struct rg_throttle *t, uint32_t extra)
{
	uint64_t	delay;

	delay = t->base_ms;
	while (extra-- > 0 && delay < t->max_ms)
		delay *= 2;

	return (delay < t->max_ms ? delay : t->max_ms);
}
