// JFR (Java Flight Recorder) reading: the binary format of the JDK (11+) and of
// async-profiler, versions 1.x and 2.x with compressed integers.
//
// A recording is a sequence of self-contained chunks: a 68-byte header, then records
// (size, type id, fields). Each chunk's metadata record declares its classes and fields;
// its constant-pool records hold the strings, symbols, classes, methods, stack traces and
// threads the events refer to. Chunks are decoded one at a time straight from the borrowed
// buffer (nothing is copied whole), so recordings of hundreds of MB read in one pass.
//
// Profiling events become sample types (identical stack and thread are summed):
//   jdk.ExecutionSample, datadog.ExecutionSample:       samples/count, cpu/nanoseconds
//   jdk.NativeMethodSample, profiler.WallClockSample,
//     datadog.MethodSample:                             wall_samples/count, wall/nanoseconds
//   jdk.ObjectAllocationInNewTLAB (tlabSize), jdk.ObjectAllocationOutsideTLAB
//     (allocationSize), jdk.ObjectAllocationSample (weight),
//     datadog.ObjectSample (size):                      alloc_objects/count, alloc_space/bytes
//   profiler.LiveObject, datadog.HeapLiveObject:        inuse_objects/count, inuse_space/bytes
//   jdk.JavaMonitorEnter:                               lock_count/count,
//                                                       lock_duration/nanoseconds
//   jdk.ThreadPark:                                     block_count/count,
//                                                       block_duration/nanoseconds
//   jdk.JavaExceptionThrow, jdk.JavaErrorThrow,
//     datadog.ExceptionSample:                          exceptions/count
//   profiler.Malloc:                                    malloc_objects/count,
//                                                       malloc_space/bytes
// Nanoseconds of cpu and wall samples are the count times the sampling period the
// recording's jdk.ActiveSetting events give (JDK "period", async-profiler "interval" and
// "wall"); without a period only the count is given. Only types with events appear.
// Frames are named package.Class.method (native frames: the symbol) with their line;
// each sample carries the thread name as label `thread_name`, and events with a nonzero
// `contextId` field (Pyroscope's async-profiler) the numeric label kJfrContextLabel, which
// the Java agent's LabelsSnapshot maps to labels (pyrolens serve applies it).
//
// Errors name the chunk, record and byte offset, e.g.
//   jfr: chunk 2 constant pool at offset 8812: unknown type id 77
#ifndef PYROLENS_CORE_INCLUDE_PYROLENS_JFR_H_
#define PYROLENS_CORE_INCLUDE_PYROLENS_JFR_H_

#include <string_view>

#include "pyrolens/profile.h"
#include "pyrolens/status.h"

namespace pyrolens {

// Parses an uncompressed JFR recording. Corruption (with chunk and offset) on malformed
// input, NotSupported for JFR 0.9 or a recording without profiling events. `data` need
// not outlive the call.
Result<Profile> ReadJfr(std::string_view data);

// The numeric sample label holding an event's context id.
inline constexpr char kJfrContextLabel[] = "contextId";

// True when `data` starts with the JFR chunk magic "FLR\0".
bool LooksLikeJfr(std::string_view data);

}  // namespace pyrolens

#endif  // PYROLENS_CORE_INCLUDE_PYROLENS_JFR_H_
