#ifndef CHIREDIS_DISCARDING_REPLY_H
#define CHIREDIS_DISCARDING_REPLY_H

#include <stddef.h>
#include <hiredis/hiredis.h>

/* Reading one reply without keeping a bulk string's bytes. hiredis 0.14's reader holds a
   whole bulk string before it makes a reply of it, and a command run for its effect
   (BLMOVE) answers with the value it moved, which may be as large as Redis allows
   (512 MB). Here the bytes are read into a fixed buffer and dropped as they arrive. */

enum {
    /* A bulk string, read and dropped: *bulk_length is its size in bytes. */
    CHIREDIS_DISCARD_BULK = 0,
    /* A nil bulk string or nil array (`$-1`, `*-1`). */
    CHIREDIS_DISCARD_NIL = 1,
    /* An error reply: its text without the '-', cut to fit error_capacity - 1 bytes, is in
       error_text (NUL-terminated) and *error_length says how much of it there is. */
    CHIREDIS_DISCARD_ERROR_REPLY = 2,
    /* Any other kind of reply (status, integer, array), refused without reading it: the
       context is in error (REDIS_ERR_PROTOCOL) and its errstr names what came. */
    CHIREDIS_DISCARD_REFUSED = 3,
    /* The connection failed (I/O error, timeout, closed by the server) or the reply was
       malformed: the context is in error exactly as after a failed redisGetReply. */
    CHIREDIS_DISCARD_FAILED = 4
};

/* Flushes the commands appended to the context, then reads the next reply: first from
   what hiredis's reader already holds, then from the socket (with the context's timeout).
   Bytes that arrive after this reply are handed to hiredis's reader, so later replies
   are read as usual. Needs a blocking context whose reader is between two replies. */
int chiredis_read_reply_discarding_bulk(redisContext *context, long long *bulk_length,
                                        char *error_text, size_t error_capacity, size_t *error_length);

#endif
