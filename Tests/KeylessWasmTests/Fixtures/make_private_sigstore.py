#!/usr/bin/env python3
"""Builds a private Sigstore instance and keyless-signed WebAssembly fixtures for the KeylessWasm tests.

Everything is deterministic: fixed private scalars, fixed dates, deterministic ECDSA (RFC 6979) where the
installed `cryptography` supports it. Run from anywhere; writes next to this script:

  trusted_root.json        CA (P-384 root + P-384 intermediate), Rekor v1 log (P-256), CT log (P-256)
  trust_config.json        the same root as a sigstore-python client trust config (--trust-config)
  module.wasm              a small core module (type, function, export, code, two custom sections)
  module.wasm.sigstore.json          detached keyless bundle (v0.3, hashedrekord 0.0.1) over module.wasm
  module.keyless.wasm      module.wasm with that bundle embedded as the last section, `sigstore.bundle`
  module-wasmsig.wasm      module.wasm signed first with wasmsig (Ed25519, seed below)
  module-wasmsig.wasm.sigstore.json  keyless bundle over module-wasmsig.wasm (wasmsig, then keyless)
  wasmsig.pub              the wasmsig public key (wasmsign2 raw form: 0x01 || pk)

The leaf certificate is Fulcio-shaped: empty subject, critical SAN URI, KeyUsage digitalSignature, EKU
codeSigning, OIDC issuer in 1.3.6.1.4.1.57264.1.1 (raw) and .1.8 (DER UTF8String), one embedded SCT.
Requires python3 with `cryptography` (>= 42).
"""
import base64
import datetime
import hashlib
import json
import os
import struct

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

OUT = os.path.dirname(os.path.abspath(__file__))

IDENTITY = "https://github.com/wsc-test/app/.github/workflows/release.yml@refs/heads/main"
ISSUER = "https://token.actions.githubusercontent.com"
REKOR_URL = "https://rekor.wsc.test"
CT_URL = "https://ctfe.wsc.test/test"
CA_URL = "https://fulcio.wsc.test"
KEYLESS_SECTION = "sigstore.bundle"
WASMSIG_SEED = bytes(range(1, 33))

UTC = datetime.timezone.utc
CA_START = datetime.datetime(2024, 1, 1, tzinfo=UTC)
CA_END = datetime.datetime(2035, 1, 1, tzinfo=UTC)
LEAF_START = datetime.datetime(2025, 1, 15, 12, 0, 0, tzinfo=UTC)
LEAF_END = LEAF_START + datetime.timedelta(minutes=10)
INTEGRATED = [int(LEAF_START.timestamp()) + 60, int(LEAF_START.timestamp()) + 90]


def key(curve, scalar):
    return ec.derive_private_key(scalar, curve)


ROOT_KEY = key(ec.SECP384R1(), 0x5EED0001 << 200 | 1)
INTER_KEY = key(ec.SECP384R1(), 0x5EED0002 << 200 | 2)
LEAF_KEY = key(ec.SECP256R1(), 0x5EED0003 << 150 | 3)
REKOR_KEY = key(ec.SECP256R1(), 0x5EED0004 << 150 | 4)
CT_KEY = key(ec.SECP256R1(), 0x5EED0005 << 150 | 5)


def ecdsa(alg):
    try:
        return ec.ECDSA(alg, deterministic_signing=True)
    except TypeError:
        return ec.ECDSA(alg)


def sign(private_key, data, alg=hashes.SHA256()):
    return private_key.sign(data, ecdsa(alg))


def build(builder, private_key, alg):
    try:
        return builder.sign(private_key, alg, ecdsa_deterministic=True)
    except TypeError:
        return builder.sign(private_key, alg)


def spki(private_key):
    return private_key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def b64(data):
    return base64.b64encode(data).decode()


def der_length(n):
    if n < 0x80:
        return bytes([n])
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(raw)]) + raw


def rfc3339(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


# ---------------------------------------------------------------- CA


def ca_cert(subject_key, issuer_key, cn, issuer_cn, serial, path_length):
    subject = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "wsc-test"),
                         x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    issuer = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "wsc-test"),
                        x509.NameAttribute(NameOID.COMMON_NAME, issuer_cn)])
    builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer)
               .public_key(subject_key.public_key()).serial_number(serial)
               .not_valid_before(CA_START).not_valid_after(CA_END)
               .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), True)
               .add_extension(x509.BasicConstraints(ca=True, path_length=path_length), True)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(subject_key.public_key()), False)
               .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), False))
    if subject_key is not issuer_key:
        builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CODE_SIGNING]), False)
    return build(builder, issuer_key, hashes.SHA384())


ROOT = ca_cert(ROOT_KEY, ROOT_KEY, "wsc-test-root", "wsc-test-root", 0x1001, 1)
INTER = ca_cert(INTER_KEY, ROOT_KEY, "wsc-test-intermediate", "wsc-test-root", 0x1002, 0)


# ---------------------------------------------------------------- leaf with an embedded SCT


