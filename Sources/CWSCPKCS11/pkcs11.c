#include "wsc_pkcs11.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <p11-kit-1/p11-kit/pkcs11.h>

struct wsc_p11_key {
    CK_FUNCTION_LIST_PTR f;
    CK_SESSION_HANDLE session;
    CK_OBJECT_HANDLE object;
    int type;
    unsigned char public_key[65];
    size_t public_length;
    pthread_mutex_t lock;
};

// Modules are loaded and initialised once per process and never unloaded: sessions of other keys may use them.
struct module {
    char *path;
    CK_FUNCTION_LIST_PTR f;
};
static struct module modules[8];
static int module_count;
static pthread_mutex_t modules_lock = PTHREAD_MUTEX_INITIALIZER;

static void fail(wsc_p11_status *s, int stage, CK_RV rv) {
    if (!s) return;
    s->stage = stage;
    s->rv = rv;
}

static CK_FUNCTION_LIST_PTR module_functions(const char *path, wsc_p11_status *status) {
    CK_FUNCTION_LIST_PTR result = NULL;
    pthread_mutex_lock(&modules_lock);
    for (int i = 0; i < module_count; i++) {
        if (strcmp(modules[i].path, path) == 0) {
            result = modules[i].f;
            goto out;
        }
    }
    if (module_count == (int)(sizeof modules / sizeof modules[0])) {
        fail(status, WSC_P11_MODULE, 0);
        snprintf(status->detail, sizeof status->detail, "too many PKCS#11 modules in one process");
        goto out;
    }
    void *handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
        fail(status, WSC_P11_MODULE, 0);
        const char *e = dlerror();
        snprintf(status->detail, sizeof status->detail, "%s", e ? e : "dlopen failed");
        goto out;
    }
    CK_C_GetFunctionList get = (CK_C_GetFunctionList)dlsym(handle, "C_GetFunctionList");
    CK_FUNCTION_LIST_PTR f = NULL;
    if (!get || get(&f) != CKR_OK || !f) {
        fail(status, WSC_P11_MODULE, 0);
        snprintf(status->detail, sizeof status->detail, "%s has no C_GetFunctionList: not a PKCS#11 module", path);
        dlclose(handle);
        goto out;
    }
    CK_C_INITIALIZE_ARGS args;
    memset(&args, 0, sizeof args);
    args.flags = CKF_OS_LOCKING_OK;
    CK_RV rv = f->C_Initialize(&args);
    if (rv != CKR_OK && rv != CKR_CRYPTOKI_ALREADY_INITIALIZED) {
        fail(status, WSC_P11_INIT, rv);
        goto out;  // the module stays mapped: a failed C_Initialize may leave threads behind
    }
    modules[module_count].path = strdup(path);
    modules[module_count].f = f;
    module_count++;
    result = f;
out:
    pthread_mutex_unlock(&modules_lock);
    return result;
}

static int padded_equals(const CK_UTF8CHAR *field, size_t field_length, const char *value) {
    size_t n = strlen(value);
    if (n > field_length) return 0;
    if (memcmp(field, value, n) != 0) return 0;
    for (size_t i = n; i < field_length; i++)
        if (field[i] != ' ' && field[i] != 0) return 0;
    return 1;
}

static const unsigned char oid_p256[] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
static const unsigned char oid_ed25519[] = {0x06, 0x03, 0x2b, 0x65, 0x70};
static const unsigned char name_ed25519[] = {0x13, 0x0c, 'e', 'd', 'w', 'a', 'r', 'd', 's', '2', '5', '5', '1', '9'};

// Reads an attribute into a malloc'd buffer; returns its length or -1.
static long attribute(CK_FUNCTION_LIST_PTR f, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE t,
                      unsigned char **out) {
    CK_ATTRIBUTE a = {t, NULL, 0};
    if (f->C_GetAttributeValue(s, o, &a, 1) != CKR_OK || a.ulValueLen == (CK_ULONG)-1) return -1;
    *out = malloc(a.ulValueLen ? a.ulValueLen : 1);
    if (!*out) return -1;
    a.pValue = *out;
    if (f->C_GetAttributeValue(s, o, &a, 1) != CKR_OK) {
        free(*out);
        *out = NULL;
        return -1;
    }
    return (long)a.ulValueLen;
}

