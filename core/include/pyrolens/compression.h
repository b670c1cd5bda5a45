// Whole-buffer compression detection, decompression and gzip compression.
//
// Compression is recognised by magic bytes (gzip 1f 8b, zstd 28 b5 2f fd), never by
// file name. Decompression refuses to produce more than a caller-given limit, so a
// small "bomb" cannot exhaust memory.
#ifndef PYROLENS_CORE_INCLUDE_PYROLENS_COMPRESSION_H_
#define PYROLENS_CORE_INCLUDE_PYROLENS_COMPRESSION_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "pyrolens/status.h"

namespace pyrolens {

enum class Compression { kNone, kGzip, kZstd };

constexpr size_t kDefaultMaxDecompressed = size_t{1} << 30;  // 1 GiB

Compression DetectCompression(std::string_view data);
const char* CompressionName(Compression c);

// Decompresses `in` when it is gzip (any number of members) or zstd (any number of
// frames). Returns a view of the plain bytes: into `*storage` when `in` was
// compressed, else `in` itself (so `in` must outlive the view). Fails with
// ResourceExhausted when the output would exceed `max_output` bytes and with
// Corruption (naming the byte offset) when the stream is damaged or truncated.
Result<std::string_view> Decompress(std::string_view in, std::string* storage,
                                    size_t max_output = kDefaultMaxDecompressed);

// gzip-compresses `in` (one member). Never fails.
std::string GzipCompress(std::string_view in, int level = 6);

}  // namespace pyrolens

#endif  // PYROLENS_CORE_INCLUDE_PYROLENS_COMPRESSION_H_
