#include "pyrolens/reader.h"

#include <cstring>

#include "pyrolens/folded.h"
#include "pyrolens/pprof.h"

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

}  // namespace

InputFormat DetectFormat(std::string_view data, const char** unsupported) {
  *unsupported = nullptr;
  std::string_view text = SkipSpace(data);
  if (StartsWith(data, std::string_view("FLR\0", 4))) {
    *unsupported = "JFR (Java Flight Recorder)";
  } else if (StartsWith(data, "PK\x03\x04")) {
    *unsupported = "zip archive";
  } else if (StartsWith(data, "\x04\x22\x4d\x18")) {
    *unsupported = "lz4-compressed data";
  } else if (StartsWith(text, "{") || StartsWith(text, "[")) {
    *unsupported = "JSON profile (speedscope, Chrome, Firefox or trace events)";
  } else if (StartsWith(text, "--- contention") || StartsWith(text, "heap profile:") ||
             StartsWith(text, "--- heapz") || StartsWith(text, "--- threadz") ||
             StartsWith(text, "--- thread") || StartsWith(text, "%%% Java") ||
             StartsWith(text, "--- symbol")) {
    *unsupported = "legacy pprof text profile";
  } else if (StartsWith(text, "events:") || StartsWith(text, "# callgrind") ||
             StartsWith(text, "version: 1") || StartsWith(text, "creator:")) {
    *unsupported = "callgrind";
  } else if (LooksLikeFolded(data)) {
    return InputFormat::kFolded;
  } else if (LooksLikePprof(data)) {
    return InputFormat::kPprof;
  }
  return InputFormat::kUnknown;
}

Result<Profile> ReadProfile(std::string_view data, const ReadOptions& options) {
  ByteBuffer storage;
  ASSIGN_OR_RETURN(std::string_view plain, Decompress(data, &storage, options.max_decompressed));
  const char* unsupported;
  switch (DetectFormat(plain, &unsupported)) {
    case InputFormat::kPprof:
      return ReadPprof(plain);
    case InputFormat::kFolded:
      return ReadFolded(plain);
    case InputFormat::kUnknown:
      break;
  }
  if (unsupported != nullptr) {
    return Status::NotSupported(Format("%s is not supported yet", unsupported));
  }
  return Status::NotSupported(
      "unrecognised format: not pprof (protobuf), folded stacks or a known compression");
}

}  // namespace pyrolens
