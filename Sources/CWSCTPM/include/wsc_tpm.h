// A TPM 2.0 monotonic NV counter through the TSS libraries Debian ships, loaded on first use (dlopen
// "libtss2-esys.so.0", "libtss2-tctildr.so.0", and "libtss2-rc.so.0" for error texts): a process that never uses
// a TPM never maps them. No TSS type crosses this header, so Swift sees plain integers.
//
// Every command runs with a deadline (`timeout_ms`): a TPM that does not answer (busy, another client holding
// swtpm's single connection) fails with a message instead of blocking.
#pragma once
#include <stddef.h>
#include <stdint.h>

typedef struct wsc_tpm wsc_tpm;

/// A failure: the TSS return code (0 when the failure is not the TSS's, e.g. a library that cannot be loaded)
/// and a sentence.
typedef struct {
    uint32_t rc;
    int timed_out;
    char message[320];
} wsc_tpm_error;

/// Loads the libraries once (thread-safe); returns 1 when they are usable, else 0 and says why in `error`.
int wsc_tpm_available(wsc_tpm_error *error);

/// Opens an ESYS context on the TCTI `tcti` (e.g. "device:/dev/tpmrm0", "swtpm:port=2321"). NULL on failure.
wsc_tpm *wsc_tpm_open(const char *tcti, int32_t timeout_ms, wsc_tpm_error *error);
/// Closes the context and the TCTI.
void wsc_tpm_close(wsc_tpm *tpm);

/// TPM2_NV_ReadPublic. Returns 0 with the index's attributes and data size, 1 when no such index is defined,
/// -1 on any other failure.
int wsc_tpm_nv_public(wsc_tpm *tpm, uint32_t index, uint32_t *attributes, uint16_t *data_size, wsc_tpm_error *error);
/// TPM2_NV_Read of 8 bytes at offset 0 with the index's own (empty) authorization, as a big-endian integer.
int wsc_tpm_nv_read_u64(wsc_tpm *tpm, uint32_t index, uint64_t *value, wsc_tpm_error *error);
/// TPM2_NV_Increment with the index's own (empty) authorization.
int wsc_tpm_nv_increment(wsc_tpm *tpm, uint32_t index, wsc_tpm_error *error);
/// TPM2_NV_DefineSpace under the owner hierarchy (empty owner authorization): an 8-byte TPM2_NT_COUNTER index,
/// readable and incrementable with the owner's or the index's (empty) authorization, SHA-256 name.
int wsc_tpm_nv_define_counter(wsc_tpm *tpm, uint32_t index, wsc_tpm_error *error);
/// TPM2_NV_UndefineSpace under the owner hierarchy (empty owner authorization).
int wsc_tpm_nv_undefine(wsc_tpm *tpm, uint32_t index, wsc_tpm_error *error);
