// V8 profile JSON readers. Layouts: Chrome DevTools protocol, Profiler.Profile and
// HeapProfiler.SamplingHeapProfile (https://chromedevtools.github.io/devtools-protocol/).
#include "pyrolens/cpuprofile.h"

#include <string>
#include <unordered_map>
#include <vector>

#include "json_util.h"

namespace pyrolens {
namespace {

using rapidjson::Value;

using json::Member;
using json::StringOr;

bool Int(const Value* v, int64_t* out) {
  if (v == nullptr || !v->IsNumber()) return false;
  if (v->IsInt64()) {
    *out = v->GetInt64();
  } else if (v->IsUint64()) {
    *out = static_cast<int64_t>(v->GetUint64());
  } else {
    double d = v->GetDouble();
    if (!(d > -9.2e18 && d < 9.2e18)) return false;
    *out = static_cast<int64_t>(d);
  }
  return true;
}

// One V8 node, flattened from either layout.
struct Node {
  const Value* frame;  // the object holding functionName/url/lineNumber/columnNumber
  int64_t id = 0;
  int64_t hits = 0;
  int64_t self_size = 0;
  uint32_t parent = kNone;
};

// Functions and locations by call frame content; stacks by node.
class Frames {
 public:
  explicit Frames(Profile* p) : p_(p), stacks_(p) {}

  uint32_t LocationOf(const Value& frame) {
    std::string_view name = StringOr(Member(frame, "functionName"));
    if (name.empty()) name = "(anonymous)";
    std::string_view url = StringOr(Member(frame, "url"));
    int64_t line = -1, column = -1;
    Int(Member(frame, "lineNumber"), &line);
    Int(Member(frame, "columnNumber"), &column);
    key_.assign(name.data(), name.size());
    key_ += '\0';
    key_.append(url.data(), url.size());
    key_ += '\0';
    key_ += std::to_string(line) + ':' + std::to_string(column);
    auto [it, added] = location_of_.try_emplace(key_, 0);
    if (added) {
      Function fn;
      fn.name = p_->strings.Intern(name);
      fn.system_name = fn.name;
      fn.filename = p_->strings.Intern(url);
      fn.start_line = line + 1;  // V8 lines and columns are 0-based
      it->second = p_->AddFunctionLocation(fn, line + 1, column + 1);
    }
    return it->second;
  }

  // The stack of node n: its frames up to (not including) a "(root)" root, leaf first.
  uint32_t Stack(const std::vector<Node>& nodes, uint32_t n) {
    if (stack_of_.empty()) stack_of_.assign(nodes.size(), kNone);
    if (stack_of_[n] != kNone) return stack_of_[n];
    locs_.clear();
    // Parents were checked to form a tree, so this walk ends within nodes.size() steps.
    for (uint32_t i = n; i != kNone; i = nodes[i].parent) {
      if (nodes[i].parent == kNone &&
          StringOr(Member(*nodes[i].frame, "functionName")) == "(root)") {
        break;
      }
      locs_.push_back(LocationOf(*nodes[i].frame));
    }
    stack_of_[n] = stacks_.Intern(locs_.data(), locs_.size());
    return stack_of_[n];
  }

 private:
  Profile* p_;
  StackInterner stacks_;
  std::unordered_map<std::string, uint32_t> location_of_;
  std::vector<uint32_t> stack_of_;
  std::vector<uint32_t> locs_;
  std::string key_;
};

// Flattens a nested `head` tree (Node ≤ 10 cpuprofile, heapprofile) without recursion.
Status FlattenHead(const Value& head, const char* format, std::vector<Node>* nodes) {
  std::vector<std::pair<const Value*, uint32_t>> todo = {{&head, kNone}};
  while (!todo.empty()) {
    auto [v, parent] = todo.back();
    todo.pop_back();
    if (!v->IsObject()) {
      return Status::Corruption(Format("%s: node %zu is not an object", format, nodes->size()));
    }
    Node n;
    const Value* frame = Member(*v, "callFrame");
    n.frame = frame != nullptr && frame->IsObject() ? frame : v;
    Int(Member(*v, "id"), &n.id);
    Int(Member(*v, "hitCount"), &n.hits);
    Int(Member(*v, "selfSize"), &n.self_size);
    n.parent = parent;
    uint32_t self = static_cast<uint32_t>(nodes->size());
    nodes->push_back(n);
    const Value* children = Member(*v, "children");
    if (children == nullptr) continue;
    if (!children->IsArray()) {
      return Status::Corruption(Format("%s: node %u: children is not an array", format, self));
    }
    for (const Value& c : children->GetArray()) todo.push_back({&c, self});
  }
  return Status();
}

// Node id -> index; fails on duplicates.
Status IndexIds(const std::vector<Node>& nodes, const char* format,
                std::unordered_map<int64_t, uint32_t>* index) {
  index->reserve(nodes.size());
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (!index->emplace(nodes[i].id, static_cast<uint32_t>(i)).second) {
      return Status::Corruption(Format("%s: nodes[%zu]: duplicate node id %lld", format, i,
                                       static_cast<long long>(nodes[i].id)));
    }
  }
  return Status();
}

}  // namespace

