#include "CHiredis.h"
#include <sys/time.h>

static struct timeval chiredis_timeval(long timeout_ms) {
    struct timeval tv;
    tv.tv_sec = timeout_ms / 1000;
    tv.tv_usec = (timeout_ms % 1000) * 1000;
    return tv;
}

redisContext *chiredis_connect_tcp(const char *host, int port, long timeout_ms) {
    return redisConnectWithTimeout(host, port, chiredis_timeval(timeout_ms));
}

redisContext *chiredis_connect_unix(const char *path, long timeout_ms) {
    return redisConnectUnixWithTimeout(path, chiredis_timeval(timeout_ms));
}

int chiredis_set_timeout(redisContext *context, long timeout_ms) {
    return redisSetTimeout(context, chiredis_timeval(timeout_ms));
}

int chiredis_enable_keepalive(redisContext *context) {
    return redisEnableKeepAlive(context);
}

int chiredis_err(const redisContext *context) {
    return context->err;
}

const char *chiredis_errstr(const redisContext *context) {
    return context->errstr;
}

int chiredis_append_argv(redisContext *context, int argc, const char **argv, const size_t *argvlen) {
    return redisAppendCommandArgv(context, argc, argv, argvlen);
}

int chiredis_get_reply(redisContext *context, redisReply **reply) {
    void *raw = NULL;
    int status = redisGetReply(context, &raw);
    *reply = (redisReply *)raw;
    return status;
}

void chiredis_free_reply(redisReply *reply) {
    if (reply != NULL) freeReplyObject(reply);
}

void chiredis_free(redisContext *context) {
    if (context != NULL) redisFree(context);
}
