/*
 * Tests for the session cache (src/sesscache.c): hits need the same
 * hash, entries are never used at or after their deadline, a drop
 * forgets, a shared slot evicts, and a size of 0 caches nothing.
 */

#include <string.h>

#include "suites.h"
#include "sesscache.h"

static void
hash_of(uint8_t *h, int v)
{
	memset(h, v, RG_SESSCACHE_HASH_LEN);
}

START_TEST(test_sesscache_hit_and_expiry)
{
	struct rg_sesscache	c;
	uint8_t			h[RG_SESSCACHE_HASH_LEN];
	uint8_t			other[RG_SESSCACHE_HASH_LEN];
	char			user[RG_SESSCACHE_USER_LEN];
	int			admin;

	ck_assert_int_eq(rg_sesscache_init(&c, 16), 0);
	hash_of(h, 7);
	hash_of(other, 7);
	other[RG_SESSCACHE_HASH_LEN - 1] ^= 1;

	ck_assert_int_eq(rg_sesscache_get(&c, 42, h, 100, &admin, NULL, NULL), 0);
	rg_sesscache_put(&c, 42, h, 1, "u", 1000, 500);
	admin = 0;
	ck_assert_int_eq(rg_sesscache_get(&c, 42, h, 100, &admin, NULL, NULL), 1);
	ck_assert_int_eq(admin, 1);
	ck_assert_int_eq(rg_sesscache_get(&c, 42, h, 999, &admin, NULL, NULL), 1);
	/* Exactly at the deadline it is no longer usable. */
	ck_assert_int_eq(rg_sesscache_get(&c, 42, h, 1000, &admin, NULL, NULL), 0);
	/* Another secret, another id: misses. */
	ck_assert_int_eq(rg_sesscache_get(&c, 42, other, 100, &admin, NULL, NULL), 0);
	ck_assert_int_eq(rg_sesscache_get(&c, 43, h, 100, &admin, NULL, NULL), 0);

	/* A non-admin is cached as such, with the user name (the routes
	 * any logged-in user may use read it). */
	rg_sesscache_put(&c, 42, h, 0, "demo_user", 2000, 1000);
	admin = 1;
	memset(user, 'x', sizeof(user));
	ck_assert_int_eq(rg_sesscache_get(&c, 42, h, 1500, &admin, user, NULL), 1);
	ck_assert_int_eq(admin, 0);
	ck_assert_str_eq(user, "demo_user");
	rg_sesscache_free(&c);
}
END_TEST

START_TEST(test_sesscache_drop)
{
	struct rg_sesscache	c;
	uint8_t			h[RG_SESSCACHE_HASH_LEN];
	int			admin;
	int64_t			id;

	ck_assert_int_eq(rg_sesscache_init(&c, 64), 0);
	hash_of(h, 1);
	for (id = 1; id <= 8; id++)
		rg_sesscache_put(&c, id, h, 1, "u", 1000, 500);
	rg_sesscache_drop(&c, 5);
	ck_assert_int_eq(rg_sesscache_get(&c, 5, h, 10, &admin, NULL, NULL), 0);
	/* Dropping an id that is not there leaves the others alone. */
	rg_sesscache_drop(&c, 99);
	for (id = 1; id <= 8; id++) {
		ck_assert_int_eq(rg_sesscache_get(&c, id, h, 10, &admin, NULL, NULL),
		    id != 5);
	}
	rg_sesscache_free(&c);
}
END_TEST

/* A re-check is due from `due` until the entry is no longer usable. */
START_TEST(test_sesscache_due)
{
	struct rg_sesscache	c;
	uint8_t			h[RG_SESSCACHE_HASH_LEN];
	int			admin, due;

	ck_assert_int_eq(rg_sesscache_init(&c, 16), 0);
	hash_of(h, 3);
	ck_assert_int_eq(rg_sesscache_get(&c, 7, h, 600, &admin, NULL, &due),
	    0);
	rg_sesscache_put(&c, 7, h, 1, "u", 1000, 500);
	ck_assert_int_eq(rg_sesscache_get(&c, 7, h, 499, &admin, NULL, &due),
	    1);
	ck_assert_int_eq(due, 0);
	ck_assert_int_eq(rg_sesscache_get(&c, 7, h, 500, &admin, NULL, &due),
	    1);
	ck_assert_int_eq(due, 1);
	ck_assert_int_eq(rg_sesscache_get(&c, 7, h, 999, &admin, NULL, &due),
	    1);
	ck_assert_int_eq(due, 1);
	ck_assert_int_eq(rg_sesscache_get(&c, 7, h, 1000, &admin, NULL, &due),
	    0);
	ck_assert_int_eq(rg_sesscache_get(&c, 8, h, 600, &admin, NULL, &due),
	    0);
	rg_sesscache_drop(&c, 7);
	ck_assert_int_eq(rg_sesscache_get(&c, 7, h, 600, &admin, NULL, &due),
	    0);
	rg_sesscache_free(&c);
}
END_TEST

/* Bounded: more ids than slots evict, never grow; at most size live. */
START_TEST(test_sesscache_bounded)
{
	struct rg_sesscache	c;
	uint8_t			h[RG_SESSCACHE_HASH_LEN];
	int			admin, hits;
	int64_t			id;

	ck_assert_int_eq(rg_sesscache_init(&c, 4), 0);
	hash_of(h, 2);
	for (id = 0; id < 100; id++)
		rg_sesscache_put(&c, id, h, 1, "u", 1000, 500);
	hits = 0;
	for (id = 0; id < 100; id++)
		hits += rg_sesscache_get(&c, id, h, 10, &admin, NULL, NULL);
	ck_assert_int_ge(hits, 1);
	ck_assert_int_le(hits, 4);
	/* The last one put is always there. */
	ck_assert_int_eq(rg_sesscache_get(&c, 99, h, 10, &admin, NULL, NULL), 1);
	rg_sesscache_free(&c);
}
END_TEST

START_TEST(test_sesscache_off)
{
	struct rg_sesscache	c;
	uint8_t			h[RG_SESSCACHE_HASH_LEN];
	int			admin;

	ck_assert_int_eq(rg_sesscache_init(&c, 0), 0);
	hash_of(h, 3);
	rg_sesscache_put(&c, 1, h, 1, "u", 1000, 500);
	ck_assert_int_eq(rg_sesscache_get(&c, 1, h, 10, &admin, NULL, NULL), 0);
	rg_sesscache_drop(&c, 1);
	rg_sesscache_free(&c);
}
END_TEST

Suite *
sesscache_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("sesscache");
	tc = tcase_create("core");
	tcase_add_test(tc, test_sesscache_hit_and_expiry);
	tcase_add_test(tc, test_sesscache_drop);
	tcase_add_test(tc, test_sesscache_due);
	tcase_add_test(tc, test_sesscache_bounded);
	tcase_add_test(tc, test_sesscache_off);
	suite_add_tcase(s, tc);

	return (s);
}
