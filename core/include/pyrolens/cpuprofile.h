// Chrome / Node.js (V8) profiles in JSON:
//   .cpuprofile   {nodes:[{id, callFrame:{functionName, url, lineNumber, columnNumber},
//                  hitCount, children:[ids]}], startTime, endTime, samples:[ids],
//                  timeDeltas:[µs]} (DevTools, `node --cpu-prof`), and Node ≤ 10's
//                  {head:{functionName, url, lineNumber, id, hitCount, children:[nodes]},
//                  samples, timestamps:[µs]}.
//   .heapprofile  {head:{callFrame, selfSize, id, children:[nodes]}, samples:[{size, nodeId}]}
//                  (V8's sampling heap profiler: DevTools, `node --heap-prof`).
// A cpuprofile gives samples/count and wall/nanoseconds (V8 samples the thread on a timer,
// idle or not; a sample lasts until the next one, the last until endTime); without a
// samples array, the nodes' hitCount gives samples/count only. A heapprofile gives
// inuse_space/bytes (each node's selfSize) and, with samples, inuse_objects/count.
// Frames are named by functionName ("(anonymous)" when empty) with url and 1-based line.
#ifndef PYROLENS_CORE_INCLUDE_PYROLENS_CPUPROFILE_H_
#define PYROLENS_CORE_INCLUDE_PYROLENS_CPUPROFILE_H_

#include <string_view>

#include "pyrolens/profile.h"
#include "pyrolens/status.h"

namespace pyrolens {

// Parses a .cpuprofile (either layout). Corruption names the field, e.g.
//   cpuprofile: samples[12]: unknown node id 77
// and JSON syntax errors their byte offset. `text` need not outlive the call.
Result<Profile> ReadCpuProfile(std::string_view text);

// Parses a .heapprofile. Errors as ReadCpuProfile's, prefixed "heapprofile: ".
Result<Profile> ReadHeapProfile(std::string_view text);

}  // namespace pyrolens

#endif  // PYROLENS_CORE_INCLUDE_PYROLENS_CPUPROFILE_H_
