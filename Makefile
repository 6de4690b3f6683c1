# waymark: non-recursive build.
#
#   make                 core library and the four binaries in build/bin/
#   make test            unit and integration tests (tests/run), ends "N passed, N failed"
#   make bench           benchmarks (figures as ratios, see tests/bench/)
#   make fuzz            libFuzzer targets of the listing parsers (clang), run briefly
#   make format          clang-format every C++ file; format-check: fail on a difference
#   make demo            the whole system on loopback (README)
#   make install PREFIX=/usr/local DESTDIR=
#   make deb             the Debian package (debian/), in build/deb/
#
# All code under src/ but the tests and main.cc files builds into
# build/libwaymark.a; each binary is a thin main() in its own folder linked
# against it. Unit tests (*_test.cc) sit beside the code they test;
# integration tests live in tests/.

VERSION    := 0.2.0
PREFIX     ?= /usr/local
DESTDIR    ?=
BINDIR      = $(PREFIX)/bin
SBINDIR     = $(PREFIX)/sbin
MANDIR      = $(PREFIX)/share/man
DATADIR     = $(PREFIX)/share/waymark
SYSCONFDIR ?= /etc

CXX      ?= g++
# No -g by default: debug information makes the build a third slower (CI
# builds from scratch); `make CXXFLAGS="-O2 -g"` for gdb.
CXXFLAGS ?= -O2
WERROR   ?=
PKGS      = libpqxx libpq libmaxminddb libloc libcurl openssl libsystemd
# libfcgi: only the benchmark's do-nothing baseline (tests/bench/fcgi_null.cc)
# links it; the redirector frames FastCGI itself (src/redirector/fcgi_protocol.h).
FCGI_LIBS := $(shell pkg-config --libs fcgi 2>/dev/null)

B := build

# Parallel by default, one job per core; `make -jN` (or -j1) still decides.
ifeq ($(filter -j%,$(MAKEFLAGS)),)
MAKEFLAGS += -j$(shell nproc 2>/dev/null || echo 2)
endif

# `make V=1` shows full commands.
V ?=
Q  = $(if $(V),,@)
say = $(if $(V),,@echo "  $(1) $(2)")

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

ALL_CXXFLAGS = -std=c++17 -Wall -Wextra $(if $(WERROR),-Werror) -Isrc -I. -I$(B)/gen \
               -DWAYMARK_VERSION='"$(VERSION)"' $(PKG_CFLAGS) -MMD -MP $(CPPFLAGS) $(CXXFLAGS)
LIBS         = $(PKG_LIBS) -lboost_program_options -pthread
TEST_LIBS    = -lgtest -lpthread

# --- sources ---------------------------------------------------------------
# Everything under src/ except tests and the binaries' main.cc builds into
# one library; a binary is its folder's main.cc linked against it.
ALL_SRCS   := $(shell find src -name '*.cc' | sort)
LIB_SRCS   := $(filter-out %_test.cc %/main.cc,$(ALL_SRCS))
LIB_GEN    := $(B)/gen/embedded_sql.cc $(B)/gen/countries_data.cc
LIB_OBJS   := $(LIB_SRCS:%.cc=$(B)/obj/%.o) $(LIB_GEN:$(B)/gen/%.cc=$(B)/obj/gen/%.o)
CORE_LIB   := $(B)/libwaymark.a

BINS := $(B)/bin/waymark $(B)/bin/waymark-redirector $(B)/bin/waymark-scan $(B)/bin/waymark-trace

