// A small JSON reader for host commands and a writer for StateJson and events.
//
// Commands are small flat objects, so the reader builds a tree of Value nodes; numbers
// are doubles. The writer appends to a std::string and escapes as RFC 8259 requires.
#ifndef PYROLENS_UI_SRC_JSON_H_
#define PYROLENS_UI_SRC_JSON_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "pyrolens/status.h"

namespace pyrolens::ui {

struct JsonValue {
  enum class Type { kNull, kBool, kNumber, kString, kArray, kObject };
  Type type = Type::kNull;
  bool boolean = false;
  double number = 0;
  std::string string;
  std::vector<JsonValue> array;
  std::map<std::string, JsonValue> object;

  // nullptr when this is not an object or has no member `key`.
  const JsonValue* Find(const std::string& key) const;
  bool is_string() const { return type == Type::kString; }
  bool is_number() const { return type == Type::kNumber; }
  bool is_bool() const { return type == Type::kBool; }
};

// Parses one JSON value (trailing spaces allowed). InvalidArgument names the offset.
Result<JsonValue> ParseJson(std::string_view text);

// Appends `s` as a JSON string literal (quotes included).
void AppendJsonString(std::string* out, std::string_view s);
// Appends a number: integers without a fraction, others with up to 6 significant digits.
void AppendJsonNumber(std::string* out, double v);
void AppendJsonInt(std::string* out, int64_t v);

}  // namespace pyrolens::ui

#endif  // PYROLENS_UI_SRC_JSON_H_
