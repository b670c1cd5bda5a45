// Call tree construction and Pyroscope's flame-graph encodings. Pyroscope sources for
// the encodings: pkg/model/flamegraph.go (NewFlameGraph), pkg/model/tree.go (minValue)
// and pkg/model/flamegraph_diff.go (NewFlamegraphDiff).
#include "pyrolens/call_tree.h"

#include <algorithm>
#include <charconv>
#include <cstring>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "steps.h"

namespace pyrolens {
namespace {


Status TooManyNodes() {
  return Status::ResourceExhausted("call tree: more than 2^32 - 1 nodes");
}

// Turns profile frames into name ids of `names`, caching per function, line and location.
class FrameNamer {
 public:
  FrameNamer(const Profile& p, FrameKey key, StringTable* names)
      : p_(p), key_(key), names_(names), line_name_(p.lines.size(), kNone),
        loc_name_(p.locations.size(), kNone), fn_name_(p.functions.size(), kNone) {}

  uint32_t Line(uint32_t loc, uint32_t j) {
    uint32_t& id = line_name_[j];
    if (id != kNone) return id;
    const pyrolens::Line& line = p_.lines[j];
    if (key_ == FrameKey::kFunction) {
      if (line.function == kNone) return id = Unknown();
      uint32_t& fid = fn_name_[line.function];
      if (fid == kNone) fid = names_->Intern(p_.str(p_.functions[line.function].name));
      return id = fid;
    }
    std::string fn = line.function == kNone ? "<unknown>"
                                            : p_.str(p_.functions[line.function].name);
    std::string s;
    if (key_ == FrameKey::kFunctionLine) {
      const std::string& file =
          line.function == kNone ? p_.str(0) : p_.str(p_.functions[line.function].filename);
      s = file.empty() ? fn + Format(":%lld", static_cast<long long>(line.line))
                       : fn + " " + file + Format(":%lld", static_cast<long long>(line.line));
    } else {
      s = Format("0x%llx ", static_cast<unsigned long long>(p_.locations[loc].address)) + fn;
    }
    return id = names_->Intern(s);
  }

  // A location without lines (unsymbolised): its address.
  uint32_t Address(uint32_t loc) {
    uint32_t& id = loc_name_[loc];
    if (id == kNone) {
      id = names_->Intern(
          Format("0x%llx", static_cast<unsigned long long>(p_.locations[loc].address)));
    }
    return id;
  }

 private:
  uint32_t Unknown() {
    if (unknown_ == kNone) unknown_ = names_->Intern("<unknown>");
    return unknown_;
  }
  const Profile& p_;
  FrameKey key_;
  StringTable* names_;
  std::vector<uint32_t> line_name_, loc_name_, fn_name_;
  uint32_t unknown_ = kNone;
};

// Every id a stack walk dereferences, checked once up front.
Status CheckProfile(const Profile& p) {
  size_t n = p.num_samples();
  if (p.values.size() != n * p.num_types() || p.stack_offsets.empty() ||
      p.stack_offsets.back() > p.stack_locations.size()) {
    return Status::Corruption("call tree: inconsistent sample arrays");
  }
  for (size_t i = 0; i < n; ++i) {
    if (p.sample_stack[i] >= p.num_stacks()) {
      return Status::Corruption(Format("call tree: sample %zu: stack %u out of range", i,
                                       p.sample_stack[i]));
    }
  }
  for (size_t s = 0; s < p.num_stacks(); ++s) {
    if (p.stack_offsets[s] > p.stack_offsets[s + 1]) {
      return Status::Corruption(Format("call tree: stack %zu: bad offsets", s));
    }
  }
  for (uint32_t l : p.stack_locations) {
    if (l >= p.locations.size()) {
      return Status::Corruption(Format("call tree: location %u out of range", l));
    }
  }
  for (size_t i = 0; i < p.locations.size(); ++i) {
    const Location& loc = p.locations[i];
    if (loc.first_line > p.lines.size() || loc.num_lines > p.lines.size() - loc.first_line) {
      return Status::Corruption(Format("call tree: location %zu: lines out of range", i));
    }
  }
  for (size_t j = 0; j < p.lines.size(); ++j) {
    if (p.lines[j].function != kNone && p.lines[j].function >= p.functions.size()) {
      return Status::Corruption(Format("call tree: line %zu: function out of range", j));
    }
  }
  for (const Function& f : p.functions) {
    if (std::max(f.name, f.filename) >= p.strings.size()) {
      return Status::Corruption("call tree: function name out of range");
    }
  }
  return Status();
}

// Ranks name ids by their strings (byte order), so children sort by integer compare.
std::vector<uint32_t> NameRanks(const StringTable& names) {
  std::vector<uint32_t> order(names.size());
  for (uint32_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(),
            [&](uint32_t a, uint32_t b) { return names[a] < names[b]; });
  std::vector<uint32_t> rank(names.size());
  for (uint32_t i = 0; i < order.size(); ++i) rank[order[i]] = i;
  return rank;
}

// The depths of a pre-order tree's nodes 0, 1, 2, ... asked in that order (a walk may go
// on over several calls): the ancestors of the last node asked are kept on a path.
class DepthWalk {
 public:
  uint32_t Next(const TreeShape& t, uint32_t n) {
    if (n == 0) path_.clear();
    while (!path_.empty() && path_.back() != t.parent[n]) path_.pop_back();
    path_.push_back(n);
    return static_cast<uint32_t>(path_.size() - 1);
  }

