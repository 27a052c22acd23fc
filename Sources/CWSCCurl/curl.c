#include "wsc_curl.h"
#include <dlfcn.h>
#include <pthread.h>
#include <stddef.h>

typedef struct {
    CURL *(*easy_init)(void);
    void (*easy_cleanup)(CURL *);
    CURLcode (*easy_perform)(CURL *);
    const char *(*easy_strerror)(CURLcode);
    CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
    CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
    CURLcode (*global_init)(long);
    curl_version_info_data *(*version_info)(CURLversion);
} wsc_curl_api;

static wsc_curl_api wsc_curl_table;
static int wsc_curl_loaded;
static pthread_once_t wsc_curl_once = PTHREAD_ONCE_INIT;

static void wsc_curl_load(void) {
    void *h = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
    if (h == NULL) return;
    wsc_curl_table.easy_init = (CURL * (*)(void)) dlsym(h, "curl_easy_init");
    wsc_curl_table.easy_cleanup = (void (*)(CURL *))dlsym(h, "curl_easy_cleanup");
    wsc_curl_table.easy_perform = (CURLcode(*)(CURL *))dlsym(h, "curl_easy_perform");
    wsc_curl_table.easy_strerror = (const char *(*)(CURLcode))dlsym(h, "curl_easy_strerror");
    wsc_curl_table.easy_setopt = (CURLcode(*)(CURL *, CURLoption, ...))dlsym(h, "curl_easy_setopt");
    wsc_curl_table.easy_getinfo = (CURLcode(*)(CURL *, CURLINFO, ...))dlsym(h, "curl_easy_getinfo");
    wsc_curl_table.global_init = (CURLcode(*)(long))dlsym(h, "curl_global_init");
    wsc_curl_table.version_info = (curl_version_info_data * (*)(CURLversion)) dlsym(h, "curl_version_info");
    wsc_curl_loaded = wsc_curl_table.easy_init && wsc_curl_table.easy_cleanup && wsc_curl_table.easy_perform &&
                      wsc_curl_table.easy_strerror && wsc_curl_table.easy_setopt && wsc_curl_table.easy_getinfo &&
                      wsc_curl_table.global_init && wsc_curl_table.version_info;
}

int wsc_curl_available(void) {
    pthread_once(&wsc_curl_once, wsc_curl_load);
    return wsc_curl_loaded;
}

CURL *wsc_curl_easy_init(void) { return wsc_curl_available() ? wsc_curl_table.easy_init() : NULL; }
void wsc_curl_easy_cleanup(CURL *c) {
    if (wsc_curl_available()) wsc_curl_table.easy_cleanup(c);
}
CURLcode wsc_curl_easy_perform(CURL *c) {
    return wsc_curl_available() ? wsc_curl_table.easy_perform(c) : CURLE_FAILED_INIT;
}
const char *wsc_curl_easy_strerror(CURLcode code) {
    return wsc_curl_available() ? wsc_curl_table.easy_strerror(code) : "libcurl.so.4 could not be loaded";
}
CURLcode wsc_curl_easy_setopt_string(CURL *c, CURLoption o, const char *v) {
    return wsc_curl_available() ? wsc_curl_table.easy_setopt(c, o, v) : CURLE_FAILED_INIT;
}
CURLcode wsc_curl_easy_setopt_long(CURL *c, CURLoption o, long v) {
    return wsc_curl_available() ? wsc_curl_table.easy_setopt(c, o, v) : CURLE_FAILED_INIT;
}
CURLcode wsc_curl_easy_setopt_pointer(CURL *c, CURLoption o, void *v) {
    return wsc_curl_available() ? wsc_curl_table.easy_setopt(c, o, v) : CURLE_FAILED_INIT;
}
CURLcode wsc_curl_easy_getinfo_long(CURL *c, CURLINFO i, long *v) {
    return wsc_curl_available() ? wsc_curl_table.easy_getinfo(c, i, v) : CURLE_FAILED_INIT;
}
// CURL_GLOBAL_DEFAULT imports as Int32 while curl_global_init takes `long`.
CURLcode wsc_curl_global_init_default(void) {
    return wsc_curl_available() ? wsc_curl_table.global_init(CURL_GLOBAL_DEFAULT) : CURLE_FAILED_INIT;
}
// CURLVERSION_NOW is a macro naming the newest enum case.
curl_version_info_data *wsc_curl_version_info(void) {
    return wsc_curl_available() ? wsc_curl_table.version_info(CURLVERSION_NOW) : NULL;
}
// CURLOPT_WRITEFUNCTION takes a function pointer, which Swift cannot pass through a `void *` wrapper.
CURLcode wsc_curl_easy_setopt_write_function(CURL *c, wsc_curl_write_callback f) {
    return wsc_curl_available() ? wsc_curl_table.easy_setopt(c, CURLOPT_WRITEFUNCTION, f) : CURLE_FAILED_INIT;
}
// CURLOPT_MAXFILESIZE_LARGE takes a curl_off_t.
CURLcode wsc_curl_easy_setopt_off_t(CURL *c, CURLoption o, curl_off_t v) {
    return wsc_curl_available() ? wsc_curl_table.easy_setopt(c, o, v) : CURLE_FAILED_INIT;
}
