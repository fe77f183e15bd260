# SPDX-License-Identifier: MIT
# calor build. `make` builds ./calor; `make run` sets up and starts the demo;
# `make test` runs every suite; `make bench` measures against peers.

PKGS     := libmicrohttpd sqlite3 jansson spng zlib libsodium libcurl
CC       ?= cc
WARN     := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
            -Wformat=2 -Wwrite-strings -Wvla
ifdef CI
WARN     += -Werror
endif
CPPFLAGS := -D_GNU_SOURCE -Isrc -Ibuild
CFLAGS   ?= -O2 -g
CFLAGS   += -std=c17 $(WARN) -pthread $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lm -pthread
SANFLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

ifneq ($(V),1)
Q := @
endif
LIB_SRC  := $(filter-out src/main.c,$(wildcard src/*.c))
LIB_OBJ  := $(LIB_SRC:src/%.c=build/%.o) build/assets_data.o
ASAN_OBJ := $(LIB_SRC:src/%.c=build/asan/%.o) build/asan/assets_data.o
TESTS    := $(patsubst tests/unit/%.c,build/asan/%,$(wildcard tests/unit/test_*.c))

# Every file under web/ that the binary serves, plus the minified tracker,
# each as URL=FILE: web/dashboard/* at /, web/demo/* at /demo/.
DASH_FILES := $(shell find web/dashboard -type f 2>/dev/null | sort)
DEMO_FILES := $(shell find web/demo -type f 2>/dev/null | sort)
ASSETS   := $(DASH_FILES) $(DEMO_FILES) build/web/calor.js
ASSET_ARGS := $(foreach f,$(DASH_FILES),$(f:web/dashboard/%=/%)=$(f)) \
              $(foreach f,$(DEMO_FILES),$(f:web/demo/%=/demo/%)=$(f)) \
              /calor.js=build/web/calor.js
ESBUILD  := node_modules/.bin/esbuild
# the tracker and the element naming it shares with the dashboard
# (web/dashboard/selector.js), as one minified script
TRACKER_FLAGS := --bundle --format=iife --minify --target=es2017 --log-level=warning

# libFuzzer harnesses (tests/fuzz): built with clang for `make fuzz`, and
# as corpus replay drivers with $(CC) and the sanitizers for `make test`.
FUZZERS  := collect query normalise ndjson
FUZZ_CC  ?= clang
FUZZ_SECONDS ?= 60
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=undefined -Wno-psabi \
            -fno-omit-frame-pointer
FUZZ_OBJ := $(LIB_SRC:src/%.c=build/fuzz/%.o)
REPLAYS  := $(FUZZERS:%=build/asan/fuzz_%)

.PHONY: all run test unit bench loadtest setup clean format check-format asan fuzz
all: calor

calor: build/main.o build/libcalor.a
	@echo "  CC  $@"
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

build/libcalor.a: $(LIB_OBJ)
	@echo "  AR  $@"
	$(Q)$(AR) rcs $@ $^

build/%.o: src/%.c $(wildcard src/*.h) | build
	@echo "  CC  $@"
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

build/assets_data.o: build/assets_data.c src/assets.h
	@echo "  CC  $@"
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

build/asan/%.o: src/%.c $(wildcard src/*.h) | build/asan
	@echo "  CC  $@"
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(SANFLAGS) -c -o $@ $<

build/asan/assets_data.o: build/assets_data.c src/assets.h | build/asan
	@echo "  CC  $@"
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

build/asan/libcalor.a: $(ASAN_OBJ)
	@echo "  AR  $@"
	$(Q)$(AR) rcs $@ $^

build/asan/calor: build/asan/main.o build/asan/libcalor.a
	@echo "  CC  $@"
	$(Q)$(CC) $(CFLAGS) $(SANFLAGS) -o $@ $^ $(LDLIBS)

build/asan/test_%: tests/unit/test_%.c $(wildcard tests/unit/*.h) build/asan/libcalor.a
	@echo "  CC  $@"
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(SANFLAGS) -o $@ $< build/asan/libcalor.a $(LDLIBS)

asan: build/asan/calor $(TESTS) $(REPLAYS) build/asan/clickhouse_test build/asan/clickhouse_purge_test

# The ClickHouse backend against real servers (tests/clickhouse/run.sh
# starts them; suite "clickhouse"): two programs sharing ch_common.c.
CH_TEST_DEPS := tests/clickhouse/ch_common.c tests/clickhouse/ch_common.h tests/unit/test.h build/asan/libcalor.a
build/asan/clickhouse_test: tests/clickhouse/test_clickhouse.c $(CH_TEST_DEPS)
	@echo "  CC  $@"
	$(Q)$(CC) $(CPPFLAGS) -Itests/unit $(CFLAGS) $(SANFLAGS) -o $@ $< tests/clickhouse/ch_common.c build/asan/libcalor.a $(LDLIBS)

build/asan/clickhouse_purge_test: tests/clickhouse/test_clickhouse_purge.c $(CH_TEST_DEPS)
	@echo "  CC  $@"
	$(Q)$(CC) $(CPPFLAGS) -Itests/unit $(CFLAGS) $(SANFLAGS) -o $@ $< tests/clickhouse/ch_common.c build/asan/libcalor.a $(LDLIBS)

# The replay driver: each harness without libFuzzer, fed the committed
# corpus by tests/run.sh (suite "fuzz").
build/asan/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/replay.c tests/fuzz/fuzz.h build/asan/libcalor.a
	@echo "  CC  $@"
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(SANFLAGS) -o $@ $< tests/fuzz/replay.c build/asan/libcalor.a $(LDLIBS)

# The library again with clang's coverage for libFuzzer, and each harness
# linked with libFuzzer's main.
build/fuzz/%.o: src/%.c $(wildcard src/*.h) | build/fuzz
	@echo "  CC  $@"
	$(Q)$(FUZZ_CC) $(CPPFLAGS) $(CFLAGS) -O1 $(FUZZ_SAN) -fsanitize=fuzzer-no-link -c -o $@ $<

build/fuzz/libcalor.a: $(FUZZ_OBJ)
	@echo "  AR  $@"
	$(Q)$(AR) rcs $@ $^

build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h build/fuzz/libcalor.a
	@echo "  CC  $@"
	$(Q)$(FUZZ_CC) $(CPPFLAGS) $(CFLAGS) -O1 $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $< build/fuzz/libcalor.a $(LDLIBS)

# Each harness for FUZZ_SECONDS (default 60), seeded with the committed
# corpus; new inputs go to build/fuzz/corpus/NAME, crashes to
# build/fuzz/crashes/. FUZZERS="query" runs one.
fuzz: setup $(FUZZERS:%=build/fuzz/fuzz_%)
	@FUZZ_SECONDS=$(FUZZ_SECONDS) tests/fuzz/run.sh $(FUZZERS)

# The one generic embedding rule: every asset becomes a byte array in
# build/assets.c, looked up by URL path (GoAccess's bin2c idea).
build/bin2c: tools/bin2c.c | build
	@echo "  CC  $@"
	$(Q)$(CC) -std=c17 -O2 $(WARN) -o $@ $<

build/assets_data.c: build/bin2c $(ASSETS) Makefile
	@echo "  GEN $@"
	$(Q)build/bin2c $@ $(ASSET_ARGS)

build/web/calor.js: web/tracker/calor.js web/dashboard/selector.js | build
	@mkdir -p build/web
	@if [ -x $(ESBUILD) ]; then $(ESBUILD) $(TRACKER_FLAGS) $< > $@; \
	else echo "esbuild missing: run scripts/setup.sh" >&2; exit 1; fi

build build/asan build/fuzz:
	@mkdir -p $@

setup:
	@scripts/setup.sh

run: setup calor
	@scripts/run-demo.sh

test: setup
	@$(MAKE) --no-print-directory calor asan
	@tests/run.sh

unit: asan
	@tests/run.sh unit

bench: setup calor
	@bench/run.sh

# /collect at rising rates against a fresh release-build server
# (bench/loadtest.sh); LOADTEST="soak 600" holds 80 % of the highest rate
# held for ten minutes, sampling the server's RSS, and recounts.
build/collect_load: bench/collect_load.c build/libcalor.a
	@echo "  CC  $@"
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $< build/libcalor.a $(LDLIBS)

loadtest: setup calor build/collect_load
	@bench/loadtest.sh $(LOADTEST)

format:
	clang-format -i src/*.c src/*.h tests/unit/*.c tests/unit/*.h tests/fuzz/*.c tests/fuzz/*.h tests/clickhouse/*.c tests/clickhouse/*.h tools/*.c

check-format:
	@clang-format --dry-run --Werror src/*.c src/*.h tests/unit/*.c tests/unit/*.h tests/fuzz/*.c tests/fuzz/*.h tests/clickhouse/*.c tests/clickhouse/*.h tools/*.c

clean:
	rm -rf build calor
