#include "CHiredisDiscardingReply.h"
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* The one buffer a bulk string's bytes pass through, on the stack. */
#define CHIREDIS_DISCARD_CHUNK (64 * 1024)
/* A length line holds at most a sign and 19 digits: anything longer is malformed. */
#define CHIREDIS_LENGTH_LINE_MAX 20

typedef enum {
    PHASE_TYPE,
    PHASE_LENGTH_LINE,
    PHASE_ERROR_LINE,
    PHASE_BODY,
    PHASE_TERMINATOR,
    PHASE_DONE
} discard_phase;

/* One RESP2 reply read incrementally, from any number of pieces, in constant memory. */
typedef struct {
    discard_phase phase;
    char type;
    char length_line[CHIREDIS_LENGTH_LINE_MAX];
    size_t length_line_used;
    int after_cr;
    long long bulk_length;
    long long body_left;
    size_t terminator_seen;
    char *error_text;
    size_t error_capacity;
    size_t error_length;
    /* Once PHASE_DONE: a CHIREDIS_DISCARD_* result, and for REFUSED and FAILED the context
       error to set. */
    int result;
    int problem_type;
    char problem[128];
} discard_reader;

static void finish(discard_reader *reader, int result) {
    reader->phase = PHASE_DONE;
    reader->result = result;
}

