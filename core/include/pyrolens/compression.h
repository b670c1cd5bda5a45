// Whole-buffer compression detection, decompression and gzip compression.
//
// Compression is recognised by magic bytes (gzip 1f 8b, zstd 28 b5 2f fd), never by
// file name. Decompression refuses to produce more than a caller-given limit, so a
// small "bomb" cannot exhaust memory.
#ifndef PYROLENS_CORE_INCLUDE_PYROLENS_COMPRESSION_H_
#define PYROLENS_CORE_INCLUDE_PYROLENS_COMPRESSION_H_

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "pyrolens/status.h"

namespace pyrolens {

enum class Compression { kNone, kGzip, kZstd };

constexpr size_t kDefaultMaxDecompressed = size_t{1} << 30;  // 1 GiB

// A growable byte buffer that, unlike std::string, does not zero what it grows into: a
// decompressor overwrites it anyway, and zeroing 200 MB costs a quarter of a large read.
class ByteBuffer {
 public:
  char* data() { return data_.get(); }
  size_t size() const { return size_; }
  std::string_view view() const { return {data_.get(), size_}; }
  // Keeps the first min(n, size()) bytes; bytes past them are uninitialised. Growth
  // goes through realloc, which moves large blocks by remapping pages, not copying.
  void Resize(size_t n);

 private:
  struct Free {
    void operator()(char* p) const { free(p); }
  };
  std::unique_ptr<char, Free> data_;
  size_t size_ = 0;
  size_t capacity_ = 0;
};

Compression DetectCompression(std::string_view data);
const char* CompressionName(Compression c);

// Decompresses `in` when it is gzip (any number of members) or zstd (any number of
// frames). Returns a view of the plain bytes: into `*storage` when `in` was
// compressed, else `in` itself (so `in` must outlive the view). Fails with
// ResourceExhausted when the output would exceed `max_output` bytes and with
// Corruption (naming the byte offset) when the stream is damaged or truncated.
Result<std::string_view> Decompress(std::string_view in, ByteBuffer* storage,
                                    size_t max_output = kDefaultMaxDecompressed);

// The plain size `in` announces, trusted only up to a plausible ratio: a gzip trailer's
// ISIZE (exact for one member under 4 GiB), a zstd frame's content size, `in.size()`
// when it is not compressed; 0 when it announces none. Decompress sizes its first
// buffer with it; a host may prepare room while decompression runs elsewhere.
size_t DecompressedSizeHint(std::string_view in);

// The plain size a gzip input of `size` bytes whose trailer's ISIZE is `isize` announces,
// as DecompressedSizeHint reads it, for a host that has only the trailer at hand.
size_t GzipSizeHint(size_t size, uint32_t isize);

// gzip-compresses `in` (one member). Never fails.
std::string GzipCompress(std::string_view in, int level = 6);

}  // namespace pyrolens

#endif  // PYROLENS_CORE_INCLUDE_PYROLENS_COMPRESSION_H_
