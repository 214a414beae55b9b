/*
 * Copyright (c) 2024 roachgate authors.
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 */

#ifndef RG_VALID_H
#define RG_VALID_H

/*
 * Parameter validators as plain byte checks, for the values whose regex
 * would need counted repetition in the thousands: glibc's regcomp expands
 * `{1,8192}` into that many copies of the bracket and builds hundreds of
 * megabytes, and its regexec then spends seconds of a worker's event loop
 * on one long value.  Each check reads the value once and stops at its
 * length bound.  All take a NUL-terminated string and return 1 when it is
 * valid, 0 when not.  kore.conf binds them as `validator NAME function`
 * through the wrappers in validators.c.
 */

#define RG_VALID_TOKEN_MAX	16384	/* pagination token (start) */
#define RG_VALID_IDS_MAX	8192	/* range id list (ranges) */
#define RG_VALID_NODE_MAX	64	/* node_id */
#define RG_VALID_USERNAME_MAX	63	/* a PostgreSQL name */
#define RG_VALID_PASSWORD_MAX	1024
#define RG_VALID_EVENT_TYPE_MAX	256	/* events/ type filter */

/* [A-Za-z0-9_=-]{1,RG_VALID_TOKEN_MAX}: base64url with padding. */
int	rg_valid_token(const char *);

/* [0-9,+-]{1,RG_VALID_IDS_MAX}: the list is parsed by the handler. */
int	rg_valid_ids(const char *);

/* [A-Za-z0-9_+-]{1,RG_VALID_NODE_MAX}. */
int	rg_valid_node(const char *);

/* No control byte (C locale [:cntrl:]: 0x00-0x1f, 0x7f), 1..63 bytes. */
int	rg_valid_username(const char *);

/* No control byte, 0..RG_VALID_PASSWORD_MAX bytes. */
int	rg_valid_password(const char *);

/* No control byte, 1..RG_VALID_EVENT_TYPE_MAX bytes. */
int	rg_valid_event_type(const char *);

#endif /* !RG_VALID_H */
