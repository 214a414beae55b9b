/*
 * Tests for the login throttle bookkeeping (src/throttle.c): blocking
 * after N failures, doubling delays with a cap, reset on success,
 * forgetting after a quiet period, bounded memory with oldest-first
 * eviction of unblocked entries.
 */

#include <stdio.h>
#include <string.h>

#include "suites.h"
#include "throttle.h"

#define AFTER	3
#define BASE	1000
#define MAX	8000

static void
fail_n(struct rg_throttle *t, const char *key, int n, uint64_t now)
{
	while (n-- > 0)
		rg_throttle_fail(t, key, now);
}

START_TEST(test_throttle_init_args)
{
	struct rg_throttle	t;

	ck_assert_int_eq(rg_throttle_init(&t, 0, AFTER, BASE, MAX), -1);
	ck_assert_int_eq(rg_throttle_init(&t, 8, 0, BASE, MAX), -1);
	ck_assert_int_eq(rg_throttle_init(&t, 8, AFTER, 0, MAX), -1);
	ck_assert_int_eq(rg_throttle_init(&t, 8, AFTER, MAX, BASE), -1);
	ck_assert_int_eq(rg_throttle_init(&t, 8, AFTER, BASE, MAX), 0);
	rg_throttle_free(&t);
}
END_TEST

START_TEST(test_throttle_blocks_after_n)
{
	struct rg_throttle	t;

	ck_assert_int_eq(rg_throttle_init(&t, 8, AFTER, BASE, MAX), 0);
	ck_assert_uint_eq(rg_throttle_wait(&t, "u:x", 100), 0);

	fail_n(&t, "u:x", AFTER - 1, 100);
	ck_assert_uint_eq(rg_throttle_wait(&t, "u:x", 100), 0);

	rg_throttle_fail(&t, "u:x", 100);
	ck_assert_uint_eq(rg_throttle_wait(&t, "u:x", 100), BASE);
	ck_assert_uint_eq(rg_throttle_wait(&t, "u:x", 600), BASE - 500);
	ck_assert_uint_eq(rg_throttle_wait(&t, "u:x", 100 + BASE), 0);

	/* Other keys are not affected. */
	ck_assert_uint_eq(rg_throttle_wait(&t, "u:y", 100), 0);
	ck_assert_uint_eq(rg_throttle_wait(&t, "a:x", 100), 0);
	rg_throttle_free(&t);
}
END_TEST

START_TEST(test_throttle_doubles_and_caps)
{
	struct rg_throttle	t;
	uint64_t		now, want;
	int			i;

	ck_assert_int_eq(rg_throttle_init(&t, 8, AFTER, BASE, MAX), 0);
	now = 1000;
	fail_n(&t, "a:1.2.3.4", AFTER, now);
	want = BASE;
	for (i = 0; i < 8; i++) {
		ck_assert_uint_eq(rg_throttle_wait(&t, "a:1.2.3.4", now), want);
		now += want;
		ck_assert_uint_eq(rg_throttle_wait(&t, "a:1.2.3.4", now), 0);
		rg_throttle_fail(&t, "a:1.2.3.4", now);
		want = want * 2 > MAX ? MAX : want * 2;
	}
	ck_assert_uint_eq(rg_throttle_wait(&t, "a:1.2.3.4", now), MAX);
	rg_throttle_free(&t);
}
END_TEST

START_TEST(test_throttle_reset)
{
	struct rg_throttle	t;

	ck_assert_int_eq(rg_throttle_init(&t, 8, AFTER, BASE, MAX), 0);
	fail_n(&t, "u:x", AFTER + 2, 50);
	ck_assert_uint_gt(rg_throttle_wait(&t, "u:x", 50), 0);
	rg_throttle_reset(&t, "u:x");
	ck_assert_uint_eq(rg_throttle_wait(&t, "u:x", 50), 0);
	ck_assert_uint_eq(rg_throttle_count(&t), 0);

	/* Counting starts over: consecutive failures only. */
	fail_n(&t, "u:x", AFTER - 1, 60);
	ck_assert_uint_eq(rg_throttle_wait(&t, "u:x", 60), 0);
	rg_throttle_reset(&t, "u:nobody");
	ck_assert_uint_eq(rg_throttle_count(&t), 1);
	rg_throttle_free(&t);
}
END_TEST

