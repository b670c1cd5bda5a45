// Viewer-derived data: inverted and recursion-collapsed stacks, sandwich halves and the
// per-function table, on hand-made folded profiles and real corpus files.
#include "pyrolens/views.h"

#include <gtest/gtest.h>

#include <map>

#include "pyrolens/call_tree.h"
#include "pyrolens/filter.h"
#include "pyrolens/folded.h"
#include "pyrolens/reader.h"
#include "pyrolens/top.h"
#include "testing/corpus.h"

namespace pyrolens {
namespace {

Profile Folded(const char* text) {
  Result<Profile> p = ReadFolded(text);
  EXPECT_TRUE(p.ok()) << p.status().message();
  return p.ok() ? std::move(p).value() : Profile();
}

Profile Load(const std::string& relative) {
  Result<Profile> p = ReadProfile(testing::ReadCorpusFile(relative));
  EXPECT_TRUE(p.ok()) << relative << ": " << p.status().message();
  return p.ok() ? std::move(p).value() : Profile();
}

CallTree Tree(const Profile& p, size_t type = 0) {
  CallTreeOptions options;
  options.sample_type = type;
  Result<CallTree> t = BuildCallTree(p, options);
  EXPECT_TRUE(t.ok()) << t.status().message();
  return t.ok() ? std::move(t).value() : CallTree();
}

// "a;b;c" -> total for every path of the tree, to compare shapes.
std::map<std::string, int64_t> Paths(const CallTree& t) {
  std::map<std::string, int64_t> out;
  std::vector<std::string> path(t.num_levels());
  for (uint32_t n = 1; n < t.size(); ++n) {
    const uint32_t d = t.depth(n);
    path[d] = (d > 1 ? path[d - 1] + ";" : "") + t.node_name(n);
    out[path[d]] = t.total(n);
  }
  return out;
}

TEST(Views, InvertReversesStacks) {
  Profile p = Folded("a;b;c 3\na;b 2\nd;c 1\n");
  InvertStacks(&p);
  CallTree t = Tree(p);
  EXPECT_EQ(t.total(0), 6);
  std::map<std::string, int64_t> want = {{"b", 2},   {"b;a", 2},   {"c", 4},
                                         {"c;b", 3}, {"c;b;a", 3}, {"c;d", 1}};
  EXPECT_EQ(Paths(t), want);
}

TEST(Views, InvertKeepsTotalsAndDoubleInvertIsIdentity) {
  Profile p = Load("parca/fib.pb.gz");
  CallTree before = Tree(p, 1);
  Profile q = p;
  InvertStacks(&q);
  CallTree inverted = Tree(q, 1);
  EXPECT_EQ(inverted.total(0), p.Total(1));
  EXPECT_NE(Paths(inverted), Paths(before));
  InvertStacks(&q);
  EXPECT_EQ(Paths(Tree(q, 1)), Paths(before));
}

TEST(Views, CollapseRecursion) {
  Profile p = Folded("a;b;b;b;c 3\na;a;b 2\nb;c;b 1\n");
  CollapseRecursion(&p);
  std::map<std::string, int64_t> want = {{"a", 5}, {"a;b", 5}, {"a;b;c", 3},
                                         {"b", 1}, {"b;c", 1}, {"b;c;b", 1}};
  EXPECT_EQ(Paths(Tree(p)), want);
}

TEST(Views, SandwichCalleesAndCallers) {
  const char* text = "a;b;c 3\na;b 2\nd;b;e;b;f 1\nx 7\n";
  Profile callees = Folded(text);
  EXPECT_EQ(KeepSandwichSide(&callees, "b", SandwichSide::kCallees), 3u);
  std::map<std::string, int64_t> want_callees = {
      {"b", 6}, {"b;c", 3}, {"b;e", 1}, {"b;e;b", 1}, {"b;e;b;f", 1}};
  EXPECT_EQ(Paths(Tree(callees)), want_callees);

  Profile callers = Folded(text);
  EXPECT_EQ(KeepSandwichSide(&callers, "b", SandwichSide::kCallers), 3u);
  std::map<std::string, int64_t> want_callers = {
      {"b", 6}, {"b;a", 5}, {"b;e", 1}, {"b;e;b", 1}, {"b;e;b;d", 1}};
  EXPECT_EQ(Paths(Tree(callers)), want_callers);

  Profile none = Folded(text);
  EXPECT_EQ(KeepSandwichSide(&none, "nope", SandwichSide::kCallees), 0u);
  EXPECT_EQ(Tree(none).total(0), 0);
}

TEST(Views, SandwichKeepsInlinedFrames) {
  // Real Go profiles inline frames; the callees' root total is the function's cum.
  Profile p = Load("parca/fib.pb.gz");
  CallTree full = Tree(p, 1);
  std::vector<FunctionRow> rows = BuildFunctionTable(full, full.x);
  ASSERT_FALSE(rows.empty());
  for (const FunctionRow& row : rows) {
    const std::string& name = full.names[row.name];
    Profile callees = p, callers = p;
    KeepSandwichSide(&callees, name, SandwichSide::kCallees);
    KeepSandwichSide(&callers, name, SandwichSide::kCallers);
    CallTree ct = Tree(callees, 1), rt = Tree(callers, 1);
    EXPECT_EQ(ct.total(0), row.total) << name;
    EXPECT_EQ(rt.total(0), row.total) << name;
    ASSERT_GT(ct.size(), 1u);
    EXPECT_EQ(ct.node_name(1), name);
    int64_t self = 0;  // recursive functions have self at several depths
    for (uint32_t n = 1; n < ct.size(); ++n) {
      if (ct.node_name(n) == name) self += ct.self(n);
    }
    EXPECT_EQ(self, row.self) << name;
  }
}

TEST(Views, FunctionTableMatchesTop) {
  for (const char* file : {"parca/fib.pb.gz", "parca/alloc_objects.pb.gz", "parca/labels.pb.gz"}) {
    Profile p = Load(file);
    ASSERT_GT(p.num_types(), 0u);
    size_t type = p.num_types() - 1;
    Profile simplified = p;
    SimplifyFunctionNames(&simplified);  // top prints pprof's simplified names
    CallTree t = Tree(simplified, type);
    std::map<std::string, std::pair<int64_t, int64_t>> mine;
    for (const FunctionRow& row : BuildFunctionTable(t, t.x)) {
      mine[t.names[row.name]] = {row.self, row.total};
    }
    TopOptions options;
    options.sample_index = std::to_string(type);
    options.node_fraction = 0;
    Result<TopReport> top = BuildTop(p, options);
    ASSERT_TRUE(top.ok()) << top.status().message();
    ASSERT_FALSE(top->rows.empty());
    for (const TopRow& row : top->rows) {
      auto it = mine.find(row.name);
      ASSERT_NE(it, mine.end()) << file << ": " << row.name;
      EXPECT_EQ(it->second.first, row.flat) << file << ": " << row.name;
      EXPECT_EQ(it->second.second, row.cum) << file << ": " << row.name;
    }
  }
}

TEST(Views, FunctionTableInStepsIsTheWholeOne) {
  for (const char* file : {"parca/fib.pb.gz", "datakit/cpu.pprof", "dd-trace-go/big-heap.pprof"}) {
    Profile p = Load(file);
    CallTree t = Tree(p, p.num_types() - 1);
    std::vector<FunctionRow> whole = BuildFunctionTable(t, t.x);
    ASSERT_GT(whole.size(), 10u) << file;
    for (size_t budget : {size_t{1}, size_t{97}}) {
      FunctionTableBuilder b(t, t.x);
      size_t steps = 0;
      double last = b.progress();
      while (!b.Step(budget)) {
        ++steps;
        EXPECT_GE(b.progress(), last);
        last = b.progress();
      }
      EXPECT_EQ(b.progress(), 1.0);
      EXPECT_GE(steps, (t.size() - 1) / budget - 1) << file;
      std::vector<FunctionRow> stepped = b.Take();
      ASSERT_EQ(stepped.size(), whole.size()) << file;
      for (size_t i = 0; i < whole.size(); ++i) {
        EXPECT_EQ(stepped[i].name, whole[i].name);
        EXPECT_EQ(stepped[i].self, whole[i].self);
        EXPECT_EQ(stepped[i].total, whole[i].total);
      }
    }
  }
}

TEST(Views, FindFrameSource) {
  Profile p = Load("parca/fib.pb.gz");
  ASSERT_FALSE(p.functions.empty());
  const Function& f = p.functions[0];
  FrameSource src = FindFrameSource(p, p.str(f.name));
  EXPECT_EQ(src.file, p.str(f.filename));
  EXPECT_EQ(src.line, f.start_line);
  EXPECT_EQ(FindFrameSource(p, "no such function").file, "");
}

}  // namespace
}  // namespace pyrolens
