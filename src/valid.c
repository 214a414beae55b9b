/*
 * Copyright (c) 2024 roachgate authors.
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 */

/*
 * Parameter validators without regex (see valid.h for why).  Kore-free,
 * unit-tested in tests/unit/test_valid.c against the regexes they
 * replace.
 */

#include <stddef.h>

#include "valid.h"

static int	valid_span(const char *, size_t, size_t, int (*)(int));
static int	is_alnum(int);
static int	is_token(int);
static int	is_ids(int);
static int	is_node(int);
static int	is_print(int);

/*
 * 1 when s is min..max bytes, every one accepted by ok.  Never reads past
 * max + 1 bytes, whatever the length of s.
 */
static int
valid_span(const char *s, size_t min, size_t max, int (*ok)(int))
{
	size_t		n;

	for (n = 0; s[n] != '\0'; n++) {
		if (n == max || !ok((unsigned char)s[n]))
			return (0);
	}
	return (n >= min);
}

static int
is_alnum(int c)
{
	return ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9'));
}

static int
is_token(int c)
{
	return (is_alnum(c) || c == '_' || c == '=' || c == '-');
}

static int
is_ids(int c)
{
	return ((c >= '0' && c <= '9') || c == ',' || c == '+' || c == '-');
}

static int
is_node(int c)
{
	return (is_alnum(c) || c == '_' || c == '+' || c == '-');
}

/* Not [:cntrl:] in the C locale, which is the one Kore runs in. */
static int
is_print(int c)
{
	return (c >= 0x20 && c != 0x7f);
}

int
rg_valid_token(const char *s)
{
	return (valid_span(s, 1, RG_VALID_TOKEN_MAX, is_token));
}

int
rg_valid_ids(const char *s)
{
	return (valid_span(s, 1, RG_VALID_IDS_MAX, is_ids));
}

int
rg_valid_node(const char *s)
{
	return (valid_span(s, 1, RG_VALID_NODE_MAX, is_node));
}

int
rg_valid_username(const char *s)
{
	return (valid_span(s, 1, RG_VALID_USERNAME_MAX, is_print));
}

int
rg_valid_password(const char *s)
{
	return (valid_span(s, 0, RG_VALID_PASSWORD_MAX, is_print));
}

int
rg_valid_event_type(const char *s)
{
	return (valid_span(s, 1, RG_VALID_EVENT_TYPE_MAX, is_print));
}
