/*
 * Tests for rangeInfo from a roachgate.ranges row (src/rangeinfo.c):
 * the row parse and the exact JSON, field order and omitempty included
 * (src/REFERENCE.md, "GET /nodes/{node_id}/ranges/" and
 * "GET /ranges/{range_id}/").
 */

#include <string.h>

#include "config.h"
#include "rangeinfo.h"
#include "suites.h"

static void	cluster(struct rg_config *);
static const char	*write_row(struct rg_buf *, const char *const *,
			    int32_t);

/* Nodes 2 and 3, named n2 and n3 by default. */
static void
cluster(struct rg_config *cfg)
{
	char	err[128];

	rg_config_defaults(cfg);
	ck_assert_int_eq(rg_config_parse(cfg,
	    "node 2 dsn \"host=a\"\nnode 3 dsn \"host=b\"\n",
	    err, sizeof(err)), 0);
}

/* Parse v and write its rangeInfo as seen from node; NULL if v is bad. */
static const char *
write_row(struct rg_buf *b, const char *const *v, int32_t node)
{
	struct rg_config	cfg;
	struct rg_range_row	row;
	struct rg_json		j;
	int			rv;

	cluster(&cfg);
	rg_range_row_init(&row);
	rv = rg_range_row_parse(&row, &cfg, v);
	if (rv == 0) {
		rg_json_init(&j, b);
		rg_rangeinfo_write(&j, NULL, &row, node);
	}
	rg_range_row_free(&row);
	rg_config_free(&cfg);
	return (rv == 0 ? rg_buf_cstr(b) : NULL);
}

/* Columns: RG_RANGEINFO_COLUMNS. */
static const char *const full_row[RG_RANGEINFO_NCOLS] = {
	"42", "\\x89", "\\x8a", "n2", "1600000000000000000",
	"1.5", "0", "t", "f", "f", "t"
};

START_TEST(test_rangeinfo_full)
{
	struct rg_buf	b;

	rg_buf_init(&b);
	ck_assert_str_eq(write_row(&b, full_row, 3),
	    "{\"desc\":{\"range_id\":42,\"start_key\":\"iQ==\","
	    "\"end_key\":\"ig==\",\"store_id\":0,\"queries_per_second\":0},"
	    "\"span\":{\"start_key\":\"/Table/1\",\"end_key\":\"/Table/2\"},"
	    "\"source_node_id\":3,\"source_store_id\":3,"
	    "\"lease_history\":[{\"start\":{\"wall_time\":1600000000000000000},"
	    "\"replica\":{\"node_id\":2,\"store_id\":2,\"replica_id\":2}}],"
	    "\"problems\":{\"underreplicated\":true},"
	    "\"stats\":{\"queries_per_second\":1.5},\"ticking\":true}");
	rg_buf_free(&b);
}
END_TEST

/*
 * NULLs everywhere but range_id: no keys, no source node, an unknown
 * leaseholder (no lease: lease_history null, problems.no_lease).
 */
START_TEST(test_rangeinfo_nulls)
{
	static const char *const v[RG_RANGEINFO_NCOLS] = { "7" };
	static const char *const unknown[RG_RANGEINFO_NCOLS] = {
		"7", NULL, NULL, "n9", NULL, NULL, NULL, NULL, "t", "t", NULL
	};
	struct rg_buf	b;

	rg_buf_init(&b);
	ck_assert_str_eq(write_row(&b, v, 0),
	    "{\"desc\":{\"range_id\":7,\"store_id\":0,"
	    "\"queries_per_second\":0},\"span\":{\"start_key\":\"/Min\","
	    "\"end_key\":\"/Min\"},\"lease_history\":null,"
	    "\"problems\":{\"no_lease\":true},\"stats\":{}}");
	rg_buf_reset(&b);
	ck_assert_str_eq(write_row(&b, unknown, 2),
	    "{\"desc\":{\"range_id\":7,\"store_id\":0,"
	    "\"queries_per_second\":0},\"span\":{\"start_key\":\"/Min\","
	    "\"end_key\":\"/Min\"},\"source_node_id\":2,"
	    "\"source_store_id\":2,\"lease_history\":null,"
	    "\"problems\":{\"unavailable\":true,\"no_lease\":true},"
	    "\"stats\":{},\"quiescent\":true}");
	rg_buf_free(&b);
}
END_TEST

/* Each column made malformed in turn: the row is refused. */
static const struct {
	int		 col;
	const char	*bad;
} bad_vec[] = {
	{ 0, NULL },		/* range_id NULL */
	{ 0, "4x" },
	{ 0, "9223372036854775808" },
	{ 1, "89" },		/* bytea without \x */
	{ 2, "\\x8" },
	{ 4, "soon" },
	{ 5, "1.5q" },
	{ 6, "" },
	{ 7, "true" },
	{ 8, "1" },
	{ 9, "T" },
	{ 10, "yes" },
};

START_TEST(test_rangeinfo_bad)
{
	const char	*v[RG_RANGEINFO_NCOLS];
	struct rg_buf	b;

	memcpy(v, full_row, sizeof(v));
	v[bad_vec[_i].col] = bad_vec[_i].bad;
	rg_buf_init(&b);
	ck_assert_ptr_null(write_row(&b, v, 3));
	rg_buf_free(&b);
}
END_TEST

START_TEST(test_rangeinfo_zero)
{
	struct rg_buf	b;
	struct rg_json	j;

	rg_buf_init(&b);
	rg_json_init(&j, &b);
	rg_json_object_open(&j, NULL);
	rg_rangeinfo_write_zero(&j, "range_info");
	rg_json_object_close(&j);
	ck_assert_buf_str(&b,
	    "{\"range_info\":{\"desc\":{\"range_id\":0,\"store_id\":0,"
	    "\"queries_per_second\":0},\"span\":{},\"lease_history\":null,"
	    "\"problems\":{},\"stats\":{}}}");
	rg_buf_free(&b);
}
END_TEST

/* rangeDescriptorInfo as hot ranges write it: store and qps set. */
START_TEST(test_rangedesc)
{
	struct rg_buf	b;
	struct rg_json	j;

	rg_buf_init(&b);
	rg_json_init(&j, &b);
	rg_rangedesc_write(&j, NULL, 9, (const uint8_t *)"\x89\x00", 2,
	    NULL, 0, 4, 0.25);
	ck_assert_buf_str(&b,
	    "{\"range_id\":9,\"start_key\":\"iQA=\",\"store_id\":4,"
	    "\"queries_per_second\":0.25}");
	rg_buf_free(&b);
}
END_TEST

Suite *
rangeinfo_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("rangeinfo");
	tc = tcase_create("rangeinfo");
	tcase_add_test(tc, test_rangeinfo_full);
	tcase_add_test(tc, test_rangeinfo_nulls);
	tcase_add_loop_test(tc, test_rangeinfo_bad, 0,
	    (int)(sizeof(bad_vec) / sizeof(bad_vec[0])));
	tcase_add_test(tc, test_rangeinfo_zero);
	tcase_add_test(tc, test_rangedesc);
	suite_add_tcase(s, tc);
	return (s);
}
