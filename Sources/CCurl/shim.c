#include "CCurl.h"
#include <string.h>

int ccurl_global_init(void) { return (int)curl_global_init(CURL_GLOBAL_DEFAULT); }

CURL *ccurl_easy_init(void) {
    CURL *easy = curl_easy_init();
    if (easy != NULL) {
        /* Worker threads must never get SIGALRM from the resolver. */
        curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(easy, CURLOPT_TCP_KEEPALIVE, 1L);
    }
    return easy;
}

void ccurl_easy_cleanup(CURL *easy) { curl_easy_cleanup(easy); }

int ccurl_set_url(CURL *easy, const char *url) { return (int)curl_easy_setopt(easy, CURLOPT_URL, url); }

int ccurl_set_method(CURL *easy, const char *method) {
    if (strcmp(method, "GET") == 0) return (int)curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L);
    if (strcmp(method, "HEAD") == 0) return (int)curl_easy_setopt(easy, CURLOPT_NOBODY, 1L);
    /* Never replay a request that is not idempotent. When a reused (kept-alive) connection
       dies before the first byte of an answer, libcurl sends the request again on a new
       connection by itself (Curl_retry_request: "Connection died, retrying a fresh
       connect"), whatever the method: a POST that the server did receive then runs twice.
       libcurl only does this on a *reused* connection, and 7.88 has no option to turn it
       off (CURLOPT_FORBID_RETRY_ON_REUSE came in 8.16), so every other method gets a
       connection of its own. The cost is a connect (and TLS handshake) per POST, PUT or
       DELETE, which are rare next to GETs; the new connection joins the pool afterwards.
       (HTTP/2 still re-sends a stream the server refused: REFUSED_STREAM says it was not
       processed.) */
    CURLcode code = curl_easy_setopt(easy, CURLOPT_FRESH_CONNECT, 1L);
    if (code != CURLE_OK) return (int)code;
    return (int)curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, method);
}

int ccurl_set_body(CURL *easy, const char *data, long length) {
    CURLcode code = curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE, length);
    if (code != CURLE_OK) return (int)code;
    return (int)curl_easy_setopt(easy, CURLOPT_COPYPOSTFIELDS, data);
}

int ccurl_set_headers(CURL *easy, struct curl_slist *headers) {
    return (int)curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers);
}

int ccurl_set_pinned(CURL *easy, struct curl_slist *resolve) {
    CURLcode code = curl_easy_setopt(easy, CURLOPT_RESOLVE, resolve);
    if (code != CURLE_OK) return (int)code;
    code = curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L);
    if (code != CURLE_OK) return (int)code;
    /* No proxy from the environment: the request must go to the checked address itself. */
    code = curl_easy_setopt(easy, CURLOPT_NOPROXY, "*");
    if (code != CURLE_OK) return (int)code;
    return (int)curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
}

int ccurl_set_timeouts(CURL *easy, long total_ms, long connect_ms) {
    CURLcode code = curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, total_ms);
    if (code != CURLE_OK) return (int)code;
    return (int)curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, connect_ms);
}

int ccurl_set_private(CURL *easy, void *pointer) { return (int)curl_easy_setopt(easy, CURLOPT_PRIVATE, pointer); }

void *ccurl_get_private(CURL *easy) {
    char *pointer = NULL;
    curl_easy_getinfo(easy, CURLINFO_PRIVATE, &pointer);
    return pointer;
}

int ccurl_set_write_callback(CURL *easy, ccurl_data_callback callback, void *userdata) {
    CURLcode code = curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, callback);
    if (code != CURLE_OK) return (int)code;
    return (int)curl_easy_setopt(easy, CURLOPT_WRITEDATA, userdata);
}

int ccurl_set_header_callback(CURL *easy, ccurl_data_callback callback, void *userdata) {
    CURLcode code = curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, callback);
    if (code != CURLE_OK) return (int)code;
    return (int)curl_easy_setopt(easy, CURLOPT_HEADERDATA, userdata);
}

long ccurl_response_code(CURL *easy) {
    long status = 0;
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
    return status;
}

struct curl_slist *ccurl_slist_append(struct curl_slist *list, const char *line) { return curl_slist_append(list, line); }
void ccurl_slist_free(struct curl_slist *list) { curl_slist_free_all(list); }

CURLM *ccurl_multi_init(long max_connections_per_host, long max_total_connections) {
    CURLM *multi = curl_multi_init();
    if (multi != NULL) {
        curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, max_connections_per_host);
        curl_multi_setopt(multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, max_total_connections);
        curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, max_total_connections);
    }
    return multi;
}

void ccurl_multi_cleanup(CURLM *multi) { curl_multi_cleanup(multi); }
int ccurl_multi_add(CURLM *multi, CURL *easy) { return (int)curl_multi_add_handle(multi, easy); }
int ccurl_multi_remove(CURLM *multi, CURL *easy) { return (int)curl_multi_remove_handle(multi, easy); }
int ccurl_multi_perform(CURLM *multi, int *running) { return (int)curl_multi_perform(multi, running); }
int ccurl_multi_poll(CURLM *multi, int timeout_ms) { return (int)curl_multi_poll(multi, NULL, 0, timeout_ms, NULL); }
int ccurl_multi_wakeup(CURLM *multi) { return (int)curl_multi_wakeup(multi); }

CURL *ccurl_multi_next_done(CURLM *multi, int *result) {
    int queued = 0;
    CURLMsg *message;
    while ((message = curl_multi_info_read(multi, &queued)) != NULL) {
        if (message->msg == CURLMSG_DONE) {
            *result = (int)message->data.result;
            return message->easy_handle;
        }
    }
    return NULL;
}

const char *ccurl_strerror(int code) { return curl_easy_strerror((CURLcode)code); }
int ccurl_is_timeout(int code) { return code == CURLE_OPERATION_TIMEDOUT; }