 private:
  std::vector<uint32_t> path_;
};

// Lists nodes [b, e) of a pre-order tree by depth: level_nodes[fill[d]++] = node, going on
// from a walk over [0, b).
void FillLevels(TreeShape* t, std::vector<uint32_t>* fill, DepthWalk* walk, uint32_t b,
                uint32_t e) {
  for (uint32_t i = b; i < e; ++i) t->level_nodes[(*fill)[walk->Next(*t, i)]++] = i;
}

// Sizes the level index from the node count of each depth; returns where each level's
// nodes go (for FillLevels).
std::vector<uint32_t> SizeLevels(TreeShape* t, const std::vector<uint32_t>& per_depth) {
  t->level_offsets.assign(per_depth.size() + 1, 0);
  for (size_t d = 0; d < per_depth.size(); ++d) {
    t->level_offsets[d + 1] = t->level_offsets[d] + per_depth[d];
  }
  t->level_nodes.resize(t->size());
  return std::vector<uint32_t>(t->level_offsets.begin(), t->level_offsets.end() - 1);
}

// Fills subtree_end and the level index from `parent` of a pre-order tree.
void IndexShape(TreeShape* t) {
  uint32_t n = t->size();
  std::vector<uint32_t> per_depth;
  DepthWalk walk;
  for (uint32_t i = 0; i < n; ++i) {
    uint32_t d = walk.Next(*t, i);
    if (per_depth.size() <= d) per_depth.resize(d + 1, 0);
    ++per_depth[d];
  }
  t->subtree_end.resize(n);
  for (uint32_t i = 0; i < n; ++i) t->subtree_end[i] = i + 1;
  for (uint32_t i = n; i-- > 1;) {
    uint32_t p = t->parent[i];
    t->subtree_end[p] = std::max(t->subtree_end[p], t->subtree_end[i]);
  }
  std::vector<uint32_t> fill = SizeLevels(t, per_depth);
  FillLevels(t, &fill, &walk, 0, n);
}

}  // namespace

namespace {

// Pyroscope's layout (self first, then children left to right) of a pre-order tree, from
// entry b to e of x: x holds each node's self value and a 0 after the last node, each of
// which is replaced by the sum of those before it (*sum, carried from the entries before b).
void LayoutRange(std::vector<int64_t>* x, int64_t* sum, size_t b, size_t e) {
  for (size_t i = b; i < e; ++i) {
    const int64_t self = (*x)[i];
    (*x)[i] = *sum;
    *sum = WrapAdd(*sum, self);
  }
}

// LayoutRange over the whole tree.
void Layout(std::vector<int64_t>* x) {
  int64_t sum = 0;
  LayoutRange(x, &sum, 0, x->size());
}

// The k-th largest of `values` (k >= 1, k <= size).
int64_t KthLargest(std::vector<int64_t> values, size_t k) {
  std::nth_element(values.begin(), values.begin() + (k - 1), values.end(),
                   std::greater<int64_t>());
  return values[k - 1];
}

// Strings for JSON: invalid UTF-8 bytes become U+FFFD so the output always parses.
std::string ValidUtf8(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    bool ok = len > 0 && i + len <= s.size();
    for (size_t j = 1; ok && j < len; ++j) ok = (static_cast<unsigned char>(s[i + j]) >> 6) == 2;
    if (ok && len > 1) {
      uint32_t cp = c & (0x7f >> len);
      for (size_t j = 1; j < len; ++j) cp = (cp << 6) | (s[i + j] & 0x3f);
      static const uint32_t kMin[5] = {0, 0, 0x80, 0x800, 0x10000};
      ok = cp >= kMin[len] && cp <= 0x10ffff && (cp < 0xd800 || cp > 0xdfff);
    }
    if (ok) {
      out.append(s, i, len);
      i += len;
    } else {
      out += "\xef\xbf\xbd";
      ++i;
    }
  }
  return out;
}

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

// An int64 as a JSON string (protojson's encoding); digits need no escaping.
void Int64String(JsonWriter* w, int64_t v) {
  char buf[24];
  buf[0] = '"';
  char* end = std::to_chars(buf + 1, buf + sizeof(buf) - 1, v).ptr;
  *end++ = '"';
  w->RawValue(buf, static_cast<size_t>(end - buf), rapidjson::kStringType);
}

void WriteNamesAndLevels(JsonWriter* w, const std::vector<std::string>& names,
                         const std::vector<std::vector<int64_t>>& levels) {
  w->Key("names");
  w->StartArray();
  for (const std::string& n : names) {
    std::string v = ValidUtf8(n);
    w->String(v.data(), static_cast<rapidjson::SizeType>(v.size()));
  }
  w->EndArray();
  w->Key("levels");
  w->StartArray();
  for (const std::vector<int64_t>& level : levels) {
    w->StartObject();
    w->Key("values");
    w->StartArray();
    for (int64_t v : level) Int64String(w, v);
    w->EndArray();
    w->EndObject();
  }
  w->EndArray();
}

// Turns each level's absolute x into the offset from the previous node's end, for the
// (x, total) pairs at `start` within every `stride` integers.
void DeltaEncode(std::vector<std::vector<int64_t>>* levels, size_t start, size_t stride) {
  for (std::vector<int64_t>& l : *levels) {
    int64_t prev = 0;
    for (size_t i = start; i + 1 < l.size(); i += stride) {
      l[i] = WrapSub(l[i], prev);
      prev = WrapAdd(prev, WrapAdd(l[i], l[i + 1]));
    }
  }
}

}  // namespace

