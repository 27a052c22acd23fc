#!/bin/sh
# Builds .build/package/wsc_VERSION_ARCH.deb from the release build (make deb runs `make build man` first).
#   - files: `make install DESTDIR=STAGING PREFIX=/usr` (binaries, units, sysusers, tmpfiles, example
#     configuration, man pages, completions, documentation), so the package and make install never differ;
#   - Debian's rules: stripped binaries, man pages and changelog compressed with gzip -9n, a copyright file,
#     /etc files as conffiles, root-owned files (dpkg-deb --root-owner-group), Depends from dpkg-shlibdeps;
#   - maintainer scripts: the wsc group (systemd-sysusers), /run/wscd (systemd-tmpfiles) and daemon-reload.
# Prints the package's path. Exits non-zero with a message on any failure.
set -eu
# Modes of what this script writes (copyright, changelog, maintainer scripts) do not depend on the caller's umask.
umask 022

out=.build/package
staging=$out/staging
[ -x .build/release/wscctl ] && [ -x .build/release/wscd ] || {
    echo "deb: .build/release/wscctl and wscd are missing: run make deb (it builds them)" >&2
    exit 2
}
# Every build a newer package version, so apt upgrades from one build to the next: wscctl's version, then the
# commit's date and id (e.g. 0.1.0+git20261126.033012.3ecf1c9); without git, the build time.
base=$(.build/release/wscctl --version | awk '{print $2}')
stamp=$(TZ=UTC git -c safe.directory="$PWD" log -1 --format='%cd.%h' --date=format-local:'%Y%m%d.%H%M%S' 2>/dev/null || true)
[ -n "$stamp" ] || stamp=$(date -u +%Y%m%d.%H%M%S)
version=$base+git$stamp
# Who answers for the package: set DEB_MAINTAINER="Name <address>" for a package that leaves the team.
maintainer=${DEB_MAINTAINER:-wsc maintainers <wsc-maintainers@example.org>}
arch=$(dpkg --print-architecture)
rm -rf "$staging"
mkdir -p "$staging"
# make install's own `build` and `man` steps are up to date here (make deb made them).
make --no-print-directory install DESTDIR="$PWD/$staging" PREFIX=/usr >/dev/null

