// [Internal] Runs a stepped reader or builder (ProfileReader, PprofReader, CallTreeBuilder:
// Step(budget) -> Result<bool> done, then Take()) to its end in one call.
#ifndef PYROLENS_CORE_SRC_STEPS_H_
#define PYROLENS_CORE_SRC_STEPS_H_

#include <cstdint>

#include "pyrolens/status.h"

namespace pyrolens {

template <typename Steps>
auto RunToEnd(Steps* steps) -> Result<decltype(steps->Take())> {
  for (;;) {
    ASSIGN_OR_RETURN(bool done, steps->Step(SIZE_MAX));
    if (done) return steps->Take();
  }
}

}  // namespace pyrolens

#endif  // PYROLENS_CORE_SRC_STEPS_H_
