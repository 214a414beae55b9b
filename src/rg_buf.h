/*
 * Copyright (c) 2024 roachgate authors.
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 */

#ifndef RG_BUF_H
#define RG_BUF_H

#include <stddef.h>
#include <stdint.h>

/*
 * A growable byte buffer.  Allocation failure calls abort(): like Kore's
 * fatal() on OOM, a worker that cannot allocate cannot answer anyway.
 * data is always NUL-terminated once anything was appended (the NUL is
 * not counted in len), so rg_buf_cstr() never needs to grow the buffer
 * except when it is still empty.
 */
struct rg_buf {
	uint8_t		*data;
	size_t		len;
	size_t		cap;
};

void		 rg_buf_init(struct rg_buf *);
void		 rg_buf_free(struct rg_buf *);
void		 rg_buf_reset(struct rg_buf *);
void		 rg_buf_append(struct rg_buf *, const void *, size_t);
void		 rg_buf_appendf(struct rg_buf *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
void		 rg_buf_appendc(struct rg_buf *, uint8_t);
void		 rg_buf_appends(struct rg_buf *, const char *);
const char	*rg_buf_cstr(struct rg_buf *);

/*
 * Base64 with padding, standard (url == 0) or URL-safe alphabet, like
 * Go's base64.StdEncoding / URLEncoding.  The decoder is as strict as
 * Go's Decode: bad characters, missing or misplaced padding and data
 * after the padding are errors; '\r' and '\n' are ignored anywhere.
 * Trailing bits after the last full byte need not be zero (Go's
 * encodings are not Strict()).  Returns 0, or -1 with out unchanged.
 */
void		 rg_base64_encode(struct rg_buf *, const uint8_t *, size_t, int);
int		 rg_base64_decode(struct rg_buf *, const char *, size_t, int);

/*
 * The UTF-8 sequence at the start of s[n] (n > 0), like Go's
 * utf8.DecodeRune: returns its width with the rune in *r, or 0 if it is
 * invalid (overlong, surrogate, > U+10FFFF, truncated); callers then
 * take one byte as U+FFFD, as Go does.
 */
int		 rg_utf8_decode(const uint8_t *, size_t, uint32_t *);

/* The value of one hex digit (either case), or -1. */
int		 rg_hexval(int);

#endif /* !RG_BUF_H */
