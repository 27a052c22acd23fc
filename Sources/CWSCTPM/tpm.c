#include "wsc_tpm.h"
#include <dirent.h>
#include <dlfcn.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <tss2/tss2_esys.h>
#include <tss2/tss2_tctildr.h>

typedef struct {
    TSS2_RC (*tctildr_initialize)(const char *, TSS2_TCTI_CONTEXT **);
    void (*tctildr_finalize)(TSS2_TCTI_CONTEXT **);
    TSS2_RC (*initialize)(ESYS_CONTEXT **, TSS2_TCTI_CONTEXT *, TSS2_ABI_VERSION *);
    void (*finalize)(ESYS_CONTEXT **);
    TSS2_RC (*set_timeout)(ESYS_CONTEXT *, int32_t);
    TSS2_RC (*get_poll_handles)(ESYS_CONTEXT *, TSS2_TCTI_POLL_HANDLE **, size_t *);
    void (*free_)(void *);
    TSS2_RC (*tr_close)(ESYS_CONTEXT *, ESYS_TR *);
    TSS2_RC (*from_public_async)(ESYS_CONTEXT *, TPM2_HANDLE, ESYS_TR, ESYS_TR, ESYS_TR);
    TSS2_RC (*from_public_finish)(ESYS_CONTEXT *, ESYS_TR *);
    TSS2_RC (*read_public_async)(ESYS_CONTEXT *, ESYS_TR, ESYS_TR, ESYS_TR, ESYS_TR);
    TSS2_RC (*read_public_finish)(ESYS_CONTEXT *, TPM2B_NV_PUBLIC **, TPM2B_NAME **);
    TSS2_RC (*read_async)(ESYS_CONTEXT *, ESYS_TR, ESYS_TR, ESYS_TR, ESYS_TR, ESYS_TR, UINT16, UINT16);
    TSS2_RC (*read_finish)(ESYS_CONTEXT *, TPM2B_MAX_NV_BUFFER **);
    TSS2_RC (*increment_async)(ESYS_CONTEXT *, ESYS_TR, ESYS_TR, ESYS_TR, ESYS_TR, ESYS_TR);
    TSS2_RC (*increment_finish)(ESYS_CONTEXT *);
    TSS2_RC (*define_async)(ESYS_CONTEXT *, ESYS_TR, ESYS_TR, ESYS_TR, ESYS_TR, const TPM2B_AUTH *,
                            const TPM2B_NV_PUBLIC *);
    TSS2_RC (*define_finish)(ESYS_CONTEXT *, ESYS_TR *);
    TSS2_RC (*undefine_async)(ESYS_CONTEXT *, ESYS_TR, ESYS_TR, ESYS_TR, ESYS_TR, ESYS_TR);
    TSS2_RC (*undefine_finish)(ESYS_CONTEXT *);
    const char *(*rc_decode)(TSS2_RC);
} wsc_tss_api;

static wsc_tss_api api;
static int loaded;
static char load_failure[256];
static pthread_once_t once = PTHREAD_ONCE_INIT;

struct wsc_tpm {
    TSS2_TCTI_CONTEXT *tcti;
    ESYS_CONTEXT *esys;
    int32_t timeout_ms;
    // For the swtpm and mssim TCTIs: the TCP port of the simulator's command socket (0 otherwise).
    int simulator_port;
};

