// libFuzzer target: folded text reads or fails cleanly; what reads writes back as
// folded text that reads to the same total.
#include <cstdint>
#include <cstdlib>

#include "pyrolens/folded.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  pyrolens::Result<pyrolens::Profile> p = pyrolens::ReadFolded(in);
  if (!p.ok()) return 0;
  std::string text = pyrolens::WriteFolded(*p, 0);
  if (text.empty()) return 0;  // every stack summed to zero
  pyrolens::Result<pyrolens::Profile> again = pyrolens::ReadFolded(text);
  if (!again.ok() || again->Total(0) != p->Total(0)) abort();
  return 0;
}