Result<Profile> ReadCpuProfile(std::string_view text) {
  const char* kFormat = "cpuprofile";
  rapidjson::Document doc;
  RETURN_IF_ERROR(json::Parse(text, kFormat, &doc));
  std::vector<Node> nodes;
  std::unordered_map<int64_t, uint32_t> index;
  const Value* array = Member(doc, "nodes");
  const Value* head = Member(doc, "head");
  if (array != nullptr) {
    if (!array->IsArray()) return Status::Corruption("cpuprofile: nodes is not an array");
    for (const Value& v : array->GetArray()) {
      if (!v.IsObject()) {
        return Status::Corruption(Format("cpuprofile: nodes[%zu] is not an object", nodes.size()));
      }
      Node n;
      const Value* frame = Member(v, "callFrame");
      n.frame = frame != nullptr && frame->IsObject() ? frame : &v;
      if (!Int(Member(v, "id"), &n.id)) {
        return Status::Corruption(Format("cpuprofile: nodes[%zu].id is missing", nodes.size()));
      }
      Int(Member(v, "hitCount"), &n.hits);
      nodes.push_back(n);
    }
    RETURN_IF_ERROR(IndexIds(nodes, kFormat, &index));
    for (size_t i = 0; i < nodes.size(); ++i) {
      const Value* children = Member((*array)[static_cast<rapidjson::SizeType>(i)], "children");
      if (children == nullptr) continue;
      if (!children->IsArray()) {
        return Status::Corruption(Format("cpuprofile: nodes[%zu].children is not an array", i));
      }
      for (rapidjson::SizeType j = 0; j < children->Size(); ++j) {
        int64_t id;
        auto it = Int(&(*children)[j], &id) ? index.find(id) : index.end();
        if (it == index.end()) {
          return Status::Corruption(
              Format("cpuprofile: nodes[%zu].children[%u]: unknown node id", i, j));
        }
        if (nodes[it->second].parent != kNone || it->second == i) {
          return Status::Corruption(
              Format("cpuprofile: nodes[%zu].children[%u]: node %lld has two parents", i, j,
                     static_cast<long long>(id)));
        }
        nodes[it->second].parent = static_cast<uint32_t>(i);
      }
    }
    // With one parent each, the links form trees unless some form a cycle (no root).
    std::vector<uint8_t> state(nodes.size(), 0);  // 0 unknown, 1 on this walk, 2 reaches a root
    std::vector<uint32_t> path;
    for (uint32_t i = 0; i < nodes.size(); ++i) {
      path.clear();
      uint32_t j = i;
      while (j != kNone && state[j] == 0) {
        state[j] = 1;
        path.push_back(j);
        j = nodes[j].parent;
      }
      if (j != kNone && state[j] == 1) {
        return Status::Corruption(Format("cpuprofile: nodes[%u]: parent links form a cycle", j));
      }
      for (uint32_t k : path) state[k] = 2;
    }
  } else if (head != nullptr) {
    RETURN_IF_ERROR(FlattenHead(*head, kFormat, &nodes));
    RETURN_IF_ERROR(IndexIds(nodes, kFormat, &index));
  } else {
    return Status::Corruption("cpuprofile: neither nodes nor head");
  }

  Profile p;
  Frames frames(&p);
  p.sample_types.push_back({p.strings.Intern("samples"), p.strings.Intern("count")});
  const Value* samples = Member(doc, "samples");
  const Value* deltas = Member(doc, "timeDeltas");
  const Value* stamps = Member(doc, "timestamps");
  int64_t start = 0, end = 0;
  bool has_start = Int(Member(doc, "startTime"), &start);
  bool has_end = Int(Member(doc, "endTime"), &end);
  if (samples != nullptr && samples->IsArray() && samples->Size() > 0) {
    const Value* times = deltas != nullptr ? deltas : stamps;
    rapidjson::SizeType n = samples->Size();
    // Node ≤ 10 writes one timestamp more than samples: the end of the last one.
    if (times == nullptr || !times->IsArray() || (times->Size() != n && times->Size() != n + 1)) {
      return Status::Corruption(Format("cpuprofile: %u samples but %s", n,
                                       times == nullptr    ? "no timeDeltas or timestamps"
                                       : !times->IsArray() ? "times that are not an array"
                                                           : "a different number of times"));
    }
    // Absolute sample times in µs (timeDeltas are relative to startTime).
    std::vector<int64_t> at(times->Size());
    int64_t t = has_start && deltas != nullptr ? start : 0;
    for (rapidjson::SizeType i = 0; i < times->Size(); ++i) {
      int64_t v;
      if (!Int(&(*times)[i], &v)) {
        return Status::Corruption(Format("cpuprofile: %s[%u] is not a number",
                                         deltas != nullptr ? "timeDeltas" : "timestamps", i));
      }
      t = deltas != nullptr ? WrapAdd(t, v) : v;
      at[i] = t;
    }
    p.sample_types.push_back({p.strings.Intern("wall"), p.strings.Intern("nanoseconds")});
    std::vector<int64_t> per_node_ns(nodes.size(), 0), per_node_count(nodes.size(), 0);
    // Legacy profiles give endTime in seconds: only an endTime after the last sample ends it.
    int64_t last_end = at.size() > n ? at[n] : has_end && end >= at[n - 1] ? end : at[n - 1];
    for (rapidjson::SizeType i = 0; i < n; ++i) {
      int64_t id;
      auto it = Int(&(*samples)[i], &id) ? index.find(id) : index.end();
      if (it == index.end()) {
        return Status::Corruption(Format("cpuprofile: samples[%u]: unknown node id", i));
      }
      int64_t next = i + 1 < n ? at[i + 1] : last_end;
      int64_t us = WrapSub(next, at[i]);
      if (us < 0) {
        ++p.stats.skipped_lines;  // out-of-order times: the sample counts, its time does not
        us = 0;
      }
      per_node_count[it->second] += 1;
      per_node_ns[it->second] = WrapAdd(per_node_ns[it->second], WrapMul(us, 1000));
    }
    for (uint32_t i = 0; i < nodes.size(); ++i) {
      if (per_node_count[i] == 0) continue;
      p.sample_stack.push_back(frames.Stack(nodes, i));
      p.values.push_back(per_node_count[i]);
      p.values.push_back(per_node_ns[i]);
      p.label_offsets.push_back(0);
    }
    p.duration_nanos = WrapMul(WrapSub(last_end, at[0]), 1000);
    p.period_type = p.sample_types[1];
    p.period = n > 1 ? WrapMul(WrapSub(at[n - 1], at[0]), 1000) / (n - 1) : 0;
  } else {
    for (uint32_t i = 0; i < nodes.size(); ++i) {  // hit counts only
      if (nodes[i].hits == 0) continue;
      p.sample_stack.push_back(frames.Stack(nodes, i));
      p.values.push_back(nodes[i].hits);
      p.label_offsets.push_back(0);
    }
    p.period_type = p.sample_types[0];
    p.period = 1;
    if (has_start && has_end && deltas != nullptr)
      p.duration_nanos = WrapMul(WrapSub(end, start), 1000);
  }
  p.default_sample_type = p.sample_types.back().type;
  return p;
}

