#include "pyrolens/reader.h"

#include <algorithm>
#include <cstring>

#include "pprof_reader.h"
#include "pyrolens/cpuprofile.h"
#include "pyrolens/folded.h"
#include "pyrolens/jfr.h"
#include "pyrolens/perf_script.h"
#include "pyrolens/pprof.h"
#include "pyrolens/speedscope.h"
#include "steps.h"

namespace pyrolens {
namespace {

bool StartsWith(std::string_view data, std::string_view prefix) {
  return data.substr(0, prefix.size()) == prefix;
}

std::string_view SkipSpace(std::string_view d) {
  while (!d.empty() && (d[0] == ' ' || d[0] == '\n' || d[0] == '\r' || d[0] == '\t')) {
    d.remove_prefix(1);
  }
  return d;
}

// Which JSON profile `text` (starting with '{') is, from its top-level keys, found by one
// pass that skips nested values and strings: V8 cpuprofile ({nodes, samples} or {head,
// samples|timestamps}), V8 heapprofile ({head} alone), speedscope ({$schema|shared,
// profiles}); kUnknown for others (trace events, Firefox, stackprof, ...).
InputFormat DetectJson(std::string_view text) {
  bool nodes = false, head = false, samples = false, times = false, profiles = false,
       shared = false, schema = false;
  int depth = 0;
  size_t i = 0, n = text.size();
  while (i < n) {
    char c = text[i];
    if (c == '"') {
      size_t start = ++i;
      while (i < n && text[i] != '"') i += text[i] == '\\' ? 2 : 1;
      if (i >= n) break;
      std::string_view str = text.substr(start, i - start);
      ++i;
      size_t j = i;
      while (j < n && (text[j] == ' ' || text[j] == '\n' || text[j] == '\r' || text[j] == '\t'))
        ++j;
      if (depth == 1 && j < n && text[j] == ':') {
        nodes |= str == "nodes";
        head |= str == "head";
        samples |= str == "samples";
        times |= str == "timeDeltas" || str == "timestamps" || str == "startTime";
        profiles |= str == "profiles";
        shared |= str == "shared";
        schema |= str == "$schema";
      }
      continue;
    }
    if (c == '{' || c == '[') ++depth;
    if (c == '}' || c == ']') --depth;
    ++i;
  }
  if (profiles && (shared || schema)) return InputFormat::kSpeedscope;
  if (nodes && (samples || times)) return InputFormat::kCpuProfile;
  if (head && (samples || times) && !nodes) {
    // Node ≤ 10 cpuprofiles have timestamps; heap profiles' samples carry sizes instead.
    return times ? InputFormat::kCpuProfile : InputFormat::kHeapProfile;
  }
  if (head) return InputFormat::kHeapProfile;
  return InputFormat::kUnknown;
}

// Reads plain `data` of `format` in one call (`unsupported` as DetectFormat set it).
Result<Profile> ReadWhole(InputFormat format, std::string_view data, const char* unsupported) {
  switch (format) {
    case InputFormat::kPprof:
      return ReadPprof(data);
    case InputFormat::kFolded:
      return ReadFolded(data);
    case InputFormat::kJfr:
      return ReadJfr(data);
    case InputFormat::kCpuProfile:
      return ReadCpuProfile(data);
    case InputFormat::kHeapProfile:
      return ReadHeapProfile(data);
    case InputFormat::kSpeedscope:
      return ReadSpeedscope(data);
    case InputFormat::kPerfScript:
      return ReadPerfScript(data);
    case InputFormat::kUnknown:
      break;
  }
  if (unsupported != nullptr) {
    return Status::NotSupported(Format("%s is not supported yet", unsupported));
  }
  return Status::NotSupported(
      "unrecognised format: not pprof (protobuf), folded stacks or a known compression");
}

}  // namespace

InputFormat DetectFormat(std::string_view data, const char** unsupported) {
  *unsupported = nullptr;
  std::string_view text = SkipSpace(data);
  if (LooksLikeJfr(data)) {
    return InputFormat::kJfr;
  } else if (StartsWith(data, "PK\x03\x04")) {
    *unsupported = "zip archive";
  } else if (StartsWith(data, "\x04\x22\x4d\x18")) {
    *unsupported = "lz4-compressed data";
  } else if (StartsWith(text, "{") || StartsWith(text, "[")) {
    InputFormat json = StartsWith(text, "{") ? DetectJson(text) : InputFormat::kUnknown;
    if (json != InputFormat::kUnknown) return json;
    *unsupported = "JSON profile (Chrome trace events, Firefox, stackprof or other)";
  } else if (StartsWith(text, "--- contention") || StartsWith(text, "heap profile:") ||
             StartsWith(text, "--- heapz") || StartsWith(text, "--- threadz") ||
             StartsWith(text, "--- thread") || StartsWith(text, "%%% Java") ||
             StartsWith(text, "--- symbol")) {
    *unsupported = "legacy pprof text profile";
  } else if (StartsWith(text, "events:") || StartsWith(text, "# callgrind") ||
             StartsWith(text, "version: 1") || StartsWith(text, "creator:")) {
    *unsupported = "callgrind";
  } else if (LooksLikePerfScript(data)) {
    return InputFormat::kPerfScript;
  } else if (LooksLikeFolded(data)) {
    return InputFormat::kFolded;
  } else if (LooksLikePprof(data)) {
    return InputFormat::kPprof;
  }
  return InputFormat::kUnknown;
}

Result<Profile> ReadProfile(std::string_view data, const ReadOptions& options) {
  ProfileReader reader(data, options);
  return RunToEnd(&reader);
}

ProfileReader::ProfileReader(std::string_view data, const ReadOptions& options)
    : data_(data), options_(options) {}
ProfileReader::~ProfileReader() = default;

void ProfileReader::Arrived(size_t n, bool last) {
  arrived_ = n;
  last_ = last;
  waiting_ = false;
  if (last) data_ = data_.substr(0, n);
  if (pprof_) pprof_->Arrived(n, last);
}

Result<bool> ProfileReader::Step(size_t budget) {
  // Enough of the input to tell its compression and format by; only plain pprof is read
  // before it all arrived.
  constexpr size_t kDetectBytes = 64 << 10;
  waiting_ = false;
  if (!started_) {
    std::string_view head = data_.substr(0, std::min(arrived_, data_.size()));
    const char* unsupported;
    if (!last_ && (head.size() < kDetectBytes || DetectCompression(head) != Compression::kNone ||
                   DetectFormat(head, &unsupported) != InputFormat::kPprof)) {
      waiting_ = true;
      return false;
    }
    started_ = true;
    RETURN_IF_ERROR(Start());
    if (pprof_ && !last_) pprof_->Arrived(arrived_, false);
    return false;
  }
  if (pprof_) {
    Result<bool> done = pprof_->Step(budget);
    waiting_ = pprof_->waiting();
    return done;
  }
  if (!last_) {
    waiting_ = true;
    return false;
  }
  ASSIGN_OR_RETURN(profile_, ReadWhole(format_, plain_, unsupported_));
  read_whole_ = true;
  return true;
}

double ProfileReader::progress() const {
  return pprof_ ? pprof_->progress() : read_whole_ ? 1.0 : started_ ? 0.1 : 0.0;
}

Profile ProfileReader::Take() { return pprof_ ? pprof_->Take() : std::move(profile_); }

Status ProfileReader::Start() {
  ASSIGN_OR_RETURN(plain_, Decompress(data_, &storage_, options_.max_decompressed));
  format_ = DetectFormat(plain_, &unsupported_);
  if (format_ == InputFormat::kPprof) pprof_ = std::make_unique<PprofReader>(plain_);
  return Status();
}

}  // namespace pyrolens
