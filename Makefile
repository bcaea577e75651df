# SPDX-License-Identifier: ISC
# certstatus: certstatusd (OCSP/CRL responder) and certctl (admin tool).
#
#   make            build bin/certstatusd and bin/certctl
#   make run        install what is missing, build, create var/demo, serve it
#   make check      install what is missing, build, run every test
#   make bench      benchmarks (side by side with peers), not tests
#   make bench-national  the national-scale bench (BIG_N, default 10,000,000)
#   make fuzz       libFuzzer targets for FUZZ_SECONDS each (default 60)
#   make check-long the integration tests in their long versions (CHECK_LONG=1)
#   make install    install under PREFIX (default /usr/local), DESTDIR, sysconfdir,
#                   localstatedir (see "version and install directories")
#   make deb        the Debian package ../certstatus_VERSION_ARCH.deb (debian/)
#   SANITIZE=1      build with ASan+UBSan (objects in build/san, bins in bin/san)

CC      ?= cc
PKGS     = openssl libevent libevent_openssl sqlite3 jansson libp11
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CHECK_LIBS := $(shell pkg-config --libs check 2>/dev/null)
# p11-kit only for its pkcs11.h (p11.c calls the module's own C_GenerateKeyPair)
P11KIT_CFLAGS := $(shell pkg-config --cflags p11-kit-1 2>/dev/null)
# sd_notify for systemd's Type=notify; without libsystemd-dev the server
# builds without it (service.c then does nothing).
SYSTEMD_LIBS := $(shell pkg-config --libs libsystemd 2>/dev/null)
# The seccomp filter that confines certstatusd's processes (server/proc.c).
SECCOMP_LIBS := $(shell pkg-config --libs libseccomp 2>/dev/null)
ifneq ($(SYSTEMD_LIBS),)
SERVICE_CFLAGS = -DHAVE_LIBSYSTEMD
endif

WARN     = -Wall -Wextra -Werror -Wshadow -Wpointer-arith -Wstrict-prototypes \
           -Wmissing-prototypes -Wformat=2 -Wno-format-nonliteral -Wvla
CFLAGS  ?= -O2 -g
CFLAGS  += -std=c11 -D_GNU_SOURCE $(WARN) -Icommon -Iserver -Itools $(PKG_CFLAGS) $(P11KIT_CFLAGS) -MMD -MP
LDLIBS   = $(PKG_LIBS) -lm

ifeq ($(FUZZ),1)
# libFuzzer builds (make fuzz): every object instrumented, clang only.
CC       = clang
CFLAGS  += -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer \
           -fno-sanitize-recover=all
BUILD    = build/fuzz
BIN      = bin/fuzz
else ifeq ($(SANITIZE),1)
CFLAGS  += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS += -fsanitize=address,undefined
BUILD    = build/san
BIN      = bin/san
else
BUILD    = build/rel
BIN      = bin
endif

PORT    ?= 8080

# --- version and install directories ------------------------------------------
# One VERSION file; the install directories are compiled in (the installed
# config is found as $(sysconfdir)/certstatus/certstatus.conf).
VERSION      := $(shell cat VERSION)
PREFIX       ?= /usr/local
prefix       ?= $(PREFIX)
bindir       ?= $(prefix)/bin
sbindir      ?= $(prefix)/sbin
mandir       ?= $(prefix)/share/man
sysconfdir   ?= /etc
localstatedir ?= /var
systemdunitdir ?= $(prefix)/lib/systemd/system
datadir      = $(localstatedir)/lib/certstatus
logdir       = $(localstatedir)/log/certstatus

# --- sources -----------------------------------------------------------------
COMMON_SRCS  = common/log.c common/config.c common/clock.c common/db.c \
               common/db_cert.c common/db_issuer.c common/db_party.c common/db_crl.c common/db_backup.c \
               common/audit.c common/serial.c common/pki.c common/p11.c \
               common/crlgen.c common/crlpub.c common/xalloc.c common/reason.c
SERVER_SRCS  = server/main.c server/http.c server/router.c server/responder.c server/presign.c server/prepare.c server/signer.c \
               server/proc.c \
               server/cache.c server/issuers.c server/metrics.c server/crl.c server/cacert.c \
               server/counter.c server/counter_judge.c server/counter_i18n.c \
               server/check.c server/access.c server/tls.c \
               server/service.c