// BuildCallTree as a state machine: each phase works through its items from i_, adding
// their cost to *spent, and returns to Step once *spent reaches the step's budget. The
// frame-name sequences of stacks with a non-zero weight, sorted root first by name rank,
// list the tree in pre-order with children sorted by name: each sequence adds the nodes
// past its common prefix with the one before. The sort is a merge sort of short runs, so
// that it can pause too.
class CallTreeBuilder::Impl {
 public:
  Impl(const Profile& p, const CallTreeOptions& options)
      : p_(p), options_(options), namer_(p, options.key, &tree_.names) {}

  Result<bool> Step(size_t budget) {
    size_t spent = 0;
    while (phase_ != kDone && spent < budget) {
      switch (phase_) {
        case kCheck: RETURN_IF_ERROR(Check()); spent += p_.num_samples(); break;
        case kWeigh: RETURN_IF_ERROR(Weigh(budget, &spent)); break;
        case kSequences: RETURN_IF_ERROR(Sequences(budget, &spent)); break;
        case kRank: Rank(); spent += seq_.size(); break;
        case kSortRuns: SortRuns(budget, &spent); break;
        case kMerge: MergeRuns(budget, &spent); break;
        case kCommon: RETURN_IF_ERROR(Common(budget, &spent)); break;
        case kNodes: Nodes(budget, &spent); break;
        case kLayout: LayoutNodes(budget, &spent); break;
        case kLevels: Levels(budget, &spent); break;
        case kDone: break;
      }
    }
    return phase_ == kDone;
  }

  double progress() const {
    if (phase_ == kDone) return 1.0;
    // Rough shares of the time each phase takes on large profiles.
    static constexpr double kStart[] = {0, 0.03, 0.05, 0.3, 0.35, 0.45, 0.55, 0.6, 0.75, 0.8, 1.0};
    double within = 0;
    switch (phase_) {
      case kWeigh: within = Share(i_, p_.num_samples() + p_.num_stacks()); break;
      case kSequences: within = Share(i_, p_.num_stacks()); break;
      case kSortRuns: within = Share(i_, order_.size()); break;
      case kMerge: within = Share(width_, order_.size()); break;
      case kCommon: case kNodes: within = Share(i_, order_.size()); break;
      case kLayout: case kLevels: within = Share(i_, tree_.size()); break;
      default: break;
    }
    return kStart[phase_] + (kStart[phase_ + 1] - kStart[phase_]) * within;
  }

  CallTree Take() { return std::move(tree_); }

 private:
  enum Phase {
    kCheck, kWeigh, kSequences, kRank, kSortRuns, kMerge, kCommon, kNodes, kLayout, kLevels, kDone
  };
  static constexpr size_t kRun = 1024;  // sequences per initially sorted run

