// Call trees, diff trees and Pyroscope flame graphs.
//
// A CallTree aggregates a profile's stacks (root to leaf, inlined frames expanded) into
// one flat node array per field, for ONE value column. Nodes have 32-bit ids and are
// numbered in depth-first pre-order with children sorted by name in byte order (as
// Pyroscope sorts them), which gives these invariants a viewer can rely on:
//   - node 0 is the root, named "total"; its total is the sum of the value column and
//     its self is the weight of empty stacks (normally 0);
//   - the subtree of n is [n, subtree_end[n]); n's first child is n + 1 when
//     n + 1 < subtree_end[n]; n's next sibling is subtree_end[n] when that is below
//     subtree_end[parent[n]];
//   - the nodes at depth d, left to right, are level_nodes[level_offsets[d],
//     level_offsets[d + 1]); along a level x[] ascends (for non-negative values), so a
//     viewer finds the nodes inside a visible x range by binary search per level;
//   - layout is Pyroscope's: a node's self part comes first, then its children, so
//     x[first child] = x[n] + self[n] and each next sibling starts where the last ends.
//     In pre-order that makes x[n] the sum of the self values of nodes [0, n): x has one
//     more entry than there are nodes, x[size()] = the root's total, and a node's total
//     and self are differences of it, x[subtree_end[n]] - x[n] and x[n + 1] - x[n]
//     (not stored: at 6.7M nodes an array of either is 51 MB a viewer first touches).
// The arrays are built once per (profile, options) and never change; a UI caches them.
#ifndef PYROLENS_CORE_INCLUDE_PYROLENS_CALL_TREE_H_
#define PYROLENS_CORE_INCLUDE_PYROLENS_CALL_TREE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "pyrolens/profile.h"
#include "pyrolens/status.h"

namespace pyrolens {

// What makes two frames the same node.
enum class FrameKey {
  kFunction,      // function name (the default; what Pyroscope and flame graphs show)
  kFunctionLine,  // function name and line: "name file.go:12" ("name:12" without a file)
  kAddress,       // location address and function: "0x4c4e51 name" ("0x4c4e51" unsymbolised)
};

struct CallTreeOptions {
  size_t sample_type = 0;  // value column (index into Profile::sample_types)
  FrameKey key = FrameKey::kFunction;
};

// The shape shared by CallTree and DiffTree: names, parents and the pre-order indexes.
struct TreeShape {
  StringTable names;                 // frame names by id; the root's is "total"
  std::vector<uint32_t> name;        // per node: id into names
  std::vector<uint32_t> parent;      // per node: kNone for the root
  std::vector<uint32_t> subtree_end;  // per node: one past its last descendant
  std::vector<uint32_t> level_offsets{0};  // per depth: range into level_nodes
  std::vector<uint32_t> level_nodes;       // node ids grouped by depth, left to right

  uint32_t size() const { return static_cast<uint32_t>(name.size()); }
  uint32_t num_levels() const { return static_cast<uint32_t>(level_offsets.size() - 1); }
  // kNone when n is a leaf.
  uint32_t first_child(uint32_t n) const { return n + 1 < subtree_end[n] ? n + 1 : kNone; }
  // kNone when n is the root or its parent's last child.
  uint32_t next_sibling(uint32_t n) const {
    return n != 0 && subtree_end[n] < subtree_end[parent[n]] ? subtree_end[n] : kNone;
  }
  const std::string& node_name(uint32_t n) const { return names[name[n]]; }
  // 0 for the root; found by walking up (not stored: 26 MB at 6.7M nodes, for a UI that
  // asks it of the few nodes it hovers or zooms into).
  uint32_t depth(uint32_t n) const {
    uint32_t d = 0;
    for (; parent[n] != kNone; n = parent[n]) ++d;
    return d;
  }
  // Node n's total and self in `x`, a layout of this tree (size() + 1 entries, as
  // CallTree::x).
  int64_t NodeTotal(const std::vector<int64_t>& x, uint32_t n) const {
    return WrapSub(x[subtree_end[n]], x[n]);
  }
  static int64_t NodeSelf(const std::vector<int64_t>& x, uint32_t n) {
    return WrapSub(x[n + 1], x[n]);
  }
};

struct CallTree : TreeShape {
  // Per node: start along the x axis, in value units; then where the last node ends.
  std::vector<int64_t> x;
  // Value of stacks through node n.
  int64_t total(uint32_t n) const { return NodeTotal(x, n); }
  // Value of stacks ending at node n.
  int64_t self(uint32_t n) const { return NodeSelf(x, n); }
};

// Builds the call tree of column options.sample_type. Stacks are weighted first (values
// summed per stack id); the frame-name sequences of stacks with a non-zero weight are then
// sorted (root first, names in byte order), which lists the tree in pre-order, so the cost
// is O(samples + sum of unique stack depths) plus the sort, with no hash table.
// Errors: InvalidArgument when sample_type is out of range; Corruption when the
// profile's ids are inconsistent; ResourceExhausted past 2^32 - 1 nodes.
// The result owns its names; `profile` need not outlive it.
Result<CallTree> BuildCallTree(const Profile& profile, const CallTreeOptions& options = {});

// BuildCallTree in steps, for a UI that must keep drawing while a large tree is built:
// each Step does about `budget` units of work (a frame of a stack, a node) and returns.
// The tree and the errors are those of BuildCallTree.
// REQUIRES: `profile` outlives the builder and does not change meanwhile.
class CallTreeBuilder {
 public:
  CallTreeBuilder(const Profile& profile, const CallTreeOptions& options);
  ~CallTreeBuilder();
  CallTreeBuilder(const CallTreeBuilder&) = delete;
  CallTreeBuilder& operator=(const CallTreeBuilder&) = delete;

