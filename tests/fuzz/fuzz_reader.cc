// libFuzzer target for one format reader, chosen at compile time (tests/fuzz/CMakeLists.txt):
// PYROLENS_FUZZ_READ is the reader, PYROLENS_FUZZ_PREFIXES the prefixes its error
// messages may start with. Errors must name the format; what reads must survive the pprof
// round trip.
#include <cstdint>
#include <string_view>

#include "pyrolens/cpuprofile.h"
#include "pyrolens/jfr.h"
#include "pyrolens/perf_script.h"
#include "pyrolens/speedscope.h"
#include "round_trip.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  pyrolens::Result<pyrolens::Profile> p = pyrolens::PYROLENS_FUZZ_READ(in);
  if (!p.ok()) {
    const std::string& m = p.status().message();
    for (const char* prefix : {PYROLENS_FUZZ_PREFIXES}) {
      if (m.rfind(prefix, 0) == 0) return 0;
    }
    pyrolens::fuzz::Fail("error names no format", m);
  }
  pyrolens::fuzz::CheckRoundTrip(*p);
  return 0;
}