  static double Share(size_t done, size_t of) {
    return of == 0 ? 1.0 : std::min(1.0, 1.0 * done / of);
  }

  Status Check() {
    if (options_.sample_type >= p_.num_types()) {
      return Status::InvalidArgument(Format("call tree: sample type %zu out of range (%zu types)",
                                            options_.sample_type, p_.num_types()));
    }
    RETURN_IF_ERROR(CheckProfile(p_));
    weight_.assign(p_.num_stacks(), 0);
    root_name_ = tree_.names.Intern("total");
    Next(kWeigh);
    return Status();
  }

  // Weighs each unique stack once (samples i_ < num_samples), then counts the frames of
  // the weighted ones to size the sequences.
  Status Weigh(size_t budget, size_t* spent) {
    const size_t k = p_.num_types(), n = p_.num_samples();
    for (; i_ < n && *spent < budget; ++i_, ++*spent) {
      int64_t& w = weight_[p_.sample_stack[i_]];
      w = WrapAdd(w, p_.values[i_ * k + options_.sample_type]);
    }
    for (; i_ >= n && i_ < n + p_.num_stacks() && *spent < budget; ++i_) {
      const uint32_t s = static_cast<uint32_t>(i_ - n);
      if (weight_[s] == 0) continue;
      for (const uint32_t* l = p_.stack_begin(s); l != p_.stack_end(s); ++l) {
        frames_ += std::max<uint32_t>(1, p_.locations[*l].num_lines);
      }
      *spent += p_.stack_end(s) - p_.stack_begin(s);
    }
    if (i_ < n + p_.num_stacks()) return Status();
    if (frames_ >= kNone) return TooManyNodes();
    seq_.reserve(frames_);
    Next(kSequences);
    return Status();
  }

  // The frame names of each weighted stack, root first (inlined lines expanded).
  Status Sequences(size_t budget, size_t* spent) {
    for (; i_ < p_.num_stacks() && *spent < budget; ++i_) {
      const uint32_t s = static_cast<uint32_t>(i_);
      if (weight_[s] == 0) continue;
      size_t before = seq_.size();
      for (const uint32_t* l = p_.stack_end(s); l != p_.stack_begin(s);) {
        uint32_t loc = *--l;
        const Location& location = p_.locations[loc];
        if (location.num_lines == 0) {
          seq_.push_back(namer_.Address(loc));
          continue;
        }
        for (uint32_t j = location.first_line + location.num_lines; j-- > location.first_line;) {
          seq_.push_back(namer_.Line(loc, j));  // lines are callee first
        }
      }
      seq_offsets_.push_back(static_cast<uint32_t>(seq_.size()));
      seq_stack_.push_back(s);
      *spent += seq_.size() - before + 1;
    }
    if (i_ == p_.num_stacks()) Next(kRank);
    return Status();
  }

  void Rank() {
    std::vector<uint32_t> rank = NameRanks(tree_.names);
    name_of_rank_.resize(rank.size());
    for (uint32_t id = 0; id < rank.size(); ++id) name_of_rank_[rank[id]] = id;
    for (uint32_t& x : seq_) x = rank[x];
    order_.resize(seq_stack_.size());
    for (uint32_t i = 0; i < order_.size(); ++i) order_[i] = i;
    Next(kSortRuns);
  }

  bool Less(uint32_t a, uint32_t b) const {
    const uint32_t* S = seq_.data();
    const uint32_t* O = seq_offsets_.data();
    return std::lexicographical_compare(S + O[a], S + O[a + 1], S + O[b], S + O[b + 1]);
  }
  size_t Frames(uint32_t a) const { return seq_offsets_[a + 1] - seq_offsets_[a] + 1; }

  void SortRuns(size_t budget, size_t* spent) {
    auto less = [this](uint32_t a, uint32_t b) { return Less(a, b); };
    while (i_ < order_.size() && *spent < budget) {
      size_t end = std::min(order_.size(), i_ + kRun);
      for (size_t j = i_; j < end; ++j) *spent += 4 * Frames(order_[j]);
      std::sort(order_.begin() + i_, order_.begin() + end, less);
      i_ = end;
    }
    if (i_ < order_.size()) return;
    width_ = kRun;
    if (width_ >= order_.size()) {
      Next(kCommon);
      return;
    }
    merged_.resize(order_.size());
    Next(kMerge);
  }

