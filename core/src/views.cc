#include "pyrolens/views.h"

#include <algorithm>

#include "pyrolens/status.h"

namespace pyrolens {
namespace {

constexpr uint32_t kNoLine = kNone;

struct Frame {
  uint32_t loc;
  uint32_t line;  // index into Profile::lines, kNoLine for a location without lines
};

// Names frames as BuildCallTree does with FrameKey::kFunction, as ids of a local table.
class FrameNames {
 public:
  explicit FrameNames(const Profile& p)
      : p_(p), fn_(p.functions.size(), kNone), loc_(p.locations.size(), kNone) {}

  uint32_t Of(const Frame& f) {
    if (f.line == kNoLine) {
      uint32_t& id = loc_[f.loc];
      if (id == kNone) {
        id = names_.Intern(
            Format("0x%llx", static_cast<unsigned long long>(p_.locations[f.loc].address)));
      }
      return id;
    }
    uint32_t fn = p_.lines[f.line].function;
    if (fn == kNone || fn >= fn_.size()) return names_.Intern("<unknown>");
    uint32_t& id = fn_[fn];
    if (id == kNone) id = names_.Intern(p_.str(p_.functions[fn].name));
    return id;
  }
  uint32_t Find(std::string_view name) { return names_.Intern(name); }

 private:
  const Profile& p_;
  StringTable names_;
  std::vector<uint32_t> fn_, loc_;
};

// Rewrites every stack through `fn(frames)`, frames root first; `fn` returns false to
// drop the stack's samples. Frames left out of their location's original run get
// one-line locations of their own.
template <typename Fn>
void RewriteStacks(Profile* p, Fn fn) {
  std::vector<uint32_t> line_loc(p->lines.size(), kNone);  // one-line copies, by line
  std::vector<uint32_t> offsets{0}, locs;
  std::vector<uint8_t> keep(p->num_stacks(), 1);
  std::vector<Frame> frames;
  offsets.reserve(p->stack_offsets.size());
  locs.reserve(p->stack_locations.size());
  for (uint32_t s = 0; s < p->num_stacks(); ++s) {
    frames.clear();
    for (const uint32_t* l = p->stack_end(s); l != p->stack_begin(s);) {
      uint32_t loc = *--l;
      const Location& location = p->locations[loc];
      if (location.num_lines == 0) {
        frames.push_back({loc, kNoLine});
        continue;
      }
      for (uint32_t j = location.first_line + location.num_lines; j-- > location.first_line;) {
        frames.push_back({loc, j});
      }
    }
    if (!fn(frames)) {
      keep[s] = 0;
      frames.clear();
    }
    // Re-encode leaf first: a whole location run in its original order keeps its location.
    for (size_t i = frames.size(); i-- > 0;) {
      const Frame& f = frames[i];
      if (f.line == kNoLine) {
        locs.push_back(f.loc);
        continue;
      }
      const Location& location = p->locations[f.loc];
      uint32_t n = location.num_lines;
      bool whole = f.line == location.first_line && i + 1 >= n;
      for (uint32_t k = 1; whole && k < n; ++k) {
        whole = frames[i - k].loc == f.loc && frames[i - k].line == location.first_line + k;
      }
      if (whole) {
        locs.push_back(f.loc);
        i -= n - 1;
        continue;
      }
      uint32_t& copy = line_loc[f.line];
      if (copy == kNone) {
        Location one = location;
        one.first_line = f.line;
        one.num_lines = 1;
        copy = static_cast<uint32_t>(p->locations.size());
        p->locations.push_back(one);
      }
      locs.push_back(copy);
    }
    offsets.push_back(static_cast<uint32_t>(locs.size()));
  }
  p->stack_offsets = std::move(offsets);
  p->stack_locations = std::move(locs);
  if (std::find(keep.begin(), keep.end(), 0) == keep.end()) return;
  // Drop the samples of dropped stacks, keeping the order of the others.
  const size_t k = p->num_types();
  size_t out = 0;
  std::vector<uint32_t> label_offsets{0};
  std::vector<uint32_t> labels;
  for (size_t i = 0; i < p->num_samples(); ++i) {
    if (!keep[p->sample_stack[i]]) continue;
    p->sample_stack[out] = p->sample_stack[i];
    std::copy(p->values.begin() + i * k, p->values.begin() + (i + 1) * k,
              p->values.begin() + out * k);
    labels.insert(labels.end(), p->sample_labels.begin() + p->label_offsets[i],
                  p->sample_labels.begin() + p->label_offsets[i + 1]);
    label_offsets.push_back(static_cast<uint32_t>(labels.size()));
    ++out;
  }
  p->sample_stack.resize(out);
  p->values.resize(out * k);
  p->sample_labels = std::move(labels);
  p->label_offsets = std::move(label_offsets);
}

}  // namespace

void InvertStacks(Profile* profile) {
  RewriteStacks(profile, [](std::vector<Frame>& frames) {
    std::reverse(frames.begin(), frames.end());
    return true;
  });
}

void CollapseRecursion(Profile* profile) {
  FrameNames names(*profile);
  RewriteStacks(profile, [&](std::vector<Frame>& frames) {
    size_t out = 0;
    uint32_t prev = kNone;
    for (const Frame& f : frames) {
      uint32_t id = names.Of(f);
      if (id == prev) continue;
      prev = id;
      frames[out++] = f;
    }
    frames.resize(out);
    return true;
  });
}

size_t KeepSandwichSide(Profile* profile, std::string_view function, SandwichSide side) {
  FrameNames names(*profile);
  const uint32_t target = names.Find(function);
  RewriteStacks(profile, [&](std::vector<Frame>& frames) {
    if (side == SandwichSide::kCallees) {
      for (size_t i = 0; i < frames.size(); ++i) {
        if (names.Of(frames[i]) == target) {
          frames.erase(frames.begin(), frames.begin() + i);
          return true;
        }
      }
      return false;
    }
    for (size_t i = frames.size(); i-- > 0;) {
      if (names.Of(frames[i]) == target) {
        frames.resize(i + 1);
        std::reverse(frames.begin(), frames.end());
        return true;
      }
    }
    return false;
  });
  return profile->num_samples();
}

std::vector<FunctionRow> BuildFunctionTable(const TreeShape& tree, const std::vector<int64_t>& x) {
  FunctionTableBuilder b(tree, x);
  b.Step(tree.size());
  return b.Take();
}

FunctionTableBuilder::FunctionTableBuilder(const TreeShape& tree, const std::vector<int64_t>& x)
    : tree_(tree),
      x_(x),
      self_by_(tree.names.size(), 0),
      total_by_(tree.names.size(), 0),
      seen_(tree.names.size(), 0),
      open_(tree.names.size(), 0) {}

bool FunctionTableBuilder::Step(size_t budget) {
  const uint32_t end =
      static_cast<uint32_t>(std::min<size_t>(tree_.size(), size_t{next_} + budget));
  for (; next_ < end; ++next_) {
    const uint32_t n = next_;
    while (!path_.empty() && tree_.subtree_end[path_.back()] <= n) {
      --open_[tree_.name[path_.back()]];
      path_.pop_back();
    }
    uint32_t name = tree_.name[n];
    seen_[name] = 1;
    self_by_[name] = WrapAdd(self_by_[name], TreeShape::NodeSelf(x_, n));
    if (open_[name] == 0) total_by_[name] = WrapAdd(total_by_[name], tree_.NodeTotal(x_, n));
    ++open_[name];
    path_.push_back(n);
  }
  return next_ >= tree_.size();
}

double FunctionTableBuilder::progress() const {
  return tree_.size() <= 1 ? 1.0 : static_cast<double>(next_) / tree_.size();
}

std::vector<FunctionRow> FunctionTableBuilder::Take() {
  std::vector<FunctionRow> rows;
  for (uint32_t name = 0; name < seen_.size(); ++name) {
    if (seen_[name]) rows.push_back({name, self_by_[name], total_by_[name]});
  }
  return rows;
}

FrameSource FindFrameSource(const Profile& profile, std::string_view name) {
  for (const Function& f : profile.functions) {
    if (f.name < profile.strings.size() && profile.str(f.name) == name) {
      FrameSource src;
      if (f.filename < profile.strings.size()) src.file = profile.str(f.filename);
      src.line = f.start_line;
      return src;
    }
  }
  return {};
}

}  // namespace pyrolens
