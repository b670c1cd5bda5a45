// The decompression worker's module (web/inflate-worker.js): core's Decompress, and for
// formats other than pprof core's reader and pprof writer, run in a Web Worker so that a
// large file never blocks the page's main thread. The page then hands the plain pprof
// bytes to the viewer, which reads pprof in steps (other formats it reads in one go).
#include <emscripten/emscripten.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>

#include "pyrolens/compression.h"
#include "pyrolens/folded.h"
#include "pyrolens/pprof.h"
#include "pyrolens/reader.h"
#include "warm_up.h"

namespace {

pyrolens::ByteBuffer g_out;
std::string g_converted;  // a profile in another format, as pprof
pyrolens::Status g_status;
std::string_view g_plain;

}  // namespace

extern "C" {

// Decompresses [in, in+size) (gzip or zstd; anything else passes through) with core's
// default output limit, as the viewer's own reader would, and converts a profile in a
// format other than pprof to pprof (bytes in no known format pass through: the viewer
// names them). Returns 1 on success (pyro_inflated_data/size hold the bytes, which may be
// [in, in+size) itself, until the next call), 0 on error (pyro_inflate_error says what
// and where, as the viewer's reader would).
EMSCRIPTEN_KEEPALIVE int pyro_inflate(const char* in, size_t size) {
  g_converted = std::string();
  pyrolens::Result<std::string_view> plain =
      pyrolens::Decompress(std::string_view(in, size), &g_out);
  const char* unsupported = nullptr;
  pyrolens::InputFormat format =
      plain.ok() ? pyrolens::DetectFormat(*plain, &unsupported) : pyrolens::InputFormat::kPprof;
  if (format != pyrolens::InputFormat::kPprof && format != pyrolens::InputFormat::kUnknown) {
    pyrolens::Result<pyrolens::Profile> p = pyrolens::ReadProfile(*plain);
    if (p.ok()) {
      g_converted = pyrolens::WritePprof(*p, /*gzip=*/false);
      g_out = pyrolens::ByteBuffer();
      plain = std::string_view(g_converted);
    } else {
      plain = p.status();
    }
  }
  g_status = plain.ok() ? pyrolens::Status() : plain.status();
  g_plain = plain.ok() ? *plain : std::string_view();
  return plain.ok() ? 1 : 0;
}
// The plain size [in, in+size) announces (DecompressedSizeHint; 0: none).
EMSCRIPTEN_KEEPALIVE size_t pyro_size_hint(const char* in, size_t size) {
  return pyrolens::DecompressedSizeHint(std::string_view(in, size));
}
// The plain size a gzip file of `size` bytes ending in ISIZE `isize` announces
// (GzipSizeHint), for the worker, which inflates a large gzip file as it reads it.
EMSCRIPTEN_KEEPALIVE size_t pyro_gzip_size_hint(size_t size, uint32_t isize) {
  return pyrolens::GzipSizeHint(size, isize);
}
EMSCRIPTEN_KEEPALIVE const char* pyro_inflated_data() { return g_plain.data(); }
EMSCRIPTEN_KEEPALIVE size_t pyro_inflated_size() { return g_plain.size(); }
EMSCRIPTEN_KEEPALIVE const char* pyro_inflate_error() { return g_status.message().c_str(); }

// Inflates 1 MiB of generated gzip a few times, and converts the warm-up profile, written
// as folded stacks, to pprof, so that V8 optimizes the inflating code, and the code every
// conversion shares (building the profile, writing pprof), before the worker's file comes
// (see pyro_warm_up in main.cc: a call that runs once and long never gets the optimized
// code).
EMSCRIPTEN_KEEPALIVE void pyro_warm_up() {
  std::string plain(size_t{1} << 20, '\0');
  uint32_t x = 1;
  for (size_t i = 0; i < plain.size(); ++i) {
    x = x * 1103515245u + 12345u;  // literals, and repeats of a recent stretch
    plain[i] = (x >> 28) < 5 ? plain[i - std::min<size_t>(i, 64 + (x >> 16) % 1024)]
                             : static_cast<char>(x >> 24);
  }
  std::string gz = pyrolens::GzipCompress(plain, 1);
  for (int k = 0; k < 4; ++k) {
    pyrolens::ByteBuffer out;
    (void)pyrolens::Decompress(gz, &out);
  }
  pyrolens::Result<pyrolens::Profile> generated = pyrolens::wasm::WarmUpProfile();
  if (!generated.ok()) return;
  const std::string folded = pyrolens::WriteFolded(*generated, 0);
  for (int k = 0; k < 10; ++k) {
    pyrolens::Result<pyrolens::Profile> p = pyrolens::ReadProfile(folded);
    if (p.ok()) (void)pyrolens::WritePprof(*p, /*gzip=*/false);
  }
}

}  // extern "C"
