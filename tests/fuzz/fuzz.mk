# libFuzzer harnesses (tests/fuzz/, docs/fuzzing.md), included by the
# Makefile after LIB_SRCS, WARN and PKG_*.  clang with Debian's
# libfuzzer-14-dev and libclang-rt-14-dev; the library sources are
# compiled again with the fuzzer's coverage and ASan+UBSan into
# build/fuzz/ (build/obj and build/asan are not touched).
#
#   make fuzz-build        build/fuzz/fuzz_* (one per parser)
#   make fuzz              each target for FUZZ_SECONDS (300), after the
#                          regression inputs; the corpus is not grown
#   make fuzz-check        the same for 10 s each (part of make check)
#   make fuzz-corpus       regenerate tests/fuzz/corpus/ from the captures

FUZZ_CC		?= clang
FUZZ_OUT	:= build/fuzz
FUZZ_SECONDS	?= 300
FUZZ_SAN	:= -fsanitize=fuzzer,address,undefined \
		   -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS	 = -std=c11 -D_GNU_SOURCE $(WARN) -g -O1 $(FUZZ_SAN) \
		   $(PKG_CFLAGS) -MMD -MP -Infqd -I.
FUZZ_SRCS	:= $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS	:= $(FUZZ_SRCS:tests/fuzz/%.c=$(FUZZ_OUT)/%)
FUZZ_LIB	:= $(FUZZ_OUT)/libnfqd.a

.PHONY: fuzz fuzz-build fuzz-check fuzz-corpus

$(FUZZ_OUT)/obj/%.o: %.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  FUZZCC  $<")
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -c -o $@ $<

$(FUZZ_LIB): $(LIB_SRCS:%.c=$(FUZZ_OUT)/obj/%.o)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(FUZZ_OUT)/fuzz_%: $(FUZZ_OUT)/obj/tests/fuzz/fuzz_%.o $(FUZZ_LIB)
	@$(if $(Q),echo "  FUZZLD  $@")
	$(Q)$(FUZZ_CC) $(FUZZ_SAN) -o $@ $^ $(PKG_LIBS) -lpthread

# The seed extractor: a plain build with pkt.c for the parsing.
$(FUZZ_OUT)/mkcorpus: tests/fuzz/mkcorpus.c nfqd/engine/pkt.c nfqd/base/addr.c nfqd/nfqd.h
	@mkdir -p $(@D)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) -std=c11 -D_GNU_SOURCE $(WARN) -O2 -g -Infqd -I. -o $@ \
	    tests/fuzz/mkcorpus.c nfqd/engine/pkt.c nfqd/base/addr.c $(shell $(PKG_CONFIG) --libs libpcap)

# Keep the harness objects (make would delete them as intermediate).
.SECONDARY: $(FUZZ_SRCS:%.c=$(FUZZ_OUT)/obj/%.o)

fuzz-build: $(FUZZ_BINS)

fuzz: deps
	@$(MAKE) --no-print-directory fuzz-build
	@FUZZ_BIN=$(FUZZ_OUT) tests/fuzz/run.sh $(FUZZ_SECONDS)

fuzz-check: fuzz-build
	@FUZZ_BIN=$(FUZZ_OUT) tests/fuzz/run.sh 10

fuzz-corpus: $(FUZZ_OUT)/mkcorpus
	@MKCORPUS=$(FUZZ_OUT)/mkcorpus tests/fuzz/mkcorpus.sh

-include $(wildcard $(FUZZ_OUT)/obj/*/*.d $(FUZZ_OUT)/obj/*/*/*.d)
