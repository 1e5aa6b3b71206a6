#include "CHiredisReader.h"
#include <pthread.h>

redisReader *chiredis_reader_create(void) {
    return redisReaderCreate();
}

int chiredis_reader_feed(redisReader *reader, const char *bytes, size_t length) {
    return redisReaderFeed(reader, bytes, length);
}

int chiredis_reader_get_reply(redisReader *reader, redisReply **reply) {
    void *raw = NULL;
    int status = redisReaderGetReply(reader, &raw);
    *reply = (redisReply *)raw;
    return status;
}

const char *chiredis_reader_errstr(const redisReader *reader) {
    return reader->errstr;
}

void chiredis_reader_free(redisReader *reader) {
    if (reader != NULL) redisReaderFree(reader);
}

/* hiredis's own reply functions, but for createArray, which first checks the count. */
static redisReplyObjectFunctions chiredis_limited_functions;
static void *(*chiredis_default_create_array)(const redisReadTask *, int);
static pthread_once_t chiredis_limited_once = PTHREAD_ONCE_INIT;

static void *chiredis_create_limited_array(const redisReadTask *task, int elements) {
    if (elements > CHIREDIS_MAX_ARRAY_ELEMENTS) return NULL;
    return chiredis_default_create_array(task, elements);
}

static void chiredis_make_limited_functions(void) {
    /* hiredis keeps its default functions private: a reader made for the purpose shows them. */
    redisReader *probe = redisReaderCreate();
    if (probe == NULL) return;
    chiredis_limited_functions = *probe->fn;
    chiredis_default_create_array = probe->fn->createArray;
    chiredis_limited_functions.createArray = chiredis_create_limited_array;
    redisReaderFree(probe);
}

void chiredis_reader_limit_arrays(redisReader *reader) {
    pthread_once(&chiredis_limited_once, chiredis_make_limited_functions);
    if (reader != NULL && chiredis_default_create_array != NULL && reader->fn != NULL
            && reader->fn->createArray == chiredis_default_create_array) {
        reader->fn = &chiredis_limited_functions;
    }
}

void chiredis_limit_arrays(redisContext *context) {
    if (context != NULL) chiredis_reader_limit_arrays(context->reader);
}
