// The top table: flat and cumulative value per function, as Google pprof's `-top`
// report prints it (internal/report/report.go printText, internal/graph/graph.go),
// line for line: the same header labels, node identity, trimming, ordering, units and
// "(inline)" marks.
//
// Pipeline (pprof's order): name simplification and drop_frames pruning (as pprof does
// when fetching), the total over all samples of the chosen type, the name and label
// filters of filter.h, then per-function aggregation. Work is per unique stack: the
// weight of a stack is summed over its samples once, and a function's cum counts a
// stack once through a "last stack seen" marker, so the cost is
// O(samples + frames of unique stacks + nodes log nodes).
#ifndef PYROLENS_CORE_INCLUDE_PYROLENS_TOP_H_
#define PYROLENS_CORE_INCLUDE_PYROLENS_TOP_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "pyrolens/filter.h"
#include "pyrolens/profile.h"
#include "pyrolens/status.h"

namespace pyrolens {

struct TopOptions {
  std::string sample_index;      // pprof -sample_index ("" = the profile's default)
  FilterOptions filters;         // -focus, -ignore, -hide, -show, -tagfocus, -tagignore
  int64_t node_count = 0;        // -nodecount: rows to keep; <= 0 keeps all (pprof -top)
  double node_fraction = 0.005;  // -nodefraction: drop nodes with |cum| below this share
  double edge_fraction = 0.001;  // -edgefraction: edges below it do not mark "(inline)"
  bool cum = false;              // -cum: sort by cum instead of flat
  std::string unit = "minimum";  // -unit: output unit; "minimum" picks one, "auto" per value
};

// Sets the option a pprof flag names (`name` without dashes: "nodecount", "cum", ...).
// Boolean flags take "" as true. InvalidArgument names the flag and the bad value.
Status ParseTopFlag(std::string_view name, std::string_view value, TopOptions* options);

// True for the flag names ParseTopFlag knows that take no value ("cum", "flat").
bool IsBooleanTopFlag(std::string_view name);

enum class InlineMark { kNone, kInline, kPartialInline };

struct TopRow {
  std::string name;  // pprof's printable node name: function, "[objfile]" or "<unknown>"
  int64_t flat = 0;
  int64_t cum = 0;
  InlineMark inline_mark = InlineMark::kNone;
};

struct TopReport {
  std::vector<std::string> labels;    // header lines: File, Type, Time, ..., "Showing top ..."
  std::vector<TopRow> rows;           // in report order
  int64_t total = 0;                  // sum of |value| over all samples, before filters
  std::string sample_unit;            // the unit of the chosen sample type
  std::string output_unit;            // the unit values are printed in
  std::vector<std::string> warnings;  // e.g. "Focus expression matched no samples"

  // A value as pprof prints it in this report ("1.50s", "12MB", "37").
  std::string FormatValue(int64_t value) const;
};

// Builds the report from `profile`, which is consumed (the filters rewrite it). Errors:
// InvalidArgument for a bad sample index or filter (naming the flag).
Result<TopReport> BuildTop(Profile profile, const TopOptions& options);

// The report as `pprof -top` prints it, ending with a newline.
std::string FormatTop(const TopReport& report);

// pprof's "Time:" layout, "Jan 2, 2006 at 3:04pm (MST)", in the local time zone.
std::string FormatProfileTime(int64_t time_nanos);

}  // namespace pyrolens

#endif  // PYROLENS_CORE_INCLUDE_PYROLENS_TOP_H_
