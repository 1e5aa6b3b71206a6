#ifndef CCURL_H
#define CCURL_H

/* Typed shims over libcurl: Swift cannot call the variadic curl_easy_setopt/getinfo.
   CURL_STRICTER makes CURL and CURLM distinct types; every C file includes this header. */
#define CURL_STRICTER
#include <curl/curl.h>
#include <stddef.h>

typedef size_t (*ccurl_data_callback)(char *data, size_t size, size_t count, void *userdata);

int ccurl_global_init(void);

CURL *ccurl_easy_init(void);
void ccurl_easy_cleanup(CURL *easy);
int ccurl_set_url(CURL *easy, const char *url);
/* GET, HEAD, or any other method with CUSTOMREQUEST on a fresh connection (never replayed). */
int ccurl_set_method(CURL *easy, const char *method);
/* Copies the body; curl sends it with the request. */
int ccurl_set_body(CURL *easy, const char *data, long length);
int ccurl_set_headers(CURL *easy, struct curl_slist *headers);
/* Connects to the address of `resolve` ("host:port:address") without DNS, no redirect, no
   proxy, http and https only. The list must outlive the transfer. */
int ccurl_set_pinned(CURL *easy, struct curl_slist *resolve);
int ccurl_set_timeouts(CURL *easy, long total_ms, long connect_ms);
int ccurl_set_private(CURL *easy, void *pointer);
void *ccurl_get_private(CURL *easy);
int ccurl_set_write_callback(CURL *easy, ccurl_data_callback callback, void *userdata);
int ccurl_set_header_callback(CURL *easy, ccurl_data_callback callback, void *userdata);
long ccurl_response_code(CURL *easy);

struct curl_slist *ccurl_slist_append(struct curl_slist *list, const char *line);
void ccurl_slist_free(struct curl_slist *list);

CURLM *ccurl_multi_init(long max_connections_per_host, long max_total_connections);
void ccurl_multi_cleanup(CURLM *multi);
int ccurl_multi_add(CURLM *multi, CURL *easy);
int ccurl_multi_remove(CURLM *multi, CURL *easy);
int ccurl_multi_perform(CURLM *multi, int *running);
int ccurl_multi_poll(CURLM *multi, int timeout_ms);
int ccurl_multi_wakeup(CURLM *multi);
/* The next finished transfer, its CURLcode in *result; NULL when none. */
CURL *ccurl_multi_next_done(CURLM *multi, int *result);

const char *ccurl_strerror(int code);
int ccurl_is_timeout(int code);

#endif