# Debian policy 10.1: binaries shipped stripped (the .comment and .note sections too, as dh_strip does).
strip --remove-section=.comment --remove-section=.note "$staging/usr/bin/wscd" "$staging/usr/bin/wscctl"
gzip -9n "$staging"/usr/share/man/man*/*

doc=$staging/usr/share/doc/wsc
cat > "$doc/copyright" <<COPYRIGHT
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: wsc
Upstream-Contact: $maintainer
Comment: No licence has been chosen for wsc yet; until one is, the authors keep every right to the
 software, and this package is for the nodes its authors operate. The Swift runtime linked into the
 binaries is the Swift project's (Apache License 2.0 with Runtime Library Exception).

Files: *
Copyright: $(date -u +%Y) the wsc authors
License: none-chosen
 No licence has been chosen yet; all rights reserved by the authors.
COPYRIGHT
date=$(git -c safe.directory="$PWD" log -1 --format=%cD 2>/dev/null || date -R -u)
commit=$(git -c safe.directory="$PWD" log -1 --format=%h 2>/dev/null || echo unknown)
printf 'wsc (%s) unstable; urgency=medium\n\n  * Built from commit %s (make deb).\n\n -- %s  %s\n' \
    "$version" "$commit" "$maintainer" "$date" | gzip -9n > "$doc/changelog.gz"

mkdir -p "$staging/DEBIAN"
# Depends: what the binaries link (dpkg-shlibdeps reads their NEEDED entries), plus the libraries they load with
# dlopen when a feature is used: libcurl for TUF refresh (Depends: refreshing trust is part of what wscd does);
# the TPM 2.0 libraries for rollback_counter = "tpm2" and tpm2: keys (Recommends: only nodes with a TPM).
shlibs=$(cd "$out" && mkdir -p debian && printf 'Source: wsc\n\nPackage: wsc\nArchitecture: any\n' > debian/control &&
    dpkg-shlibdeps -O staging/usr/bin/wscd staging/usr/bin/wscctl 2>/dev/null | sed -n 's/^shlibs:Depends=//p')
[ -n "$shlibs" ] || { echo "deb: dpkg-shlibdeps found no dependencies" >&2; exit 1; }
size=$(du -sk "$staging" --exclude=DEBIAN | awk '{print $1}')
cat > "$staging/DEBIAN/control" <<CONTROL
Package: wsc
Version: $version
Architecture: $arch
Maintainer: $maintainer
Installed-Size: $size
Depends: $shlibs, libcurl4, systemd
Recommends: libtss2-esys-3.0.2-0 | libtss2-esys0, libtss2-tctildr0
Section: admin
Priority: optional
Homepage: https://github.com/wsc-project/wsc
Description: verification service for signed WebAssembly modules
 wscd answers one question for gateway nodes that run WebAssembly modules
 they did not write: was this module signed by someone this node trusts,
 under the trust it holds now? It keeps a sealed trust bundle and an
 anti-rollback counter, verifies wasmsig signatures and Sigstore bundles
 fully offline, and refreshes its trust over TUF when online.
 .
 wscctl is its client and offline tool: it signs and verifies modules,
 builds and signs trust bundles, and talks to wscd.
CONTROL
(cd "$staging" && find usr -type f -print0 | sort -z | xargs -0 md5sum) > "$staging/DEBIAN/md5sums"
find "$staging/etc" -type f | sed "s|^$staging||" > "$staging/DEBIAN/conffiles"
# Maintainer scripts as dh_installsystemd would write them, except that the units are not enabled on install: a
# node needs its configuration and trust bundle first (docs/operations.md: systemctl enable --now wscd.socket).
cat > "$staging/DEBIAN/postinst" <<'POSTINST'
#!/bin/sh
set -e
if [ "$1" = configure ]; then
    # The group wsc owns the socket; /run/wscd holds it.
    if command -v systemd-sysusers >/dev/null 2>&1; then systemd-sysusers wscd.conf; fi
    if command -v systemd-tmpfiles >/dev/null 2>&1; then systemd-tmpfiles --create wscd.conf || true; fi
    if [ -d /run/systemd/system ]; then
        systemctl --system daemon-reload >/dev/null || true
        # An upgrade ($2 is the version replaced): the running wscd restarts on the new binary, if it runs.
        if [ -n "$2" ]; then deb-systemd-invoke try-restart wscd.service >/dev/null || true; fi
    fi
fi
POSTINST
cat > "$staging/DEBIAN/prerm" <<'PRERM'
#!/bin/sh
set -e
# Removal: stop the daemon and its socket before their files go (an upgrade restarts it in postinst instead).
if [ "$1" = remove ] && [ -d /run/systemd/system ]; then
    deb-systemd-invoke stop wscd.socket wscd.service >/dev/null || true
fi
PRERM
cat > "$staging/DEBIAN/postrm" <<'POSTRM'
#!/bin/sh
set -e
if [ "$1" = remove ] && [ -d /run/systemd/system ]; then
    systemctl --system daemon-reload >/dev/null || true
fi
POSTRM
chmod 0755 "$staging/DEBIAN/postinst" "$staging/DEBIAN/prerm" "$staging/DEBIAN/postrm"
chmod 0644 "$staging/DEBIAN/control" "$staging/DEBIAN/conffiles" "$staging/DEBIAN/md5sums"

package=$out/wsc_${version}_${arch}.deb
rm -f "$out"/wsc_*.deb
dpkg-deb --root-owner-group -Zxz --build "$staging" "$package" >/dev/null
echo "$package"
