// The generated profile that both warm-ups load (pyro_warm_up in main.cc and inflate.cc):
// large enough for V8 to optimize the loading code, small enough for a few hundred ms of the
// page's idle time.
#ifndef PYROLENS_WASM_WARM_UP_H_
#define PYROLENS_WASM_WARM_UP_H_

#include "bench/generator.h"

namespace pyrolens::wasm {

inline Result<Profile> WarmUpProfile() {
  bench::GenOptions o;
  o.samples = 20000;
  o.stacks = 4000;
  o.functions = 2000;
  o.label_cardinality = 1000;
  return bench::Generate(o);
}

}  // namespace pyrolens::wasm

#endif  // PYROLENS_WASM_WARM_UP_H_
