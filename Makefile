# Makefile — builds libblizzard (static and shared), the blizzard CLI, the unit tests and the fuzz
# targets; installs them. What each lib/ folder may depend on: lib/README.md.
# make | make install PREFIX=/usr/local [DESTDIR=...] | make check (the suite, packages present)
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
LIBS = -lsnappy -ldeflate -lzstd -llz4 -lyaml -lpthread -lm

VERSION = 0.1.0
SOVERSION = 0
PREFIX ?= /usr/local
DESTDIR ?=

LIB_SRC = $(wildcard lib/*/*.c)
LIB_OBJ = $(patsubst %.c,$(BUILD)/%.o,$(LIB_SRC))
TEST_SRC = $(wildcard tests/unit/*.c)
# position-independent for the shared library; only blizzard.h's declarations are exported
$(LIB_OBJ): CFLAGS += -fPIC -fvisibility=hidden

all: $(BUILD)/blizzard $(BUILD)/unit_tests $(BUILD)/slice_convert $(BUILD)/reencode_convert $(BUILD)/libblizzard.so.$(VERSION)

$(BUILD)/%.o: %.c $(wildcard include/*.h lib/*/*.h tests/unit/*.h programs/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) -c $< -o $@

$(BUILD)/libblizzard.a: $(LIB_OBJ)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/libblizzard.so.$(VERSION): $(LIB_OBJ)
	$(CC) -shared -Wl,-soname,libblizzard.so.$(SOVERSION) -Wl,--no-undefined $(LDFLAGS) $^ $(LIBS) -o $@

CLI_OBJ = $(patsubst %.c,$(BUILD)/%.o,$(wildcard programs/*.c))
$(BUILD)/blizzard: $(CLI_OBJ) $(BUILD)/libblizzard.a
	$(CC) $(LDFLAGS) $^ $(LIBS) -o $@

$(BUILD)/unit_tests: $(patsubst %.c,$(BUILD)/%.o,$(TEST_SRC)) $(BUILD)/libblizzard.a
	$(CC) $(LDFLAGS) $^ $(LIBS) -o $@

FUZZERS = $(BUILD)/fuzz_ipc $(BUILD)/fuzz_config $(BUILD)/fuzz_s3_xml $(BUILD)/fuzz_journal $(BUILD)/fuzz_landed $(BUILD)/fuzz_partition
$(BUILD)/fuzz_%: fuzz/fuzz_%.c $(LIB_SRC)
	@mkdir -p $(BUILD)
	clang $(CPPFLAGS) -O1 -g -fsanitize=fuzzer,address,undefined $(WARN) $^ $(LIBS) -o $@

fuzzers: $(FUZZERS)
.PHONY: fuzzers

clean:
	rm -rf build

install: $(BUILD)/blizzard $(BUILD)/libblizzard.a $(BUILD)/libblizzard.so.$(VERSION)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/include \
	  $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 $(BUILD)/blizzard $(DESTDIR)$(PREFIX)/bin/blizzard
	install -m 644 $(BUILD)/libblizzard.a $(DESTDIR)$(PREFIX)/lib/libblizzard.a
	install -m 755 $(BUILD)/libblizzard.so.$(VERSION) $(DESTDIR)$(PREFIX)/lib/libblizzard.so.$(VERSION)
	ln -sf libblizzard.so.$(VERSION) $(DESTDIR)$(PREFIX)/lib/libblizzard.so.$(SOVERSION)
	ln -sf libblizzard.so.$(SOVERSION) $(DESTDIR)$(PREFIX)/lib/libblizzard.so
	install -m 644 include/blizzard.h $(DESTDIR)$(PREFIX)/include/blizzard.h
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' blizzard.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/blizzard.pc
	install -m 644 docs/blizzard.1 $(DESTDIR)$(PREFIX)/share/man/man1/blizzard.1

# the whole suite, with the packages tests/run_all.sh would install already present
check:
	BLZ_SKIP_INSTALL=1 bash tests/run_all.sh

.PHONY: all clean install check

$(BUILD)/slice_convert: $(BUILD)/tests/tools/slice_convert.o $(BUILD)/libblizzard.a
	$(CC) $(LDFLAGS) $^ $(LIBS) -o $@

$(BUILD)/reencode_convert: $(BUILD)/tests/tools/reencode_convert.o $(BUILD)/libblizzard.a
	$(CC) $(LDFLAGS) $^ $(LIBS) -o $@

tools: $(BUILD)/slice_convert $(BUILD)/reencode_convert
.PHONY: tools
