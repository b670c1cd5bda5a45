#include "pyrolens/compression.h"

#include <libdeflate.h>
#include <zstd.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <new>

namespace pyrolens {
namespace {

constexpr unsigned char kGzipMagic[] = {0x1f, 0x8b};
constexpr unsigned char kZstdMagic[] = {0x28, 0xb5, 0x2f, 0xfd};

bool HasPrefix(std::string_view data, const unsigned char* magic, size_t n) {
  return data.size() >= n && memcmp(data.data(), magic, n) == 0;
}

Result<std::string_view> Gunzip(std::string_view in, ByteBuffer* out, size_t max_output) {
  std::unique_ptr<libdeflate_decompressor, decltype(&libdeflate_free_decompressor)> d(
      libdeflate_alloc_decompressor(), libdeflate_free_decompressor);
  out->Resize(0);
  size_t pos = 0;
  while (pos < in.size()) {
    if (!HasPrefix(in.substr(pos), kGzipMagic, 2)) {
      return Status::Corruption(Format("gzip: at offset %zu: expected member header 1f 8b", pos));
    }
    size_t guess = pos == 0 ? DecompressedSizeHint(in) : 0;
    if (guess == 0) guess = (in.size() - pos) * 4;
    size_t room = std::min(std::max<size_t>(guess, 1024), max_output - out->size() + 1);
    for (;;) {
      size_t base = out->size();
      out->Resize(base + room);
      size_t in_used = 0, out_used = 0;
      libdeflate_result r = libdeflate_gzip_decompress_ex(
          d.get(), in.data() + pos, in.size() - pos, out->data() + base, room, &in_used, &out_used);
      if (r == LIBDEFLATE_SUCCESS) {
        out->Resize(base + out_used);
        pos += in_used;
        break;
      }
      out->Resize(base);
      if (r != LIBDEFLATE_INSUFFICIENT_SPACE) {
        return Status::Corruption(
            Format("gzip: member at offset %zu is corrupt or truncated (%zu compressed bytes)", pos,
                   in.size() - pos));
      }
      if (base + room > max_output) {
        return Status::ResourceExhausted(
            Format("gzip: decompressed size exceeds the limit of %zu bytes", max_output));
      }
      room = std::min(room * 2, max_output - base + 1);
    }
    if (out->size() > max_output) {
      return Status::ResourceExhausted(
          Format("gzip: decompressed size exceeds the limit of %zu bytes", max_output));
    }
  }
  return out->view();
}

Result<std::string_view> Unzstd(std::string_view in, ByteBuffer* out, size_t max_output) {
  std::unique_ptr<ZSTD_DCtx, decltype(&ZSTD_freeDCtx)> d(ZSTD_createDCtx(), ZSTD_freeDCtx);
  // A declared size, trusted up to a plausible ratio; grow by doubling past it.
  size_t declared = DecompressedSizeHint(in);
  size_t room = declared ? declared + 1 : in.size() * 4 + 1024;
  out->Resize(std::min(room, max_output + 1));
  ZSTD_inBuffer src{in.data(), in.size(), 0};
  size_t produced = 0;
  size_t last = 0;
  while (src.pos < src.size) {
    if (produced == out->size()) {
      if (out->size() > max_output) {
        return Status::ResourceExhausted(
            Format("zstd: decompressed size exceeds the limit of %zu bytes", max_output));
      }
      out->Resize(std::min(out->size() * 2, max_output + 1));
    }
    ZSTD_outBuffer dst{out->data(), out->size(), produced};
    last = ZSTD_decompressStream(d.get(), &dst, &src);
    produced = dst.pos;
    if (ZSTD_isError(last)) {
      return Status::Corruption(
          Format("zstd: at input offset %zu: %s", src.pos, ZSTD_getErrorName(last)));
    }
    if (produced > max_output) {
      return Status::ResourceExhausted(
          Format("zstd: decompressed size exceeds the limit of %zu bytes", max_output));
    }
  }
  // Drain any output still buffered inside the decoder.
  while (last != 0) {
    if (produced == out->size()) {
      if (out->size() > max_output) {
        return Status::ResourceExhausted(
            Format("zstd: decompressed size exceeds the limit of %zu bytes", max_output));
      }
      out->Resize(std::min(out->size() * 2, max_output + 1));
    }
    ZSTD_outBuffer dst{out->data(), out->size(), produced};
    size_t before = produced;
    last = ZSTD_decompressStream(d.get(), &dst, &src);
    produced = dst.pos;
    if (ZSTD_isError(last)) {
      return Status::Corruption(
          Format("zstd: at input offset %zu: %s", src.pos, ZSTD_getErrorName(last)));
    }
    if (produced == before && last != 0) {
      return Status::Corruption(
          Format("zstd: input truncated at offset %zu (frame incomplete)", in.size()));
    }
  }
  if (produced > max_output) {
    return Status::ResourceExhausted(
        Format("zstd: decompressed size exceeds the limit of %zu bytes", max_output));
  }
  out->Resize(produced);
  return out->view();
}

}  // namespace

Compression DetectCompression(std::string_view data) {
  if (HasPrefix(data, kGzipMagic, 2)) return Compression::kGzip;
  if (HasPrefix(data, kZstdMagic, 4)) return Compression::kZstd;
  return Compression::kNone;
}

const char* CompressionName(Compression c) {
  switch (c) {
    case Compression::kGzip:
      return "gzip";
    case Compression::kZstd:
      return "zstd";
    case Compression::kNone:
      break;
  }
  return "none";
}

void ByteBuffer::Resize(size_t n) {
  if (n > capacity_) {
    char* grown = static_cast<char*>(realloc(data_.get(), n));
    if (grown == nullptr) throw std::bad_alloc();
    data_.release();
    data_.reset(grown);
    capacity_ = n;
  }
  size_ = n;
}

size_t GzipSizeHint(size_t size, uint32_t isize) {
  // The trailer's ISIZE (size mod 2^32 of the last member) unless it is beyond deflate's
  // 1032:1 ratio (a damaged or truncated trailer). Noise below that ratio is trusted only
  // up to 64:1 (more than profiles reach), lest a truncated file cost a zeroed buffer of
  // 1000 times its size.
  if (size < 18) return 0;
  return isize <= size * 1032 ? std::min<size_t>(isize, size * 64) : 0;
}

size_t DecompressedSizeHint(std::string_view in) {
  switch (DetectCompression(in)) {
    case Compression::kGzip: {
      if (in.size() < 18) return 0;
      uint32_t isize;
      memcpy(&isize, in.data() + in.size() - 4, 4);
      return GzipSizeHint(in.size(), isize);
    }
    case Compression::kZstd: {
      unsigned long long declared = ZSTD_getFrameContentSize(in.data(), in.size());
      if (declared == ZSTD_CONTENTSIZE_UNKNOWN || declared == ZSTD_CONTENTSIZE_ERROR) return 0;
      return static_cast<size_t>(
          std::min<unsigned long long>(declared, in.size() * 64ull + (1 << 20)));
    }
    case Compression::kNone:
      break;
  }
  return in.size();
}

Result<std::string_view> Decompress(std::string_view in, ByteBuffer* storage, size_t max_output) {
  switch (DetectCompression(in)) {
    case Compression::kGzip:
      return Gunzip(in, storage, max_output);
    case Compression::kZstd:
      return Unzstd(in, storage, max_output);
    case Compression::kNone:
      break;
  }
  if (in.size() > max_output) {
    return Status::ResourceExhausted(
        Format("input of %zu bytes exceeds the limit of %zu bytes", in.size(), max_output));
  }
  return in;
}

std::string GzipCompress(std::string_view in, int level) {
  std::unique_ptr<libdeflate_compressor, decltype(&libdeflate_free_compressor)> c(
      libdeflate_alloc_compressor(level), libdeflate_free_compressor);
  std::string out(libdeflate_gzip_compress_bound(c.get(), in.size()), '\0');
  out.resize(libdeflate_gzip_compress(c.get(), in.data(), in.size(), out.data(), out.size()));
  return out;
}

}  // namespace pyrolens