def leaf_builder():
    return (x509.CertificateBuilder().subject_name(x509.Name([])).issuer_name(INTER.subject)
            .public_key(LEAF_KEY.public_key()).serial_number(0x2A2A2A2A0001)
            .not_valid_before(LEAF_START).not_valid_after(LEAF_END)
            .add_extension(x509.KeyUsage(True, False, False, False, False, False, False, False, False), True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CODE_SIGNING]), False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(LEAF_KEY.public_key()), False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(INTER_KEY.public_key()), False)
            .add_extension(x509.SubjectAlternativeName([x509.UniformResourceIdentifier(IDENTITY)]), True)
            .add_extension(x509.UnrecognizedExtension(
                x509.ObjectIdentifier("1.3.6.1.4.1.57264.1.1"), ISSUER.encode()), False)
            .add_extension(x509.UnrecognizedExtension(
                x509.ObjectIdentifier("1.3.6.1.4.1.57264.1.8"),
                b"\x0c" + der_length(len(ISSUER)) + ISSUER.encode()), False))


def make_leaf():
    precert_tbs = build(leaf_builder(), INTER_KEY, hashes.SHA384()).tbs_certificate_bytes
    timestamp_ms = int(LEAF_START.timestamp()) * 1000 + 500
    issuer_key_hash = hashlib.sha256(spki(INTER_KEY)).digest()
    signed = (b"\x00\x00" + struct.pack(">Q", timestamp_ms) + b"\x00\x01" + issuer_key_hash
              + len(precert_tbs).to_bytes(3, "big") + precert_tbs + b"\x00\x00")
    signature = sign(CT_KEY, signed)
    ct_log_id = hashlib.sha256(spki(CT_KEY)).digest()
    sct = (b"\x00" + ct_log_id + struct.pack(">Q", timestamp_ms) + b"\x00\x00" + b"\x04\x03"
           + struct.pack(">H", len(signature)) + signature)
    sct_list = struct.pack(">H", len(sct) + 2) + struct.pack(">H", len(sct)) + sct
    value = b"\x04" + der_length(len(sct_list)) + sct_list
    builder = leaf_builder().add_extension(
        x509.UnrecognizedExtension(x509.ObjectIdentifier("1.3.6.1.4.1.11129.2.4.2"), value), False)
    leaf = build(builder, INTER_KEY, hashes.SHA384())
    assert leaf.tbs_precertificate_bytes == precert_tbs, "the precertificate TBS does not match"
    return leaf


LEAF = make_leaf()
LEAF_PEM = LEAF.public_bytes(serialization.Encoding.PEM)


# ---------------------------------------------------------------- wasm


