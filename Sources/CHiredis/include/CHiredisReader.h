#ifndef CHIREDIS_READER_H
#define CHIREDIS_READER_H

#include <stddef.h>
#include <hiredis/hiredis.h>

/* hiredis's RESP reader on its own, without a socket: bytes in, reply trees out, exactly
   as a connection reads them. The fuzz target for the reply conversion feeds it. */

redisReader *chiredis_reader_create(void);
/* REDIS_OK, or REDIS_ERR when the reader is in error (see chiredis_reader_errstr). */
int chiredis_reader_feed(redisReader *reader, const char *bytes, size_t length);
/* REDIS_OK with *reply set to a whole reply, or to NULL when more bytes are needed;
   REDIS_ERR on a protocol error (the reader is then unusable). */
int chiredis_reader_get_reply(redisReader *reader, redisReply **reply);
const char *chiredis_reader_errstr(const redisReader *reader);
void chiredis_reader_free(redisReader *reader);

/* The most elements one array reply may announce. hiredis 0.14 allocates an array's table
   of elements as soon as it reads the count, before any element arrives (`*888888881` is a
   7 GB calloc: found by the FuzzRedisReply fuzzer); no reply of the queue comes near this. */
#define CHIREDIS_MAX_ARRAY_ELEMENTS (1 << 24)

/* Makes the reader refuse an array announcing more than CHIREDIS_MAX_ARRAY_ELEMENTS
   elements: a reader error ("Out of memory"), which ends the connection. */
void chiredis_reader_limit_arrays(redisReader *reader);
/* The same for a connection's reader. */
void chiredis_limit_arrays(redisContext *context);

#endif