  // One pass merges neighbouring runs of width_ into runs of 2 * width_ in merged_.
  void MergeRuns(size_t budget, size_t* spent) {
    auto less = [this](uint32_t a, uint32_t b) { return Less(a, b); };
    const size_t n = order_.size();
    while (width_ < n && *spent < budget) {
      size_t mid = std::min(n, i_ + width_), end = std::min(n, i_ + 2 * width_);
      std::merge(order_.begin() + i_, order_.begin() + mid, order_.begin() + mid,
                 order_.begin() + end, merged_.begin() + i_, less);
      for (size_t j = i_; j < end; ++j) *spent += Frames(order_[j]);
      i_ = end;
      if (i_ == n) {
        order_.swap(merged_);
        width_ *= 2;
        i_ = 0;
      }
    }
    if (width_ >= n) {
      merged_ = {};
      Next(kCommon);
    }
  }

  // The common prefix of each sequence with the one before it; then the node count.
  Status Common(size_t budget, size_t* spent) {
    const uint32_t* S = seq_.data();
    const uint32_t* O = seq_offsets_.data();
    common_.resize(order_.size());
    for (; i_ < order_.size() && *spent < budget; ++i_) {
      uint32_t a = order_[i_];
      common_[i_] = 0;
      if (i_ > 0) {
        uint32_t b = order_[i_ - 1];
        common_[i_] = static_cast<uint32_t>(
            std::mismatch(S + O[a], S + O[a + 1], S + O[b], S + O[b + 1]).first - (S + O[a]));
      }
      nodes_ += O[a + 1] - O[a] - common_[i_];
      *spent += Frames(a);
    }
    if (i_ < order_.size()) return Status();
    if (nodes_ >= kNone) return TooManyNodes();
    // Reserved now, grown as nodes come: a large array's pages are first touched a step at
    // a time (in wasm, touching 50 MB of new memory at once took 250 ms).
    const uint32_t n = static_cast<uint32_t>(nodes_);
    for (auto* v : {&tree_.name, &tree_.parent, &tree_.subtree_end, &tree_.level_nodes}) {
      v->reserve(n);
    }
    tree_.x.reserve(size_t{n} + 1);
    path_.assign(1, AddNode(root_name_, kNone));
    per_depth_.assign(1, 1);
    Next(kNodes);
    return Status();
  }

  // Nodes in pre-order with their depth; a node's subtree ends where the next sequence
  // leaves it.
  void Nodes(size_t budget, size_t* spent) {
    const uint32_t* S = seq_.data();
    const uint32_t* O = seq_offsets_.data();
    for (; i_ < order_.size() && *spent < budget; ++i_) {
      uint32_t a = order_[i_];
      EndPath(common_[i_] + 1);
      for (uint32_t j = O[a] + common_[i_]; j < O[a + 1]; ++j) {
        const uint32_t d = static_cast<uint32_t>(path_.size());
        path_.push_back(AddNode(name_of_rank_[S[j]], path_.back()));
        if (per_depth_.size() <= d) per_depth_.resize(d + 1, 0);
        ++per_depth_[d];
      }
      int64_t& self = tree_.x[path_.back()];  // x holds the self values until the layout
      self = WrapAdd(self, weight_[seq_stack_[a]]);
      *spent += Frames(a);
    }
    tree_.level_nodes.resize(tree_.size());
    if (i_ < order_.size()) return;
    EndPath(0);
    // What the phases kept is not needed any more.
    seq_ = {};
    seq_offsets_ = {};
    order_ = {};
    common_ = {};
    tree_.x.push_back(0);  // becomes where the last node ends
    Next(kLayout);
  }

  // Returns the new node's id.
  uint32_t AddNode(uint32_t name, uint32_t parent) {
    tree_.name.push_back(name);
    tree_.parent.push_back(parent);
    tree_.subtree_end.push_back(0);  // set when the node leaves the path
    tree_.x.push_back(0);
    return tree_.size() - 1;
  }

  // Ends the subtrees of the path's nodes past the first `keep`.
  void EndPath(size_t keep) {
    for (size_t k = path_.size(); k-- > keep;) tree_.subtree_end[path_[k]] = tree_.size();
    path_.resize(keep);
  }

  void LayoutNodes(size_t budget, size_t* spent) {
    const size_t end = std::min(tree_.x.size(), i_ + (budget - *spent));
    LayoutRange(&tree_.x, &x_sum_, i_, end);
    *spent += end - i_;
    i_ = end;
    if (i_ < tree_.x.size()) return;
    fill_ = SizeLevels(&tree_, per_depth_);
    Next(kLevels);
  }

