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

#endif
