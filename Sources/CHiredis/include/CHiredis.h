#ifndef CHIREDIS_H
#define CHIREDIS_H

#include <stddef.h>
#include <hiredis/hiredis.h>

/* Typed shims over hiredis 0.14: Swift cannot call variadic functions and imports
   `void *` replies and `char[128]` error buffers poorly. */

enum {
    CHIREDIS_REPLY_STRING = REDIS_REPLY_STRING,
    CHIREDIS_REPLY_ARRAY = REDIS_REPLY_ARRAY,
    CHIREDIS_REPLY_INTEGER = REDIS_REPLY_INTEGER,
    CHIREDIS_REPLY_NIL = REDIS_REPLY_NIL,
    CHIREDIS_REPLY_STATUS = REDIS_REPLY_STATUS,
    CHIREDIS_REPLY_ERROR = REDIS_REPLY_ERROR
};

redisContext *chiredis_connect_tcp(const char *host, int port, long timeout_ms);
redisContext *chiredis_connect_unix(const char *path, long timeout_ms);
/* Read/write timeout for every later call; 0 means block forever. */
int chiredis_set_timeout(redisContext *context, long timeout_ms);
int chiredis_enable_keepalive(redisContext *context);

/* 0 when the context is healthy; otherwise its error text is in chiredis_errstr. */
int chiredis_err(const redisContext *context);
const char *chiredis_errstr(const redisContext *context);

int chiredis_append_argv(redisContext *context, int argc, const char **argv, const size_t *argvlen);
/* REDIS_OK with *reply set, or REDIS_ERR (the context is then dead). */
int chiredis_get_reply(redisContext *context, redisReply **reply);

void chiredis_free_reply(redisReply *reply);
void chiredis_free(redisContext *context);

#include "CHiredisReader.h"
#include "CHiredisDiscardingReply.h"

#endif
