#!/bin/sh
# The offline flow, end to end, in a temporary directory: keygen, sign, verify, tamper, verify again.
# (The daemon wscd is not part of this build yet; this shows what wscctl does without it.)
set -eu
WSCCTL=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
DIR=$(mktemp -d "${TMPDIR:-/tmp}/wsc-demo.XXXXXX")
cd "$DIR"
say() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }
run() { say "$*"; "$@"; }

# A small valid module: a type section and a custom section with some text.
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

echo "wsc offline demo in $DIR (wscd, the daemon, is not built yet: this is the offline flow)"
run "$WSCCTL" keygen -k secret.key -K public.key
run ls -l secret.key public.key
run "$WSCCTL" sign -i module.wasm -o signed.wasm -k secret.key -K public.key
run "$WSCCTL" show -i signed.wasm
run "$WSCCTL" verify -i signed.wasm -K public.key
say "flip one byte near the end and verify again (expect exit status 1)"
python3 -c "b=bytearray(open('signed.wasm','rb').read()); b[-3]^=1; open('tampered.wasm','wb').write(b)"
set +e
"$WSCCTL" verify -i tampered.wasm -K public.key
echo "exit status: $?"
set -e
run "$WSCCTL" sign -i module.wasm -o module.wasm.unused -k secret.key -S module.sig
run "$WSCCTL" verify -i module.wasm -S module.sig -K public.key --json
printf '\nFiles are in %s. Try: %s --help\n' "$DIR" "$WSCCTL"
