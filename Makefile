# nfqd: plain GNU make + pkg-config.
#
#   make            build every program into bin/
#   make check      install missing Debian packages, build, run every test,
#                   then the whole suite again under ASan+UBSan
#   make demo       replay the bundled campus day with the sample config
#   make fuzz       each libFuzzer target for 5 minutes (docs/fuzzing.md)
#   make SAN=1      sanitizer build (objects and programs under build/asan/)
#   make CC=clang   any C11 compiler; V=1 shows the commands

CC		?= cc
CFLAGS		?= -O2 -g
PKG_CONFIG	?= pkg-config
PREFIX		?= /usr/local
SAN		?=

ifeq ($(SAN),1)
BUILD		:= build/asan
BIN		:= build/asan/bin
CFLAGS		+= -fsanitize=address,undefined -fno-sanitize-recover=all \
		   -fno-omit-frame-pointer
LDFLAGS		+= -fsanitize=address,undefined
else
BUILD		:= build/obj
BIN		:= bin
endif

WARN		:= -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
		   -Wmissing-prototypes -Wpointer-arith -Wformat=2
PKGS		:= libpcap libcjson libmnl libnetfilter_queue libndpi libbpf \
		   libcap-ng libseccomp hiredis rdkafka zlib
# What each program links: only the libraries its code calls (readelf -d;
# tests/docs checks it).
PKGS_NFQD	:= $(PKGS)
PKGS_RULES	:= libcjson libbpf
PKGS_NFQCTL	:= libcjson
PKGS_COLLECT	:= libcjson zlib
# Recursive (=) so pkg-config runs when a recipe needs it, after deps.
# -isystem: warnings in the libraries' headers are theirs, not ours.
PKG_CFLAGS	 = $(patsubst -I%,-isystem %,$(shell $(PKG_CONFIG) --cflags $(PKGS)))
PKG_LIBS	 = $(shell $(PKG_CONFIG) --libs $(PKGS))
libs		 = $(shell $(PKG_CONFIG) --libs $(1))
# Headers by their folder under nfqd/ ("engine/flow.h"); bpf/ from the top.
ALL_CFLAGS	 = -std=c11 -D_GNU_SOURCE $(WARN) $(CFLAGS) $(PKG_CFLAGS) -MMD -MP \
		   -Infqd -I. -I$(BPF_OUT)
# The eBPF fast path (bpf/, docs/fastpath.md): clang -target bpf, a
# vmlinux.h made from this kernel's BTF, a bpftool skeleton for nfqd.
BPF_CLANG	?= clang
BPFTOOL		?= bpftool
BTF_VMLINUX	?= /sys/kernel/btf/vmlinux
BPF_OUT		 = $(BUILD)/bpf

ifeq ($(V),1)
Q :=
else
Q := @
endif

