# roachgate: CockroachDB's HTTP API v2 on Kore.
#
#   make run     build, start a demo cluster and the server (TLS on)
#   make test    build and run every test (unit, SQL, end-to-end)
#   make bench   benchmarks, reported as ratios against a baseline
#   make soak    a longer idle-connection flood (see README, Security)
#   make dev     prepare the checkout for `kodev run` (development)
#   make install production install (PREFIX=/opt/roachgate)
#
# Both install the Debian packages they miss (scripts/deps.sh).

CC		?= cc
BUILD		:= build
KORE_DIR	:= $(BUILD)/kore
KORE		:= $(KORE_DIR)/bin/kore
MODULE		:= $(BUILD)/roachgate.so
OBJDIR		:= $(BUILD)/obj

SRCS		:= $(wildcard src/*.c)
OBJS		:= $(SRCS:src/%.c=$(OBJDIR)/%.o)
# The console (src/console.c serves it): assets/* as C, kodev's names.
ASSETS		:= $(sort $(wildcard assets/*))
ASSETS_OBJ	:= $(OBJDIR)/rg_assets.o

PG_INC		:= $(shell pg_config --includedir 2>/dev/null || \
		    echo /usr/include/postgresql)
CFLAGS		+= -std=c99 -D_GNU_SOURCE -O2 -g -fPIC -fstack-protector-strong
CFLAGS		+= -Wall -Wextra -Werror -Wstrict-prototypes
CFLAGS		+= -Wmissing-prototypes -Wmissing-declarations -Wshadow
CFLAGS		+= -Wpointer-arith -Wsign-compare -Wno-unused-parameter
CFLAGS		+= -Wno-deprecated-declarations
CFLAGS		+= -DKORE_USE_PGSQL -I$(KORE_DIR)/include -I$(PG_INC) -Isrc
LDFLAGS		+= -shared -lpq -lcrypto

.PHONY: all deps deps-test kore module run test test-unit test-sql \
	test-e2e fuzz bench clean

all: module

deps:
	@scripts/deps.sh run

deps-test:
	@scripts/deps.sh test

$(KORE): scripts/build-kore.sh $(wildcard patches/*.patch)
	scripts/build-kore.sh $(KORE_DIR)

kore: $(KORE)

$(OBJDIR)/%.o: src/%.c $(wildcard src/*.h) $(KORE)
	@mkdir -p $(OBJDIR)
	@echo "CC $<"
	@$(CC) $(CFLAGS) -c $< -o $@

$(OBJDIR)/rg_assets.c: $(ASSETS) scripts/assets.sh
	@mkdir -p $(OBJDIR)
	@echo "ASSETS $@"
	@scripts/assets.sh $@ $(ASSETS)

$(ASSETS_OBJ): $(OBJDIR)/rg_assets.c
	@$(CC) $(CFLAGS) -c $< -o $@

# Linked beside and renamed: a running server or test never sees a
# half-written module.
$(MODULE): $(OBJS) $(ASSETS_OBJ)
	@echo "LD $@"
	@$(CC) $(OBJS) $(ASSETS_OBJ) $(LDFLAGS) -o $@.tmp && mv -f $@.tmp $@

module: deps $(MODULE)

# FIXTURE=nodes=9,ranges=1000000,sessions=1000,seed=1: a generated
# cluster instead of the demo (see scripts/run.sh).
run: deps module
	FIXTURE='$(FIXTURE)' scripts/run.sh

test: deps-test module
	scripts/test.sh

test-unit: deps-test
	@$(MAKE) --no-print-directory -C tests/unit check

test-sql: deps-test
	/usr/bin/python3 -m pytest -p no:cacheprovider -q tests/sql

test-e2e: deps-test module
	/usr/bin/python3 -m pytest -p no:cacheprovider -q tests/e2e

fuzz: deps-test
	@$(MAKE) --no-print-directory -C tests/fuzz run

# Longer flood run (README "Security"): loopback only, bounded.
soak: deps-test module
	RG_FLOOD_SECS=$${RG_FLOOD_SECS:-120} \
	    RG_FLOOD_CONNS=$${RG_FLOOD_CONNS:-4000} \
	    /usr/bin/python3 -m pytest -p no:cacheprovider -q -s \
	    tests/e2e/test_flood.py tests/e2e/test_memory.py

.PHONY: soak

# Development: the checkout as a kodev app (one binary from the patched
# Kore, TLS on); then `kodev run`.  See scripts/dev.sh.
dev: deps $(KORE)
	scripts/dev.sh

# Production: `make install [PREFIX=/opt/roachgate]`, see scripts/install.sh.
install: module
	scripts/install.sh $(PREFIX)

.PHONY: dev install

bench: module
	@scripts/deps.sh bench
	/usr/bin/python3 tests/bench/bench.py

clean:
	rm -rf $(BUILD)
