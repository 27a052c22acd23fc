// Glue for the OpenSSL APIs that Swift cannot import directly (function-like macros).
#pragma once
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/objects.h>
#include <openssl/params.h>
#include <openssl/pem.h>
#include <openssl/provider.h>
#include <openssl/store.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

// OPENSSL_free is a macro over CRYPTO_free with file/line arguments.
static inline void wsc_OPENSSL_free(void *p) { OPENSSL_free(p); }

// sk_X509_* are macros over OPENSSL_sk_* with type-checking inline functions.
static inline STACK_OF(X509) *wsc_sk_X509_new_null(void) { return sk_X509_new_null(); }
static inline int wsc_sk_X509_push(STACK_OF(X509) *sk, X509 *x) { return sk_X509_push(sk, x); }
static inline int wsc_sk_X509_num(const STACK_OF(X509) *sk) { return sk_X509_num(sk); }
static inline X509 *wsc_sk_X509_value(const STACK_OF(X509) *sk, int i) { return sk_X509_value(sk, i); }
static inline void wsc_sk_X509_free(STACK_OF(X509) *sk) { sk_X509_free(sk); }
static inline void wsc_sk_X509_pop_free(STACK_OF(X509) *sk) { sk_X509_pop_free(sk, X509_free); }

// GENERAL_NAME stacks (subject alternative names).
static inline int wsc_sk_GENERAL_NAME_num(const STACK_OF(GENERAL_NAME) *sk) { return sk_GENERAL_NAME_num(sk); }
static inline GENERAL_NAME *wsc_sk_GENERAL_NAME_value(const STACK_OF(GENERAL_NAME) *sk, int i) {
    return sk_GENERAL_NAME_value(sk, i);
}
static inline void wsc_GENERAL_NAMES_free(STACK_OF(GENERAL_NAME) *sk) { GENERAL_NAMES_free(sk); }

// ASN1_OBJECT stacks (extended key usage).
static inline int wsc_sk_ASN1_OBJECT_num(const STACK_OF(ASN1_OBJECT) *sk) { return sk_ASN1_OBJECT_num(sk); }
static inline ASN1_OBJECT *wsc_sk_ASN1_OBJECT_value(const STACK_OF(ASN1_OBJECT) *sk, int i) {
    return sk_ASN1_OBJECT_value(sk, i);
}
static inline void wsc_EXTENDED_KEY_USAGE_free(EXTENDED_KEY_USAGE *eku) { EXTENDED_KEY_USAGE_free(eku); }

static inline long wsc_BIO_get_mem_data(BIO *b, char **pp) { return BIO_get_mem_data(b, pp); }

// GENERAL_NAME field access without touching the union from Swift.
static inline int wsc_GENERAL_NAME_type(const GENERAL_NAME *n) { return n->type; }
static inline const ASN1_STRING *wsc_GENERAL_NAME_ia5(const GENERAL_NAME *n) {
    switch (n->type) {
    case GEN_EMAIL: return n->d.rfc822Name;
    case GEN_DNS: return n->d.dNSName;
    case GEN_URI: return n->d.uniformResourceIdentifier;
    case GEN_IPADD: return n->d.iPAddress;
    default: return NULL;
    }
}

// EVP_PKEY_Q_keygen is variadic.
static inline EVP_PKEY *wsc_keygen_ed25519(const char *name) { return EVP_PKEY_Q_keygen(NULL, NULL, name); }
static inline EVP_PKEY *wsc_keygen_p256(void) { return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256"); }

// EVP_PKEY_PUBLIC_KEY is an expression macro.
static inline int wsc_EVP_PKEY_PUBLIC_KEY(void) { return EVP_PKEY_PUBLIC_KEY; }

// XN_FLAG_RFC2253 is a compound macro; without ASN1_STRFLGS_ESC_MSB so UTF-8 names stay readable.
static inline unsigned long wsc_XN_FLAG_RFC2253_UTF8(void) { return XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB; }

// BASIC_CONSTRAINTS fields, read in C so Swift does not depend on the struct layout.
static inline int wsc_BASIC_CONSTRAINTS_is_ca(const BASIC_CONSTRAINTS *bc) { return bc->ca ? 1 : 0; }
static inline const ASN1_INTEGER *wsc_BASIC_CONSTRAINTS_pathlen(const BASIC_CONSTRAINTS *bc) { return bc->pathlen; }

// RFC 3161 time-stamp responses (Sigstore TSA verification).
#include <openssl/ts.h>
static inline int wsc_TS_VFY_SIGNATURE(void) { return TS_VFY_SIGNATURE; }

#include <openssl/hmac.h>
// One-shot HMAC-SHA-256 (a wrapper so Swift's `HMAC` type does not shadow it).
static inline unsigned char *wsc_hmac_sha256(const void *key, int key_len, const unsigned char *data, size_t data_len,
                                             unsigned char *out, unsigned int *out_len) {
    return HMAC(EVP_sha256(), key, key_len, data, data_len, out, out_len);
}

// A certificate parsed against a library context: ASN1_ITEM_rptr is a macro. Used with a context that has no
// providers, so the public key is left undecoded (OpenSSL decodes it opportunistically and keeps going).
static inline X509 *wsc_d2i_X509_ex(const unsigned char **in, long length, OSSL_LIB_CTX *libctx) {
    return (X509 *)ASN1_item_d2i_ex(NULL, in, length, ASN1_ITEM_rptr(X509), libctx, NULL);
}