  // The level index (level_nodes grew with the nodes, so that its pages were first touched
  // a step at a time).
  void Levels(size_t budget, size_t* spent) {
    uint32_t end = RangeEnd(budget - *spent);
    FillLevels(&tree_, &fill_, &walk_, static_cast<uint32_t>(i_), end);
    *spent += end - i_;
    i_ = end;
    if (i_ == tree_.size()) Next(kDone);
  }

  // The end of the next range of nodes from i_ that `room` units pay for.
  uint32_t RangeEnd(size_t room) const {
    return static_cast<uint32_t>(room >= tree_.size() - i_ ? tree_.size() : i_ + room);
  }

  void Next(Phase phase) {
    phase_ = phase;
    i_ = 0;
  }

  const Profile& p_;
  CallTreeOptions options_;
  CallTree tree_;
  FrameNamer namer_;
  Phase phase_ = kCheck;
  size_t i_ = 0;  // the current phase's next item
  uint32_t root_name_ = 0;
  std::vector<int64_t> weight_;                            // per stack
  size_t frames_ = 0;                                      // in weighted stacks
  std::vector<uint32_t> seq_offsets_{0}, seq_, seq_stack_;  // per weighted stack
  std::vector<uint32_t> name_of_rank_;
  std::vector<uint32_t> order_, merged_;  // sequences in sorted order (merge sort buffers)
  size_t width_ = 0;                      // merge sort: the width of sorted runs
  std::vector<uint32_t> common_;          // per order_ position: prefix shared with the one before
  uint64_t nodes_ = 1;
  std::vector<uint32_t> path_;  // nodes of the previous sequence, root first
  std::vector<uint32_t> per_depth_, fill_;  // nodes per depth; where the next goes in its level
  int64_t x_sum_ = 0;                       // LayoutRange's
  DepthWalk walk_;                          // FillLevels'
};

CallTreeBuilder::CallTreeBuilder(const Profile& profile, const CallTreeOptions& options)
    : impl_(std::make_unique<Impl>(profile, options)) {}
CallTreeBuilder::~CallTreeBuilder() = default;
Result<bool> CallTreeBuilder::Step(size_t budget) { return impl_->Step(budget); }
double CallTreeBuilder::progress() const { return impl_->progress(); }
CallTree CallTreeBuilder::Take() { return impl_->Take(); }

Result<CallTree> BuildCallTree(const Profile& p, const CallTreeOptions& options) {
  CallTreeBuilder builder(p, options);
  return RunToEnd(&builder);
}

Result<DiffTree> BuildDiffTree(const CallTree& left, const CallTree& right) {
  DiffTree t;
  std::vector<uint32_t> lname(left.names.size(), kNone), rname(right.names.size(), kNone);
  auto union_name = [&](const CallTree& side, std::vector<uint32_t>* map, uint32_t n) {
    uint32_t& id = (*map)[side.name[n]];
    if (id == kNone) id = t.names.Intern(side.names[side.name[n]]);
    return id;
  };
  // Pairs of (left node, right node), kNone where a side lacks the path.
  struct Item {
    uint32_t l, r, parent;
  };
  std::vector<Item> stack;
  std::vector<Item> kids;
  if (left.size() > 0 || right.size() > 0) {
    stack.push_back({left.size() > 0 ? 0 : kNone, right.size() > 0 ? 0 : kNone, kNone});
  }
  while (!stack.empty()) {
    Item it = stack.back();
    stack.pop_back();
    if (t.name.size() >= kNone - 1) return TooManyNodes();
    uint32_t id = static_cast<uint32_t>(t.name.size());
    t.name.push_back(it.l != kNone ? union_name(left, &lname, it.l)
                                   : union_name(right, &rname, it.r));
    t.parent.push_back(it.parent);
    // x holds each side's self values until the layout.
    t.left_x.push_back(it.l != kNone ? left.self(it.l) : 0);
    t.right_x.push_back(it.r != kNone ? right.self(it.r) : 0);
    // Merge the two sorted child lists.
    kids.clear();
    uint32_t a = it.l != kNone ? left.first_child(it.l) : kNone;
    uint32_t b = it.r != kNone ? right.first_child(it.r) : kNone;
    while (a != kNone || b != kNone) {
      int cmp = a == kNone ? 1 : b == kNone ? -1 : left.node_name(a).compare(right.node_name(b));
      if (cmp == 0) {
        kids.push_back({a, b, id});
        a = left.next_sibling(a);
        b = right.next_sibling(b);
      } else if (cmp < 0) {
        kids.push_back({a, kNone, id});
        a = left.next_sibling(a);
      } else {
        kids.push_back({kNone, b, id});
        b = right.next_sibling(b);
      }
    }
    for (size_t i = kids.size(); i-- > 0;) stack.push_back(kids[i]);
  }
  IndexShape(&t);
  t.left_x.push_back(0);
  t.right_x.push_back(0);
  Layout(&t.left_x);
  Layout(&t.right_x);
  return t;
}