def uleb(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def section(sid, payload):
    return bytes([sid]) + uleb(len(payload)) + payload


def custom(name, data):
    raw = name.encode()
    return section(0, uleb(len(raw)) + raw + data)


PREAMBLE = b"\x00asm\x01\x00\x00\x00"
BODY = (section(1, b"\x01\x60\x00\x01\x7f")                       # type: () -> i32
        + section(3, b"\x01\x00")                                  # function 0 has type 0
        + section(7, b"\x01\x06answer\x00\x00")                    # export "answer" = func 0
        + custom("producers", b"\x01\x0cprocessed-by\x01\x03wsc\x050.1.0")
        + section(10, b"\x01\x04\x00\x41\x2a\x0b")                 # code: i32.const 42; end
        + custom("wsc.note", b"keyless fixture"))
MODULE = PREAMBLE + BODY


def wasmsig_signed(module):
    body = module[8:]
    digest = hashlib.sha256(body).digest()
    sk = ed25519.Ed25519PrivateKey.from_private_bytes(WASMSIG_SEED)
    sig = sk.sign(b"wasmsig" + bytes([1, 1, 1]) + digest)

    def sl(x):
        return uleb(len(x)) + x

    signature = uleb(0) + b"\x01" + sl(sig)
    signed_hashes = uleb(1) + digest + uleb(1) + sl(signature)
    data = uleb(1) + uleb(1) + uleb(1) + uleb(1) + sl(signed_hashes)
    pk = sk.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return module[:8] + custom("signature", data) + body, b"\x01" + pk


# ---------------------------------------------------------------- Rekor


def canonical(obj):
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def leaf_hash(data):
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()


def mth(leaves):
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return node_hash(mth(leaves[:k]), mth(leaves[k:]))


def path(index, leaves):
    """RFC 6962 audit path, leaf to root."""
    if len(leaves) == 1:
        return []
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    if index < k:
        return path(index, leaves[:k]) + [mth(leaves[k:])]
    return path(index - k, leaves[k:]) + [mth(leaves[:k])]


REKOR_LOG_ID = hashlib.sha256(spki(REKOR_KEY)).digest()
TREE_SIZE = 13
ENTRY_INDEXES = [9, 11]


def hashedrekord(artifact):
    digest = hashlib.sha256(artifact).digest()
    signature = sign(LEAF_KEY, artifact)
    body = canonical({
        "apiVersion": "0.0.1", "kind": "hashedrekord",
        "spec": {"data": {"hash": {"algorithm": "sha256", "value": digest.hex()}},
                 "signature": {"content": b64(signature), "publicKey": {"content": b64(LEAF_PEM)}}}})
    return digest, signature, body


def make_bundles(artifacts):
    signed = [hashedrekord(a) for a in artifacts]
    leaves = [leaf_hash(b"wsc-test filler entry %d" % i) for i in range(TREE_SIZE)]
    for index, (_, _, body) in zip(ENTRY_INDEXES, signed):
        leaves[index] = leaf_hash(body)
    root = mth(leaves)
    note = f"rekor.wsc.test - 4242424242\n{TREE_SIZE}\n{b64(root)}\n".encode()
    note_sig = sign(REKOR_KEY, note)
    envelope = note.decode() + "\n\u2014 rekor.wsc.test " + b64(REKOR_LOG_ID[:4] + note_sig) + "\n"
    bundles = []
    for index, time, (digest, signature, body) in zip(ENTRY_INDEXES, INTEGRATED, signed):
        set_payload = canonical({"body": b64(body), "integratedTime": time,
                                 "logID": REKOR_LOG_ID.hex(), "logIndex": index})
        bundles.append({
            "mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json",
            "verificationMaterial": {
                "certificate": {"rawBytes": b64(LEAF.public_bytes(serialization.Encoding.DER))},
                "tlogEntries": [{
                    "logIndex": str(index),
                    "logId": {"keyId": b64(REKOR_LOG_ID)},
                    "kindVersion": {"kind": "hashedrekord", "version": "0.0.1"},
                    "integratedTime": str(time),
                    "inclusionPromise": {"signedEntryTimestamp": b64(sign(REKOR_KEY, set_payload))},
                    "inclusionProof": {
                        "logIndex": str(index), "rootHash": b64(root), "treeSize": str(TREE_SIZE),
                        "hashes": [b64(h) for h in path(index, leaves)],
                        "checkpoint": {"envelope": envelope}},
                    "canonicalizedBody": b64(body)}]},
            "messageSignature": {
                "messageDigest": {"algorithm": "SHA2_256", "digest": b64(digest)},
                "signature": b64(signature)}})
    return bundles


# ---------------------------------------------------------------- trusted root


def trusted_root():
    start = {"start": rfc3339(CA_START)}
    return {
        "mediaType": "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
        "tlogs": [{"baseUrl": REKOR_URL, "hashAlgorithm": "SHA2_256",
                   "publicKey": {"rawBytes": b64(spki(REKOR_KEY)), "keyDetails": "PKIX_ECDSA_P256_SHA_256",
                                 "validFor": start},
                   "logId": {"keyId": b64(REKOR_LOG_ID)}}],
        "certificateAuthorities": [{
            "subject": {"organization": "wsc-test", "commonName": "wsc-test-intermediate"},
            "uri": CA_URL,
            "certChain": {"certificates": [
                {"rawBytes": b64(c.public_bytes(serialization.Encoding.DER))} for c in (INTER, ROOT)]},
            "validFor": start}],
        "ctlogs": [{"baseUrl": CT_URL, "hashAlgorithm": "SHA2_256",
                    "publicKey": {"rawBytes": b64(spki(CT_KEY)), "keyDetails": "PKIX_ECDSA_P256_SHA_256",
                                  "validFor": start},
                    "logId": {"keyId": b64(hashlib.sha256(spki(CT_KEY)).digest())}}],
        "timestampAuthorities": []}


def trust_config(root):
    start = {"start": rfc3339(CA_START)}
    return {
        "mediaType": "application/vnd.dev.sigstore.clienttrustconfig.v0.1+json",
        "trustedRoot": root,
        "signingConfig": {
            "mediaType": "application/vnd.dev.sigstore.signingconfig.v0.2+json",
            "caUrls": [{"url": CA_URL, "majorApiVersion": 1, "validFor": start, "operator": "wsc-test"}],
            "oidcUrls": [{"url": "https://oauth2.wsc.test", "majorApiVersion": 1, "validFor": start,
                          "operator": "wsc-test"}],
            "rekorTlogUrls": [{"url": REKOR_URL, "majorApiVersion": 1, "validFor": start, "operator": "wsc-test"}],
            "rekorTlogConfig": {"selector": "ANY"},
            "tsaUrls": [],
            "tsaConfig": {"selector": "ANY"}}}


def write(name, data):
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)


def main():
    wasmsig_module, wasmsig_pub = wasmsig_signed(MODULE)
    plain_bundle, wasmsig_bundle = make_bundles([MODULE, wasmsig_module])
    plain_json = json.dumps(plain_bundle, indent=2).encode() + b"\n"
    root = trusted_root()
    write("trusted_root.json", json.dumps(root, indent=2).encode() + b"\n")
    write("trust_config.json", json.dumps(trust_config(root), indent=2).encode() + b"\n")
    write("module.wasm", MODULE)
    write("module.wasm.sigstore.json", plain_json)
    write("module.keyless.wasm", MODULE + custom(KEYLESS_SECTION, plain_json))
    write("module-wasmsig.wasm", wasmsig_module)
    write("module-wasmsig.wasm.sigstore.json", json.dumps(wasmsig_bundle, indent=2).encode() + b"\n")
    write("wasmsig.pub", wasmsig_pub)


if __name__ == "__main__":
    main()