static void finish_with_problem(discard_reader *reader, int result, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

static void finish_with_problem(discard_reader *reader, int result, const char *format, ...) {
    va_list arguments;
    va_start(arguments, format);
    vsnprintf(reader->problem, sizeof(reader->problem), format, arguments);
    va_end(arguments);
    reader->problem_type = REDIS_ERR_PROTOCOL;
    finish(reader, result);
}

static void refuse(discard_reader *reader, const char *what) {
    finish_with_problem(reader, CHIREDIS_DISCARD_REFUSED, "expected a bulk string or nil reply, got %s", what);
}

/* A sign and digits only, no overflow: hiredis's own reader is as strict. */
static int parse_length(const char *text, size_t size, long long *value) {
    size_t index = 0;
    int negative = 0;
    long long parsed = 0;
    if (size > 0 && text[0] == '-') {
        negative = 1;
        index = 1;
    }
    if (index == size) return 0;
    for (; index < size; index++) {
        if (text[index] < '0' || text[index] > '9') return 0;
        int digit = text[index] - '0';
        if (parsed > (LLONG_MAX - digit) / 10) return 0;
        parsed = parsed * 10 + digit;
    }
    *value = negative ? -parsed : parsed;
    return 1;
}

static void end_length_line(discard_reader *reader) {
    long long length;
    int is_bulk = reader->type == '$';
    if (!parse_length(reader->length_line, reader->length_line_used, &length) || length < -1) {
        finish_with_problem(reader, CHIREDIS_DISCARD_FAILED, "Protocol error, bad %s length",
                            is_bulk ? "bulk string" : "multi-bulk");
    } else if (length == -1) {
        finish(reader, CHIREDIS_DISCARD_NIL);
    } else if (!is_bulk) {
        finish_with_problem(reader, CHIREDIS_DISCARD_REFUSED,
                            "expected a bulk string or nil reply, got an array of %lld elements", length);
    } else {
        reader->bulk_length = length;
        reader->body_left = length;
        reader->phase = length > 0 ? PHASE_BODY : PHASE_TERMINATOR;
    }
}

static void keep_error_byte(discard_reader *reader, char byte) {
    if (reader->error_length + 1 < reader->error_capacity) reader->error_text[reader->error_length++] = byte;
}

/* Reads what it can of `bytes`; returns how many belong to this reply (all of them, unless
   the reply ended before their end). */
static size_t discard_feed(discard_reader *reader, const char *bytes, size_t count) {
    size_t used = 0;
    while (used < count && reader->phase != PHASE_DONE) {
        switch (reader->phase) {
        case PHASE_TYPE: {
            char type = bytes[used++];
            reader->type = type;
            switch (type) {
            case '$': case '*': reader->phase = PHASE_LENGTH_LINE; break;
            case '-': reader->phase = PHASE_ERROR_LINE; break;
            case '+': refuse(reader, "a status reply"); break;
            case ':': refuse(reader, "an integer reply"); break;
            default:
                finish_with_problem(reader, CHIREDIS_DISCARD_FAILED,
                                    "Protocol error, got \"%c\" as reply type byte", type);
            }
            break;
        }
        case PHASE_LENGTH_LINE: {
            char byte = bytes[used++];
            if (reader->after_cr) {
                if (byte == '\n') end_length_line(reader);
                else finish_with_problem(reader, CHIREDIS_DISCARD_FAILED, "Protocol error, bad length line");
            } else if (byte == '\r') {
                reader->after_cr = 1;
            } else if (reader->length_line_used == CHIREDIS_LENGTH_LINE_MAX) {
                finish_with_problem(reader, CHIREDIS_DISCARD_FAILED, "Protocol error, length line too long");
            } else {
                reader->length_line[reader->length_line_used++] = byte;
            }
            break;
        }
        case PHASE_ERROR_LINE: {
            char byte = bytes[used++];
            if (reader->after_cr) {
                reader->after_cr = 0;
                if (byte == '\n') {
                    finish(reader, CHIREDIS_DISCARD_ERROR_REPLY);
                    break;
                }
                keep_error_byte(reader, '\r');
            }
            if (byte == '\r') reader->after_cr = 1;
            else keep_error_byte(reader, byte);
            break;
        }
        case PHASE_BODY: {
            size_t available = count - used;
            size_t skipped = (unsigned long long)reader->body_left < available ? (size_t)reader->body_left : available;
            used += skipped;
            reader->body_left -= (long long)skipped;
            if (reader->body_left == 0) reader->phase = PHASE_TERMINATOR;
            break;
        }
        case PHASE_TERMINATOR: {
            char byte = bytes[used++];
            if (byte != "\r\n"[reader->terminator_seen]) {
                finish_with_problem(reader, CHIREDIS_DISCARD_FAILED, "Protocol error, bulk string not ended by CRLF");
            } else if (++reader->terminator_seen == 2) {
                finish(reader, CHIREDIS_DISCARD_BULK);
            }
            break;
        }
        case PHASE_DONE:
            break;
        }
    }
    return used;
}

static void set_error(redisContext *context, int type, const char *text) {
    context->err = type;
    snprintf(context->errstr, sizeof(context->errstr), "%s", text);
}

/* As hiredis words an I/O error: strerror's text (a timeout is EAGAIN's). */
static void set_io_error(redisContext *context, int code) {
    context->err = REDIS_ERR_IO;
#if defined(_GNU_SOURCE)
    const char *text = strerror_r(code, context->errstr, sizeof(context->errstr));
    if (text != context->errstr) snprintf(context->errstr, sizeof(context->errstr), "%s", text);
#else
    if (strerror_r(code, context->errstr, sizeof(context->errstr)) != 0) {
        snprintf(context->errstr, sizeof(context->errstr), "I/O error %d", code);
    }
#endif
}

/* No reply half read: either none started, or one started with no byte consumed yet. */
static int reader_is_between_replies(const redisReader *reader) {
    return reader->err == 0 && reader->reply == NULL
        && (reader->ridx == -1 || (reader->ridx == 0 && reader->rstack[0].type < 0));
}

/* Takes this reply's bytes from what hiredis's reader holds, and keeps its buffer as
   hiredis does: consumed bytes cut off, the rest first. */
static void take_from_reader(redisReader *hiredis_reader, discard_reader *reader) {
    if (hiredis_reader->pos >= hiredis_reader->len) return;
    hiredis_reader->pos += discard_feed(reader, hiredis_reader->buf + hiredis_reader->pos,
                                        hiredis_reader->len - hiredis_reader->pos);
    sdsrange(hiredis_reader->buf, (int)hiredis_reader->pos, -1);
    hiredis_reader->pos = 0;
    hiredis_reader->len = sdslen(hiredis_reader->buf);
}

int chiredis_read_reply_discarding_bulk(redisContext *context, long long *bulk_length,
                                        char *error_text, size_t error_capacity, size_t *error_length) {
    if (context->err) return CHIREDIS_DISCARD_FAILED;
    if (!(context->flags & REDIS_BLOCK)) {
        set_error(context, REDIS_ERR_OTHER, "reading a reply without its value needs a blocking context");
        return CHIREDIS_DISCARD_FAILED;
    }
    if (!reader_is_between_replies(context->reader)) {
        set_error(context, REDIS_ERR_PROTOCOL, "a reply is half read");
        return CHIREDIS_DISCARD_FAILED;
    }
    int written = 0;
    do {
        if (redisBufferWrite(context, &written) == REDIS_ERR) return CHIREDIS_DISCARD_FAILED;
    } while (!written);

    discard_reader reader;
    memset(&reader, 0, sizeof(reader));
    reader.phase = PHASE_TYPE;
    reader.error_text = error_text;
    reader.error_capacity = error_capacity;
    take_from_reader(context->reader, &reader);

    char chunk[CHIREDIS_DISCARD_CHUNK];
    while (reader.phase != PHASE_DONE) {
        ssize_t received = read(context->fd, chunk, sizeof(chunk));
        if (received < 0) {
            if (errno == EINTR) continue;
            set_io_error(context, errno);
            return CHIREDIS_DISCARD_FAILED;
        }
        if (received == 0) {
            set_error(context, REDIS_ERR_EOF, "Server closed the connection");
            return CHIREDIS_DISCARD_FAILED;
        }
        size_t used = discard_feed(&reader, chunk, (size_t)received);
        /* The next replies of a pipeline: hiredis reads them. */
        if (used < (size_t)received
                && redisReaderFeed(context->reader, chunk + used, (size_t)received - used) != REDIS_OK) {
            set_error(context, context->reader->err, context->reader->errstr);
            return CHIREDIS_DISCARD_FAILED;
        }
    }

    switch (reader.result) {
    case CHIREDIS_DISCARD_BULK:
        *bulk_length = reader.bulk_length;
        break;
    case CHIREDIS_DISCARD_ERROR_REPLY:
        if (error_capacity > 0) error_text[reader.error_length] = '\0';
        *error_length = reader.error_length;
        break;
    case CHIREDIS_DISCARD_REFUSED:
    case CHIREDIS_DISCARD_FAILED:
        set_error(context, reader.problem_type, reader.problem);
        break;
    }
    return reader.result;
}
