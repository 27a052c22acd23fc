#!/usr/bin/env python3
"""Generates the certificate and signature fixtures for WSCCryptoTests.

Run from this directory:  python3 make_fixtures.py
Needs the `cryptography` package (>= 43 for deterministic ECDSA). The tests never run this script; they
read the files it writes, which are committed. EC and Ed25519 keys are derived from fixed values and ECDSA
signatures are deterministic (RFC 6979), so those outputs are stable; RSA keys and PSS salts are random,
so re-running changes the RSA files (the tests only rely on their structure and validity dates).

Validity windows (UTC):
  root, unrelated root, Ed25519 root, RSA root: 2024-01-01 .. 2034-01-01
  intermediates:                              2024-01-01 .. 2030-01-01
  leaves:                                     2024-06-01 .. 2029-01-01
  leaf-2025:                                  2025-01-01 .. 2026-01-01 (exclusive of 2026)
A time inside every window: 2025-06-01T00:00:00Z = 1748736000.
"""

import datetime
import hashlib
import json
import os

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

HERE = os.path.dirname(os.path.abspath(__file__))
UTC = datetime.timezone.utc


def day(y, m, d):
    return datetime.datetime(y, m, d, tzinfo=UTC)


def ec_key(label, curve):
    # A fixed private scalar derived from a label: deterministic and far below the group order.
    scalar = int.from_bytes(hashlib.sha256(label.encode()).digest()[:24], "big") | 1
    return ec.derive_private_key(scalar, curve)


def ed_key(label):
    return ed25519.Ed25519PrivateKey.from_private_bytes(hashlib.sha256(label.encode()).digest())


def rsa_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def name(cn, org="wsc test fixtures"):
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, org), x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def hash_for(issuer_key):
    if isinstance(issuer_key, ed25519.Ed25519PrivateKey):
        return None
    if isinstance(issuer_key, ec.EllipticCurvePrivateKey) and issuer_key.curve.name == "secp384r1":
        return hashes.SHA384()
    return hashes.SHA256()


def cert(
    subject,
    key,
    issuer_name,
    issuer_key,
    serial,
    not_before,
    not_after,
    ca,
    path_length=None,
    eku=None,
    san=None,
    extra=(),
):
    pub = key.public_key()
    b = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_name)
        .public_key(pub)
        .serial_number(serial)
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=path_length), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(pub), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False)
    )
    if ca:
        usage = dict(digital_signature=False, key_cert_sign=True, crl_sign=True)
    else:
        usage = dict(digital_signature=True, key_cert_sign=False, crl_sign=False)
    b = b.add_extension(
        x509.KeyUsage(
            content_commitment=False,
            key_encipherment=False,
            data_encipherment=False,
            key_agreement=False,
            encipher_only=False,
            decipher_only=False,
            **usage,
        ),
        critical=True,
    )
    if eku is not None:
        b = b.add_extension(x509.ExtendedKeyUsage(eku), critical=False)
    if san is not None:
        b = b.add_extension(x509.SubjectAlternativeName(san), critical=False)
    for ext in extra:
        b = b.add_extension(ext, critical=False)
    return b.sign(issuer_key, hash_for(issuer_key))


def pem(c):
    return c.public_bytes(serialization.Encoding.PEM).decode()


def write(filename, text):
    with open(os.path.join(HERE, filename), "w") as f:
        f.write(text)


def utf8_string_der(text):
    raw = text.encode()
    assert len(raw) < 128
    return bytes([0x0C, len(raw)]) + raw