UNIT_SRCS        := $(filter %_test.cc,$(ALL_SRCS))
HARNESS_SRCS     := $(wildcard tests/harness/*.cc)
# The part of the harness the unit tests share (TempDir, Eventually...).
UNIT_HARNESS     := tests/harness/temp_dir.cc tests/harness/fcgi_client.cc
INTEGRATION_SRCS := $(wildcard tests/integration/*_test.cc)
XFAIL_SRCS       := $(wildcard tests/xfail/*_test.cc)
TEST_BINS := $(B)/tests/unit_tests $(B)/tests/integration_tests $(B)/tests/xfail_tests \
             $(B)/tests/make-test-locdb
BENCH_BINS := $(B)/bench/geoip_bench $(B)/bench/fcgi_null $(B)/bench/handler_bench \
              $(B)/bench/listing_parse_bench

SQL_FILES := $(sort $(wildcard sql/migrations/*.sql)) sql/roles.sql

.PHONY: all test test-bins bench demo install deb clean deps check-deps fuzz format format-check
all: $(BINS)

# --- generated sources -----------------------------------------------------
$(B)/gen/embedded_sql.cc: scripts/embed-files $(SQL_FILES)
	@mkdir -p $(@D)
	scripts/embed-files waymark::kEmbeddedSql $(SQL_FILES) > $@.tmp && mv $@.tmp $@

$(B)/gen/countries_data.cc: scripts/embed-files src/core/geo/data/countries.tsv
	@mkdir -p $(@D)
	scripts/embed-files waymark::kEmbeddedCountries src/core/geo/data/countries.tsv > $@.tmp && mv $@.tmp $@

# --- compile and link ------------------------------------------------------
$(B)/obj/%.o: %.cc
	@mkdir -p $(@D)
	$(call say,CXX,$<)
	$(Q)$(CXX) $(ALL_CXXFLAGS) -c $< -o $@

$(B)/obj/gen/%.o: $(B)/gen/%.cc
	@mkdir -p $(@D)
	$(call say,CXX,$<)
	$(Q)$(CXX) $(ALL_CXXFLAGS) -c $< -o $@

$(CORE_LIB): $(LIB_OBJS)
	@mkdir -p $(@D)
	$(call say,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

define link_bin
$(B)/bin/$(1): $(B)/obj/src/$(2)/main.o $(CORE_LIB)
	@mkdir -p $$(@D)
	$$(call say,LINK,$$@)
	$$(Q)$$(CXX) $$(ALL_CXXFLAGS) -o $$@ $$^ $$(LDFLAGS) $$(LIBS)
endef
$(eval $(call link_bin,waymark,admin))
$(eval $(call link_bin,waymark-redirector,redirector))
$(eval $(call link_bin,waymark-scan,scan))
$(eval $(call link_bin,waymark-trace,trace))

$(B)/tests/unit_tests: $(UNIT_SRCS:%.cc=$(B)/obj/%.o) $(UNIT_HARNESS:%.cc=$(B)/obj/%.o) $(CORE_LIB)
	@mkdir -p $(@D)
	$(call say,LINK,$@)
	$(Q)$(CXX) $(ALL_CXXFLAGS) -o $@ $^ $(LDFLAGS) -lgtest_main $(TEST_LIBS) $(LIBS)

$(B)/tests/integration_tests: $(INTEGRATION_SRCS:%.cc=$(B)/obj/%.o) $(HARNESS_SRCS:%.cc=$(B)/obj/%.o) $(CORE_LIB)
	@mkdir -p $(@D)
	$(call say,LINK,$@)
	$(Q)$(CXX) $(ALL_CXXFLAGS) -o $@ $^ $(LDFLAGS) $(TEST_LIBS) $(LIBS)

$(B)/tests/xfail_tests: $(XFAIL_SRCS:%.cc=$(B)/obj/%.o) $(HARNESS_SRCS:%.cc=$(B)/obj/%.o) $(CORE_LIB)
	@mkdir -p $(@D)
	$(call say,LINK,$@)
	$(Q)$(CXX) $(ALL_CXXFLAGS) -o $@ $^ $(LDFLAGS) $(TEST_LIBS) $(LIBS)

# Writes the libloc test database (tests/fixtures/geoip-networks.tsv).
$(B)/tests/make-test-locdb: $(B)/obj/tests/fixtures/make-test-locdb.o
	@mkdir -p $(@D)
	$(call say,LINK,$@)
	$(Q)$(CXX) $(ALL_CXXFLAGS) -o $@ $^ $(LDFLAGS) $(LIBS)

$(B)/bench/%: $(B)/obj/tests/bench/%.o $(CORE_LIB)
	@mkdir -p $(@D)
	$(call say,LINK,$@)
	$(Q)$(CXX) $(ALL_CXXFLAGS) -o $@ $^ $(LDFLAGS) $(LIBS)
$(B)/bench/fcgi_null: LIBS += $(FCGI_LIBS)

# libFuzzer targets (tests/fuzz/*_fuzz.cc): clang with ASan and UBSan,
# linked with only the pure code they fuzz.
FUZZ_CXX  ?= clang++
FUZZ_SRCS := $(wildcard tests/fuzz/*_fuzz.cc)
FUZZ_BINS := $(FUZZ_SRCS:tests/fuzz/%.cc=$(B)/fuzz/%)
FUZZ_CORE := src/scan/listing_parsers.cc src/core/strings.cc src/core/geo/mmdb_record.cc \
             src/core/model/request_path.cc src/core/url.cc

$(B)/fuzz/%: tests/fuzz/%.cc $(FUZZ_CORE) $(FUZZ_CORE:.cc=.h)
	@mkdir -p $(@D)
	$(call say,FUZZ,$@)
	$(Q)$(FUZZ_CXX) -std=c++17 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -Isrc -o $@ $< $(FUZZ_CORE)

# --- entry points ----------------------------------------------------------
deps:
	scripts/install-deps

check-deps:
	@scripts/install-deps --check

# `make test` installs missing packages first (as root), then builds and runs
# every test binary through tests/run, which prints the final tally.
test: deps
	$(MAKE) test-bins
	tests/run $(B)

# Everything `make test` runs, built without running it (CI times this).
test-bins: $(BINS) $(TEST_BINS)

# The benchmarks print their figures as ratios measured in the same run.
bench: $(BINS) $(BENCH_BINS)
	scripts/install-deps --bench
	tests/bench/run $(B)

# Every C++ file in the tree formatted as .clang-format says (Google
# style); format-check changes nothing and fails on any difference (CI).
FORMAT_FILES = $(shell git ls-files '*.cc' '*.h' 2>/dev/null)
format:
	clang-format -i $(FORMAT_FILES)

format-check:
	@clang-format --dry-run --Werror $(FORMAT_FILES) && echo "format-check: $(words $(FORMAT_FILES)) files as .clang-format says"

# Builds the fuzz targets and runs each for FUZZ_SECONDS (default 30).
fuzz:
	scripts/install-deps --fuzz
	$(MAKE) $(FUZZ_BINS)
	tests/fuzz/run $(B)

# README's first command: the whole system on loopback, in run/demo/.
demo: deps
	$(MAKE) $(BINS)
	scripts/demo

install: $(BINS)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8 \
	    $(DESTDIR)$(DATADIR)/sql/migrations $(DESTDIR)$(DATADIR)/sql/reports $(DESTDIR)$(DATADIR)/examples
	install -m 755 $(B)/bin/waymark $(DESTDIR)$(BINDIR)/
	install -m 755 $(B)/bin/waymark-redirector $(B)/bin/waymark-scan $(B)/bin/waymark-trace $(DESTDIR)$(SBINDIR)/
	install -m 644 man/*.8 $(DESTDIR)$(MANDIR)/man8/
	install -m 644 man/*.5 $(DESTDIR)$(MANDIR)/man5/
	install -m 644 sql/migrations/*.sql $(DESTDIR)$(DATADIR)/sql/migrations/
	install -m 644 sql/roles.sql $(DESTDIR)$(DATADIR)/sql/
	for f in sql/reports/*.sql; do [ -e "$$f" ] && install -m 644 "$$f" $(DESTDIR)$(DATADIR)/sql/reports/; done; true
	install -m 644 man/waymark.conf.example $(DESTDIR)$(DATADIR)/examples/waymark.conf
	for f in nginx/*.conf cron/* systemd/*; do [ -e "$$f" ] && install -m 644 "$$f" $(DESTDIR)$(DATADIR)/examples/; done; true

# The Debian package, built as Debian builds it (dpkg-buildpackage, debian/rules
# with its own build tree debian/build), in parallel; the .deb and its
# companions are moved from the parent directory to build/deb/. CXX and
# ccache's variables pass through (CXX="ccache g++" rebuilds quickly).
DEB_VERSION = $(shell dpkg-parsechangelog -S Version 2>/dev/null)
deb:
	scripts/install-deps --deb
	DEB_BUILD_OPTIONS="parallel=$$(nproc) $$DEB_BUILD_OPTIONS" dpkg-buildpackage -us -uc -b
	mkdir -p $(B)/deb
	mv ../waymark_$(DEB_VERSION)_* ../waymark-dbgsym_$(DEB_VERSION)_* $(B)/deb/
	@ls $(B)/deb/*_$(DEB_VERSION)_*.deb

clean:
	rm -rf $(B)

-include $(shell find $(B)/obj -name '*.d' 2>/dev/null)