# One archive per layer of nfqd/ (docs/architecture.md), linked from
# the highest down; a program's own folder (nfqctl/, collect/) is linked
# whole.
LAYERS		:= daemon control kernel sink engine event policy base
MAIN_SRCS	:= nfqd/daemon/main.c
layer_objs	 = $(patsubst %.c,$(BUILD)/%.o,$(filter-out $(MAIN_SRCS),\
		   $(wildcard nfqd/$(1)/*.c)))
LAYER_LIBS	:= $(foreach l,$(LAYERS),$(BUILD)/lib$(l).a)
lib		 = $(foreach l,$(1),$(BUILD)/lib$(l).a)
LIB		:= $(LAYER_LIBS)
NFQCTL_OBJS	:= $(patsubst %.c,$(BUILD)/%.o,$(wildcard nfqd/nfqctl/*.c))
COLLECT_OBJS	:= $(patsubst %.c,$(BUILD)/%.o,$(wildcard nfqd/collect/*.c))
RULES_OBJS	:= $(patsubst %.c,$(BUILD)/%.o,$(wildcard rules/*.c))
PCAPGEN_OBJS	:= $(patsubst %.c,$(BUILD)/%.o,$(wildcard tools/pcapgen/*.c))
# Every layer's sources, for the fuzzers' one library (tests/fuzz/fuzz.mk).
LIB_SRCS	:= $(filter-out $(MAIN_SRCS),$(foreach l,$(LAYERS),$(wildcard nfqd/$(l)/*.c)))
UNIT_SRCS	:= $(wildcard tests/unit/test_*.c)
UNIT_BINS	:= $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)

PROGS		:= $(BIN)/nfqd $(BIN)/nfqd-rules $(BIN)/nfqd-pcapgen \
		   $(BIN)/nfqctl \
		   $(BIN)/nfqd-collect $(BIN)/nfqd-synflood

.PHONY: all bench bench-progs bench-fastpath check check-build check-repeat test-progs test test-unit test-replay test-pcaps test-e2e test-rules test-docs test-nfqctl test-report test-sinks test-valgrind \
	check-san deps demo demo-replay pcaps install clean
.DELETE_ON_ERROR:

all: $(PROGS)

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BPF_OUT)/vmlinux.h:
	@mkdir -p $(@D)
	@$(if $(Q),echo "  BTF     $@")
	$(Q)$(BPFTOOL) btf dump file $(BTF_VMLINUX) format c >$@

$(BPF_OUT)/fastpath.bpf.o: bpf/fastpath.bpf.c bpf/fastpath.h $(BPF_OUT)/vmlinux.h
	@$(if $(Q),echo "  BPF     $<")
	$(Q)$(BPF_CLANG) -g -O2 -target bpf -Wall -Wextra -Werror \
	    -Wno-unused-parameter -I$(BPF_OUT) -c -o $@ $<

$(BPF_OUT)/fastpath.skel.h: $(BPF_OUT)/fastpath.bpf.o
	@$(if $(Q),echo "  SKEL    $@")
	$(Q)$(BPFTOOL) gen skeleton $< name fastpath_bpf >$@

$(BUILD)/nfqd/daemon/fastpath.o: $(BPF_OUT)/fastpath.skel.h

$(foreach l,$(LAYERS),$(eval $(BUILD)/lib$(l).a: $(call layer_objs,$(l))))
# Every layer in one archive, for the test helpers built outside make
# (tests/rules' ipset_sync helper, tests/sinks/latency.sh).
$(BUILD)/libnfqd.a: $(foreach l,$(LAYERS),$(call layer_objs,$(l)))
$(LAYER_LIBS) $(BUILD)/libnfqd.a:
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(BIN)/nfqd: $(BUILD)/nfqd/daemon/main.o $(LAYER_LIBS)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(call libs,$(PKGS_NFQD)) -lpthread

$(BIN)/nfqd-rules: $(RULES_OBJS) $(call lib,kernel policy base)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(call libs,$(PKGS_RULES))

$(BIN)/nfqctl: $(NFQCTL_OBJS) $(call lib,control kernel event policy base)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(call libs,$(PKGS_NFQCTL))

$(BIN)/nfqd-collect: $(COLLECT_OBJS) $(call lib,sink policy base)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(call libs,$(PKGS_COLLECT)) -lm

$(BIN)/nfqd-pcapgen: $(PCAPGEN_OBJS)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^

# The tests' and the benchmark's bounded SYN flood (bench/synflood.c).
$(BIN)/nfqd-synflood: $(BUILD)/bench/synflood.o
	@mkdir -p $(@D)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^

# the report's field table, from collect/ (tests/unit/test_report.c)
$(BUILD)/tests/test_report: $(BUILD)/nfqd/collect/report_eve.o

$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(LIB)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) -lpthread $(shell $(PKG_CONFIG) --libs cmocka)

# ---- tests ----

deps:
	@tools/deps.sh

check: deps
	@$(MAKE) --no-print-directory CC=clang BUILD=build/clang BIN=build/clang/bin all
	@$(MAKE) --no-print-directory test
	@$(MAKE) --no-print-directory test-valgrind
	@$(MAKE) --no-print-directory SAN=1 test
	@$(MAKE) --no-print-directory fuzz-check
	@echo "make check: all suites passed (plain, valgrind memcheck and ASan+UBSan; clang build clean; bounded fuzz run)"

test: all $(UNIT_BINS) $(BUILD)/libnfqd.a
	@tests/run-unit.sh $(UNIT_BINS)
	@tests/layers.sh
	@BIN=$(BIN) tests/linkage.sh
	@NFQD=$(BIN)/nfqd tests/replay/run.sh
	@NFQD=$(BIN)/nfqd tests/replay/conform.sh --summary
	@NFQD=$(BIN)/nfqd tests/replay/input.sh
	@NFQD=$(BIN)/nfqd tests/replay/pretty.sh
	@PCAPGEN=$(BIN)/nfqd-pcapgen tests/pcaps-reproducible.sh
	@NFQD_RULES=$(BIN)/nfqd-rules tests/rules/run.sh
	@NFQCTL=$(BIN)/nfqctl NFQD=$(BIN)/nfqd tests/nfqctl/run.sh
	@NFQD=$(BIN)/nfqd NFQD_COLLECT=$(BIN)/nfqd-collect tests/sinks/run.sh
	@NFQD=$(BIN)/nfqd tests/sinks/redis.sh
	@NFQD=$(BIN)/nfqd NFQD_COLLECT=$(BIN)/nfqd-collect tests/report/run.sh
	@NFQD=$(BIN)/nfqd NFQD_RULES=$(BIN)/nfqd-rules NFQCTL=$(BIN)/nfqctl tests/e2e/run.sh
	@NFQD=$(BIN)/nfqd tests/docs/run.sh

# valgrind memcheck: every replay case and the nfqctl e2e test (about 3 min)
test-valgrind: all
	@VG_BIN=$(BIN) tests/valgrind/run.sh

test-e2e: all
	@NFQD=$(BIN)/nfqd NFQD_RULES=$(BIN)/nfqd-rules NFQCTL=$(BIN)/nfqctl tests/e2e/run.sh

# bench/: figures against baselines, never part of `make test`
# (bench/run.sh; docs/performance.md).  Its programs stay in build/;
# bench/run.sh also runs bench/fastpath.sh.
BENCH_PROGS	:= $(BUILD)/bench/reload $(BUILD)/bench/flowmem \
		   $(BUILD)/bench/acceptall $(BUILD)/bench/flood \
		   $(BUILD)/bench/connlat

bench: deps
	@$(MAKE) --no-print-directory all bench-progs
	@NFQD=$(BIN)/nfqd NFQD_RULES=$(BIN)/nfqd-rules \
	    PCAPGEN=$(BIN)/nfqd-pcapgen SYNFLOOD=$(BIN)/nfqd-synflood \
	    BENCH_BIN=$(BUILD)/bench bench/run.sh

bench-progs: $(BENCH_PROGS)

# The fast path against the queue alone (root, namespaces; about a minute).
bench-fastpath: all
	@NFQD=$(BIN)/nfqd NFQD_RULES=$(BIN)/nfqd-rules \
	    SYNFLOOD=$(BIN)/nfqd-synflood bench/fastpath.sh

$(BUILD)/bench/reload $(BUILD)/bench/flowmem: $(BUILD)/bench/%: \
    $(BUILD)/bench/%.o $(LIB)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) -lpthread

$(BUILD)/bench/acceptall: $(BUILD)/bench/acceptall.o
	@mkdir -p $(@D)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(BUILD)/bench/flood $(BUILD)/bench/connlat: $(BUILD)/bench/%: \
    $(BUILD)/bench/%.o
	@mkdir -p $(@D)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^

test-sinks: all
	@NFQD=$(BIN)/nfqd NFQD_COLLECT=$(BIN)/nfqd-collect tests/sinks/run.sh
	@NFQD=$(BIN)/nfqd tests/sinks/redis.sh

# nfqd-collect report: text, JSON, CSV and the page in headless Chromium
test-report: all
	@NFQD=$(BIN)/nfqd NFQD_COLLECT=$(BIN)/nfqd-collect tests/report/run.sh

test-nfqctl: all
	@NFQCTL=$(BIN)/nfqctl NFQD=$(BIN)/nfqd tests/nfqctl/run.sh

test-rules: all $(BUILD)/libnfqd.a
	@NFQD_RULES=$(BIN)/nfqd-rules tests/rules/run.sh

# make check-repeat N=5 [LOAD=1] [SAN=1] [SUITES=unit,replay] [E2E="policy reload"]:
# the suites of `make test` N times, each test's pass rate (tools/check-repeat.sh)
N		?= 5
check-repeat:
	@tools/check-repeat.sh -n $(N) $(if $(filter 1,$(LOAD)),--load) \
	    $(if $(filter 1,$(SAN)),--san) $(if $(SUITES),-s $(SUITES)) \
	    $(if $(E2E),-e "$(E2E)")

# What `make test` runs, built (tools/check-repeat.sh builds this first).
test-progs: all $(UNIT_BINS) $(BUILD)/libnfqd.a

test-unit: $(UNIT_BINS)
	@tests/run-unit.sh $(UNIT_BINS)

test-replay: $(BIN)/nfqd
	@NFQD=$(BIN)/nfqd tests/replay/run.sh
	@NFQD=$(BIN)/nfqd tests/replay/conform.sh --summary
	@NFQD=$(BIN)/nfqd tests/replay/input.sh
	@NFQD=$(BIN)/nfqd tests/replay/pretty.sh

# ---- the bundled captures ----

pcaps: $(BIN)/nfqd-pcapgen
	$(BIN)/nfqd-pcapgen -o test-pcaps

demo: deps
	@$(MAKE) --no-print-directory all
	@if [ "$$(id -u)" = 0 ]; then tools/demo.sh; else \
	    echo "make demo: the live campus needs root; replaying instead"; \
	    tools/demo-replay.sh; fi

demo-replay: deps
	@$(MAKE) --no-print-directory all
	@tools/demo-replay.sh

MANDIR		?= $(PREFIX)/share/man
UNITDIR		?= /lib/systemd/system

install: all
	install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)/etc/nfqd \
	    $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(UNITDIR)
	install -m 0755 $(BIN)/nfqd $(DESTDIR)$(PREFIX)/sbin/nfqd
	install -m 0755 $(BIN)/nfqd-rules $(DESTDIR)$(PREFIX)/sbin/nfqd-rules
	install -m 0755 $(BIN)/nfqctl $(DESTDIR)$(PREFIX)/sbin/nfqctl
	install -m 0755 $(BIN)/nfqd-collect $(DESTDIR)$(PREFIX)/sbin/nfqd-collect
	install -m 0644 nfqd/nfqd.conf $(DESTDIR)/etc/nfqd/nfqd.conf.sample
	install -m 0644 nfqd/exceptions.conf \
	    $(DESTDIR)/etc/nfqd/exceptions.conf.sample
	install -m 0644 man/nfqd.8 man/nfqd-rules.8 man/nfqctl.8 man/nfqd-collect.8 \
	    $(DESTDIR)$(MANDIR)/man8/
	install -m 0644 man/nfqd.conf.5 $(DESTDIR)$(MANDIR)/man5/
	sed 's|/usr/sbin/nfqd|$(PREFIX)/sbin/nfqd|g' nfqd/nfqd.service \
	    >$(DESTDIR)$(UNITDIR)/nfqd.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/nfqd.service
	sed 's|/usr/sbin/nfqd-collect|$(PREFIX)/sbin/nfqd-collect|g' \
	    nfqd/nfqd-collect.service >$(DESTDIR)$(UNITDIR)/nfqd-collect.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/nfqd-collect.service

test-docs: $(BIN)/nfqd
	@NFQD=$(BIN)/nfqd tests/docs/run.sh

clean:
	rm -rf build bin

# Every object's header dependencies (the tools and tests include nfqd.h too).
-include $(wildcard $(BUILD)/*/*.d $(BUILD)/*/*/*.d $(BUILD)/*/*/*/*.d)

# libFuzzer harnesses: make fuzz, fuzz-check, fuzz-build, fuzz-corpus (docs/fuzzing.md)
include tests/fuzz/fuzz.mk
$(FUZZ_OUT)/obj/nfqd/daemon/fastpath.o: $(BPF_OUT)/fastpath.skel.h
$(FUZZ_OUT)/obj/nfqd/daemon/fastpath.o: FUZZ_CFLAGS += -I$(BPF_OUT)
