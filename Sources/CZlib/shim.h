// Decompression of gzip files for the model layer: zlib's inflateInit2 is a macro, which Swift
// cannot import, so the whole inflate loop lives here as one plain function.
#ifndef SPOTLIGHT_ZLIB_SHIM_H
#define SPOTLIGHT_ZLIB_SHIM_H

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

/// Whether `length` bytes at `bytes` are all zero: the padding gzip -d ignores after a member.
static inline int spl_all_zero(const unsigned char *bytes, size_t length) {
    for (size_t index = 0; index < length; index++) if (bytes[index] != 0) return 0;
    return 1;
}

/// Inflates the gzip stream `input` (several concatenated members are allowed, and trailing
/// zero bytes, as gzip -d allows them) into `output`, at most `capacity` bytes; with `output`
/// NULL, only counts the bytes, through a small scratch buffer, so that a caller can size its
/// buffer exactly and hold no more than the result in memory. Sets `*produced` to the bytes
/// inflated. Returns Z_OK, Z_MEM_ERROR past `capacity` bytes, or zlib's error code with
/// `*message` set to its static text when it has one.
static inline int spl_gunzip(const unsigned char *input, size_t inputLength, unsigned char *output,
                             size_t capacity, size_t *produced, const char **message) {
    unsigned char scratch[1 << 16];
    *produced = 0;
    *message = NULL;
    z_stream stream;
    memset(&stream, 0, sizeof stream);
    if (inflateInit2(&stream, 15 + 16) != Z_OK) return Z_MEM_ERROR;
    size_t consumed = 0;
    int status = Z_OK;
    while (1) {
        size_t room = output ? capacity - *produced : sizeof scratch;
        if (output && room == 0) {
            // Full: the stream must end here, or it is larger than the caller allowed.
            unsigned char probe;
            stream.next_out = &probe;
            stream.avail_out = 1;
        } else {
            stream.next_out = output ? output + *produced : scratch;
            stream.avail_out = room > 0x40000000u ? 0x40000000u : (uInt)room;
        }
        size_t inputChunk = inputLength - consumed;
        stream.next_in = (unsigned char *)input + consumed;
        stream.avail_in = inputChunk > 0x40000000u ? 0x40000000u : (uInt)inputChunk;
        uInt availableIn = stream.avail_in;
        uInt availableOut = stream.avail_out;
        status = inflate(&stream, Z_NO_FLUSH);
        consumed += availableIn - stream.avail_in;
        size_t made = availableOut - stream.avail_out;
        if (output && room == 0 && made > 0) { status = Z_MEM_ERROR; break; }
        *produced += made;
        if (*produced > capacity) { status = Z_MEM_ERROR; break; }
        if (status == Z_STREAM_END) {
            if (spl_all_zero(input + consumed, inputLength - consumed)) { status = Z_OK; break; }
            if (inflateReset(&stream) != Z_OK) { status = Z_DATA_ERROR; break; }
            status = Z_OK;
            continue;
        }
        if (status == Z_BUF_ERROR && consumed == inputLength && made == 0) {
            status = Z_DATA_ERROR;
            *message = "unexpected end of file";
            break;
        }
        if (status != Z_OK && status != Z_BUF_ERROR) break;
    }
    if (status != Z_OK && *message == NULL) *message = stream.msg;
    inflateEnd(&stream);
    return status;
}

#endif