// Finds objects of `class` matching label and id; returns how many (at most 2) and the first in *found.
static int find(CK_FUNCTION_LIST_PTR f, CK_SESSION_HANDLE s, CK_OBJECT_CLASS class, const char *label,
                const unsigned char *id, size_t id_len, CK_OBJECT_HANDLE *found) {
    CK_ATTRIBUTE t[3];
    int n = 0;
    t[n].type = CKA_CLASS, t[n].pValue = &class, t[n].ulValueLen = sizeof class, n++;
    if (label) t[n].type = CKA_LABEL, t[n].pValue = (void *)label, t[n].ulValueLen = strlen(label), n++;
    if (id && id_len) t[n].type = CKA_ID, t[n].pValue = (void *)id, t[n].ulValueLen = id_len, n++;
    if (f->C_FindObjectsInit(s, t, n) != CKR_OK) return 0;
    CK_OBJECT_HANDLE objects[2];
    CK_ULONG count = 0;
    if (f->C_FindObjects(s, objects, 2, &count) != CKR_OK) count = 0;
    f->C_FindObjectsFinal(s);
    if (count > 0) *found = objects[0];
    return (int)count;
}

static int read_public(wsc_p11_key *k, const unsigned char *id, size_t id_len, const char *label) {
    CK_OBJECT_HANDLE pub;
    if (find(k->f, k->session, CKO_PUBLIC_KEY, id_len ? NULL : label, id, id_len, &pub) != 1) return -1;
    unsigned char *point = NULL;
    long n = attribute(k->f, k->session, pub, CKA_EC_POINT, &point);
    if (n < 0) return -1;
    const unsigned char *p = point;
    size_t want = k->type == WSC_P11_ED25519 ? 32 : 65;
    // CKA_EC_POINT is a DER OCTET STRING; some tokens give the raw point.
    if ((size_t)n == want + 2 && p[0] == 0x04 && p[1] == want) p += 2, n -= 2;
    int ok = (size_t)n == want && (k->type == WSC_P11_ED25519 || p[0] == 0x04);
    if (ok) memcpy(k->public_key, p, want), k->public_length = want;
    free(point);
    return ok ? 0 : -1;
}