def spki_pem(public_key):
    return public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def certificates():
    root_start, root_end = day(2024, 1, 1), day(2034, 1, 1)
    ca_start, ca_end = day(2024, 1, 1), day(2030, 1, 1)
    leaf_start, leaf_end = day(2024, 6, 1), day(2029, 1, 1)
    code_signing = [ExtendedKeyUsageOID.CODE_SIGNING]

    root_key = ec_key("root", ec.SECP384R1())
    root_name = name("wsc Test Root CA")
    root = cert(root_name, root_key, root_name, root_key, 0x1001, root_start, root_end, ca=True)

    inter_key = ec_key("intermediate", ec.SECP256R1())
    inter_name = name("wsc Test Intermediate CA")
    inter = cert(inter_name, inter_key, root_name, root_key, 0x2001, ca_start, ca_end, ca=True, path_length=0)

    leaf_key = ec_key("leaf", ec.SECP256R1())
    issuer_ext = x509.UnrecognizedExtension(
        x509.ObjectIdentifier("1.3.6.1.4.1.57264.1.1"),
        utf8_string_der("https://token.actions.githubusercontent.com"),
    )
    leaf = cert(
        name("wsc Test Leaf"),
        leaf_key,
        inter_name,
        inter_key,
        0x3001,
        leaf_start,
        leaf_end,
        ca=False,
        eku=code_signing,
        san=[
            x509.UniformResourceIdentifier("https://github.com/example/repo/.github/workflows/release.yml@refs/heads/main"),
            x509.RFC822Name("signer@example.com"),
        ],
        extra=[issuer_ext],
    )

    # An intermediate without CA:TRUE, and a leaf it issued: the chain must not validate.
    nonca_key = ec_key("non-ca-intermediate", ec.SECP256R1())
    nonca_name = name("wsc Test Non-CA Intermediate")
    nonca = cert(nonca_name, nonca_key, root_name, root_key, 0x2002, ca_start, ca_end, ca=False)
    nonca_leaf = cert(
        name("wsc Test Leaf Under Non-CA"),
        ec_key("non-ca-leaf", ec.SECP256R1()),
        nonca_name,
        nonca_key,
        0x3002,
        leaf_start,
        leaf_end,
        ca=False,
        eku=code_signing,
    )

    server_leaf = cert(
        name("wsc Test Server Leaf"),
        ec_key("server-leaf", ec.SECP256R1()),
        inter_name,
        inter_key,
        0x3003,
        leaf_start,
        leaf_end,
        ca=False,
        eku=[ExtendedKeyUsageOID.SERVER_AUTH],
        san=[x509.DNSName("server.example.com"), x509.IPAddress(__import__("ipaddress").ip_address("192.0.2.7"))],
    )

    leaf_2025 = cert(
        name("wsc Test Leaf 2025"),
        ec_key("leaf-2025", ec.SECP256R1()),
        inter_name,
        inter_key,
        0x3004,
        day(2025, 1, 1),
        day(2026, 1, 1) - datetime.timedelta(seconds=1),
        ca=False,
        eku=code_signing,
    )

    # Same subject name as the real root, different key: nothing it "issued" is really signed by it.
    unrelated_key = ec_key("unrelated-root", ec.SECP384R1())
    unrelated_name = name("wsc Unrelated Root CA")
    unrelated = cert(unrelated_name, unrelated_key, unrelated_name, unrelated_key, 0x1002, root_start, root_end, ca=True)

    ed_root_key = ed_key("ed25519-root")
    ed_root_name = name("wsc Test Ed25519 Root CA")
    ed_root = cert(ed_root_name, ed_root_key, ed_root_name, ed_root_key, 0x1003, root_start, root_end, ca=True)
    ed_leaf = cert(
        name("wsc Test Ed25519 Leaf"),
        ed_key("ed25519-leaf"),
        ed_root_name,
        ed_root_key,
        0x3005,
        leaf_start,
        leaf_end,
        ca=False,
        eku=code_signing,
    )

    rsa_root_key = rsa_key()
    rsa_root_name = name("wsc Test RSA Root CA")
    rsa_root = cert(rsa_root_name, rsa_root_key, rsa_root_name, rsa_root_key, 0x1004, root_start, root_end, ca=True)
    rsa_inter_key = rsa_key()
    rsa_inter_name = name("wsc Test RSA Intermediate CA")
    rsa_inter = cert(
        rsa_inter_name, rsa_inter_key, rsa_root_name, rsa_root_key, 0x2003, ca_start, ca_end, ca=True, path_length=0
    )
    rsa_leaf = cert(
        name("wsc Test RSA Leaf"),
        rsa_key(),
        rsa_inter_name,
        rsa_inter_key,
        0x3006,
        leaf_start,
        leaf_end,
        ca=False,
        eku=code_signing,
    )

    files = {
        "root.pem": root,
        "intermediate.pem": inter,
        "leaf.pem": leaf,
        "nonca-intermediate.pem": nonca,
        "nonca-leaf.pem": nonca_leaf,
        "server-leaf.pem": server_leaf,
        "leaf-2025.pem": leaf_2025,
        "unrelated-root.pem": unrelated,
        "ed25519-root.pem": ed_root,
        "ed25519-leaf.pem": ed_leaf,
        "rsa-root.pem": rsa_root,
        "rsa-intermediate.pem": rsa_inter,
        "rsa-leaf.pem": rsa_leaf,
    }
    metadata = {}
    for filename, c in files.items():
        write(filename, pem(c))
        metadata[filename] = {
            "sha256Fingerprint": hashlib.sha256(c.public_bytes(serialization.Encoding.DER)).hexdigest(),
            "serialNumberHex": format(c.serial_number, "x"),
            "notValidBefore": int(c.not_valid_before_utc.timestamp()),
            "notValidAfter": int(c.not_valid_after_utc.timestamp()),
        }
    write("certificates.json", json.dumps(metadata, indent=2, sort_keys=True) + "\n")
    # The full chain, leaf first, for parseChain.
    write("chain.pem", pem(leaf) + pem(inter) + pem(root))


