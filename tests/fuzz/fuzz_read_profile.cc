// libFuzzer target: any bytes through ReadProfile (compression + format detection +
// pprof/folded readers). A profile that reads must survive a WritePprof round trip
// with the same sample count and totals.
#include <cstdint>
#include <cstdlib>

#include "pyrolens/pprof.h"
#include "pyrolens/reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  pyrolens::ReadOptions options;
  options.max_decompressed = 64 << 20;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  pyrolens::Result<pyrolens::Profile> p = pyrolens::ReadProfile(in, options);
  if (!p.ok()) {
    if (p.status().message().empty()) abort();  // every error must say what went wrong
    return 0;
  }
  pyrolens::Result<pyrolens::Profile> again =
      pyrolens::ReadProfile(pyrolens::WritePprof(*p, /*gzip=*/false), options);
  if (!again.ok() || again->num_samples() != p->num_samples()) abort();
  for (size_t t = 0; t < p->num_types(); ++t) {
    if (again->Total(t) != p->Total(t)) abort();
  }
  return 0;
}
