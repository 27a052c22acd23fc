#!/bin/sh
# make run: a demo node in a temporary directory. Generates a bundle key, a publisher key, a signed trust bundle,
# a signed and a tampered module and a configuration, then runs wscd in the foreground on its own socket.
set -eu
BIN=$(cd "$(dirname "$1")" && pwd)
WSCCTL=$BIN/wscctl
WSCD=$BIN/wscd
# The directory holds secret keys (root.key, acme.key, wscd's signing key): mode 0700, removed on every exit.
umask 077
DIR=$(mktemp -d "${TMPDIR:-/tmp}/wsc-demo.XXXXXX")
chmod 700 "$DIR"
WSCD_PID=
cleanup() {
    # wscd first (SIGTERM: it drains), then the directory with every key in it.
    if [ -n "$WSCD_PID" ]; then
        kill -TERM "$WSCD_PID" 2>/dev/null || true
        wait "$WSCD_PID" 2>/dev/null || true
    fi
    cd /
    rm -rf "$DIR"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP
cd "$DIR"

python3 - <<'PY'
def uleb(n):
    out = bytearray()
    while True:
        b = n & 0x7F; n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n: return bytes(out)
def section(i, payload): return bytes([i]) + uleb(len(payload)) + payload
name = b"demo.text"; text = b"hello from wsc " * 64
module = b"\0asm\x01\0\0\0" + section(1, b"\x01\x60\x00\x00") + section(0, uleb(len(name)) + name + text)
open("module.wasm", "wb").write(module)
PY

"$WSCCTL" keygen --format pem -k root.key -K root.pub >/dev/null
"$WSCCTL" keygen -k acme.key -K acme.pub >/dev/null
"$WSCCTL" bundle create -o bundle.json --bundle-version 1 --valid-days 30 --publisher acme=acme.pub --bundle-key root.pub >/dev/null
"$WSCCTL" bundle sign -i bundle.json -o bundle.json -k root.key >/dev/null
"$WSCCTL" sign -i module.wasm -o signed.wasm -k acme.key
python3 -c "b=bytearray(open('signed.wasm','rb').read()); b[-3]^=1; open('tampered.wasm','wb').write(b)"
"$WSCCTL" bundle create -o bundle-v2.json --bundle-version 2 --valid-days 60 --publisher acme=acme.pub --bundle-key root.pub >/dev/null
"$WSCCTL" bundle sign -i bundle-v2.json -o bundle-v2.json -k root.key >/dev/null

cat > wscd.toml <<TOML
# Demo configuration (see config/wscd.toml in the repository for every key).
[server]
socket = "$DIR/wscd.sock"
socket_mode = "0600"

[state]
directory = "$DIR/state"

[trust]
pinned_keys = ["$DIR/root.pub"]
initial_bundle = "$DIR/bundle.json"

[authorization]
sign_uids = [$(id -u)]
rotate_uids = [$(id -u)]

[signing]
generate_if_missing = true

[log]
format = "text"
TOML

cat <<EOF

wsc demo node in $DIR
wscd runs in the foreground on $DIR/wscd.sock (Ctrl-C drains and stops it, and removes $DIR with its keys).
In another terminal, try:

  export WSCD_SOCKET=$DIR/wscd.sock
  $WSCCTL status
  $WSCCTL verify --daemon -i $DIR/signed.wasm            # valid, signed by acme
  $WSCCTL verify --daemon --fd -i $DIR/signed.wasm       # the same, module passed as a file descriptor
  $WSCCTL verify --daemon -i $DIR/tampered.wasm          # refused (exit status 1)
  $WSCCTL sign --daemon -i $DIR/module.wasm -o $DIR/by-wscd.wasm
  $WSCCTL rotate --bundle $DIR/bundle-v2.json            # trust bundle version 2
  $WSCCTL rotate --bundle $DIR/bundle.json               # rollback: refused
  $WSCCTL rotate --signing-key
  $WSCCTL status --json

EOF
# Not exec: the shell stays to stop wscd and remove the directory on Ctrl-C, SIGTERM, SIGHUP or wscd's exit.
"$WSCD" --config "$DIR/wscd.toml" &
WSCD_PID=$!
wait "$WSCD_PID"
