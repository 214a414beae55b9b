/*
 * Node liveness as roachgate sees it: a node that answered its last
 * query is LIVE (or the DRAINING/DECOMMISSIONING configured for it), one
 * that did not is UNAVAILABLE, and DEAD once dead_after seconds pass
 * without an answer.  Every worker broadcasts what it observes when the
 * picture changes, so all workers answer alike.
 */

#include "roachgate.h"
#include "liveness.h"

struct observation {
	int32_t		node;
	int32_t		ok;
	u_int64_t	when;
};

struct node_seen {
	int		ok;
	u_int64_t	last_ok;
	u_int64_t	first_fail;
};

static struct node_seen	seen[RG_MAX_NODES];

static void	liveness_msg(struct kore_msg *, const void *);
static void	liveness_apply(const struct observation *);
static int	node_index(int32_t);

void
rg_liveness_init(void)
{
	size_t		i;

	for (i = 0; i < RG_MAX_NODES; i++)
		seen[i].first_fail = kore_time_ms();
	(void)kore_msg_register(RG_MSG_LIVENESS, liveness_msg);
}

void
rg_liveness_seen(int32_t node, int ok)
{
	struct observation	obs;
	struct node_seen	*s;
	int			idx;

	if ((idx = node_index(node)) == -1)
		return;
	s = &seen[idx];

	obs.node = node;
	obs.ok = ok;
	obs.when = kore_time_ms();

	/* Tell the others only about changes, and refresh "ok" each second. */
	if (s->ok == ok && (!ok || obs.when - s->last_ok < 1000)) {
		liveness_apply(&obs);
		return;
	}

	liveness_apply(&obs);
	kore_msg_send(KORE_MSG_WORKER_ALL, RG_MSG_LIVENESS, &obs, sizeof(obs));
}

int
rg_liveness_status(int32_t node)
{
	const struct rg_node	*n;
	struct node_seen	*s;
	u_int64_t		since;
	int			idx;

	if ((idx = node_index(node)) == -1)
		return (RG_LIVENESS_UNKNOWN);
	s = &seen[idx];

	if (s->ok) {
		n = rg_config_node(&rg_cfg, node);
		return ((n->liveness != 0) ? n->liveness : RG_LIVENESS_LIVE);
	}

	since = (s->last_ok != 0) ? s->last_ok : s->first_fail;
	if (kore_time_ms() - since >= (u_int64_t)rg_cfg.dead_after * 1000)
		return (RG_LIVENESS_DEAD);

	return (RG_LIVENESS_UNAVAILABLE);
}

static void
liveness_msg(struct kore_msg *msg, const void *data)
{
	if (msg->length != sizeof(struct observation))
		return;
	liveness_apply(data);
}

static void
liveness_apply(const struct observation *obs)
{
	struct node_seen	*s;
	int			idx;

	if ((idx = node_index(obs->node)) == -1)
		return;
	s = &seen[idx];

	if (obs->ok) {
		if (obs->when > s->last_ok)
			s->last_ok = obs->when;
		if (!s->ok)
			rg_nodeevents_changed(obs->node);
		s->ok = 1;
	} else if (s->ok && obs->when >= s->last_ok) {
		s->ok = 0;
		s->first_fail = obs->when;
		rg_nodeevents_changed(obs->node);
	}
}

static int
node_index(int32_t node)
{
	size_t		i;

	for (i = 0; i < rg_cfg.nnodes; i++) {
		if (rg_cfg.nodes[i].id == node)
			return ((int)i);
	}

	return (-1);
}
