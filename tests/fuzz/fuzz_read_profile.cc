// libFuzzer target: ReadProfile on arbitrary bytes (any compression, any format) with a
// small decompression limit, and the same read in steps (ProfileReader), which must end the
// same way. Whatever reads must survive the pprof round trip.
#include <cstdint>
#include <string_view>

#include "round_trip.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  pyrolens::ReadOptions options;
  options.max_decompressed = size_t{16} << 20;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  pyrolens::Result<pyrolens::Profile> p = pyrolens::ReadProfile(in, options);
  // The same read in small steps (as the viewer reads) ends the same way.
  pyrolens::ProfileReader reader(in, options);
  for (;;) {
    pyrolens::Result<bool> done = reader.Step(1 + size % 97);
    if (!done.ok()) {
      if (p.ok() || done.status().message() != p.status().message()) {
        pyrolens::fuzz::Fail("a read in steps fails otherwise", done.status().message());
      }
      break;
    }
    if (*done) {
      if (!p.ok()) pyrolens::fuzz::Fail("a read in steps succeeds", p.status().message());
      if (pyrolens::WritePprof(reader.Take(), false) != pyrolens::WritePprof(*p, false)) {
        pyrolens::fuzz::Fail("a read in steps reads another profile", "");
      }
      break;
    }
  }
  if (!p.ok()) {
    if (p.status().message().empty()) pyrolens::fuzz::Fail("error without a message", "");
    return 0;
  }
  pyrolens::fuzz::CheckRoundTrip(*p);
  return 0;
}