# certctl: main() in certctl.c; everything else also links into its tests.
CERTCTL_LIB_SRCS = tools/cli.c tools/rules.c tools/registry_txn.c \
               tools/registry_resident.c tools/registry_card.c \
               tools/registry_cert.c tools/registry_query.c tools/issuance.c \
               tools/cmd_registry.c tools/cmd_cert.c tools/cmd_ca.c tools/demo.c \
               tools/cmd_crl.c tools/cmd_backup.c tools/cmd_party.c
CERTCTL_SRCS = tools/certctl.c $(CERTCTL_LIB_SRCS)

# Unit suites: tests/check_<name>.c linked with the common sources (and the
# server's module sources where the suite needs them).
SERVER_LIB_SRCS = server/ocsp.c server/condget.c server/framing.c server/proxy.c
UNIT_TESTS   = config clock db pki reason ocsp ocsp_profile condget framing proxy router crlgen crlpub certctl rules \
               cache prepare counter xalloc signer p11 access

SCHEMA_SQL   = $(sort $(wildcard schema/[0-9]*.sql))
STATIC_FILES = $(sort $(wildcard server/static/*))
COMMON_OBJS  = $(COMMON_SRCS:%.c=$(BUILD)/%.o) $(BUILD)/gen/schema.o \
               $(BUILD)/gen/version.o
SERVER_OBJS  = $(SERVER_SRCS:%.c=$(BUILD)/%.o) $(BUILD)/gen/static.o
SERVER_LIB_OBJS = $(SERVER_LIB_SRCS:%.c=$(BUILD)/%.o)
CERTCTL_OBJS = $(CERTCTL_SRCS:%.c=$(BUILD)/%.o)
CERTCTL_LIB_OBJS = $(CERTCTL_LIB_SRCS:%.c=$(BUILD)/%.o)
UNIT_BINS    = $(UNIT_TESTS:%=$(BUILD)/tests/check_%)

# Fuzz targets: tests/fuzz/fuzz_<name>.c, linked with the parsers they reach.
FUZZ_TARGETS = ocsp_request ocsp_answer config cert_upload
FUZZ_SECONDS ?= 60
FUZZ_LIB_OBJS = $(COMMON_OBJS) $(SERVER_LIB_OBJS) $(BUILD)/server/prepare.o \
               $(BUILD)/server/issuers.o $(CERTCTL_LIB_OBJS)
FUZZ_BINS    = $(FUZZ_TARGETS:%=$(BIN)/fuzz_%)

.PHONY: FORCE install deb all run check check-long unit-bins bench bench-national bench-bins fuzz fuzz-bins clean deps
all: $(BIN)/certstatusd $(BIN)/certctl

deps:
	@sh tools/install-deps.sh

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(BUILD)/gen/schema.c: $(SCHEMA_SQL) tools/embed-schema.sh
	@mkdir -p $(dir $@)
	sh tools/embed-schema.sh $@ $(SCHEMA_SQL)

$(BUILD)/gen/schema.o: $(BUILD)/gen/schema.c
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

# Rewritten only when VERSION or a directory changed, so that a change
# rebuilds what depends on it and nothing else.
$(BUILD)/gen/version.c: FORCE
	@mkdir -p $(dir $@)
	@printf '#include "version.h"\nconst char certstatus_version[] = "%s";\nconst char certstatus_sysconfdir[] = "%s";\n' \
	    '$(VERSION)' '$(sysconfdir)' >$@.tmp
	@if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; fi

$(BUILD)/gen/version.o: $(BUILD)/gen/version.c
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

# The online counter's CSS and script, embedded like the schema.
$(BUILD)/gen/static.c: $(STATIC_FILES) tools/embed-static.sh
	@mkdir -p $(dir $@)
	sh tools/embed-static.sh $@ $(STATIC_FILES)

$(BUILD)/gen/static.o: $(BUILD)/gen/static.c
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(BIN)/certstatusd: $(SERVER_OBJS) $(SERVER_LIB_OBJS) $(COMMON_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(SYSTEMD_LIBS) $(SECCOMP_LIBS)

$(BUILD)/server/service.o: server/service.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(SERVICE_CFLAGS) -c -o $@ $<

$(BIN)/certctl: $(CERTCTL_OBJS) $(COMMON_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/check_%: $(BUILD)/tests/check_%.o $(COMMON_OBJS) $(SERVER_LIB_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(CHECK_LIBS) $(LDLIBS)

# The route table and its match: router.o alone (the test stubs the handlers).
$(BUILD)/tests/check_router: $(BUILD)/tests/check_router.o $(BUILD)/server/router.o
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(CHECK_LIBS)

# The signer's suite starts real workers: it execs $(BIN)/certstatusd.
$(BUILD)/tests/check_signer: $(BUILD)/tests/check_signer.o $(BUILD)/server/signer.o \
    $(BUILD)/server/proc.o $(COMMON_OBJS) $(SERVER_LIB_OBJS) | $(BIN)/certstatusd
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(CHECK_LIBS) $(LDLIBS) $(SECCOMP_LIBS)

$(BUILD)/tests/check_certctl: $(BUILD)/tests/check_certctl.o $(CERTCTL_LIB_OBJS) $(COMMON_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(CHECK_LIBS) $(LDLIBS)

$(BUILD)/tests/check_rules: $(BUILD)/tests/check_rules.o $(CERTCTL_LIB_OBJS) $(COMMON_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(CHECK_LIBS) $(LDLIBS)

# The counter's judgement, without HTTP or the registry's I/O.
$(BUILD)/tests/check_counter: $(BUILD)/tests/check_counter.o \
               $(BUILD)/server/counter_judge.o $(BUILD)/server/counter_i18n.o \
               $(COMMON_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(CHECK_LIBS) $(LDLIBS)

$(BUILD)/tests/check_crlpub: $(BUILD)/tests/check_crlpub.o $(CERTCTL_LIB_OBJS) $(COMMON_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(CHECK_LIBS) $(LDLIBS)

$(BUILD)/tests/check_cache: $(BUILD)/tests/check_cache.o $(BUILD)/server/cache.o $(BUILD)/server/condget.o $(COMMON_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(CHECK_LIBS) $(LDLIBS)

# access.c decides on rows and parsed requests: no server, no registry.
$(BUILD)/tests/check_access: $(BUILD)/tests/check_access.o $(BUILD)/server/access.o \
               $(COMMON_OBJS) $(SERVER_LIB_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(CHECK_LIBS) $(LDLIBS)

# prepare.c runs without the server: it links only the parsers and issuers.
$(BUILD)/tests/check_prepare: $(BUILD)/tests/check_prepare.o $(BUILD)/server/prepare.o \
               $(BUILD)/server/issuers.o $(COMMON_OBJS) $(SERVER_LIB_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(CHECK_LIBS) $(LDLIBS)

$(BIN)/fuzz_%: $(BUILD)/tests/fuzz/fuzz_%.o $(FUZZ_LIB_OBJS)
	@mkdir -p $(dir $@)
	$(CC) -fsanitize=fuzzer,address,undefined -o $@ $^ $(LDLIBS)

# run, check and bench first install what is missing, then build in a
# sub-make, so that pkg-config answers after the packages are there.
run: deps
	@$(MAKE) --no-print-directory all
	@sh tools/run-demo.sh $(BIN) $(PORT)

check: deps
	@$(MAKE) --no-print-directory all unit-bins
	@BIN=$(BIN) BUILD=$(BUILD) UNIT_TESTS="$(UNIT_TESTS)" sh tests/run.sh

unit-bins: $(UNIT_BINS)

# The long versions of the fault and hostile-client tests.
check-long: deps
	@$(MAKE) --no-print-directory all
	@CHECK_LONG=1 BIN=$(BIN) BUILD=$(BUILD) sh tests/run.sh

fuzz-bins: $(FUZZ_BINS)

# Each target for FUZZ_SECONDS; prints executions per target, fails on a crash.
fuzz: deps
	@$(MAKE) --no-print-directory FUZZ=1 fuzz-bins
	@FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_TARGETS="$(FUZZ_TARGETS)" \
	    sh tests/fuzz/run.sh

bench: deps
	@$(MAKE) --no-print-directory all bench-bins
	@BIN=$(BIN) BUILD=$(BUILD) sh tests/bench/run.sh

# 10,000,000 certificates by default (BIG_N=200000 for a quick run).
bench-national: deps
	@$(MAKE) --no-print-directory all bench-bins
	@BIN=$(BIN) BUILD=$(BUILD) sh tests/bench/national.sh

# Benchmark helper programs (tests/bench/*.c), built by make bench.
BENCH_BINS = $(BUILD)/bench/crlgen_bench $(BUILD)/bench/gen_national \
             $(BUILD)/bench/sign_bench
bench-bins: $(BENCH_BINS)

$(BUILD)/bench/%: $(BUILD)/tests/bench/%.o $(COMMON_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# One signed answer against one bare signature (server/ocsp.c alone).
$(BUILD)/bench/sign_bench: $(BUILD)/tests/bench/sign_bench.o $(BUILD)/server/ocsp.o $(COMMON_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# The annotated sample with the installed paths: registry and response store
# in the data dir, the access log (commented out) in the log dir.
CONF_SED = -e 's|^database\([[:space:]]*\)certstatus.db|database\1$(datadir)/certstatus.db|' \
    -e 's|^response-cache\([[:space:]]*\)responses.db|response-cache\1$(datadir)/responses.db|' \
    -e 's|^\#access-log\([[:space:]]*\)access.log|\#access-log\1$(logdir)/access.log|' \
    -e 's|^\# relative to the folder of this file\.|\# relative to the folder of this file ($(sysconfdir)/certstatus).|'

MAN8 = man/certstatusd.8 man/certctl.8
MAN5 = man/certstatus.conf.5
UNITS = systemd/certstatusd.service systemd/certstatus-crl.service \
        systemd/certstatus-crl.timer

# An existing configuration is never overwritten (it is the operator's).
install: all
	install -d $(DESTDIR)$(sbindir) $(DESTDIR)$(bindir) \
	    $(DESTDIR)$(mandir)/man5 $(DESTDIR)$(mandir)/man8 \
	    $(DESTDIR)$(sysconfdir)/certstatus $(DESTDIR)$(sysconfdir)/logrotate.d \
	    $(DESTDIR)$(systemdunitdir)
	install -d -m 750 $(DESTDIR)$(datadir)
	install -m 755 $(BIN)/certstatusd $(DESTDIR)$(sbindir)/certstatusd
	install -m 755 $(BIN)/certctl $(DESTDIR)$(bindir)/certctl
	install -m 644 $(MAN8) $(DESTDIR)$(mandir)/man8/
	install -m 644 $(MAN5) $(DESTDIR)$(mandir)/man5/
	install -m 644 config/logrotate $(DESTDIR)$(sysconfdir)/logrotate.d/certstatus
	for u in $(UNITS); do \
	    sed -e 's|@sbindir@|$(sbindir)|g' -e 's|@bindir@|$(bindir)|g' \
	        -e 's|@sysconfdir@|$(sysconfdir)|g' -e 's|@datadir@|$(datadir)|g' \
	        -e 's|@logdir@|$(logdir)|g' $$u >$(DESTDIR)$(systemdunitdir)/$$(basename $$u) && \
	    chmod 644 $(DESTDIR)$(systemdunitdir)/$$(basename $$u) || exit 1; \
	done
	@if [ -e $(DESTDIR)$(sysconfdir)/certstatus/certstatus.conf ]; then \
	    echo "install: keeping $(DESTDIR)$(sysconfdir)/certstatus/certstatus.conf"; \
	else \
	    sed $(CONF_SED) config/certstatus.conf >$(DESTDIR)$(sysconfdir)/certstatus/certstatus.conf && \
	    chmod 644 $(DESTDIR)$(sysconfdir)/certstatus/certstatus.conf; \
	fi

# The .deb, built by debhelper (debian/) in a copy of the tree under
# build/deb, so nothing is written beside the repository; the package ends
# up as build/deb/certstatus_VERSION_ARCH.deb.
DEB_DIR = build/deb
deb:
	@v=$$(dpkg-parsechangelog -S Version); [ "$$v" = "$(VERSION)" ] || \
	    { echo "deb: debian/changelog has $$v but VERSION has $(VERSION): add a changelog entry (dch -v $(VERSION))"; exit 1; }
	rm -rf $(DEB_DIR) && mkdir -p $(DEB_DIR)/certstatus-$(VERSION)
	git ls-files -co --exclude-standard | grep -v '^tests/browser/node_modules/' | \
	    tar -cf - -T - | tar -xf - -C $(DEB_DIR)/certstatus-$(VERSION)
	cd $(DEB_DIR)/certstatus-$(VERSION) && \
	    DEB_BUILD_OPTIONS="nocheck $${DEB_BUILD_OPTIONS:-}" dpkg-buildpackage -b -us -uc
	@ls $(DEB_DIR)/certstatus_$(VERSION)_*.deb

clean:
	rm -rf build bin

-include $(shell find build -path build/deb -prune -o -name '*.d' -type f -print 2>/dev/null)
