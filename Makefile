# wsc: make run (demo), make test (what CI runs), make bench (figures to docs/benchmarks.md), make fuzz (docs/fuzzing.md).
SWIFT    ?= swift
# /usr by default: the systemd unit runs $(PREFIX)/bin/wscd, and install writes that path into the unit it installs,
# so the unit and the binary agree for any PREFIX (e.g. make install PREFIX=/usr/local).
PREFIX   ?= /usr
DESTDIR  ?=
APT_PACKAGES := libssl-dev libsystemd-dev libcurl4-openssl-dev pkg-config python3 python3-venv systemd openssl faketime \
                libtss2-dev libtss2-tctildr0 libtss2-tcti-device0 libtss2-tcti-swtpm0 libtss2-rc0 swtpm swtpm-tools tpm2-tools
# Signing keys on tokens: the PKCS#11 header (p11-kit), OpenSSL's tpm2 provider, and the real tokens the tests start
# (SoftHSM2 with opensc's pkcs11-tool; swtpm with tpm2-tools).
TOKEN_PACKAGES := libp11-kit-dev tpm2-openssl softhsm2 opensc swtpm swtpm-tools tpm2-tools
SUDO     := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
SHELL    := /bin/bash
.SHELLFLAGS := -eo pipefail -c

# Release builds link the Swift runtime statically: the installed binaries (make install, make deb) depend on
# Debian's packages only, never on a RUNPATH into the toolchain.
# Relocations resolved and read-only at start (-z relro -z now), as Debian builds its daemons.
RELEASE  := -c release --static-swift-stdlib -Xlinker -z -Xlinker relro -Xlinker -z -Xlinker now
# What packaging and its test use: lintian for make deb, and the three shells whose completion scripts the tests load.
PACKAGING_PACKAGES := lintian fakeroot bash-completion zsh fish man-db groff-base

.PHONY: all deps pydeps packaging-deps build man test test-debug test-asan test-package fuzz fuzz-smoke lint run bench install deb \
        clean

all: build

