#!/usr/bin/env python3
"""Certificates on which a direct-issue check that skipped one of X509_verify_cert's checks would accept what
OpenSSL refuses (DeferredKeyCertificateTests). Writes direct-issue/*.pem; valid around 2025-06-01T00:00:00Z.

Run from anywhere with python3 and the `cryptography` package (.build/pyenv has it). Keys are derived from labels;
ECDSA signatures are randomized, so a new run rewrites the signatures but not what each file tests. Found by a
review of the check, each reproduced against `openssl verify -partial_chain`.
"""
import base64
import datetime
import hashlib
import os
import textwrap

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "direct-issue")
START = datetime.datetime(2025, 5, 31, tzinfo=datetime.timezone.utc)


def key(label):
    scalar = int.from_bytes(hashlib.sha256(label.encode()).digest()[:24], "big") | 1
    return ec.derive_private_key(scalar, ec.SECP256R1())


def name(cn):
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "wsc direct-issue"), x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def cert(subject, issuer, public_key, signing_key, extensions, days=30, serial=1):
    builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(public_key)
               .serial_number(serial).not_valid_before(START).not_valid_after(START + datetime.timedelta(days=days)))
    for extension, critical in extensions:
        builder = builder.add_extension(extension, critical=critical)
    return builder.sign(signing_key, hashes.SHA256())


def der(certificate):
    return certificate.public_bytes(serialization.Encoding.DER)


def write(filename, der_bytes):
    text = "\n".join(textwrap.wrap(base64.b64encode(der_bytes).decode(), 64))
    with open(os.path.join(OUT, filename), "w") as f:
        f.write("-----BEGIN CERTIFICATE-----\n" + text + "\n-----END CERTIFICATE-----\n")


def key_usage(digital_signature=False, cert_sign=False):
    return x509.KeyUsage(digital_signature, False, False, False, False, cert_sign, cert_sign, False, False)


# DER surgery for encodings `cryptography` will not write: a validity time in another form, re-signed.
def tlv(b, i):
    length, header = b[i + 1], 2
    if length & 0x80:
        n = length & 0x7F
        length, header = int.from_bytes(b[i + 2:i + 2 + n], "big"), 2 + n
    return i, i + header, i + header + length


def children(b, start, end):
    out, i = [], start
    while i < end:
        element = tlv(b, i)
        out.append(element)
        i = element[2]
    return out


def wrap(tag, content):
    n = len(content)
    length = bytes([n]) if n < 0x80 else bytes([0x80 | ((n.bit_length() + 7) // 8)]) + n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([tag]) + length + content


def with_not_before(certificate_der, signing_key, not_before):
    top = tlv(certificate_der, 0)
    tbs, algorithm, _ = children(certificate_der, top[1], top[2])
    fields = children(certificate_der, tbs[1], tbs[2])
    index = 4 if certificate_der[fields[0][0]] == 0xA0 else 3
    times = children(certificate_der, fields[index][1], fields[index][2])
    validity = wrap(0x30, not_before + certificate_der[times[1][0]:times[1][2]])
    content = b"".join(validity if k == index else certificate_der[f[0]:f[2]] for k, f in enumerate(fields))
    new_tbs = wrap(0x30, content)
    signature = signing_key.sign(new_tbs, ec.ECDSA(hashes.SHA256()))
    return wrap(0x30, new_tbs + certificate_der[algorithm[0]:algorithm[2]] + wrap(0x03, b"\x00" + signature))


def main():
    os.makedirs(OUT, exist_ok=True)
    ca_key, leaf_key, other_key = key("direct-ca"), key("direct-leaf"), key("direct-other")
    ca_extensions = [(x509.BasicConstraints(ca=True, path_length=None), True), (key_usage(cert_sign=True), True)]
    leaf_extensions = [(key_usage(digital_signature=True), True),
                       (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CODE_SIGNING]), False)]
    leaf_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "direct leaf")])
    ca = cert(name("CA"), name("CA"), ca_key.public_key(), ca_key, ca_extensions, days=3650)
    leaf = cert(leaf_name, name("CA"), leaf_key.public_key(), ca_key, leaf_extensions, serial=2)
    write("ca.pem", der(ca))
    write("leaf.pem", der(leaf))
    # The anchor carries an unknown critical extension: OpenSSL checks the anchor's extensions too (error 34).
    write("ca-critical.pem", der(cert(name("CA"), name("CA"), ca_key.public_key(), ca_key, ca_extensions + [
        (x509.UnrecognizedExtension(ObjectIdentifier("1.2.3.4"), b"\x05\x00"), True)], days=3650, serial=3)))
    # The anchor is a proxy certificate (proxyCertInfo; keyUsage keyCertSign, no basicConstraints): error 40.
    proxy_info = bytes.fromhex("300c300a06082b06010505071501")
    write("ca-proxy.pem", der(cert(name("CA"), name("CA"), ca_key.public_key(), ca_key, [
        (key_usage(cert_sign=True), True),
        (x509.UnrecognizedExtension(ObjectIdentifier("1.3.6.1.5.5.7.1.14"), proxy_info), False)], days=3650, serial=4)))
    # RFC 3779 resources on the leaf that the anchor does not hold: error 46.
    ip_blocks = bytes.fromhex("300c300a04020001300403 02000a".replace(" ", ""))
    write("leaf-ip.pem", der(cert(leaf_name, name("CA"), leaf_key.public_key(), ca_key, leaf_extensions + [
        (x509.UnrecognizedExtension(ObjectIdentifier("1.3.6.1.5.5.7.1.7"), ip_blocks), False)], serial=5)))
    as_ids = bytes.fromhex("3008a0063004020200fd")
    write("leaf-as.pem", der(cert(leaf_name, name("CA"), leaf_key.public_key(), ca_key, leaf_extensions + [
        (x509.UnrecognizedExtension(ObjectIdentifier("1.3.6.1.5.5.7.1.8"), as_ids), False)], serial=6)))
    # A second anchor with the same name that may not sign certificates (no key identifiers): OpenSSL takes the
    # first candidate by name and refuses it (error 32) rather than trying the next.
    no_sign = cert(name("CA"), name("CA"), other_key.public_key(), other_key, [
        (x509.BasicConstraints(ca=True, path_length=None), True), (key_usage(digital_signature=True), True)],
        days=3650, serial=7)
    write("ca-nosign.pem", der(no_sign))
    # Validity times OpenSSL's X509_cmp_time refuses though ASN1_TIME_to_tm reads them: error 13 (leaf) and the
    # anchor's own form error.
    write("leaf-fractional.pem", with_not_before(der(leaf), ca_key, wrap(0x18, b"20250530000000.5Z")))
    write("ca-offset.pem", with_not_before(der(ca), ca_key, wrap(0x17, b"250530000000+0000")))


if __name__ == "__main__":
    main()
