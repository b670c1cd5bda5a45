// What the JSON profile readers (cpuprofile.cc, speedscope.cc) share over RapidJSON:
// parsing with an error that names the format and byte offset, and null-safe lookups.
#ifndef PYROLENS_CORE_SRC_JSON_UTIL_H_
#define PYROLENS_CORE_SRC_JSON_UTIL_H_

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include <string_view>

#include "pyrolens/status.h"

namespace pyrolens::json {

// Parses `text` into `doc`, iteratively (deeply nested input must not exhaust the
// stack). Corruption "<format>: invalid JSON at offset N: why" or "<format>: top level
// is not an object" on failure. `doc` borrows nothing from `text`.
inline Status Parse(std::string_view text, const char* format, rapidjson::Document* doc) {
  doc->Parse<rapidjson::kParseIterativeFlag | rapidjson::kParseNanAndInfFlag>(text.data(),
                                                                              text.size());
  if (doc->HasParseError()) {
    return Status::Corruption(Format("%s: invalid JSON at offset %zu: %s", format,
                                     doc->GetErrorOffset(),
                                     rapidjson::GetParseError_En(doc->GetParseError())));
  }
  if (!doc->IsObject()) return Status::Corruption(Format("%s: top level is not an object", format));
  return Status();
}

// The member `name` of object `v`; nullptr when `v` is no object or lacks it.
inline const rapidjson::Value* Member(const rapidjson::Value& v, const char* name) {
  if (!v.IsObject()) return nullptr;
  auto it = v.FindMember(name);
  return it == v.MemberEnd() ? nullptr : &it->value;
}

// The string `v` holds (a view into the document), or `fallback` when it is no string.
inline std::string_view StringOr(const rapidjson::Value* v, std::string_view fallback = {}) {
  return v != nullptr && v->IsString() ? std::string_view(v->GetString(), v->GetStringLength())
                                       : fallback;
}

}  // namespace pyrolens::json

#endif  // PYROLENS_CORE_SRC_JSON_UTIL_H_