FlameGraph BuildFlameGraph(const CallTree& tree, int64_t max_nodes) {
  FlameGraph g;
  if (tree.size() == 0) return g;
  g.total = tree.total(0);
  int64_t min_val = 0;
  if (max_nodes >= 1 && tree.size() - 1 > static_cast<uint64_t>(max_nodes)) {
    std::vector<int64_t> totals(tree.size() - 1);
    for (uint32_t n = 1; n < tree.size(); ++n) totals[n - 1] = tree.total(n);
    min_val = KthLargest(std::move(totals), static_cast<size_t>(max_nodes));
  }
  // Pyroscope folds nodes literally named "other" into the synthetic "other" node too.
  uint32_t other_name = kNone;
  for (uint32_t i = 0; i < tree.names.size(); ++i) {
    if (tree.names[i] == "other") other_name = i;
  }
  std::vector<uint32_t> out_name(tree.names.size(), kNone);
  uint32_t other_index = kNone;
  g.levels.resize(tree.num_levels());
  if (min_val == 0) {  // untruncated: exactly one entry per tree node
    for (uint32_t d = 0; d < tree.num_levels(); ++d) {
      g.levels[d].reserve(4 * size_t{tree.level_offsets[d + 1] - tree.level_offsets[d]});
    }
  }
  struct Item {
    uint32_t node;  // kNone: a synthetic "other" leaf of value `other`
    uint32_t level;
    int64_t x;
    int64_t other;
  };
  // Depth-first with a stack, children pushed left to right, as Pyroscope does: nodes
  // are visited right to left, which fixes the order of `names`.
  std::vector<Item> stack{{0, 0, 0, 0}};
  while (!stack.empty()) {
    Item it = stack.back();
    stack.pop_back();
    int64_t self = it.node == kNone ? it.other : tree.self(it.node);
    int64_t total = it.node == kNone ? it.other : tree.total(it.node);
    g.max_self = std::max(g.max_self, self);
    uint32_t index;
    if (it.node == kNone) {
      if (other_index == kNone) {
        other_index = static_cast<uint32_t>(g.names.size());
        g.names.push_back("other");
      }
      index = other_index;
    } else {
      uint32_t& slot = out_name[tree.name[it.node]];
      if (slot == kNone) {
        slot = static_cast<uint32_t>(g.names.size());
        g.names.push_back(it.node == 0 ? "total" : tree.node_name(it.node));
      }
      index = slot;
    }
    if (g.levels.size() <= it.level) g.levels.resize(it.level + 1);
    std::vector<int64_t>& level = g.levels[it.level];
    level.insert(level.end(), {index, self, total, it.x});  // reversed below
    if (it.node == kNone) continue;
    int64_t cursor = WrapAdd(it.x, self);
    int64_t other = 0;
    for (uint32_t c = tree.first_child(it.node); c != kNone; c = tree.next_sibling(c)) {
      if (tree.total(c) >= min_val && tree.name[c] != other_name) {
        stack.push_back({c, it.level + 1, cursor, 0});
        cursor = WrapAdd(cursor, tree.total(c));
      } else {
        other = WrapAdd(other, tree.total(c));
      }
    }
    if (other != 0) stack.push_back({kNone, it.level + 1, cursor, other});
  }
  while (!g.levels.empty() && g.levels.back().empty()) g.levels.pop_back();  // truncated
  for (std::vector<int64_t>& level : g.levels) std::reverse(level.begin(), level.end());
  DeltaEncode(&g.levels, 0, 4);
  return g;
}

