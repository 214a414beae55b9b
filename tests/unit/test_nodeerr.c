/*
 * Tests for the per-node error texts (src/nodeerr.c; src/REFERENCE.md,
 * "Fan-out errors" and "Node liveness codes").
 */

#include "liveness.h"
#include "nodeerr.h"
#include "suites.h"

START_TEST(test_liveness_names)
{
	ck_assert_str_eq(rg_liveness_name(RG_LIVENESS_UNKNOWN),
	    "NODE_STATUS_UNKNOWN");
	ck_assert_str_eq(rg_liveness_name(1), "NODE_STATUS_DEAD");
	ck_assert_str_eq(rg_liveness_name(2), "NODE_STATUS_UNAVAILABLE");
	ck_assert_str_eq(rg_liveness_name(3), "NODE_STATUS_LIVE");
	ck_assert_str_eq(rg_liveness_name(4), "NODE_STATUS_DECOMMISSIONING");
	ck_assert_str_eq(rg_liveness_name(5), "NODE_STATUS_DECOMMISSIONED");
	ck_assert_str_eq(rg_liveness_name(6), "NODE_STATUS_DRAINING");
	ck_assert_str_eq(rg_liveness_name(7), "NODE_STATUS_STARTING");
	ck_assert_str_eq(rg_liveness_name(8), "NODE_STATUS_UNKNOWN");
	ck_assert_str_eq(rg_liveness_name(-1), "NODE_STATUS_UNKNOWN");
}
END_TEST

/* The driver's text never reaches the client, only a fixed phrase. */
static const struct {
	const char	*driver;
	int		 liveness;
	const char	*out;
} err_vec[] = {
	{ "connection to server at \"10.0.0.9\", port 5433 failed: "
	  "Connection refused\n\tIs the server running?", 2,
	  "failed to dial into node 4 (NODE_STATUS_UNAVAILABLE): "
	  "connection refused" },
	{ "could not connect to server: No such file or directory", 1,
	  "failed to dial into node 4 (NODE_STATUS_DEAD): connection failed" },
	{ "could not translate host name \"db\" to address", 2,
	  "failed to dial into node 4 (NODE_STATUS_UNAVAILABLE): "
	  "could not resolve the host" },
	{ "connection to server on socket \"/tmp/.s.PGSQL.5\" failed: "
	  "FATAL:  the database system is starting up", 2,
	  "failed to dial into node 4 (NODE_STATUS_UNAVAILABLE): "
	  "the database system is starting up" },
	{ "ERROR:  canceling statement due to statement timeout", 3,
	  "error requesting details about range 5 from node 4 "
	  "(NODE_STATUS_LIVE): timed out" },
	{ "timed out", 3,
	  "error requesting details about range 5 from node 4 "
	  "(NODE_STATUS_LIVE): timed out" },
	{ "server closed the connection unexpectedly", 3,
	  "error requesting details about range 5 from node 4 "
	  "(NODE_STATUS_LIVE): connection lost" },
	{ "", 6,
	  "error requesting details about range 5 from node 4 "
	  "(NODE_STATUS_DRAINING): connection lost" },
	{ NULL, 0,
	  "error requesting details about range 5 from node 4 "
	  "(NODE_STATUS_UNKNOWN): unknown error" },
	{ "ERROR:  relation \"secret_table\" does not exist", 3,
	  "error requesting details about range 5 from node 4 "
	  "(NODE_STATUS_LIVE): query failed" },
};

START_TEST(test_node_error)
{
	struct rg_buf	b;

	rg_buf_init(&b);
	rg_node_error(&b, "details about range 5", 4, err_vec[_i].liveness,
	    err_vec[_i].driver);
	ck_assert_buf_str(&b, err_vec[_i].out);
	rg_buf_free(&b);
}
END_TEST

Suite *
nodeerr_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("nodeerr");
	tc = tcase_create("nodeerr");
	tcase_add_test(tc, test_liveness_names);
	tcase_add_loop_test(tc, test_node_error, 0,
	    (int)(sizeof(err_vec) / sizeof(err_vec[0])));
	suite_add_tcase(s, tc);
	return (s);
}