START_TEST(test_throttle_forgets)
{
	struct rg_throttle	t;

	ck_assert_int_eq(rg_throttle_init(&t, 8, AFTER, BASE, MAX), 0);
	fail_n(&t, "u:x", AFTER - 1, 10);
	/* Quiet for more than 2 * MAX: the old failures no longer count. */
	rg_throttle_fail(&t, "u:x", 10 + 2 * MAX + 1);
	ck_assert_uint_eq(rg_throttle_wait(&t, "u:x", 10 + 2 * MAX + 1), 0);
	/* Within the window they do. */
	fail_n(&t, "u:y", AFTER - 1, 10);
	rg_throttle_fail(&t, "u:y", 10 + 2 * MAX);
	ck_assert_uint_eq(rg_throttle_wait(&t, "u:y", 10 + 2 * MAX), BASE);
	rg_throttle_free(&t);
}
END_TEST

START_TEST(test_throttle_bounded)
{
	struct rg_throttle	t;
	char			key[32];
	int			i;

	ck_assert_int_eq(rg_throttle_init(&t, 4, AFTER, BASE, MAX), 0);
	fail_n(&t, "u:victim", AFTER, 5);
	/* k0 fails last, k1 first, k2 in between: slot order is not age. */
	fail_n(&t, "u:k0", AFTER - 1, 12);
	fail_n(&t, "u:k1", AFTER - 1, 10);
	fail_n(&t, "u:k2", AFTER - 1, 11);
	ck_assert_uint_eq(rg_throttle_count(&t), 4);
	ck_assert_uint_gt(rg_throttle_wait(&t, "u:victim", 20), 0);

	/* Full: the unblocked entry failed longest ago (k1) goes first; the
	 * blocked victim stays blocked.  An evicted key starts from zero, so
	 * one more failure blocks k0 and k2 but not k1. */
	rg_throttle_fail(&t, "u:new", 20);
	ck_assert_uint_eq(rg_throttle_count(&t), 4);
	ck_assert_uint_gt(rg_throttle_wait(&t, "u:victim", 20), 0);
	rg_throttle_fail(&t, "u:k0", 21);
	rg_throttle_fail(&t, "u:k2", 21);
	ck_assert_uint_eq(rg_throttle_wait(&t, "u:k0", 21), BASE);
	ck_assert_uint_eq(rg_throttle_wait(&t, "u:k2", 21), BASE);
	ck_assert_uint_eq(rg_throttle_wait(&t, "u:k1", 21), 0);
	ck_assert_uint_gt(rg_throttle_wait(&t, "u:victim", 21), 0);
	fail_n(&t, "u:new", AFTER - 1, 21);
	ck_assert_uint_eq(rg_throttle_wait(&t, "u:new", 21), BASE);

	/* Many more keys than slots: never more than the table holds, and
	 * a flood of names never lifts the victim's block. */
	for (i = 0; i < 1000; i++) {
		(void)snprintf(key, sizeof(key), "a:10.0.%d.%d", i / 256,
		    i % 256);
		rg_throttle_fail(&t, key, 22);
		ck_assert_uint_gt(rg_throttle_wait(&t, "u:victim", 22), 0);
	}
	ck_assert_uint_eq(rg_throttle_count(&t), 4);
	rg_throttle_free(&t);
}
END_TEST

/* Every entry blocked: a new key cannot be recorded, so it waits until
 * the first block ends, and is recorded after that. */
