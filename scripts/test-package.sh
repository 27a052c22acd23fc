#!/bin/sh
# The packaging test (make test-package, part of make test): what an admin installs is complete and agrees with
# itself. make deb has built the release binaries, the man pages and .build/package/wsc_*.deb.
#   1. make install DESTDIR=ROOT for PREFIX=/usr and /usr/local: every file in place; systemd-analyze verify
#      accepts the installed units against the installed binary (and refuses them without it); the binaries
#      start with no Swift toolchain on the library path.
#   2. The man pages render without a warning and cover every wscctl command and every wscd.toml key.
#   3. The completion scripts complete in bash and fish and load in zsh; an unknown shell is exit 2.
#   4. The package passes lintian without errors; apt accepts it; with WSC_TEST_APT_INSTALL=1 (what .ci/run sets)
#      it is installed on this machine with apt-get install ./wsc_*.deb, used and purged.
# Prints one line per check and ends with "test-package: passed, N checks" or exits 1 at the first failure.
set -eu

checks=0
ok() {
    checks=$((checks + 1))
    echo "ok: $*"
}
fail() {
    echo "test-package: FAILED: $*"
    exit 1
}

work=$(mktemp -d /tmp/wsc-package.XXXXXX)
trap 'rm -rf "$work"' EXIT
wscctl=.build/release/wscctl

# 1. make install into a root that has the host's systemd units (sysinit.target etc.) and /bin/kill, which
# systemd-analyze verify needs to load wscd.service; the project's files come from make install alone.
for prefix in /usr /usr/local; do
    root=$work/root$(echo "$prefix" | tr / _)
    mkdir -p "$root/usr/lib/systemd" "$root/bin"
    cp -a /usr/lib/systemd/system "$root/usr/lib/systemd/"
    cp /bin/kill "$root/bin/"
    # Under root's restrictive umask, as `sudo make install` often runs: the modes must not follow it.
    (umask 077 && make --no-print-directory install DESTDIR="$root" PREFIX="$prefix") >"$work/install.log" 2>&1 ||
        fail "make install DESTDIR=$root PREFIX=$prefix: $(tail -5 "$work/install.log")"
    unreadable=$(find "$root$prefix/bin/wscd" "$root$prefix/bin/wscctl" "$root$prefix/share/man" "$root$prefix/share/doc/wsc" \
        "$root$prefix/share/bash-completion" "$root$prefix/share/zsh" "$root$prefix/share/fish" "$root$prefix/lib/systemd/system/wscd.service" \
        "$root/etc/wscd" ! -perm -0444 2>&1 | head -3)
    [ -z "$unreadable" ] || fail "make install under umask 077 left files others cannot read: $unreadable"
    zsh_dir=$([ "$prefix" = /usr ] && echo share/zsh/vendor-completions || echo share/zsh/site-functions)
    for file in bin/wscd bin/wscctl lib/systemd/system/wscd.service lib/systemd/system/wscd.socket \
        lib/sysusers.d/wscd.conf lib/tmpfiles.d/wscd.conf share/man/man1/wscctl.1 share/man/man8/wscd.8 \
        share/man/man5/wscd.toml.5 share/bash-completion/completions/wscctl "$zsh_dir/_wscctl" \
        share/fish/vendor_completions.d/wscctl.fish share/doc/wsc/operations.md share/doc/wsc/protocol.md; do
        [ -s "$root$prefix/$file" ] || fail "make install PREFIX=$prefix did not install $prefix/$file"
    done
    [ -s "$root/etc/wscd/wscd.toml.example" ] || fail "make install did not install /etc/wscd/wscd.toml.example"
    unit=$root$prefix/lib/systemd/system/wscd.service
    grep -qx "ExecStart=$prefix/bin/wscd --config /etc/wscd/wscd.toml" "$unit" ||
        fail "PREFIX=$prefix: wscd.service does not run $prefix/bin/wscd: $(grep ExecStart= "$unit")"
    grep -q "^Documentation=file:$prefix/share/doc/wsc/operations.md" "$unit" ||
        fail "PREFIX=$prefix: wscd.service's Documentation= does not name the installed operations.md"
    ok "make install PREFIX=$prefix: binaries, units, sysusers, tmpfiles, man pages, completions, docs, example config"
    if ! systemd-analyze verify --root="$root" wscd.service wscd.socket >"$work/verify.log" 2>&1; then
        fail "systemd-analyze verify (PREFIX=$prefix): $(cat "$work/verify.log")"
    fi
    ok "systemd-analyze verify --root accepts wscd.service and wscd.socket against $prefix/bin/wscd"
    mv "$root$prefix/bin/wscd" "$work/wscd.moved"
    if systemd-analyze verify --root="$root" wscd.service >/dev/null 2>&1; then
        fail "systemd-analyze verify accepted wscd.service with $prefix/bin/wscd missing: the check proves nothing"
    fi
    mv "$work/wscd.moved" "$root$prefix/bin/wscd"
    ok "systemd-analyze verify refuses wscd.service when $prefix/bin/wscd is missing"
