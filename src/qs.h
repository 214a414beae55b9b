/*
 * Query-string lookup with Go's net/url semantics (url.ParseQuery and
 * Values.Get), so that handlers see what CockroachDB would see even
 * where Kore's own parser differs (Kore drops "a=" and cuts at a second
 * '=').  Pure C.
 */

#ifndef RG_QS_H
#define RG_QS_H

#include "rg_buf.h"

/* First value of name in the raw query string qs (may be NULL):
 * 1 = found (value, decoded, in out), 0 = absent. */
int	rg_qs_get(const char *qs, const char *name, struct rg_buf *out);

/* Percent-decodes s[0..len) ('+' is a space): 0 ok, -1 bad escape. */
int	rg_qs_unescape(const char *s, size_t len, struct rg_buf *out);

#endif