START_TEST(test_throttle_full_of_blocks)
{
	struct rg_throttle	t;
	uint64_t		w;

	ck_assert_int_eq(rg_throttle_init(&t, 2, AFTER, BASE, MAX), 0);
	fail_n(&t, "u:a", AFTER, 5);		/* blocked until 5 + BASE */
	fail_n(&t, "u:b", AFTER, 7);		/* blocked until 7 + BASE */
	ck_assert_uint_eq(rg_throttle_wait(&t, "u:c", 8), 0);
	rg_throttle_fail(&t, "u:c", 8);
	ck_assert_uint_eq(rg_throttle_count(&t), 2);
	w = rg_throttle_wait(&t, "u:c", 8);
	ck_assert_uint_eq(w, 5 + BASE - 8);
	ck_assert_uint_gt(rg_throttle_wait(&t, "u:a", 8), 0);
	ck_assert_uint_gt(rg_throttle_wait(&t, "u:b", 8), 0);
	/* Once u:a's block is over its slot can be reused. */
	rg_throttle_fail(&t, "u:c", 5 + BASE);
	ck_assert_uint_eq(rg_throttle_wait(&t, "u:c", 5 + BASE), 0);
	ck_assert_uint_eq(rg_throttle_wait(&t, "u:a", 5 + BASE), 0);
	rg_throttle_free(&t);
}
END_TEST

START_TEST(test_throttle_keys)
{
	struct rg_throttle	t;
	char			key[RG_THROTTLE_KEY_MAX + 8];

	ck_assert_int_eq(rg_throttle_init(&t, 4, 1, BASE, MAX), 0);
	/* Empty and over-long keys are ignored, not truncated. */
	rg_throttle_fail(&t, "", 1);
	memset(key, 'x', sizeof(key) - 1);
	key[sizeof(key) - 1] = '\0';
	rg_throttle_fail(&t, key, 1);
	ck_assert_uint_eq(rg_throttle_count(&t), 0);
	ck_assert_uint_eq(rg_throttle_wait(&t, key, 1), 0);

	/* The longest allowed key works. */
	key[RG_THROTTLE_KEY_MAX - 1] = '\0';
	rg_throttle_fail(&t, key, 1);
	ck_assert_uint_eq(rg_throttle_wait(&t, key, 1), BASE);
	rg_throttle_free(&t);
}
END_TEST

/* Messages from other workers may carry slightly older times. */
START_TEST(test_throttle_out_of_order)
{
	struct rg_throttle	t;

	ck_assert_int_eq(rg_throttle_init(&t, 4, 2, BASE, MAX), 0);
	rg_throttle_fail(&t, "u:x", 500);
	rg_throttle_fail(&t, "u:x", 400);
	ck_assert_uint_eq(rg_throttle_wait(&t, "u:x", 500), BASE - 100);
	/* A later failure never shortens a block. */
	rg_throttle_fail(&t, "u:x", 450);
	ck_assert_uint_eq(rg_throttle_wait(&t, "u:x", 500), 2 * BASE - 50);
	rg_throttle_free(&t);
}
END_TEST

/* Attempts in flight count against the failures a key has left. */
START_TEST(test_throttle_inflight)
{
	struct rg_throttle	t;
	int			i;

	ck_assert_int_eq(rg_throttle_init(&t, 8, AFTER, BASE, MAX), 0);
	ck_assert_uint_eq(rg_throttle_room(&t, "p:x", 10), AFTER);

	/* Parallel guesses: only AFTER may be in flight at once. */
	for (i = 0; i < AFTER; i++) {
		ck_assert_uint_gt(rg_throttle_room(&t, "p:x", 10), 0);
		ck_assert_int_eq(rg_throttle_begin(&t, "p:x", 10), 0);
	}
	ck_assert_uint_eq(rg_throttle_room(&t, "p:x", 10), 0);
	/* In flight is not failed: nothing is blocked. */
	ck_assert_uint_eq(rg_throttle_wait(&t, "p:x", 10), 0);

	/* Each answer that fails frees a slot but uses up the budget. */
	rg_throttle_fail(&t, "p:x", 11);
	rg_throttle_end(&t, "p:x");
	ck_assert_uint_eq(rg_throttle_room(&t, "p:x", 11), 0);
	rg_throttle_fail(&t, "p:x", 12);
	rg_throttle_end(&t, "p:x");
	rg_throttle_fail(&t, "p:x", 13);
	rg_throttle_end(&t, "p:x");
	ck_assert_uint_eq(rg_throttle_wait(&t, "p:x", 13), BASE);
	ck_assert_uint_eq(rg_throttle_room(&t, "p:x", 13), 0);

	/* After the block one attempt at a time may probe. */
	ck_assert_uint_eq(rg_throttle_room(&t, "p:x", 13 + BASE), 1);
	ck_assert_int_eq(rg_throttle_begin(&t, "p:x", 13 + BASE), 0);
	ck_assert_uint_eq(rg_throttle_room(&t, "p:x", 13 + BASE), 0);

	/* A success resets failures but keeps what is in flight. */
	rg_throttle_reset(&t, "p:x");
	ck_assert_uint_eq(rg_throttle_room(&t, "p:x", 14 + BASE), AFTER - 1);
	rg_throttle_end(&t, "p:x");
	ck_assert_uint_eq(rg_throttle_count(&t), 0);
	/* Ending what never began changes nothing. */
	rg_throttle_end(&t, "p:x");
	ck_assert_uint_eq(rg_throttle_room(&t, "p:x", 15 + BASE), AFTER);
	rg_throttle_free(&t);
}
END_TEST

