# The pure-C code that the unit tests and the fuzzers link: one list for
# tests/unit/Makefile and tests/fuzz/Makefile, which include this file.
#
# PURE_SRCS are the files of src/ that build without Kore (README.md,
# "Layout"); TEST_SRCS are the C helpers of the tests themselves
# (tests/lib).  A new pure file of src/ goes here.

PURE_SRCS=	rg_buf.c json.c gostrconv.c params.c token.c paginate.c \
		keys.c qs.c config.c throttle.c pgtext.c nodeerr.c rangeinfo.c \
		valid.c sesscache.c
TEST_SRCS=	keyenc.c

SRCDIR=		../../src
LIBDIR=		../lib
ALL_PURE_SRCS=	$(addprefix $(SRCDIR)/,$(PURE_SRCS)) \
		$(addprefix $(LIBDIR)/,$(TEST_SRCS))
PURE_HDRS=	$(wildcard $(SRCDIR)/*.h) $(wildcard $(LIBDIR)/*.h)
PURE_CFLAGS=	-I$(SRCDIR) -I$(LIBDIR)