done

# The installed binaries need no toolchain: no RUNPATH into it, and they run with an empty environment.
for binary in "$root/usr/local/bin/wscd" "$root/usr/local/bin/wscctl"; do
    if readelf -d "$binary" | grep -E 'RUNPATH|RPATH' | grep -q '/'; then
        fail "$binary has a RUNPATH with a directory: $(readelf -d "$binary" | grep -E 'RUNPATH|RPATH')"
    fi
    if readelf -d "$binary" | grep NEEDED | grep -q 'libswift'; then
        fail "$binary links the Swift runtime dynamically: $(readelf -d "$binary" | grep libswift | head -3)"
    fi
    env -i "$binary" --version >/dev/null 2>&1 || fail "$binary --version fails with an empty environment"
done
ok "installed wscd and wscctl link the Swift runtime statically and run with an empty environment"

# The rest reads the PREFIX=/usr installation (Debian's layout, as the package has it).
root=$work/root_usr
# 2. Man pages: no warning from man (what lintian runs), every command and key covered.
for page in share/man/man1/wscctl.1 share/man/man8/wscd.8 share/man/man5/wscd.toml.5; do
    warnings=$(LC_ALL=C.UTF-8 MANROFFSEQ='' MANWIDTH=80 man --warnings -E UTF-8 -l -Tutf8 -Z "$root/usr/$page" 2>&1 >/dev/null)
    [ -z "$warnings" ] || fail "man --warnings $page: $warnings"
done
ok "man --warnings: wscctl(1), wscd(8), wscd.toml(5) render without warnings"
"$wscctl" --experimental-dump-help | python3 -c '
import json, sys
page = open(sys.argv[1]).read()
def walk(command, path):
    for sub in command.get("subcommands", []):
        if sub["commandName"] == "help":
            continue
        name = " ".join(path + [sub["commandName"]])
        if ".SS " + name.replace("-", "\\-") + "\n" not in page:
            sys.exit("wscctl.1 has no section for " + name)
        walk(sub, path + [sub["commandName"]])
walk(json.load(sys.stdin)["command"], ["wscctl"])
' "$root/usr/share/man/man1/wscctl.1" || fail "wscctl.1 misses a command"
python3 -c '
import re, sys
page = open(sys.argv[1]).read()
sections = {m.group(1): m.group(2) for m in re.finditer(r"^\.SS \[([a-z_]+)\]\n(.*?)(?=^\.SS |^\.SH |\Z)", page, re.S | re.M)}
table = None
for line in open("config/wscd.toml"):
    t = re.match(r"^\[([a-z_]+)\]\s*$", line)
    k = re.match(r"^#? ?([a-z0-9_]+) = ", line)
    if t:
        table = t.group(1)
        if table not in sections:
            sys.exit("wscd.toml.5 has no section [%s]" % table)
    elif k and table and "\\fB%s\\fR = " % k.group(1).replace("-", "\\-") not in sections[table]:
        sys.exit("wscd.toml.5 does not describe [%s] %s" % (table, k.group(1)))
