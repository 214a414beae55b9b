/*
 * Parser for roachgate.conf.  One directive per line, '#' starts a
 * comment, words are separated by blanks, and a word may be a
 * double-quoted string (with \" and \\ escapes) so that connection
 * strings fit on one line.  See conf/cluster.conf for every directive.
 */

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "liveness.h"

#define MAX_WORDS	16

struct parse {
	struct rg_config	*cfg;
	char			*err;
	size_t			errlen;
	int			line;
};

static int	config_line(struct parse *, char *);
static int	config_words(struct parse *, char *, char **, int *);
static int	config_number(struct parse *, const char *, int64_t,
		    int64_t, int64_t *);
static int	config_node(struct parse *, char **, int);
static int	config_fail(struct parse *, const char *, const char *);
static int	node_cmp(const void *, const void *);

/* Integer tunables: name, where it goes, and its allowed range. */
static const struct {
	const char	*name;
	size_t		off;
	int64_t		min;
	int64_t		max;
} tunables[] = {
	{ "session_lifetime", offsetof(struct rg_config, session_lifetime),
	    1, 366 * 86400 },
	{ "node_timeout_ms", offsetof(struct rg_config, node_timeout_ms),
	    10, 600000 },
	{ "dead_after", offsetof(struct rg_config, dead_after), 1, 86400 },
	{ "sample_interval_ms", offsetof(struct rg_config, sample_interval_ms),
	    100, 3600000 },
	{ "login_timeout_ms", offsetof(struct rg_config, login_timeout_ms),
	    100, 60000 },
	{ "login_throttle_after", offsetof(struct rg_config, throttle_after),
	    1, 1000 },
	{ "login_throttle_base_ms", offsetof(struct rg_config, throttle_base_ms),
	    1, 3600000 },
	{ "login_throttle_max_ms", offsetof(struct rg_config, throttle_max_ms),
	    1, 86400000 },
	{ "snapshot_max_age_ms", offsetof(struct rg_config,
	    snapshot_max_age_ms), 0, 3600000 },
	{ "snapshot_max_sessions", offsetof(struct rg_config,
	    snapshot_max_sessions), 0, 1000000 },
	{ "snapshot_max_ranges", offsetof(struct rg_config,
	    snapshot_max_ranges), 0, 100000 },
	{ "login_throttle_user_after",
	    offsetof(struct rg_config, throttle_user_after), 1, 100000 },
	{ "login_throttle_entries",
	    offsetof(struct rg_config, throttle_entries), 16, 1000000 },
	{ "login_max_inflight", offsetof(struct rg_config, login_max_inflight),
	    1, 10000 },
	{ "session_cache_ms", offsetof(struct rg_config, session_cache_ms),
	    0, 60000 },
	{ "session_cache_entries",
	    offsetof(struct rg_config, session_cache_entries), 1, 1000000 },
	{ "memory_trim_ms", offsetof(struct rg_config, memory_trim_ms),
	    0, 3600000 },
};

void
rg_config_defaults(struct rg_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->session_lifetime = 7 * 86400;
	cfg->node_timeout_ms = 3000;
	cfg->dead_after = 300;
	cfg->sample_interval_ms = 10000;
	cfg->login_timeout_ms = 5000;
	cfg->throttle_after = 5;
	cfg->throttle_base_ms = 1000;
	cfg->throttle_max_ms = 300000;
	cfg->snapshot_max_age_ms = 2000;
	cfg->snapshot_max_sessions = 5000;
	cfg->snapshot_max_ranges = 2000;
	cfg->throttle_user_after = 50;
	cfg->throttle_entries = 2048;
	cfg->login_max_inflight = 16;
	cfg->session_cache_ms = 2000;
	cfg->session_cache_entries = 4096;
	cfg->memory_trim_ms = 1000;
}

