/*
 * Copyright (c) 2024 roachgate authors.
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 */

/*
 * Gives a worker's free heap memory back to the kernel every
 * memory_trim_ms.  glibc's free() returns only the top of the heap: the
 * free chunks below a live one stay resident, so a worker kept the RSS of
 * its busiest moment (a flood round of tests/e2e/test_memory.py left 22
 * MiB of heap, 4 MiB of it in use: malloc_trim(0) gave back the rest).
 * The cost is bounded: the pages given back fault in again when used.
 */

#include <malloc.h>

#include "roachgate.h"

static void	memtrim_run(void *, u_int64_t);

void
rg_memtrim_init(void)
{
	if (rg_cfg.memory_trim_ms > 0) {
		(void)kore_timer_add(memtrim_run,
		    (u_int64_t)rg_cfg.memory_trim_ms, NULL, 0);
	}
}

static void
memtrim_run(void *arg, u_int64_t now)
{
	(void)arg;
	(void)now;
	(void)malloc_trim(0);
}
