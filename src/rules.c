/*
 * GET /api/v2/rules/ (src/REFERENCE.md, "Later routes (API v2 since
 * v21.2)"), no login: Prometheus alerting and recording rules in the
 * layout CockroachDB's exporter writes (yaml.v3: groups rules/alerts and
 * rules/recording, keys record/alert, expr, for, labels, annotations),
 * written for the metrics /_status/vars exports.  Fixed text: the rules
 * name metrics, not cluster state.  NodeCertificateExpiresSoon is
 * CockroachDB's own rule, on the metric of the same name (src/REFERENCE.md,
 * "Node events and certificate expiry").
 */

#include "roachgate.h"

int	rg_rules(struct http_request *);

static const char	rules_yaml[] =
"rules/alerts:\n"
"    rules:\n"
"        - alert: NodeUnavailable\n"
"          expr: roachgate_node_up == 0\n"
"          for: 1m0s\n"
"          annotations:\n"
"              summary: Node {{ $labels.node_id }} has not answered for 1 minute\n"
"        - alert: UnderreplicatedRanges\n"
"          expr: roachgate_standbys_missing > 0\n"
"          for: 1h0m0s\n"
"          annotations:\n"
"              summary: '{{ $value }} configured standbys are not streaming: every range is under-replicated'\n"
"        - alert: ReplicationLagHigh\n"
"          expr: pg_replication_max_replay_lag_bytes > 1.073741824e+09\n"
"          for: 10m0s\n"
"          annotations:\n"
"              summary: A standby of node {{ $labels.node_id }} is more than 1 GiB of WAL behind\n"
"        - alert: ConnectionSaturation\n"
"          expr: pg_conns_total / pg_conns_max > 0.8\n"
"          for: 10m0s\n"
"          annotations:\n"
"              summary: Node {{ $labels.node_id }} uses more than 80% of max_connections\n"
"        - alert: NodeRestart\n"
"          expr: resets(pg_uptime_seconds[10m]) > 5\n"
"          annotations:\n"
"              description: This can indicate a crash loop or an operator restarting the node repeatedly.\n"
"              summary: Node {{ $labels.node_id }} restarted more than 5 times in 10 minutes\n"
"        - alert: NodeCertificateExpiresSoon\n"
"          expr: (security_certificate_expiration_node > 0) and (security_certificate_expiration_node - time()) < 86400 * 183\n"
"          labels:\n"
"              frequency: daily\n"
"          annotations:\n"
"              summary: The server certificate of {{ $labels.instance }} expires in less than 6 months\n"
"        - alert: RequestErrorsHigh\n"
"          expr: sum(rate(roachgate_http_requests_total{code=~\"5..\"}[5m])) / sum(rate(roachgate_http_requests_total[5m])) > 0.05\n"
"          for: 10m0s\n"
"          annotations:\n"
"              summary: More than 5% of the requests to {{ $labels.instance }} fail with a server error\n"
"        - alert: LoginsThrottled\n"
"          expr: rate(roachgate_logins_throttled_total[5m]) > 1\n"
"          for: 5m0s\n"
"          annotations:\n"
"              summary: More than one login a second is throttled (password guessing?)\n"
"rules/recording:\n"
"    rules:\n"
"        - record: node:conns_used:ratio\n"
"          expr: pg_conns_total / pg_conns_max\n"
"        - record: cluster:nodes_up:ratio\n"
"          expr: avg(roachgate_node_up)\n"
"        - record: cluster:standbys_streaming\n"
"          expr: roachgate_standbys_configured - roachgate_standbys_missing\n"
"        - record: route:request_duration_seconds:p99\n"
"          expr: histogram_quantile(0.99, sum by (route, le) (rate(roachgate_http_request_duration_seconds_bucket[5m])))\n";

int
rg_rules(struct http_request *req)
{
	(void)rg_ctx_get(req);		/* counted in /_status/vars */
	http_response_header(req, "content-type", "text/plain");
	http_response(req, HTTP_STATUS_OK, rules_yaml, sizeof(rules_yaml) - 1);
	return (KORE_RESULT_OK);
}
