// Derived data for profile viewers: bottom-up (inverted) stacks, collapsed recursion, the
// two halves of a sandwich around one function, the per-function table of a call tree,
// and where a function is defined.
//
// The stack rewrites work in place on the flat model, per unique stack: each stack is
// expanded into frames (one per inlined line, or one per unsymbolised location),
// rewritten, and re-encoded; frames that no longer sit in their location's original
// run get a one-line location of their own, so names, files and lines are kept. Sample
// ids and values are unchanged except where a rewrite drops a sample (sandwich halves).
// Frames are compared by the names BuildCallTree gives with FrameKey::kFunction: the
// function name, "<unknown>" without a function, "0x<address>" without lines.
#ifndef PYROLENS_CORE_INCLUDE_PYROLENS_VIEWS_H_
#define PYROLENS_CORE_INCLUDE_PYROLENS_VIEWS_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "pyrolens/call_tree.h"
#include "pyrolens/profile.h"

namespace pyrolens {

// Reverses every stack, so the leaf functions become roots (a bottom-up tree). Totals
// are unchanged.
void InvertStacks(Profile* profile);

// Replaces each run of directly recursive frames (the same name called by itself) by one
// frame, as pprof and Pyroscope's "collapse recursion" do. Totals are unchanged.
void CollapseRecursion(Profile* profile);

enum class SandwichSide {
  kCallees,  // stacks cut above the outermost frame named `function`, which is the root
  kCallers,  // stacks cut below the innermost frame named `function`, then reversed, so
             // the function is the root and its callers are its descendants
};

// Keeps the samples with a frame named `function` and rewrites their stacks as `side`
// says; drops the others. A call tree of the result has root total = the function's
// cumulative value (each stack counted once) and one child, `function`.
// Returns the number of samples kept.
size_t KeepSandwichSide(Profile* profile, std::string_view function, SandwichSide side);

// One row per distinct frame name of a call tree: self summed over its nodes; total
// summed over its nodes that have no ancestor of the same name (a name counted once per
// stack, like pprof's cum). For FrameKey::kFunction trees of profiles without drop_frames
// these are `pprof -top`'s flat and cum.
struct FunctionRow {
  uint32_t name = 0;  // id into the tree's names
  int64_t self = 0;
  int64_t total = 0;
};
// Rows in name-id order, the root "total" excluded; names with no node are absent. `x` is
// a layout of the tree (CallTree::x, a DiffTree's left_x or right_x), which gives the
// values.
std::vector<FunctionRow> BuildFunctionTable(const TreeShape& tree, const std::vector<int64_t>& x);

// BuildFunctionTable in steps, for hosts that must keep drawing: Step(budget) walks about
// `budget` more nodes and returns true once every node is counted; Take() then gives the
// rows. The tree and its arrays must outlive the builder and stay unchanged.
class FunctionTableBuilder {
 public:
  FunctionTableBuilder(const TreeShape& tree, const std::vector<int64_t>& x);
  bool Step(size_t budget);
  double progress() const;  // in [0, 1]
  std::vector<FunctionRow> Take();

 private:
  const TreeShape& tree_;
  const std::vector<int64_t>& x_;
  uint32_t next_ = 1;  // the next node in pre-order; the root is not a function
  std::vector<int64_t> self_by_, total_by_;  // per name
  std::vector<uint8_t> seen_;
  std::vector<uint32_t> open_;  // per name: ancestors of the current node with the name
  std::vector<uint32_t> path_;  // the current node's ancestors, root first
};

// Where the first function named `name` is defined: its file and start line ("" and 0
// when the profile does not say or no function has that name).
struct FrameSource {
  std::string file;
  int64_t line = 0;
};
FrameSource FindFrameSource(const Profile& profile, std::string_view name);

}  // namespace pyrolens

#endif  // PYROLENS_CORE_INCLUDE_PYROLENS_VIEWS_H_