int
rg_config_load(struct rg_config *cfg, const char *path, char *err,
    size_t errlen)
{
	FILE		*fp;
	char		*text;
	long		size;
	int		ret;

	if ((fp = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return (-1);
	}
	if (fseek(fp, 0, SEEK_END) == -1 || (size = ftell(fp)) < 0 ||
	    size > 1024 * 1024 || fseek(fp, 0, SEEK_SET) == -1) {
		snprintf(err, errlen, "%s: unreadable or too large", path);
		fclose(fp);
		return (-1);
	}
	if ((text = calloc(1, (size_t)size + 1)) == NULL)
		abort();
	if (fread(text, 1, (size_t)size, fp) != (size_t)size) {
		snprintf(err, errlen, "%s: short read", path);
		free(text);
		fclose(fp);
		return (-1);
	}
	fclose(fp);

	ret = rg_config_parse(cfg, text, err, errlen);
	free(text);
	return (ret);
}

int
rg_config_parse(struct rg_config *cfg, const char *text, char *err,
    size_t errlen)
{
	struct parse	p;
	char		*copy, *line, *next;
	size_t		i;

	p.cfg = cfg;
	p.err = err;
	p.errlen = errlen;
	p.line = 0;

	if ((copy = strdup(text)) == NULL)
		abort();

	for (line = copy; line != NULL; line = next) {
		p.line++;
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if (config_line(&p, line) == -1) {
			free(copy);
			return (-1);
		}
	}
	free(copy);
	p.line = 0;

	if (cfg->nnodes == 0)
		return (config_fail(&p, "no node configured", NULL));
	qsort(cfg->nodes, cfg->nnodes, sizeof(cfg->nodes[0]), node_cmp);
	for (i = 1; i < cfg->nnodes; i++) {
		if (cfg->nodes[i].id == cfg->nodes[i - 1].id)
			return (config_fail(&p, "duplicate node id", NULL));
	}
	if (cfg->primary == 0)
		cfg->primary = cfg->nodes[0].id;
	if (rg_config_node(cfg, cfg->primary) == NULL)
		return (config_fail(&p, "primary is not a configured node",
		    NULL));
	cfg->sessions = *rg_config_node(cfg, cfg->primary);
	(void)snprintf(cfg->sessions.dbname, sizeof(cfg->sessions.dbname),
	    "sessions");
	if (cfg->admin_role == NULL && (cfg->admin_role =
	    strdup("pg_monitor")) == NULL)
		abort();

	return (0);
}

void
rg_config_free(struct rg_config *cfg)
{
	size_t		i;

	for (i = 0; i < cfg->nnodes; i++) {
		free(cfg->nodes[i].dsn);
		free(cfg->nodes[i].locality);
		free(cfg->nodes[i].attrs);
	}
	free(cfg->admin_role);
	memset(cfg, 0, sizeof(*cfg));
}

const struct rg_node *
rg_config_node(const struct rg_config *cfg, int32_t id)
{
	size_t		i;

	for (i = 0; i < cfg->nnodes; i++) {
		if (cfg->nodes[i].id == id)
			return (&cfg->nodes[i]);
	}

	return (NULL);
}

const struct rg_node *
rg_config_node_by_name(const struct rg_config *cfg, const char *name)
{
	size_t		i;

	for (i = 0; i < cfg->nnodes; i++) {
		if (!strcmp(cfg->nodes[i].name, name))
			return (&cfg->nodes[i]);
	}

	return (NULL);
}

static int
config_line(struct parse *p, char *line)
{
	int		argc;
	size_t		i;
	int64_t		v;
	char		*argv[MAX_WORDS];

	if (config_words(p, line, argv, &argc) == -1)
		return (-1);
	if (argc == 0)
		return (0);

	if (!strcmp(argv[0], "node"))
		return (config_node(p, argv, argc));

	if (argc != 2)
		return (config_fail(p, "expected one value for", argv[0]));

	if (!strcmp(argv[0], "primary")) {
		if (config_number(p, argv[1], 1, INT32_MAX, &v) == -1)
			return (-1);
		p->cfg->primary = (int32_t)v;
		return (0);
	}

	if (!strcmp(argv[0], "admin_role")) {
		free(p->cfg->admin_role);
		if ((p->cfg->admin_role = strdup(argv[1])) == NULL)
			abort();
		return (0);
	}

	for (i = 0; i < sizeof(tunables) / sizeof(tunables[0]); i++) {
		if (strcmp(argv[0], tunables[i].name))
			continue;
		if (config_number(p, argv[1], tunables[i].min,
		    tunables[i].max, &v) == -1)
			return (-1);
		*(int64_t *)(void *)((char *)p->cfg + tunables[i].off) = v;
		return (0);
	}

	return (config_fail(p, "unknown directive", argv[0]));
}

/* node <id> dsn "<conninfo>" [name <n>] [locality "<k=v,...>"]
 *     [attrs "<a,b>"] [liveness draining|decommissioning] */
static int
config_node(struct parse *p, char **argv, int argc)
{
	struct rg_node	*node;
	int64_t		id;
	int		i;
	char		**slot;

	if (argc < 2)
		return (config_fail(p, "node needs an id", NULL));
	if (config_number(p, argv[1], 1, INT32_MAX, &id) == -1)
		return (-1);
	if (p->cfg->nnodes == RG_MAX_NODES)
		return (config_fail(p, "too many nodes", NULL));
	if ((argc - 2) % 2 != 0)
		return (config_fail(p, "node options come in pairs", NULL));

	node = &p->cfg->nodes[p->cfg->nnodes++];
	node->id = (int32_t)id;
	snprintf(node->name, sizeof(node->name), "n%d", node->id);
	snprintf(node->dbname, sizeof(node->dbname), "node%d", node->id);

	for (i = 2; i < argc; i += 2) {
		slot = NULL;
		if (!strcmp(argv[i], "dsn"))
			slot = &node->dsn;
		else if (!strcmp(argv[i], "locality"))
			slot = &node->locality;
		else if (!strcmp(argv[i], "attrs"))
			slot = &node->attrs;

		if (slot != NULL) {
			free(*slot);
			if ((*slot = strdup(argv[i + 1])) == NULL)
				abort();
		} else if (!strcmp(argv[i], "name")) {
			if (strlen(argv[i + 1]) >= sizeof(node->name))
				return (config_fail(p, "name too long", NULL));
			strcpy(node->name, argv[i + 1]);
		} else if (!strcmp(argv[i], "liveness")) {
			if (!strcmp(argv[i + 1], "draining"))
				node->liveness = RG_LIVENESS_DRAINING;
			else if (!strcmp(argv[i + 1], "decommissioning"))
				node->liveness = RG_LIVENESS_DECOMMISSIONING;
			else
				return (config_fail(p, "unknown liveness",
				    argv[i + 1]));
		} else {
			return (config_fail(p, "unknown node option", argv[i]));
		}
	}

	if (node->dsn == NULL)
		return (config_fail(p, "node without dsn", argv[1]));

	return (0);
}

static int
config_words(struct parse *p, char *s, char **argv, int *argc)
{
	char		*out;

	*argc = 0;
	for (;;) {
		while (isspace((unsigned char)*s))
			s++;
		if (*s == '\0' || *s == '#')
			return (0);
		if (*argc == MAX_WORDS)
			return (config_fail(p, "too many words", NULL));

		if (*s != '"') {
			argv[(*argc)++] = s;
			while (*s != '\0' && !isspace((unsigned char)*s))
				s++;
			if (*s != '\0')
				*s++ = '\0';
			continue;
		}

		argv[(*argc)++] = out = ++s;
		while (*s != '"') {
			if (*s == '\0')
				return (config_fail(p, "unterminated string",
				    NULL));
			if (*s == '\\' && (s[1] == '"' || s[1] == '\\'))
				s++;
			*out++ = *s++;
		}
		s++;
		*out = '\0';
	}
}

static int
config_number(struct parse *p, const char *s, int64_t min, int64_t max,
    int64_t *out)
{
	long long	v;
	char		*end;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
		return (config_fail(p, "bad number", s));

	*out = v;
	return (0);
}

static int
config_fail(struct parse *p, const char *what, const char *arg)
{
	if (p->line > 0) {
		snprintf(p->err, p->errlen, "line %d: %s%s%s", p->line, what,
		    arg ? ": " : "", arg ? arg : "");
	} else {
		snprintf(p->err, p->errlen, "%s%s%s", what,
		    arg ? ": " : "", arg ? arg : "");
	}

	return (-1);
}

static int
node_cmp(const void *a, const void *b)
{
	const struct rg_node	*x = a, *y = b;

	return ((x->id > y->id) - (x->id < y->id));
}