wsc_p11_key *wsc_p11_open(const char *module_path, const char *token_label, const char *token_serial,
                          const char *object_label, const unsigned char *id, size_t id_len,
                          const unsigned char *pin, size_t pin_len, wsc_p11_status *status) {
    memset(status, 0, sizeof *status);
    CK_FUNCTION_LIST_PTR f = module_functions(module_path, status);
    if (!f) return NULL;
    CK_ULONG slot_count = 0;
    CK_RV rv = f->C_GetSlotList(CK_TRUE, NULL, &slot_count);
    if (rv != CKR_OK || slot_count == 0) {
        fail(status, WSC_P11_NO_TOKEN, rv);
        return NULL;
    }
    CK_SLOT_ID *slots = calloc(slot_count, sizeof *slots);
    if (!slots || f->C_GetSlotList(CK_TRUE, slots, &slot_count) != CKR_OK) {
        free(slots);
        fail(status, WSC_P11_NO_TOKEN, 0);
        return NULL;
    }
    wsc_p11_key *k = NULL;
    int matched_tokens = 0;
    fail(status, WSC_P11_NO_TOKEN, 0);
    for (CK_ULONG i = 0; i < slot_count && !k; i++) {
        CK_TOKEN_INFO info;
        if (f->C_GetTokenInfo(slots[i], &info) != CKR_OK) continue;
        if (!(info.flags & CKF_TOKEN_INITIALIZED)) continue;
        if (token_label && !padded_equals(info.label, sizeof info.label, token_label)) continue;
        if (token_serial && !padded_equals(info.serialNumber, sizeof info.serialNumber, token_serial)) continue;
        matched_tokens++;
        CK_SESSION_HANDLE session;
        rv = f->C_OpenSession(slots[i], CKF_SERIAL_SESSION, NULL, NULL, &session);
        if (rv != CKR_OK) {
            fail(status, WSC_P11_SESSION, rv);
            continue;
        }
        if (pin) {
            rv = f->C_Login(session, CKU_USER, (CK_UTF8CHAR_PTR)pin, pin_len);
            if (rv != CKR_OK && rv != CKR_USER_ALREADY_LOGGED_IN) {
                fail(status, WSC_P11_LOGIN, rv);
                f->C_CloseSession(session);
                break;  // a wrong PIN is not retried on other tokens: each try counts against the PIN
            }
        }
        CK_OBJECT_HANDLE object;
        int count = find(f, session, CKO_PRIVATE_KEY, object_label, id, id_len, &object);
        if (count != 1) {
            fail(status, count == 0 ? WSC_P11_NO_KEY : WSC_P11_AMBIGUOUS, 0);
            f->C_CloseSession(session);
            if (count > 1) break;
            continue;
        }
        k = calloc(1, sizeof *k);
        if (!k) {
            f->C_CloseSession(session);
            break;
        }
        k->f = f;
        k->session = session;
        k->object = object;
        pthread_mutex_init(&k->lock, NULL);
    }
    free(slots);
    if (!k) return NULL;

    unsigned char *value = NULL;
    long n = attribute(f, k->session, k->object, CKA_KEY_TYPE, &value);
    CK_KEY_TYPE key_type = n == (long)sizeof(CK_KEY_TYPE) ? *(CK_KEY_TYPE *)value : (CK_KEY_TYPE)-1;
    free(value);
    n = attribute(f, k->session, k->object, CKA_EC_PARAMS, &value);
    if (key_type == CKK_EC && n == (long)sizeof oid_p256 && memcmp(value, oid_p256, n) == 0) {
        k->type = WSC_P11_P256;
    } else if (key_type == CKK_EC_EDWARDS && ((n == (long)sizeof oid_ed25519 && memcmp(value, oid_ed25519, n) == 0) ||
                                             (n == (long)sizeof name_ed25519 && memcmp(value, name_ed25519, n) == 0))) {
        k->type = WSC_P11_ED25519;
    }
    free(value);
    if (!k->type) {
        fail(status, WSC_P11_KEY_TYPE, 0);
        wsc_p11_close(k);
        return NULL;
    }
    unsigned char *own_id = NULL, *own_label = NULL;
    long id_n = attribute(f, k->session, k->object, CKA_ID, &own_id);
    long label_n = attribute(f, k->session, k->object, CKA_LABEL, &own_label);
    char label_z[256] = {0};
    if (label_n > 0 && label_n < (long)sizeof label_z) memcpy(label_z, own_label, label_n);
    int public_ok = read_public(k, own_id, id_n > 0 ? (size_t)id_n : 0, label_n > 0 ? label_z : NULL);
    free(own_id);
    free(own_label);
    if (public_ok != 0) {
        fail(status, WSC_P11_PUBLIC, 0);
        wsc_p11_close(k);
        return NULL;
    }
    memset(status, 0, sizeof *status);
    return k;
}

int wsc_p11_key_type(const wsc_p11_key *key) { return key->type; }

size_t wsc_p11_public_key(const wsc_p11_key *key, unsigned char *out, size_t capacity) {
    if (capacity < key->public_length) return 0;
    memcpy(out, key->public_key, key->public_length);
    return key->public_length;
}

int wsc_p11_sign(wsc_p11_key *key, const unsigned char *data, size_t data_length, unsigned char *signature,
                 size_t *signature_length, wsc_p11_status *status) {
    memset(status, 0, sizeof *status);
    CK_MECHANISM mechanism = {key->type == WSC_P11_ED25519 ? CKM_EDDSA : CKM_ECDSA, NULL, 0};
    CK_ULONG length = *signature_length;
    pthread_mutex_lock(&key->lock);
    CK_RV rv = key->f->C_SignInit(key->session, &mechanism, key->object);
    if (rv == CKR_OK) rv = key->f->C_Sign(key->session, (CK_BYTE_PTR)data, data_length, signature, &length);
    pthread_mutex_unlock(&key->lock);
    if (rv != CKR_OK) {
        fail(status, WSC_P11_SIGN, rv);
        return -1;
    }
    *signature_length = length;
    return 0;
}

void wsc_p11_close(wsc_p11_key *key) {
    if (!key) return;
    key->f->C_CloseSession(key->session);
    pthread_mutex_destroy(&key->lock);
    free(key);
}
