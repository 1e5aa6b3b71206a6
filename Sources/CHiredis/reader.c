#include "CHiredisReader.h"

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