## deps: install the C libraries' -dev packages, pkg-config, python3, systemd's tools (systemd-analyze,
## systemd-socket-activate) and faketime (the tests run wscd and wscctl at 1970 with it) when they are missing; and
## the TPM 2.0 stack: the TSS headers and libraries (libtss2-dev: esys, tctildr, the device and swtpm TCTIs, loaded
## with dlopen by CWSCTPM), the software TPM the tests start (swtpm, swtpm-tools) and tpm2-tools (used by the tests
## to define a wrong NV index); then the token packages for signing keys (TOKEN_PACKAGES).
deps:
	@if command -v pkg-config >/dev/null 2>&1 && pkg-config --exists openssl libsystemd libcurl \
	    && command -v python3 >/dev/null 2>&1 && python3 -c 'import venv' 2>/dev/null \
	    && command -v systemd-analyze >/dev/null 2>&1 && command -v systemd-socket-activate >/dev/null 2>&1 \
	    && command -v openssl >/dev/null 2>&1 && command -v faketime >/dev/null 2>&1 \
	    && pkg-config --exists tss2-esys tss2-tctildr && [ -e "$$(pkg-config --variable=libdir tss2-esys)/libtss2-tcti-swtpm.so.0" ] \
	    && command -v swtpm >/dev/null 2>&1 && command -v swtpm_setup >/dev/null 2>&1 && command -v tpm2_nvdefine >/dev/null 2>&1; then \
	    echo "deps: openssl $$(pkg-config --modversion openssl), libsystemd $$(pkg-config --modversion libsystemd), libcurl $$(pkg-config --modversion libcurl), tss2 $$(pkg-config --modversion tss2-esys), $$(swtpm --version | head -1)"; \
	else \
	    echo "deps: installing $(APT_PACKAGES)"; \
	    $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $(APT_PACKAGES); \
	fi
	@if [ -f /usr/include/p11-kit-1/p11-kit/pkcs11.h ] && [ -f /usr/lib/softhsm/libsofthsm2.so ] \
	    && ls /usr/lib/*/ossl-modules/tpm2.so >/dev/null 2>&1 \
	    && command -v pkcs11-tool >/dev/null 2>&1 && command -v softhsm2-util >/dev/null 2>&1 \
	    && command -v swtpm >/dev/null 2>&1 && command -v swtpm_setup >/dev/null 2>&1 \
	    && command -v tpm2_createprimary >/dev/null 2>&1; then \
	    echo "deps: token tools present (softhsm2, opensc, swtpm, tpm2-tools, tpm2-openssl)"; \
	else \
	    echo "deps: installing $(TOKEN_PACKAGES)"; \
	    $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $(TOKEN_PACKAGES); \
	fi

## pydeps: sigstore-python in .build/pyenv, for the keyless cross-check tests and the keyless benchmark.
pydeps:
	@sh scripts/python-deps.sh

## build: release build of wscd and wscctl (Swift runtime linked statically).
build: deps
	$(SWIFT) build $(RELEASE)

## man: wscctl(1), wscd(8) and wscd.toml(5) in .build/man, from the built wscctl's own command descriptions and
## config/wscd.toml (scripts/manpages.py).
man: build
	python3 scripts/manpages.py .build/release/wscctl .build/man

## packaging-deps: lintian and the shells the packaging test loads completions into (PACKAGING_PACKAGES).
packaging-deps:
	@if command -v lintian >/dev/null 2>&1 && command -v fakeroot >/dev/null 2>&1 && command -v zsh >/dev/null 2>&1 \
	    && command -v fish >/dev/null 2>&1 && [ -f /usr/share/bash-completion/bash_completion ] \
	    && command -v man >/dev/null 2>&1; then \
	    echo "packaging-deps: lintian $$(lintian --version | awk '{print $$2}'), zsh, fish, bash-completion present"; \
	else \
	    echo "packaging-deps: installing $(PACKAGING_PACKAGES)"; \
	    $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $(PACKAGING_PACKAGES); \
	fi

## test: debug tests, the same tests under AddressSanitizer (release), the format lint, a fuzz smoke run, and the
## packaging test (make install into a staging root, systemd-analyze verify, make deb, lintian, apt install).
test: deps pydeps lint test-debug test-asan fuzz-smoke test-package
	@tail -1 .build-fuzz/fuzz-smoke.log
	@tail -1 .build/package/test-package.log
	@sh scripts/test-summary.sh .build/test-debug.log .build-asan/test-asan.log

## test-package: scripts/test-package.sh (builds the release binaries and the package first).
test-package: packaging-deps deb
	@mkdir -p .build/package
	sh scripts/test-package.sh 2>&1 | tee .build/package/test-package.log

test-debug:
	$(SWIFT) build --build-tests
	@mkdir -p .build
	$(SWIFT) test --skip-build 2>&1 | tee .build/test-debug.log

# Leak detection is off: the Swift runtime and XCTest keep objects alive at exit by design, and a leak
# report would turn a child process's exit status into 1. Memory errors (use after free, overflow) still abort.
test-asan:
	$(SWIFT) build -c release --sanitize=address -Xswiftc -enable-testing --build-tests --scratch-path .build-asan
	@mkdir -p .build-asan
	ASAN_OPTIONS=detect_leaks=0:abort_on_error=0 $(SWIFT) test -c release --sanitize=address -Xswiftc -enable-testing --skip-build --scratch-path .build-asan 2>&1 | tee .build-asan/test-asan.log

# Every fuzz target for FUZZ_SMOKE_RUNS inputs after its seeds (every crash kept as a regression is a seed);
# fails on any crash. Its own build folder (.build-fuzz), libFuzzer and AddressSanitizer.
fuzz-smoke:
	SWIFT=$(SWIFT) sh Fuzz/fuzz.sh build
	@mkdir -p .build-fuzz
	SWIFT=$(SWIFT) sh Fuzz/fuzz.sh smoke 2>&1 | tee .build-fuzz/fuzz-smoke.log

## fuzz: each fuzz target (or those in FUZZ_TARGETS) for FUZZ_SECONDS; corpus kept in .build-fuzz/corpus.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?=
fuzz: deps
	SWIFT=$(SWIFT) sh Fuzz/fuzz.sh build
	SWIFT=$(SWIFT) FUZZ_SECONDS=$(FUZZ_SECONDS) sh Fuzz/fuzz.sh run $(FUZZ_TARGETS)

lint:
	$(SWIFT) format lint --strict -r Sources Tests Package.swift Fuzz/Package.swift Fuzz/Sources

## run: build, then start wscd in the foreground on a demo node in a temporary directory.
run: build
	@sh scripts/demo.sh .build/release/wscctl

## bench: release benchmarks; figures go to docs/benchmarks.md.
bench: deps pydeps
	@command -v hyperfine >/dev/null 2>&1 || { echo "bench: installing hyperfine (process-per-verify timings)"; \
	    $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq hyperfine; }
	@sh Benchmarks/run.sh
	@sh Benchmarks/daemon.sh
	@sh Benchmarks/keyless.sh
	@sh Benchmarks/tuf.sh
	@sh Benchmarks/keys.sh
	@sh Benchmarks/tpm.sh
	@sh Benchmarks/summary.sh

## install: binaries in $(PREFIX)/bin, units, sysusers and tmpfiles in $(PREFIX)/lib (systemd reads /usr/lib and
## /usr/local/lib), man pages in $(PREFIX)/share/man, completions where bash, zsh and fish look under $(PREFIX),
## the documentation in $(PREFIX)/share/doc/wsc, the example configuration in /etc/wscd. The units name
## $(PREFIX)/bin/wscd and $(PREFIX)/share/doc/wsc, so they agree with the files for any PREFIX.
install: build man
	DESTDIR="$(DESTDIR)" PREFIX="$(PREFIX)" sh scripts/install.sh

## deb: a Debian package, .build/package/wsc_VERSION_ARCH.deb, from make install into a staging root
## (scripts/deb.sh: stripped binaries, compressed man pages, copyright, changelog, conffiles, Depends from
## dpkg-shlibdeps). Install it with apt install ./.build/package/wsc_*.deb.
deb: build man
	sh scripts/deb.sh

clean:
	rm -rf .build .build-asan .build-fuzz Benchmarks/.build
