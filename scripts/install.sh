#!/bin/sh
# make install: puts the release build, its units, man pages, completions and documentation under
# DESTDIR/PREFIX (see the Makefile's install target for what goes where). Run from the project root after
# make build and make man. Modes are set explicitly (0755 directories and programs, 0644 files) whatever the
# caller's umask; every path is quoted, so DESTDIR and PREFIX may hold spaces.
set -eu
umask 022
prefix=${PREFIX:-/usr}
root=${DESTDIR:-}$prefix
etc=${DESTDIR:-}/etc
for file in .build/release/wscd .build/release/wscctl .build/man/wscctl.1 .build/man/wscd.8 .build/man/wscd.toml.5; do
    [ -f "$file" ] || { echo "install: $file is missing: run make install (it builds it first)" >&2; exit 2; }
done
# zsh looks in vendor-completions under /usr (Debian's zsh) and in site-functions elsewhere.
if [ "$prefix" = /usr ]; then zsh_dir=share/zsh/vendor-completions; else zsh_dir=share/zsh/site-functions; fi

install -d -m 0755 "$root/bin" "$root/lib/systemd/system" "$root/lib/sysusers.d" "$root/lib/tmpfiles.d" \
    "$root/share/man/man1" "$root/share/man/man5" "$root/share/man/man8" "$root/share/bash-completion/completions" \
    "$root/$zsh_dir" "$root/share/fish/vendor_completions.d" "$root/share/doc/wsc"
# /etc/wscd holds the keys: made if missing, but an existing one keeps the mode its admin gave it.
[ -d "$etc/wscd" ] || install -d -m 0755 "$etc/wscd"
install -m 0755 .build/release/wscctl .build/release/wscd "$root/bin/"
# The units name the installed binary and documentation, whatever the prefix.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for unit in wscd.service wscd.socket; do
    sed -e "s|/usr/bin/wscd|$prefix/bin/wscd|g" -e "s|/usr/share/doc/wsc|$prefix/share/doc/wsc|g" \
        "systemd/$unit" >"$work/$unit"
    install -m 0644 "$work/$unit" "$root/lib/systemd/system/$unit"
done
install -m 0644 systemd/wscd.sysusers "$root/lib/sysusers.d/wscd.conf"
install -m 0644 systemd/wscd.tmpfiles "$root/lib/tmpfiles.d/wscd.conf"
install -m 0644 config/wscd.toml "$etc/wscd/wscd.toml.example"
install -m 0644 .build/man/wscctl.1 "$root/share/man/man1/wscctl.1"
install -m 0644 .build/man/wscd.toml.5 "$root/share/man/man5/wscd.toml.5"
install -m 0644 .build/man/wscd.8 "$root/share/man/man8/wscd.8"
# bash-completion sources the script: no #! line (Debian's bash-completion policy).
.build/release/wscctl completion bash | sed '1{/^#!/d}' >"$work/wscctl.bash"
.build/release/wscctl completion zsh >"$work/_wscctl"
.build/release/wscctl completion fish >"$work/wscctl.fish"
install -m 0644 "$work/wscctl.bash" "$root/share/bash-completion/completions/wscctl"
install -m 0644 "$work/_wscctl" "$root/$zsh_dir/_wscctl"
install -m 0644 "$work/wscctl.fish" "$root/share/fish/vendor_completions.d/wscctl.fish"
install -m 0644 docs/wscctl.md docs/protocol.md docs/trust-bundle.md docs/operations.md docs/migrating.md \
    docs/keyless.md docs/tuf.md docs/wasmsig.md "$root/share/doc/wsc/"
echo "install: wscd and wscctl in $prefix/bin, units, man pages, completions and docs under ${DESTDIR:-}$prefix"
