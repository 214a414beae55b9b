/* Tests for roachgate.conf parsing (src/config.c). */

#include <string.h>

#include "suites.h"
#include "config.h"

static int
parse(struct rg_config *cfg, const char *text, char *err, size_t errlen)
{
	rg_config_defaults(cfg);
	return (rg_config_parse(cfg, text, err, errlen));
}

START_TEST(test_config_full)
{
	struct rg_config	cfg;
	const struct rg_node	*n;
	char			err[256];

	ck_assert_int_eq(parse(&cfg,
	    "# comment\n"
	    "primary 2\n"
	    "node 3 dsn \"host=127.0.0.1 port=3 options='-c x=1'\" "
	    "attrs \"ssd\" liveness draining\n"
	    "node 2 dsn \"a \\\"quoted\\\" \\\\ dsn\" name standby-b "
	    "locality \"region=eu,zone=b\"   # trailing\n"
	    "\n"
	    "admin_role ops\n"
	    "session_lifetime 60\n"
	    "node_timeout_ms 250\n", err, sizeof(err)), 0);

	ck_assert_uint_eq(cfg.nnodes, 2);
	ck_assert_int_eq(cfg.nodes[0].id, 2);		/* sorted by id */
	ck_assert_int_eq(cfg.nodes[1].id, 3);
	ck_assert_int_eq(cfg.primary, 2);
	ck_assert_str_eq(cfg.admin_role, "ops");
	ck_assert_int_eq(cfg.session_lifetime, 60);
	ck_assert_int_eq(cfg.node_timeout_ms, 250);
	ck_assert_int_eq(cfg.dead_after, 300);		/* default kept */

	n = rg_config_node(&cfg, 2);
	ck_assert_str_eq(n->dsn, "a \"quoted\" \\ dsn");
	ck_assert_str_eq(n->name, "standby-b");
	ck_assert_str_eq(n->dbname, "node2");
	ck_assert_str_eq(n->locality, "region=eu,zone=b");
	ck_assert_ptr_null(n->attrs);

	n = rg_config_node_by_name(&cfg, "n3");
	ck_assert_ptr_nonnull(n);
	ck_assert_str_eq(n->dsn, "host=127.0.0.1 port=3 options='-c x=1'");
	ck_assert_str_eq(n->attrs, "ssd");
	ck_assert_int_eq(n->liveness, 6);
	ck_assert_ptr_null(rg_config_node(&cfg, 1));
	rg_config_free(&cfg);
}
END_TEST

START_TEST(test_config_defaults)
{
	struct rg_config	cfg;
	char			err[256];

	ck_assert_int_eq(parse(&cfg, "node 7 dsn x\nnode 5 dsn y\n",
	    err, sizeof(err)), 0);
	ck_assert_int_eq(cfg.primary, 5);		/* lowest id */
	ck_assert_str_eq(cfg.admin_role, "pg_monitor");
	ck_assert_int_eq(cfg.session_lifetime, 7 * 86400);
	ck_assert_int_eq(cfg.node_timeout_ms, 3000);
	ck_assert_int_eq(cfg.snapshot_max_ranges, 2000);
	rg_config_free(&cfg);
}
END_TEST

static const struct {
	const char	*text;
	const char	*err;
} bad[] = {
	{ "", "no node configured" },
	{ "node 1\n", "line 1: node without dsn: 1" },
	{ "node 0 dsn x\n", "line 1: bad number: 0" },
	{ "node x dsn x\n", "line 1: bad number: x" },
	{ "node 1 dsn\n", "line 1: node options come in pairs" },
	{ "node 1 dsn x colour red\n", "line 1: unknown node option: colour" },
	{ "node 1 dsn x liveness dead\n", "line 1: unknown liveness: dead" },
	{ "node 1 dsn x\nnode 1 dsn y\n", "duplicate node id" },
	{ "node 1 dsn x\nprimary 2\n", "primary is not a configured node" },
	{ "node 1 dsn \"x\n", "line 1: unterminated string" },
	{ "node 1 dsn x\nfrobnicate 1\n", "line 2: unknown directive: frobnicate" },
	{ "node 1 dsn x\nnode_timeout_ms 1\n", "line 2: bad number: 1" },
	{ "node 1 dsn x\nsnapshot_max_ranges 100001\n",
	    "line 2: bad number: 100001" },
	{ "node 1 dsn x\nsession_lifetime 10 20\n",
	    "line 2: expected one value for: session_lifetime" },
	{ "node 1 dsn x name 0123456789012345678901234567890123\n",
	    "line 1: name too long" },
};

START_TEST(test_config_errors)
{
	struct rg_config	cfg;
	char			err[256];

	ck_assert_int_eq(parse(&cfg, bad[_i].text, err, sizeof(err)), -1);
	ck_assert_str_eq(err, bad[_i].err);
	rg_config_free(&cfg);
}
END_TEST

/* memory_trim_ms: 1000 by default, 0 turns the trim off, no negatives. */
START_TEST(test_config_memory_trim)
{
	struct rg_config	cfg;
	char			err[256];

	ck_assert_int_eq(parse(&cfg, "node 1 dsn x\n", err, sizeof(err)), 0);
	ck_assert_int_eq(cfg.memory_trim_ms, 1000);
	rg_config_free(&cfg);
	ck_assert_int_eq(parse(&cfg, "node 1 dsn x\nmemory_trim_ms 0\n",
	    err, sizeof(err)), 0);
	ck_assert_int_eq(cfg.memory_trim_ms, 0);
	rg_config_free(&cfg);
	ck_assert_int_eq(parse(&cfg, "node 1 dsn x\nmemory_trim_ms -1\n",
	    err, sizeof(err)), -1);
	ck_assert_str_eq(err, "line 2: bad number: -1");
	rg_config_free(&cfg);
}
END_TEST

Suite *
config_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("config");
	tc = tcase_create("parse");
	tcase_add_test(tc, test_config_full);
	tcase_add_test(tc, test_config_defaults);
	tcase_add_loop_test(tc, test_config_errors, 0,
	    (int)(sizeof(bad) / sizeof(bad[0])));
	tcase_add_test(tc, test_config_memory_trim);
	suite_add_tcase(s, tc);
	return (s);
}
