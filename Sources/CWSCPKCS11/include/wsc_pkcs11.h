// A PKCS#11 signer: loads a module (dlopen), opens a session on a token, logs in, finds one private key and
// signs with it inside the token (CKM_EDDSA for Ed25519, CKM_ECDSA over a caller-computed digest for P-256).
// The private key never leaves the token. Plain C types only; pkcs11.h stays inside pkcs11.c.
#pragma once
#include <stddef.h>

typedef struct wsc_p11_key wsc_p11_key;

/// Key types the signer accepts.
enum { WSC_P11_ED25519 = 1, WSC_P11_P256 = 2 };

/// Where a failure happened (the Swift side turns it into a message).
enum {
    WSC_P11_OK = 0,
    WSC_P11_MODULE = 1,       // dlopen or C_GetFunctionList failed
    WSC_P11_INIT = 2,         // C_Initialize failed
    WSC_P11_NO_TOKEN = 3,     // no token matches
    WSC_P11_SESSION = 4,      // C_OpenSession failed
    WSC_P11_LOGIN = 5,        // C_Login failed (rv says why)
    WSC_P11_NO_KEY = 6,       // no private key matches
    WSC_P11_AMBIGUOUS = 7,    // more than one private key matches
    WSC_P11_KEY_TYPE = 8,     // the key is neither Ed25519 nor P-256
    WSC_P11_PUBLIC = 9,       // no public key object beside the private key
    WSC_P11_SIGN = 10,        // C_SignInit or C_Sign failed
};

typedef struct {
    int stage;
    unsigned long rv;   // the CK_RV, when a PKCS#11 call failed
    char detail[256];   // dlerror() text for WSC_P11_MODULE
} wsc_p11_status;

/// Opens the key. `token_label`, `token_serial`, `object_label` may be NULL; `id` may be NULL (id_len 0);
/// `pin` may be NULL (no login). The PIN is not kept. Returns NULL with `status` filled on failure.
wsc_p11_key *wsc_p11_open(const char *module_path, const char *token_label, const char *token_serial,
                          const char *object_label, const unsigned char *id, size_t id_len,
                          const unsigned char *pin, size_t pin_len, wsc_p11_status *status);

/// WSC_P11_ED25519 or WSC_P11_P256.
int wsc_p11_key_type(const wsc_p11_key *key);

/// The public key: 32 bytes (Ed25519) or the 65-byte uncompressed point (P-256). Returns its length.
size_t wsc_p11_public_key(const wsc_p11_key *key, unsigned char *out, size_t capacity);

/// Signs `data` (the message for Ed25519, the SHA-256 digest for P-256) into `signature` (capacity in
/// `*signature_length`, the length on return: 64 bytes, r||s for P-256). Serialised per key. Returns 0 or -1.
int wsc_p11_sign(wsc_p11_key *key, const unsigned char *data, size_t data_length, unsigned char *signature,
                 size_t *signature_length, wsc_p11_status *status);

/// Closes the session (the module stays loaded and initialised for the life of the process).
void wsc_p11_close(wsc_p11_key *key);
