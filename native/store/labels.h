// Label sets, Prometheus-style label selectors and Pyroscope profile type ids.
//
// A selector is `{name="v", name!="v", name=~"re", name!~"re"}`, optionally preceded by
// a profile type id (`process_cpu:cpu:nanoseconds:cpu:nanoseconds{...}`) or a bare
// name. Regexps are RE2 (linear time) and fully anchored, as in Prometheus.
#ifndef PYROLENS_NATIVE_STORE_LABELS_H_
#define PYROLENS_NATIVE_STORE_LABELS_H_

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "pyrolens/status.h"

namespace re2 {
class RE2;
}

namespace pyrolens {

// Name/value pairs sorted by name, names unique.
using LabelSet = std::vector<std::pair<std::string, std::string>>;

// Sorts by name; a later duplicate name replaces an earlier one.
void NormalizeLabels(LabelSet* labels);
// The value of `name`, or nullptr.
const std::string* FindLabel(const LabelSet& labels, std::string_view name);
// A canonical one-line form, `{a="1", b="2"}`, used as the series key.
std::string LabelsToString(const LabelSet& labels);
// True for Prometheus label names ([a-zA-Z_][a-zA-Z0-9_.]*; dots as Pyroscope allows).
bool IsValidLabelName(std::string_view name);

enum class MatchOp { kEq, kNeq, kRe, kNre };

struct Matcher {
  std::string name;
  MatchOp op = MatchOp::kEq;
  std::string value;
  std::shared_ptr<re2::RE2> re;  // for kRe / kNre
  // A missing label matches as the empty string (Prometheus semantics).
  bool Matches(const LabelSet& labels) const;
};

struct Selector {
  std::string prefix;  // what came before '{' (a profile type id, a name, or "")
  std::vector<Matcher> matchers;
  bool Matches(const LabelSet& labels) const;
};

// Parses a selector; an empty string or "{}" matches everything. InvalidArgument names
// the offset and what was expected, e.g. `selector at offset 7: expected '"'`.
Result<Selector> ParseSelector(std::string_view text);

// "name:sample_type:sample_unit:period_type:period_unit".
struct ProfileTypeId {
  std::string name, sample_type, sample_unit, period_type, period_unit;
  std::string ToString() const;
};
// InvalidArgument unless `id` has exactly five ':'-separated parts and a name.
Result<ProfileTypeId> ParseProfileTypeId(std::string_view id);

}  // namespace pyrolens

#endif  // PYROLENS_NATIVE_STORE_LABELS_H_
