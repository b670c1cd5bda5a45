// libFuzzer target: Decompress on arbitrary bytes with a small output limit (must return
// plain bytes or an error naming gzip/zstd), and GzipCompress + Decompress must give the
// input back.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "pyrolens/compression.h"

namespace {

[[noreturn]] void Fail(const char* what, const std::string& detail) {
  fprintf(stderr, "fuzz_compression: %s: %s\n", what, detail.c_str());
  abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  constexpr size_t kLimit = size_t{16} << 20;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  pyrolens::Compression c = pyrolens::DetectCompression(in);
  pyrolens::ByteBuffer storage;
  pyrolens::Result<std::string_view> plain = pyrolens::Decompress(in, &storage, kLimit);
  if (plain.ok()) {
    if (plain->size() > kLimit) Fail("output over the limit", std::to_string(plain->size()));
    if (c == pyrolens::Compression::kNone && *plain != in) Fail("plain input changed", "");
  } else {
    const std::string& m = plain.status().message();
    std::string name = pyrolens::CompressionName(c);
    if (c == pyrolens::Compression::kNone || m.compare(0, name.size() + 2, name + ": ") != 0) {
      Fail("error does not name the compression", m);
    }
  }
  std::string packed = pyrolens::GzipCompress(in, 1);
  pyrolens::ByteBuffer storage2;
  pyrolens::Result<std::string_view> back = pyrolens::Decompress(packed, &storage2, kLimit);
  if (!back.ok()) Fail("own gzip does not decompress", back.status().message());
  if (*back != in) Fail("gzip round trip changed the bytes", "");
  return 0;
}
