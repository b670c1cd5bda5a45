// One entry point for every input: detects compression and format by content and
// returns the profile, or a Status naming the format, field and offset at fault.
#ifndef PYROLENS_CORE_INCLUDE_PYROLENS_READER_H_
#define PYROLENS_CORE_INCLUDE_PYROLENS_READER_H_

#include <cstdint>
#include <memory>
#include <string_view>

#include "pyrolens/compression.h"
#include "pyrolens/profile.h"
#include "pyrolens/status.h"

namespace pyrolens {

class PprofReader;  // core/src/pprof_reader.h

enum class InputFormat {
  kUnknown,
  kPprof,
  kFolded,
  kJfr,          // Java Flight Recorder (jfr.h)
  kCpuProfile,   // V8 .cpuprofile JSON (cpuprofile.h)
  kHeapProfile,  // V8 .heapprofile JSON (cpuprofile.h)
  kSpeedscope,   // speedscope JSON (speedscope.h)
  kPerfScript,   // `perf script` text (perf_script.h)
};

struct ReadOptions {
  size_t max_decompressed = kDefaultMaxDecompressed;
};

// Names the format of uncompressed `data`, by content; for inputs Pyrolens recognises
// but does not read (other JSON profiles, legacy pprof text, callgrind) sets
// `*unsupported` to its name.
InputFormat DetectFormat(std::string_view data, const char** unsupported);

// Reads a profile in any supported format and compression. `data` need not outlive
// the call. Errors: Corruption (bad bytes), NotSupported (a known but unread format),
// ResourceExhausted (decompressed size over the limit).
Result<Profile> ReadProfile(std::string_view data, const ReadOptions& options = {});

// ReadProfile in steps, for a UI that must keep drawing while a large profile loads.
// The first Step decompresses and detects the format; the next reads any format but pprof
// whole (a host with a worker may convert those first: format()), and a pprof message is
// read about `budget` bytes a step (PprofReader). The profile
// and the errors are those of ReadProfile. REQUIRES: `data` outlives the reader.
class ProfileReader {
 public:
  explicit ProfileReader(std::string_view data, const ReadOptions& options = {});
  ~ProfileReader();
  ProfileReader(const ProfileReader&) = delete;
  ProfileReader& operator=(const ProfileReader&) = delete;

  // True when done, false when more steps are needed; an error status on bad input
  // (then the reader must not be stepped again).
  Result<bool> Step(size_t budget);
  // For input that arrives while it is read (inflated elsewhere): `data` is room for all
  // of it, of which only the first n bytes have arrived (the last time: the input is n
  // bytes). Plain pprof is read as it arrives, a field at a time; anything else once it
  // has all arrived. Steps that cannot go on before more arrives do nothing: waiting().
  void Arrived(size_t n, bool last);
  // True when the last Step could not go on before more input arrives.
  bool waiting() const { return waiting_; }
  // The share of the work done, 0 to 1.
  double progress() const;
  // The input's format once the first Step returned false (kUnknown before).
  InputFormat format() const { return format_; }
  // REQUIRES: Step returned true. Moves the profile out.
  Profile Take();

 private:
  Status Start();
  std::string_view data_;
  ReadOptions options_;
  ByteBuffer storage_;  // the decompressed input
  std::string_view plain_;
  InputFormat format_ = InputFormat::kUnknown;
  const char* unsupported_ = nullptr;
  std::unique_ptr<PprofReader> pprof_;
  Profile profile_;  // a whole-read format's result
  size_t arrived_ = SIZE_MAX;
  bool last_ = true, waiting_ = false;
  bool started_ = false, read_whole_ = false;
};

}  // namespace pyrolens

#endif  // PYROLENS_CORE_INCLUDE_PYROLENS_READER_H_
