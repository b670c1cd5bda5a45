// libFuzzer target: ReadProfile on arbitrary bytes (any compression, any format) with a
// small decompression limit. Whatever reads must survive the pprof round trip.
#include <cstdint>
#include <string_view>

#include "round_trip.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  pyrolens::ReadOptions options;
  options.max_decompressed = size_t{16} << 20;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  pyrolens::Result<pyrolens::Profile> p = pyrolens::ReadProfile(in, options);
  if (!p.ok()) {
    if (p.status().message().empty()) pyrolens::fuzz::Fail("error without a message", "");
    return 0;
  }
  pyrolens::fuzz::CheckRoundTrip(*p);
  return 0;
}
