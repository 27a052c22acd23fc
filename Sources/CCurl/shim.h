// libcurl: curl_easy_setopt and curl_easy_getinfo are variadic, so each argument type gets a
// typed wrapper Swift can call.
#pragma once
#include <curl/curl.h>
static inline CURLcode wsc_curl_easy_setopt_string(CURL *c, CURLoption o, const char *v) {
    return curl_easy_setopt(c, o, v);
}
static inline CURLcode wsc_curl_easy_setopt_long(CURL *c, CURLoption o, long v) { return curl_easy_setopt(c, o, v); }
static inline CURLcode wsc_curl_easy_setopt_pointer(CURL *c, CURLoption o, void *v) {
    return curl_easy_setopt(c, o, v);
}
static inline CURLcode wsc_curl_easy_getinfo_long(CURL *c, CURLINFO i, long *v) { return curl_easy_getinfo(c, i, v); }
// CURL_GLOBAL_DEFAULT imports as Int32 while curl_global_init takes `long`.
static inline CURLcode wsc_curl_global_init_default(void) { return curl_global_init(CURL_GLOBAL_DEFAULT); }
// CURLVERSION_NOW is a macro naming the newest enum case.
static inline curl_version_info_data *wsc_curl_version_info(void) { return curl_version_info(CURLVERSION_NOW); }
// CURLOPT_WRITEFUNCTION takes a function pointer, which Swift cannot pass through a `void *` wrapper.
typedef size_t (*wsc_curl_write_callback)(char *, size_t, size_t, void *);
static inline CURLcode wsc_curl_easy_setopt_write_function(CURL *c, wsc_curl_write_callback f) {
    return curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, f);
}
// CURLOPT_MAXFILESIZE_LARGE takes a curl_off_t.
static inline CURLcode wsc_curl_easy_setopt_off_t(CURL *c, CURLoption o, curl_off_t v) {
    return curl_easy_setopt(c, o, v);
}