def signature_vectors():
    vectors = []

    def add(name, scheme, public_key, message, signature):
        vectors.append(
            {
                "name": name,
                "scheme": scheme,
                "publicKeyPEM": spki_pem(public_key),
                "messageHex": message.hex(),
                "signatureHex": signature.hex(),
            }
        )

    def p1363(der, size):
        r, s = decode_dss_signature(der)
        return r.to_bytes(size, "big") + s.to_bytes(size, "big")

    message = b"wsc signature test vector"

    p256 = ec_key("vector-p256", ec.SECP256R1())
    der = p256.sign(message, ec.ECDSA(hashes.SHA256(), deterministic_signing=True))
    add("ECDSA P-256 SHA-256 DER", "ecdsa-sha256-der", p256.public_key(), message, der)
    add("ECDSA P-256 SHA-256 P1363", "ecdsa-sha256-p1363", p256.public_key(), message, p1363(der, 32))

    p384 = ec_key("vector-p384", ec.SECP384R1())
    der = p384.sign(message, ec.ECDSA(hashes.SHA384(), deterministic_signing=True))
    add("ECDSA P-384 SHA-384 DER", "ecdsa-sha384-der", p384.public_key(), message, der)
    add("ECDSA P-384 SHA-384 P1363", "ecdsa-sha384-p1363", p384.public_key(), message, p1363(der, 48))

    rsa_priv = rsa_key()
    add(
        "RSA-2048 PKCS#1 v1.5 SHA-256",
        "rsa-pkcs1v15-sha256",
        rsa_priv.public_key(),
        message,
        rsa_priv.sign(message, padding.PKCS1v15(), hashes.SHA256()),
    )
    add(
        "RSA-2048 PSS SHA-256 salt=32",
        "rsa-pss-sha256",
        rsa_priv.public_key(),
        message,
        rsa_priv.sign(
            message, padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.DIGEST_LENGTH), hashes.SHA256()
        ),
    )
    add(
        "RSA-2048 PSS SHA-256 salt=max",
        "rsa-pss-sha256",
        rsa_priv.public_key(),
        message,
        rsa_priv.sign(
            message, padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.MAX_LENGTH), hashes.SHA256()
        ),
    )

    # RFC 8032 section 7.1, test 1.
    rfc = ed25519.Ed25519PrivateKey.from_private_bytes(
        bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
    )
    assert rfc.public_key().public_bytes_raw().hex() == (
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
    )
    rfc_signature = rfc.sign(b"")
    assert rfc_signature.hex() == (
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
    )
    add("Ed25519 RFC 8032 test 1", "ed25519", rfc.public_key(), b"", rfc_signature)

    ed = ed_key("vector-ed25519")
    add("Ed25519 message", "ed25519", ed.public_key(), message, ed.sign(message))

    write("signature_vectors.json", json.dumps(vectors, indent=2) + "\n")


if __name__ == "__main__":
    certificates()
    signature_vectors()
