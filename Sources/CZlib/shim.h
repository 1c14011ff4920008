// Decompression of gzip files for the model layer: zlib's inflateInit2 is a macro, which Swift
// cannot import, so the whole inflate loop lives here as one plain function.
#ifndef SPOTLIGHT_ZLIB_SHIM_H
#define SPOTLIGHT_ZLIB_SHIM_H

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

/// Inflates the gzip stream `input` (several concatenated members are allowed, as gzip writes
/// them). On success returns Z_OK and sets `*output` to a malloc'd buffer of `*outputLength`
/// bytes, which the caller frees. On failure returns zlib's error code, sets `*message` to its
/// static text when it has one, and allocates nothing. Stops with Z_MEM_ERROR past `limit` bytes.
static inline int spl_gunzip(const unsigned char *input, size_t inputLength, size_t limit,
                             unsigned char **output, size_t *outputLength, const char **message) {
    *output = NULL;
    *outputLength = 0;
    *message = NULL;
    z_stream stream;
    memset(&stream, 0, sizeof stream);
    if (inflateInit2(&stream, 15 + 16) != Z_OK) return Z_MEM_ERROR;
    size_t capacity = inputLength * 4 + 1024;
    unsigned char *buffer = malloc(capacity);
    if (buffer == NULL) { inflateEnd(&stream); return Z_MEM_ERROR; }
    size_t produced = 0;
    size_t consumed = 0;
    int status = Z_OK;
    while (1) {
        if (produced == capacity) {
            if (capacity >= limit) { status = Z_MEM_ERROR; break; }
            size_t grown = capacity * 2 > limit ? limit : capacity * 2;
            unsigned char *larger = realloc(buffer, grown);
            if (larger == NULL) { status = Z_MEM_ERROR; break; }
            buffer = larger;
            capacity = grown;
        }
        size_t inputChunk = inputLength - consumed;
        size_t outputChunk = capacity - produced;
        stream.next_in = (unsigned char *)input + consumed;
        stream.avail_in = inputChunk > 0x40000000u ? 0x40000000u : (uInt)inputChunk;
        stream.next_out = buffer + produced;
        stream.avail_out = outputChunk > 0x40000000u ? 0x40000000u : (uInt)outputChunk;
        uInt availableIn = stream.avail_in;
        uInt availableOut = stream.avail_out;
        status = inflate(&stream, Z_NO_FLUSH);
        consumed += availableIn - stream.avail_in;
        produced += availableOut - stream.avail_out;
        if (status == Z_STREAM_END) {
            if (consumed == inputLength) { status = Z_OK; break; }
            if (inflateReset(&stream) != Z_OK) { status = Z_DATA_ERROR; break; }
            status = Z_OK;
            continue;
        }
        if (status == Z_BUF_ERROR && consumed == inputLength && produced < capacity) {
            status = Z_DATA_ERROR;
            *message = "unexpected end of file";
            break;
        }
        if (status != Z_OK && status != Z_BUF_ERROR) break;
    }
    if (status != Z_OK) {
        if (*message == NULL) *message = stream.msg;
        inflateEnd(&stream);
        free(buffer);
        return status;
    }
    inflateEnd(&stream);
    *output = buffer;
    *outputLength = produced;
    return Z_OK;
}

#endif