/* Good logins in parallel: they wait for each other, none is blocked. */
START_TEST(test_throttle_inflight_success)
{
	struct rg_throttle	t;
	int			i;

	ck_assert_int_eq(rg_throttle_init(&t, 8, AFTER, BASE, MAX), 0);
	for (i = 0; i < 100; i++) {
		ck_assert_uint_gt(rg_throttle_room(&t, "u:x", 10 + i), 0);
		ck_assert_int_eq(rg_throttle_begin(&t, "u:x", 10 + i), 0);
		rg_throttle_reset(&t, "u:x");
		rg_throttle_end(&t, "u:x");
	}
	ck_assert_uint_eq(rg_throttle_room(&t, "u:x", 200), AFTER);
	ck_assert_uint_eq(rg_throttle_count(&t), 0);
	rg_throttle_free(&t);
}
END_TEST

/* An entry with attempts in flight is never recycled. */
START_TEST(test_throttle_inflight_kept)
{
	struct rg_throttle	t;

	ck_assert_int_eq(rg_throttle_init(&t, 2, AFTER, BASE, MAX), 0);
	ck_assert_int_eq(rg_throttle_begin(&t, "a:1", 5), 0);
	ck_assert_int_eq(rg_throttle_begin(&t, "a:2", 5), 0);
	/* Full of attempts in flight: a new key cannot begin or fail. */
	ck_assert_int_eq(rg_throttle_begin(&t, "a:3", 6), -1);
	rg_throttle_fail(&t, "a:3", 6);
	ck_assert_uint_eq(rg_throttle_count(&t), 2);
	ck_assert_uint_eq(rg_throttle_room(&t, "a:1", 6), AFTER - 1);
	rg_throttle_end(&t, "a:1");
	ck_assert_int_eq(rg_throttle_begin(&t, "a:3", 7), 0);
	ck_assert_uint_eq(rg_throttle_room(&t, "a:2", 7), AFTER - 1);
	rg_throttle_free(&t);
}
END_TEST

Suite *
throttle_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("throttle");
	tc = tcase_create("core");
	tcase_add_test(tc, test_throttle_init_args);
	tcase_add_test(tc, test_throttle_blocks_after_n);
	tcase_add_test(tc, test_throttle_doubles_and_caps);
	tcase_add_test(tc, test_throttle_reset);
	tcase_add_test(tc, test_throttle_forgets);
	tcase_add_test(tc, test_throttle_bounded);
	tcase_add_test(tc, test_throttle_full_of_blocks);
	tcase_add_test(tc, test_throttle_keys);
	tcase_add_test(tc, test_throttle_out_of_order);
	tcase_add_test(tc, test_throttle_inflight);
	tcase_add_test(tc, test_throttle_inflight_success);
	tcase_add_test(tc, test_throttle_inflight_kept);
	suite_add_tcase(s, tc);

	return (s);
}
