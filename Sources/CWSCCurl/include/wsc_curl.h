// libcurl, loaded on first use (dlopen "libcurl.so.4"): typed wrappers for the variadic curl_easy_setopt and
// curl_easy_getinfo, and the few plain calls the TUF fetcher makes. A process that never fetches (wscctl
// offline, wscd without [tuf]) never maps libcurl and its TLS, Kerberos, LDAP and SSH dependencies (about
// 4.5 MiB of resident memory in wscd). Every wrapper fails cleanly (CURLE_FAILED_INIT / NULL) if libcurl is absent.
#pragma once
#include <curl/curl.h>

/// Loads libcurl once (thread-safe); returns 1 when it is usable.
int wsc_curl_available(void);
CURL *wsc_curl_easy_init(void);
void wsc_curl_easy_cleanup(CURL *c);
CURLcode wsc_curl_easy_perform(CURL *c);
const char *wsc_curl_easy_strerror(CURLcode code);
CURLcode wsc_curl_easy_setopt_string(CURL *c, CURLoption o, const char *v);
CURLcode wsc_curl_easy_setopt_long(CURL *c, CURLoption o, long v);
CURLcode wsc_curl_easy_setopt_pointer(CURL *c, CURLoption o, void *v);
CURLcode wsc_curl_easy_getinfo_long(CURL *c, CURLINFO i, long *v);
/// curl_global_init(CURL_GLOBAL_DEFAULT).
CURLcode wsc_curl_global_init_default(void);
/// curl_version_info(CURLVERSION_NOW).
curl_version_info_data *wsc_curl_version_info(void);
typedef size_t (*wsc_curl_write_callback)(char *, size_t, size_t, void *);
CURLcode wsc_curl_easy_setopt_write_function(CURL *c, wsc_curl_write_callback f);
CURLcode wsc_curl_easy_setopt_off_t(CURL *c, CURLoption o, curl_off_t v);