#define LOOKUP(handle, field, name)                                                                                \
    do {                                                                                                           \
        *(void **)(&api.field) = dlsym(handle, name);                                                              \
        if (api.field == NULL) {                                                                                   \
            snprintf(load_failure, sizeof load_failure, "%s lacks %s", #handle, name);                            \
            return;                                                                                                \
        }                                                                                                          \
    } while (0)

static void load(void) {
    // The TSS logs every failure to stderr by default; wsc reports failures itself. TSS2_LOG set by the operator
    // (e.g. TSS2_LOG=all+debug) wins.
    setenv("TSS2_LOG", "all+NONE", 0);
    void *esys = dlopen("libtss2-esys.so.0", RTLD_NOW | RTLD_LOCAL);
    void *tctildr = dlopen("libtss2-tctildr.so.0", RTLD_NOW | RTLD_LOCAL);
    if (esys == NULL || tctildr == NULL) {
        snprintf(load_failure, sizeof load_failure,
                 "%s cannot be loaded (install libtss2-esys-3.0.2-0 and libtss2-tctildr0)",
                 esys == NULL ? "libtss2-esys.so.0" : "libtss2-tctildr.so.0");
        return;
    }
    LOOKUP(tctildr, tctildr_initialize, "Tss2_TctiLdr_Initialize");
    LOOKUP(tctildr, tctildr_finalize, "Tss2_TctiLdr_Finalize");
    LOOKUP(esys, initialize, "Esys_Initialize");
    LOOKUP(esys, finalize, "Esys_Finalize");
    LOOKUP(esys, set_timeout, "Esys_SetTimeout");
    LOOKUP(esys, free_, "Esys_Free");
    LOOKUP(esys, get_poll_handles, "Esys_GetPollHandles");
    LOOKUP(esys, tr_close, "Esys_TR_Close");
    LOOKUP(esys, from_public_async, "Esys_TR_FromTPMPublic_Async");
    LOOKUP(esys, from_public_finish, "Esys_TR_FromTPMPublic_Finish");
    LOOKUP(esys, read_public_async, "Esys_NV_ReadPublic_Async");
    LOOKUP(esys, read_public_finish, "Esys_NV_ReadPublic_Finish");
    LOOKUP(esys, read_async, "Esys_NV_Read_Async");
    LOOKUP(esys, read_finish, "Esys_NV_Read_Finish");
    LOOKUP(esys, increment_async, "Esys_NV_Increment_Async");
    LOOKUP(esys, increment_finish, "Esys_NV_Increment_Finish");
    LOOKUP(esys, define_async, "Esys_NV_DefineSpace_Async");
    LOOKUP(esys, define_finish, "Esys_NV_DefineSpace_Finish");
    LOOKUP(esys, undefine_async, "Esys_NV_UndefineSpace_Async");
    LOOKUP(esys, undefine_finish, "Esys_NV_UndefineSpace_Finish");
    // Optional: error texts.
    void *rc = dlopen("libtss2-rc.so.0", RTLD_NOW | RTLD_LOCAL);
    if (rc != NULL) *(void **)(&api.rc_decode) = dlsym(rc, "Tss2_RC_Decode");
    loaded = 1;
}

static void fail(wsc_tpm_error *error, TSS2_RC rc, const char *format, ...) {
    if (error == NULL) return;
    error->rc = rc;
    error->timed_out = 0;
    char text[200];
    va_list args;
    va_start(args, format);
    vsnprintf(text, sizeof text, format, args);
    va_end(args);
    if (rc != 0 && api.rc_decode != NULL) {
        snprintf(error->message, sizeof error->message, "%s: %s (TSS rc 0x%x)", text, api.rc_decode(rc), rc);
    } else if (rc != 0) {
        snprintf(error->message, sizeof error->message, "%s (TSS rc 0x%x)", text, rc);
    } else {
        snprintf(error->message, sizeof error->message, "%s", text);
    }
}

int wsc_tpm_available(wsc_tpm_error *error) {
    pthread_once(&once, load);
    if (!loaded) fail(error, 0, "%s", load_failure);
    return loaded;
}

wsc_tpm *wsc_tpm_open(const char *tcti, int32_t timeout_ms, wsc_tpm_error *error) {
    if (!wsc_tpm_available(error)) return NULL;
    wsc_tpm *tpm = calloc(1, sizeof *tpm);
    if (tpm == NULL) {
        fail(error, 0, "out of memory");
        return NULL;
    }
    tpm->timeout_ms = timeout_ms;
    if (strncmp(tcti, "swtpm", 5) == 0 || strncmp(tcti, "mssim", 5) == 0) {
        const char *port = strstr(tcti, "port=");
        tpm->simulator_port = port != NULL ? atoi(port + 5) : 2321;
    }
    TSS2_RC rc = api.tctildr_initialize(tcti, &tpm->tcti);
    if (rc != TSS2_RC_SUCCESS) {
        fail(error, rc, "cannot reach the TPM through the TCTI \"%s\" (absent, or busy)", tcti);
        free(tpm);
        return NULL;
    }
    rc = api.initialize(&tpm->esys, tpm->tcti, NULL);
    if (rc != TSS2_RC_SUCCESS) {
        fail(error, rc, "cannot open an ESYS context on the TCTI \"%s\"", tcti);
        api.tctildr_finalize(&tpm->tcti);
        free(tpm);
        return NULL;
    }
    return tpm;
}

void wsc_tpm_close(wsc_tpm *tpm) {
    if (tpm == NULL) return;
    if (tpm->esys != NULL) api.finalize(&tpm->esys);
    if (tpm->tcti != NULL) api.tctildr_finalize(&tpm->tcti);
    free(tpm);
}

static long long now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

// Waits until the TPM's answer can be read, at most until `deadline`: 1 when readable (or when the TCTI offers no
// poll handle: then ESYS's own timeout applies), 0 at the deadline. The swtpm and mssim TCTIs ignore ESYS's
// timeout and block in read(2), so polling their socket first is what bounds the wait.
// The swtpm and mssim TCTIs offer no poll handle and connect anew for each command: find the socket of this
// process connected to the simulator's port.
static int simulator_socket(int port) {
    DIR *dir = opendir("/proc/self/fd");
    if (dir == NULL) return -1;
    int found = -1;
    struct dirent *entry;
    while (found < 0 && (entry = readdir(dir)) != NULL) {
        int fd = atoi(entry->d_name);
        if (entry->d_name[0] < '0' || entry->d_name[0] > '9' || fd == dirfd(dir)) continue;
        struct sockaddr_storage peer;
        socklen_t length = sizeof peer;
        if (getpeername(fd, (struct sockaddr *)&peer, &length) != 0) continue;
        int peer_port = peer.ss_family == AF_INET    ? ntohs(((struct sockaddr_in *)&peer)->sin_port)
                        : peer.ss_family == AF_INET6 ? ntohs(((struct sockaddr_in6 *)&peer)->sin6_port)
                                                     : -1;
        if (peer_port == port) found = fd;
    }
    closedir(dir);
    return found;
}

static int wait_readable(wsc_tpm *tpm, long long deadline) {
    TSS2_TCTI_POLL_HANDLE *handles = NULL;
    size_t count = 0;
    if (api.get_poll_handles(tpm->esys, &handles, &count) != TSS2_RC_SUCCESS || count == 0) {
        api.free_(handles);
        int fd = tpm->simulator_port > 0 ? simulator_socket(tpm->simulator_port) : -1;
        if (fd < 0) return 1;
        struct pollfd one = {.fd = fd, .events = POLLIN};
        int ready;
        for (;;) {
            long long left = deadline - now_ms();
            ready = poll(&one, 1, (int)(left > 0 ? left : 0));
            if (ready >= 0 || errno != EINTR) break;
        }
        return ready != 0;
    }
    for (size_t i = 0; i < count; i++) handles[i].events = POLLIN;
    int ready;
    for (;;) {
        long long left = deadline - now_ms();
        ready = poll(handles, count, (int)(left > 0 ? left : 0));
        if (ready >= 0 || errno != EINTR) break;
    }
    api.free_(handles);
    return ready != 0;
}

// Runs `finish` (a _Finish call bound by the caller through a small closure-like switch) until it answers or the
// deadline passes. ESYS's synchronous calls wait forever; the asynchronous pair with a timeout does not.
#define FINISH(tpm, error, what, call)                                                                             \
    ({                                                                                                             \
        TSS2_RC finish_rc;                                                                                         \
        long long deadline = now_ms() + (tpm)->timeout_ms;                                                         \
        for (;;) {                                                                                                 \
            long long left = deadline - now_ms();                                                                  \
            api.set_timeout((tpm)->esys, (int32_t)(left > 0 ? left : 0));                                          \
            finish_rc = wait_readable(tpm, deadline) ? (call) : TSS2_ESYS_RC_TRY_AGAIN;                            \
            if ((finish_rc & TSS2_RC_LAYER_MASK) != 0 &&                                                                 \
                (finish_rc & 0xFFFF) == TSS2_BASE_RC_TRY_AGAIN) {                                                 \
                if (now_ms() < deadline) continue;                                                                 \
                fail(error, finish_rc, "the TPM did not answer %s within %d ms (busy, or another client holds it)", \
                     what, (tpm)->timeout_ms);                                                                     \
                if (error != NULL) (error)->timed_out = 1;                                                         \
                break;                                                                                             \
            }                                                                                                      \
            if (finish_rc != TSS2_RC_SUCCESS) fail(error, finish_rc, "%s failed", what);                           \
            break;                                                                                                 \
        }                                                                                                          \
        finish_rc;                                                                                                 \
    })

static int is_handle_error(TSS2_RC rc) {
    // A format-one TPM response code naming a handle (TPM_RC_HANDLE), from the TPM layer or ESYS's own lookup.
    TSS2_RC base = rc & 0xFFFF;
    return (base & 0x80) != 0 && (base & 0x3F) == (TPM2_RC_HANDLE & 0x3F);
}

// The ESYS object of an NV index: 1 when it is not defined, -1 on other failures.
static int nv_object(wsc_tpm *tpm, uint32_t index, ESYS_TR *object, wsc_tpm_error *error) {
    TSS2_RC rc = api.from_public_async(tpm->esys, index, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE);
    if (rc != TSS2_RC_SUCCESS) {
        fail(error, rc, "cannot send TPM2_NV_ReadPublic for 0x%08x", index);
        return -1;
    }
    rc = FINISH(tpm, error, "TPM2_NV_ReadPublic", api.from_public_finish(tpm->esys, object));
    if (rc == TSS2_RC_SUCCESS) return 0;
    if (is_handle_error(rc)) {
        fail(error, rc, "no NV index 0x%08x is defined", index);
        return 1;
    }
    return -1;
}

int wsc_tpm_nv_public(wsc_tpm *tpm, uint32_t index, uint32_t *attributes, uint16_t *data_size, wsc_tpm_error *error) {
    ESYS_TR object;
    int found = nv_object(tpm, index, &object, error);
    if (found != 0) return found;
    TPM2B_NV_PUBLIC *pub = NULL;
    TPM2B_NAME *name = NULL;
    TSS2_RC rc = api.read_public_async(tpm->esys, object, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE);
    if (rc == TSS2_RC_SUCCESS)
        rc = FINISH(tpm, error, "TPM2_NV_ReadPublic", api.read_public_finish(tpm->esys, &pub, &name));
    else
        fail(error, rc, "cannot send TPM2_NV_ReadPublic");
    if (rc == TSS2_RC_SUCCESS) {
        *attributes = pub->nvPublic.attributes;
        *data_size = pub->nvPublic.dataSize;
    }
    api.free_(pub);
    api.free_(name);
    api.tr_close(tpm->esys, &object);
    return rc == TSS2_RC_SUCCESS ? 0 : -1;
}

int wsc_tpm_nv_read_u64(wsc_tpm *tpm, uint32_t index, uint64_t *value, wsc_tpm_error *error) {
    ESYS_TR object;
    int found = nv_object(tpm, index, &object, error);
    if (found != 0) return found;
    TPM2B_MAX_NV_BUFFER *data = NULL;
    TSS2_RC rc = api.read_async(tpm->esys, object, object, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, 8, 0);
    if (rc == TSS2_RC_SUCCESS)
        rc = FINISH(tpm, error, "TPM2_NV_Read", api.read_finish(tpm->esys, &data));
    else
        fail(error, rc, "cannot send TPM2_NV_Read");
    if (rc == TSS2_RC_SUCCESS) {
        if (data->size != 8) {
            fail(error, 0, "TPM2_NV_Read returned %u bytes, not 8", data->size);
            rc = 1;
        } else {
            uint64_t v = 0;
            for (int i = 0; i < 8; i++) v = (v << 8) | data->buffer[i];
            *value = v;
        }
    }
    api.free_(data);
    api.tr_close(tpm->esys, &object);
    return rc == TSS2_RC_SUCCESS ? 0 : -1;
}

int wsc_tpm_nv_increment(wsc_tpm *tpm, uint32_t index, wsc_tpm_error *error) {
    ESYS_TR object;
    int found = nv_object(tpm, index, &object, error);
    if (found != 0) return found;
    TSS2_RC rc = api.increment_async(tpm->esys, object, object, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE);
    if (rc == TSS2_RC_SUCCESS)
        rc = FINISH(tpm, error, "TPM2_NV_Increment", api.increment_finish(tpm->esys));
    else
        fail(error, rc, "cannot send TPM2_NV_Increment");
    api.tr_close(tpm->esys, &object);
    return rc == TSS2_RC_SUCCESS ? 0 : -1;
}

int wsc_tpm_nv_define_counter(wsc_tpm *tpm, uint32_t index, wsc_tpm_error *error) {
    TPM2B_AUTH auth = {.size = 0};
    TPM2B_NV_PUBLIC info = {
        .size = 0,
        .nvPublic =
            {
                .nvIndex = index,
                .nameAlg = TPM2_ALG_SHA256,
                .attributes = TPMA_NV_OWNERWRITE | TPMA_NV_OWNERREAD | TPMA_NV_AUTHWRITE | TPMA_NV_AUTHREAD |
                              TPMA_NV_NO_DA | (TPM2_NT_COUNTER << TPMA_NV_TPM2_NT_SHIFT),
                .authPolicy = {.size = 0},
                .dataSize = 8,
            },
    };
    ESYS_TR object = ESYS_TR_NONE;
    TSS2_RC rc = api.define_async(tpm->esys, ESYS_TR_RH_OWNER, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &auth,
                                  &info);
    if (rc == TSS2_RC_SUCCESS)
        rc = FINISH(tpm, error, "TPM2_NV_DefineSpace", api.define_finish(tpm->esys, &object));
    else
        fail(error, rc, "cannot send TPM2_NV_DefineSpace");
    if (rc == TSS2_RC_SUCCESS) api.tr_close(tpm->esys, &object);
    return rc == TSS2_RC_SUCCESS ? 0 : -1;
}

int wsc_tpm_nv_undefine(wsc_tpm *tpm, uint32_t index, wsc_tpm_error *error) {
    ESYS_TR object;
    int found = nv_object(tpm, index, &object, error);
    if (found != 0) return found;
    TSS2_RC rc =
        api.undefine_async(tpm->esys, ESYS_TR_RH_OWNER, object, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE);
    if (rc == TSS2_RC_SUCCESS)
        rc = FINISH(tpm, error, "TPM2_NV_UndefineSpace", api.undefine_finish(tpm->esys));
    else
        fail(error, rc, "cannot send TPM2_NV_UndefineSpace");
    if (rc != TSS2_RC_SUCCESS) api.tr_close(tpm->esys, &object);
    return rc == TSS2_RC_SUCCESS ? 0 : -1;
}
