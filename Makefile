# Makefile — builds libblizzard, the blizzard CLI, the unit tests and the fuzz target.
# Folder rules: lib/common depends on nothing; lib/codecs, lib/arrow, lib/parquet, lib/storage depend
# on lib/common (parquet also on codecs); programs/ uses only include/blizzard.h.
CC ?= cc
BUILD ?= build
SAN ?=
CFLAGS ?= -O2 -g
WARN = -Wall -Wextra -Werror -std=gnu11
ifeq ($(SAN),1)
  CFLAGS = -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
  LDFLAGS += -fsanitize=address,undefined
  BUILD = build/san
endif
ifeq ($(SAN),thread)
  CFLAGS = -O1 -g -fno-omit-frame-pointer -fsanitize=thread
  LDFLAGS += -fsanitize=thread
  BUILD = build/tsan
endif
CPPFLAGS += -Iinclude
LIBS = -lsnappy -ldeflate -lzstd -llz4 -lyaml -lcurl -lcrypto -lpthread -lm

LIB_SRC = $(wildcard lib/*/*.c)
LIB_OBJ = $(patsubst %.c,$(BUILD)/%.o,$(LIB_SRC))
TEST_SRC = $(wildcard tests/unit/*.c)

all: $(BUILD)/blizzard $(BUILD)/unit_tests $(BUILD)/slice_convert

$(BUILD)/%.o: %.c $(wildcard include/*.h lib/*/*.h tests/unit/*.h programs/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) -c $< -o $@

$(BUILD)/libblizzard.a: $(LIB_OBJ)
	rm -f $@ && ar rcs $@ $^

CLI_OBJ = $(patsubst %.c,$(BUILD)/%.o,$(wildcard programs/*.c))
$(BUILD)/blizzard: $(CLI_OBJ) $(BUILD)/libblizzard.a
	$(CC) $(LDFLAGS) $^ $(LIBS) -lmicrohttpd -o $@

$(BUILD)/unit_tests: $(patsubst %.c,$(BUILD)/%.o,$(TEST_SRC)) $(BUILD)/libblizzard.a
	$(CC) $(LDFLAGS) $^ $(LIBS) -o $@

FUZZERS = $(BUILD)/fuzz_ipc $(BUILD)/fuzz_config $(BUILD)/fuzz_s3_xml
$(BUILD)/fuzz_%: fuzz/fuzz_%.c $(LIB_SRC)
	@mkdir -p $(BUILD)
	clang $(CPPFLAGS) -O1 -g -fsanitize=fuzzer,address,undefined $(WARN) $^ $(LIBS) -o $@

fuzzers: $(FUZZERS)
.PHONY: fuzzers

clean:
	rm -rf build

.PHONY: all clean

$(BUILD)/slice_convert: $(BUILD)/tests/tools/slice_convert.o $(BUILD)/libblizzard.a
	$(CC) $(LDFLAGS) $^ $(LIBS) -o $@

tools: $(BUILD)/slice_convert
.PHONY: tools