Result<Profile> ReadHeapProfile(std::string_view text) {
  const char* kFormat = "heapprofile";
  rapidjson::Document doc;
  RETURN_IF_ERROR(json::Parse(text, kFormat, &doc));
  const Value* head = Member(doc, "head");
  if (head == nullptr) return Status::Corruption("heapprofile: no head");
  std::vector<Node> nodes;
  RETURN_IF_ERROR(FlattenHead(*head, kFormat, &nodes));
  Profile p;
  Frames frames(&p);
  p.sample_types.push_back({p.strings.Intern("inuse_space"), p.strings.Intern("bytes")});
  std::vector<int64_t> objects(nodes.size(), 0);
  const Value* samples = Member(doc, "samples");
  bool counted = samples != nullptr && samples->IsArray() && samples->Size() > 0;
  if (counted) {
    std::unordered_map<int64_t, uint32_t> index;
    RETURN_IF_ERROR(IndexIds(nodes, kFormat, &index));
    p.sample_types.push_back({p.strings.Intern("inuse_objects"), p.strings.Intern("count")});
    for (rapidjson::SizeType i = 0; i < samples->Size(); ++i) {
      int64_t id;
      if (!Int(Member((*samples)[i], "nodeId"), &id)) {
        return Status::Corruption(Format("heapprofile: samples[%u].nodeId is not a number", i));
      }
      // V8 keeps samples of nodes it pruned from the tree: they have no stack to count on.
      auto it = index.find(id);
      if (it == index.end()) {
        ++p.stats.missing_ids;
        continue;
      }
      ++objects[it->second];
    }
  }
  for (uint32_t i = 0; i < nodes.size(); ++i) {
    if (nodes[i].self_size == 0 && objects[i] == 0) continue;
    p.sample_stack.push_back(frames.Stack(nodes, i));
    p.values.push_back(nodes[i].self_size);
    if (counted) p.values.push_back(objects[i]);
    p.label_offsets.push_back(0);
  }
  if (p.num_samples() == 0) ++p.stats.skipped_lines;  // an empty heap is still a profile
  p.period_type = {p.strings.Intern("space"), p.strings.Intern("bytes")};
  p.default_sample_type = p.sample_types[0].type;
  return p;
}

}  // namespace pyrolens