  // True when the tree is built, false when more steps are needed; an error status on
  // an inconsistent profile (then the builder must not be stepped again).
  Result<bool> Step(size_t budget);
  // The share of the work done, 0 to 1.
  double progress() const;
  // REQUIRES: Step returned true. Moves the tree out.
  CallTree Take();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

// The union of two call trees: every path of either, with both sides' values (0 where a
// side lacks the path). Same invariants as CallTree; children sorted by name.
struct DiffTree : TreeShape {
  std::vector<int64_t> left_x, right_x;  // per side, as CallTree::x
  // Per side, as CallTree::total and self.
  int64_t left_total(uint32_t n) const { return NodeTotal(left_x, n); }
  int64_t right_total(uint32_t n) const { return NodeTotal(right_x, n); }
  int64_t left_self(uint32_t n) const { return NodeSelf(left_x, n); }
  int64_t right_self(uint32_t n) const { return NodeSelf(right_x, n); }
};

// Errors: ResourceExhausted past 2^32 - 1 nodes. The inputs need not outlive the result.
Result<DiffTree> BuildDiffTree(const CallTree& left, const CallTree& right);

// Pyroscope's querier.v1.FlameGraph: per level, 4 integers per node, left to right:
// x offset from the end of the previous node on the level, total, self, index into
// names. names[0] is "total" (the root, level 0).
struct FlameGraph {
  std::vector<std::string> names;
  std::vector<std::vector<int64_t>> levels;
  int64_t total = 0;
  int64_t max_self = 0;
};

// Pyroscope's querier.v1.FlameGraphDiff: 7 integers per node: left x offset, left total,
// left self, right x offset, right total, right self, name index; each x offset is
// relative to the end of the previous node of the same side on the level.
struct FlameGraphDiff {
  std::vector<std::string> names;
  std::vector<std::vector<int64_t>> levels;
  int64_t total = 0;  // left_ticks + right_ticks
  int64_t max_self = 0;
  int64_t left_ticks = 0;
  int64_t right_ticks = 0;
};

// Encodes `tree` the way Pyroscope's NewFlameGraph does. With max_nodes >= 1 and more
// (non-root) nodes than that, only nodes whose total reaches the max_nodes-th largest
// total are kept; the rest, and nodes named "other", are summed into one "other" leaf
// per parent (so every kept node's total is unchanged). max_nodes < 1 keeps every node.
// Names are numbered in Pyroscope's visiting order, so the output is deterministic.
FlameGraph BuildFlameGraph(const CallTree& tree, int64_t max_nodes);

// Encodes `tree` the way Pyroscope's NewFlamegraphDiff does; with max_nodes >= 1 the
// threshold is the max_nodes-th largest of max(left total, right total) over all nodes
// (root included). Errors: InvalidArgument when either side has a negative self value
// (Pyroscope refuses those too).
Result<FlameGraphDiff> BuildFlameGraphDiff(const DiffTree& tree, int64_t max_nodes);

// Pyroscope's Connect JSON (protojson): {"names":[...],"levels":[{"values":["0",...]}],
// "total":"N","maxSelf":"N"}; int64 fields, including level values, are JSON strings.
std::string FlameGraphToJson(const FlameGraph& graph);
// As above plus "leftTicks" and "rightTicks".
std::string FlameGraphDiffToJson(const FlameGraphDiff& graph);

}  // namespace pyrolens

#endif  // PYROLENS_CORE_INCLUDE_PYROLENS_CALL_TREE_H_
