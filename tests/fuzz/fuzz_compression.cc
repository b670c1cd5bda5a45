// libFuzzer target: Decompress on arbitrary bytes never exceeds its limit, and a
// gzip round trip of the input returns it unchanged.
#include <cstdint>
#include <cstdlib>

#include "pyrolens/compression.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  constexpr size_t kLimit = 16 << 20;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  std::string storage;
  pyrolens::Result<std::string_view> out = pyrolens::Decompress(in, &storage, kLimit);
  if (out.ok() && out->size() > kLimit) abort();
  if (!out.ok() && out.status().message().empty()) abort();
  std::string storage2;
  pyrolens::Result<std::string_view> back =
      pyrolens::Decompress(pyrolens::GzipCompress(in), &storage2, kLimit);
  if (!back.ok() || *back != in) abort();
  return 0;
}