' "$root/usr/share/man/man5/wscd.toml.5" || fail "wscd.toml.5 misses a key"
ok "wscctl.1 has a section for every command; wscd.toml.5 describes every key of config/wscd.toml"

# 3. Completions, loaded by each shell as installed.
completion=$root/usr/share/bash-completion/completions/wscctl
words=$(bash -c '. /usr/share/bash-completion/bash_completion; . "$1"
    COMP_WORDS=(wscctl ver); COMP_CWORD=1; COMP_LINE="wscctl ver"; COMP_POINT=${#COMP_LINE}
    f=$(complete -p wscctl | sed "s/.*-F \([^ ]*\) .*/\1/"); "$f" wscctl ver wscctl; echo "${COMPREPLY[*]}"' _ "$completion")
[ "$words" = verify ] || fail "bash completion of 'wscctl ver' gave '$words', expected 'verify'"
words=$(bash -c '. /usr/share/bash-completion/bash_completion; . "$1"
    COMP_WORDS=(wscctl bundle ins); COMP_CWORD=2; COMP_LINE="wscctl bundle ins"; COMP_POINT=${#COMP_LINE}
    f=$(complete -p wscctl | sed "s/.*-F \([^ ]*\) .*/\1/"); "$f" wscctl ins bundle; echo "${COMPREPLY[*]}"' _ "$completion")
sorted=$(echo "$words" | tr ' ' '\n' | sort | tr '\n' ' ')
[ "$sorted" = "inspect install " ] || fail "bash completion of 'wscctl bundle ins' gave '$words', expected inspect and install"
ok "bash completes 'wscctl ver' to verify and 'wscctl bundle ins' to inspect, install"
words=$(fish -N -c "source $root/usr/share/fish/vendor_completions.d/wscctl.fish; complete -C 'wscctl ver'" | cut -f1)
[ "$words" = verify ] || fail "fish completion of 'wscctl ver' gave '$words', expected 'verify'"
words=$(fish -N -c "source $root/usr/share/fish/vendor_completions.d/wscctl.fish; complete -C 'wscctl completion '" | cut -f1 | tr '\n' ' ')
[ "$words" = "bash zsh fish " ] || fail "fish completion of 'wscctl completion ' gave '$words'"
ok "fish completes 'wscctl ver' to verify and 'wscctl completion ' to bash zsh fish"
zsh_file=$root/usr/share/zsh/vendor-completions/_wscctl
zsh -n "$zsh_file" || fail "zsh -n $zsh_file: the script does not parse"
head -1 "$zsh_file" | grep -q '^#compdef wscctl' || fail "$zsh_file does not start with #compdef wscctl"
zsh -f -c "fpath=($root/usr/share/zsh/vendor-completions \$fpath); autoload -Uz compinit; compinit -u -D; (( \$+_comps[wscctl] ))" ||
    fail "zsh compinit does not register the wscctl completion from vendor-completions"
ok "zsh parses _wscctl and compinit registers it for wscctl"
status=0
"$wscctl" completion tcsh >/dev/null 2>"$work/err" || status=$?
[ "$status" = 2 ] || fail "wscctl completion tcsh exited $status, expected 2"
grep -q 'unknown shell "tcsh"' "$work/err" || fail "wscctl completion tcsh said: $(cat "$work/err")"
ok "wscctl completion tcsh: exit 2, \"$(cut -c1-60 "$work/err")...\""

# 4. The package.
deb=$(ls .build/package/wsc_*.deb)
lintian --fail-on error "$deb" >"$work/lintian.log" 2>&1 ||
    fail "lintian: $(grep '^E:' "$work/lintian.log" || cat "$work/lintian.log")"
ok "lintian: no errors ($(grep -c '^W:' "$work/lintian.log" || true) warnings: $(grep '^W:' "$work/lintian.log" | awk '{print $3}' | sort -u | tr '\n' ' '))"
contents=$(dpkg-deb -c "$deb")
for file in ./usr/bin/wscd ./usr/bin/wscctl ./usr/lib/systemd/system/wscd.service ./usr/lib/systemd/system/wscd.socket \
    ./usr/lib/sysusers.d/wscd.conf ./usr/lib/tmpfiles.d/wscd.conf ./etc/wscd/wscd.toml.example \
    ./usr/share/man/man1/wscctl.1.gz ./usr/share/man/man8/wscd.8.gz ./usr/share/man/man5/wscd.toml.5.gz \
    ./usr/share/bash-completion/completions/wscctl ./usr/share/zsh/vendor-completions/_wscctl \
    ./usr/share/fish/vendor_completions.d/wscctl.fish ./usr/share/doc/wsc/copyright; do
    echo "$contents" | grep -q " $file\$" || fail "$deb does not contain $file"
done
modes=$(echo "$contents" | awk '{print $1}' | sort -u | tr '\n' ' ')
[ "$modes" = "-rw-r--r-- -rwxr-xr-x drwxr-xr-x " ] || fail "$deb has unexpected modes: $modes"
dpkg-deb -f "$deb" Version | grep -Eq '^[0-9.]+\+git[0-9]{8}\.[0-9]{6}\.[0-9a-f]+$' ||
    fail "$deb's version $(dpkg-deb -f "$deb" Version) does not name the commit (upgrades need a new version per build)"
for script in postinst prerm postrm; do
    dpkg-deb --ctrl-tarfile "$deb" | tar -t | grep -qx "./$script" || fail "$deb has no $script"
done
ok "$deb holds binaries, units, sysusers, tmpfiles, example configuration, man pages, completions, copyright; modes 0644/0755; version $(dpkg-deb -f "$deb" Version); postinst, prerm, postrm"
apt-get install --simulate -qq "./$deb" >"$work/apt.log" 2>&1 || fail "apt-get install --simulate: $(cat "$work/apt.log")"
ok "apt-get install --simulate ./$deb resolves its dependencies: $(dpkg-deb -f "$deb" Depends)"
if [ "${WSC_TEST_APT_INSTALL:-}" = 1 ]; then
    sudo=$([ "$(id -u)" = 0 ] || echo sudo)
    # Never over a wsc this machine already has (installed by hand or by an earlier run that did not finish).
    if dpkg -s wsc >/dev/null 2>&1 || [ -e /usr/bin/wscd ]; then
        fail "wsc is already installed here (dpkg -s wsc, /usr/bin/wscd): remove it (apt-get purge wsc) before the install test"
    fi
    # Whatever fails below, the package does not stay installed (a later run would refuse to start).
    trap '$sudo env DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq wsc >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "./$deb" >"$work/apt.log" 2>&1 ||
        fail "apt-get install ./$deb: $(tail -5 "$work/apt.log")"
    /usr/bin/wscctl --version | grep -q "^wscctl " || fail "the installed wscctl does not run"
    /usr/bin/wscd --version >/dev/null || fail "the installed wscd does not run"
    getent group wsc >/dev/null || fail "the package's postinst did not create the group wsc"
    man -w wscctl >/dev/null 2>&1 || fail "man cannot find the installed wscctl(1)"
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq wsc >"$work/apt.log" 2>&1 ||
        fail "apt-get purge wsc: $(tail -5 "$work/apt.log")"
    [ ! -e /usr/bin/wscd ] || fail "apt-get purge wsc left /usr/bin/wscd"
    ok "apt-get install ./$deb: wscd and wscctl run, group wsc exists, man wscctl found; purged cleanly"
else
    echo "note: apt-get install of the package itself runs with WSC_TEST_APT_INSTALL=1 (as .ci/run sets it)"
fi
echo "test-package: passed, $checks checks"
