/*
 * Per-worker cache of validated sessions (see sesscache.h).  One slot
 * per id, chosen by a multiplicative hash: a lookup is O(1) and a
 * collision only costs the evicted session a database check.
 */

#include <openssl/crypto.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sesscache.h"

static struct rg_sesscache_entry	*sesscache_slot(const struct rg_sesscache *,
					    int64_t);

int
rg_sesscache_init(struct rg_sesscache *c, size_t size)
{
	memset(c, 0, sizeof(*c));
	if (size == 0)
		return (0);
	if ((c->tab = calloc(size, sizeof(*c->tab))) == NULL)
		return (-1);

	c->size = size;
	return (0);
}

void
rg_sesscache_free(struct rg_sesscache *c)
{
	if (c->tab != NULL)
		OPENSSL_cleanse(c->tab, c->size * sizeof(*c->tab));
	free(c->tab);
	memset(c, 0, sizeof(*c));
}

int
rg_sesscache_get(const struct rg_sesscache *c, int64_t id,
    const uint8_t *hash, uint64_t now, int *admin, char *user, int *due)
{
	const struct rg_sesscache_entry	*e;

	if ((e = sesscache_slot(c, id)) == NULL || e->id != id ||
	    now >= e->until ||
	    CRYPTO_memcmp(e->hash, hash, sizeof(e->hash)) != 0)
		return (0);

	*admin = e->admin;
	if (user != NULL)
		memcpy(user, e->user, sizeof(e->user));
	if (due != NULL)
		*due = now >= e->due;
	return (1);
}

void
rg_sesscache_put(struct rg_sesscache *c, int64_t id, const uint8_t *hash,
    int admin, const char *user, uint64_t until, uint64_t due)
{
	struct rg_sesscache_entry	*e;

	if ((e = sesscache_slot(c, id)) == NULL)
		return;

	e->id = id;
	e->until = until;
	e->due = due;
	memcpy(e->hash, hash, sizeof(e->hash));
	e->admin = admin;
	(void)snprintf(e->user, sizeof(e->user), "%s", user);
}

void
rg_sesscache_drop(struct rg_sesscache *c, int64_t id)
{
	struct rg_sesscache_entry	*e;

	if ((e = sesscache_slot(c, id)) != NULL && e->id == id)
		memset(e, 0, sizeof(*e));
}

/* Fibonacci hashing: consecutive ids (a sequence) spread evenly. */
static struct rg_sesscache_entry *
sesscache_slot(const struct rg_sesscache *c, int64_t id)
{
	uint64_t	h;

	if (c->size == 0)
		return (NULL);

	h = (uint64_t)id * UINT64_C(0x9e3779b97f4a7c15);
	return (&c->tab[(h >> 32) % c->size]);
}