Result<FlameGraphDiff> BuildFlameGraphDiff(const DiffTree& tree, int64_t max_nodes) {
  for (uint32_t i = 0; i < tree.size(); ++i) {
    if (tree.left_self(i) < 0 || tree.right_self(i) < 0) {
      return Status::InvalidArgument(Format("flame graph diff: node \"%s\" has a negative %s "
                                            "value; diffs need non-negative values",
                                            tree.node_name(i).c_str(),
                                            tree.left_self(i) < 0 ? "left" : "right"));
    }
  }
  FlameGraphDiff g;
  if (tree.size() == 0) return g;
  g.left_ticks = tree.left_total(0);
  g.right_ticks = tree.right_total(0);
  g.total = WrapAdd(g.left_ticks, g.right_ticks);
  int64_t min_val = 0;
  if (max_nodes >= 1 && tree.size() > static_cast<uint64_t>(max_nodes)) {
    std::vector<int64_t> m(tree.size());
    for (uint32_t i = 0; i < tree.size(); ++i) {
      m[i] = std::max(tree.left_total(i), tree.right_total(i));
    }
    min_val = KthLargest(std::move(m), static_cast<size_t>(max_nodes));
  }
  std::vector<uint32_t> out_name(tree.names.size(), kNone);
  uint32_t other_index = kNone;  // real nodes named "other" share it, as in Pyroscope
  struct Item {
    uint32_t node;
    uint32_t level;
    int64_t lx, rx;
    int64_t lother, rother;
  };
  auto keep = [&](uint32_t n) {
    return tree.left_total(n) >= min_val || tree.right_total(n) >= min_val;
  };
  std::vector<Item> stack{{0, 0, 0, 0, 0, 0}};
  while (!stack.empty()) {
    Item it = stack.back();
    stack.pop_back();
    bool synthetic = it.node == kNone;
    int64_t ls = synthetic ? it.lother : tree.left_self(it.node);
    int64_t lt = synthetic ? it.lother : tree.left_total(it.node);
    int64_t rs = synthetic ? it.rother : tree.right_self(it.node);
    int64_t rt = synthetic ? it.rother : tree.right_total(it.node);
    g.max_self = std::max({g.max_self, ls, rs});
    uint32_t index;
    if (synthetic || (it.node != 0 && tree.node_name(it.node) == "other")) {
      if (other_index == kNone) {
        other_index = static_cast<uint32_t>(g.names.size());
        g.names.push_back("other");
      }
      index = other_index;
    } else {
      uint32_t& slot = out_name[tree.name[it.node]];
      if (slot == kNone) {
        slot = static_cast<uint32_t>(g.names.size());
        g.names.push_back(it.node == 0 ? "total" : tree.node_name(it.node));
      }
      index = slot;
    }
    if (g.levels.size() <= it.level) g.levels.resize(it.level + 1);
    std::vector<int64_t>& level = g.levels[it.level];
    level.insert(level.end(), {index, rs, rt, it.rx, ls, lt, it.lx});  // reversed below
    if (synthetic) continue;
    int64_t lc = WrapAdd(it.lx, ls), rc = WrapAdd(it.rx, rs);
    int64_t lo = 0, ro = 0;
    for (uint32_t c = tree.first_child(it.node); c != kNone; c = tree.next_sibling(c)) {
      if (keep(c)) {
        stack.push_back({c, it.level + 1, lc, rc, 0, 0});
        lc = WrapAdd(lc, tree.left_total(c));
        rc = WrapAdd(rc, tree.right_total(c));
      } else {
        lo = WrapAdd(lo, tree.left_total(c));
        ro = WrapAdd(ro, tree.right_total(c));
      }
    }
    if (lo != 0 || ro != 0) stack.push_back({kNone, it.level + 1, lc, rc, lo, ro});
  }
  for (std::vector<int64_t>& level : g.levels) std::reverse(level.begin(), level.end());
  DeltaEncode(&g.levels, 0, 7);
  DeltaEncode(&g.levels, 3, 7);
  return g;
}

namespace {

// A guess of the JSON size, to grow the buffer once.
size_t JsonSizeHint(const std::vector<std::string>& names,
                    const std::vector<std::vector<int64_t>>& levels) {
  size_t n = 128;
  for (const std::string& s : names) n += s.size() + 3;
  for (const std::vector<int64_t>& l : levels) n += 16 + l.size() * 6;
  return n;
}

}  // namespace

std::string FlameGraphToJson(const FlameGraph& g) {
  rapidjson::StringBuffer buf;
  buf.Reserve(JsonSizeHint(g.names, g.levels));
  JsonWriter w(buf);
  w.StartObject();
  WriteNamesAndLevels(&w, g.names, g.levels);
  w.Key("total");
  Int64String(&w, g.total);
  w.Key("maxSelf");
  Int64String(&w, g.max_self);
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

std::string FlameGraphDiffToJson(const FlameGraphDiff& g) {
  rapidjson::StringBuffer buf;
  buf.Reserve(JsonSizeHint(g.names, g.levels));
  JsonWriter w(buf);
  w.StartObject();
  WriteNamesAndLevels(&w, g.names, g.levels);
  w.Key("total");
  Int64String(&w, g.total);
  w.Key("maxSelf");
  Int64String(&w, g.max_self);
  w.Key("leftTicks");
  Int64String(&w, g.left_ticks);
  w.Key("rightTicks");
  Int64String(&w, g.right_ticks);
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

}  // namespace pyrolens
