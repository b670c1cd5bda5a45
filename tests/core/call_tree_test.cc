// Call trees, Pyroscope flame-graph levels and diffs: invariants on real profiles, and
// exact expected levels for tiny inputs worked out by hand below.
#include "pyrolens/call_tree.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <cstdlib>
#include <map>

#include "pyrolens/folded.h"
#include "pyrolens/reader.h"
#include "testing/corpus.h"

namespace pyrolens {
namespace {

Profile Load(const std::string& relative) {
  Result<Profile> p = ReadProfile(testing::ReadCorpusFile(relative));
  EXPECT_TRUE(p.ok()) << relative << ": " << p.status().message();
  return p.ok() ? std::move(p).value() : Profile();
}

CallTree Tree(const Profile& p, size_t type = 0, FrameKey key = FrameKey::kFunction) {
  CallTreeOptions options;
  options.sample_type = type;
  options.key = key;
  Result<CallTree> t = BuildCallTree(p, options);
  EXPECT_TRUE(t.ok()) << t.status().message();
  return t.ok() ? std::move(t).value() : CallTree();
}

// The invariants call_tree.h promises, checked node by node.
void CheckShape(const CallTree& t) {
  ASSERT_GT(t.size(), 0u);
  EXPECT_EQ(t.parent[0], kNone);
  EXPECT_EQ(t.node_name(0), "total");
  EXPECT_EQ(t.subtree_end[0], t.size());
  ASSERT_EQ(t.x.size(), t.size() + 1);
  EXPECT_EQ(t.x[0], 0);
  std::vector<uint32_t> depth(t.size(), 0);  // from the child links, set before it is read
  for (uint32_t n = 0; n < t.size(); ++n) {
    EXPECT_EQ(t.depth(n), depth[n]);
    int64_t children = 0;
    uint32_t prev = kNone;
    int64_t cursor = t.x[n] + t.self(n);
    for (uint32_t c = t.first_child(n); c != kNone; c = t.next_sibling(c)) {
      ASSERT_EQ(t.parent[c], n);
      depth[c] = depth[n] + 1;
      EXPECT_EQ(t.x[c], cursor) << "children follow their parent's self part";
      cursor += t.total(c);
      children += t.total(c);
      if (prev != kNone) {
        EXPECT_LT(t.node_name(prev), t.node_name(c)) << "sorted, unique";
      }
      prev = c;
    }
    EXPECT_EQ(t.self(n), t.total(n) - children) << t.node_name(n);
    if (n > 0) {
      EXPECT_LT(n, t.subtree_end[n]);
      EXPECT_LE(t.subtree_end[n], t.subtree_end[t.parent[n]]);
    }
  }
  ASSERT_EQ(t.level_offsets.back(), t.size());
  for (uint32_t d = 0; d < t.num_levels(); ++d) {
    for (uint32_t i = t.level_offsets[d]; i < t.level_offsets[d + 1]; ++i) {
      uint32_t n = t.level_nodes[i];
      EXPECT_EQ(depth[n], d);
      if (i > t.level_offsets[d]) {
        EXPECT_LE(t.x[t.level_nodes[i - 1]], t.x[n]);
      }
    }
  }
}

// A flame-graph node with its x offset decoded back to an absolute position.
struct FlameNode {
  int64_t x, total, self;
  std::string name;
};

std::vector<std::vector<FlameNode>> Decode(const FlameGraph& g) {
  std::vector<std::vector<FlameNode>> levels;
  for (const std::vector<int64_t>& l : g.levels) {
    EXPECT_EQ(l.size() % 4, 0u);
    std::vector<FlameNode> nodes;
    int64_t end = 0;
    for (size_t i = 0; i + 3 < l.size(); i += 4) {
      int64_t x = end + l[i];
      EXPECT_GE(l[i], 0) << "nodes on a level do not overlap";
      EXPECT_LT(static_cast<size_t>(l[i + 3]), g.names.size());
      nodes.push_back({x, l[i + 1], l[i + 2], g.names[l[i + 3]]});
      end = x + l[i + 1];
    }
    levels.push_back(std::move(nodes));
  }
  return levels;
}

// Every node lies inside one node of the level above, and a node's children (with
// "other") plus its self add up to its total.
void CheckFlameGraph(const FlameGraph& g, int64_t total) {
  ASSERT_FALSE(g.levels.empty());
  ASSERT_FALSE(g.names.empty());
  EXPECT_EQ(g.names[0], "total");
  EXPECT_EQ(g.total, total);
  auto levels = Decode(g);
  ASSERT_EQ(levels[0].size(), 1u);
  EXPECT_EQ(levels[0][0].total, total);
  EXPECT_EQ(levels[0][0].x, 0);
  int64_t max_self = 0;
  for (size_t d = 0; d < levels.size(); ++d) {
    for (const FlameNode& n : levels[d]) max_self = std::max(max_self, n.self);
    if (d == 0) continue;
    std::vector<int64_t> children_sum(levels[d - 1].size(), 0);
    for (const FlameNode& n : levels[d]) {
      size_t p = 0;
      while (p < levels[d - 1].size() &&
             !(levels[d - 1][p].x <= n.x &&
               n.x + n.total <= levels[d - 1][p].x + levels[d - 1][p].total)) {
        ++p;
      }
      ASSERT_LT(p, levels[d - 1].size()) << "no parent for " << n.name << " at level " << d;
      EXPECT_GE(n.x, levels[d - 1][p].x + levels[d - 1][p].self) << "self comes first";
      children_sum[p] += n.total;
    }
    for (size_t p = 0; p < levels[d - 1].size(); ++p) {
      const FlameNode& parent = levels[d - 1][p];
      EXPECT_LE(children_sum[p], parent.total);
      EXPECT_EQ(parent.self, parent.total - children_sum[p]) << parent.name;
    }
  }
  EXPECT_EQ(g.max_self, max_self);
}

TEST(CallTreeTest, RealProfileInvariants) {
  for (const char* file : {"datakit/cpu.pprof", "dd-trace-go/big-heap.pprof",
                           "pyroscope/ingest/dotnet-pprof-211.pb.gz", "parca/fgprof.pb.gz"}) {
    SCOPED_TRACE(file);
    Profile p = Load(file);
    for (size_t type = 0; type < p.num_types(); ++type) {
      CallTree t = Tree(p, type);
      EXPECT_EQ(t.total(0), p.Total(type));
      CheckShape(t);
      FlameGraph g = BuildFlameGraph(t, 0);
      CheckFlameGraph(g, p.Total(type));
      // Without truncation, every tree node is in the graph once.
      size_t nodes = 0;
      for (const auto& l : g.levels) nodes += l.size() / 4;
      EXPECT_EQ(nodes, t.size());
    }
  }
}

TEST(CallTreeTest, StepsBuildWhatOneCallBuilds) {
  // Over 1,024 stacks each, so the stepped merge sort makes more than one pass.
  for (const char* file : {"dd-trace-go/big-heap.pprof", "jfr-parser/goland-multichunk.jfr.gz"}) {
    SCOPED_TRACE(file);
    Profile p = Load(file);
    ASSERT_GT(p.num_stacks(), 2048u);
    for (size_t type = 0; type < p.num_types(); ++type) {
      CallTree whole = Tree(p, type);
      for (size_t budget : {1, 97, 5000}) {
        CallTreeOptions options;
        options.sample_type = type;
        CallTreeBuilder builder(p, options);
        size_t steps = 0;
        double last = 0;
        for (;;) {
          Result<bool> done = builder.Step(budget);
          ASSERT_TRUE(done.ok()) << done.status().message();
          ++steps;
          EXPECT_GE(builder.progress(), last);
          last = builder.progress();
          if (*done) break;
        }
        EXPECT_EQ(last, 1.0);
        if (budget < 100) {
          EXPECT_GT(steps, 10u);
        }
        CallTree t = builder.Take();
        EXPECT_EQ(t.name, whole.name);
        EXPECT_EQ(t.parent, whole.parent);
        EXPECT_EQ(t.x, whole.x);
        EXPECT_EQ(t.level_nodes, whole.level_nodes);
        for (uint32_t n = 0; n < t.size(); n += 97) EXPECT_EQ(t.node_name(n), whole.node_name(n));
      }
    }
  }
}

TEST(CallTreeTest, EveryFrameKeyKeepsTotals) {
  Profile p = Load("pyroscope/ingest/heap.pb.gz");
  for (FrameKey key : {FrameKey::kFunction, FrameKey::kFunctionLine, FrameKey::kAddress}) {
    CallTree t = Tree(p, 1, key);
    EXPECT_EQ(t.total(0), p.Total(1));
    CheckShape(t);
  }
  EXPECT_LT(Tree(p, 1, FrameKey::kFunction).size(), Tree(p, 1, FrameKey::kFunctionLine).size());
}

TEST(CallTreeTest, MaxNodesKeepsTotalsAndTheLargestNodes) {
  Profile p = Load("dd-trace-go/big-heap.pprof");
  CallTree t = Tree(p, 1);
  for (int64_t max_nodes : {1, 10, 100, 1000}) {
    SCOPED_TRACE(max_nodes);
    FlameGraph g = BuildFlameGraph(t, max_nodes);
    CheckFlameGraph(g, p.Total(1));
    // Independently: the max_nodes-th largest total among the non-root nodes is the
    // threshold; every node reaching it is kept (ties included), the rest are "other".
    std::vector<int64_t> totals;
    for (uint32_t n = 1; n < t.size(); ++n) totals.push_back(t.total(n));
    std::sort(totals.rbegin(), totals.rend());
    int64_t threshold = totals[max_nodes - 1];
    size_t expected = 0;
    for (uint32_t n = 1; n < t.size(); ++n) {
      expected += t.total(n) >= threshold && t.node_name(n) != "other";
    }
    size_t kept = 0, others = 0;
    for (const auto& level : Decode(g)) {
      for (const FlameNode& n : level) (n.name == "other" ? others : kept) += 1;
    }
    EXPECT_EQ(kept - 1, expected);  // the root is not counted
    EXPECT_GT(others, 0u);
  }
  // A limit above the node count changes nothing.
  FlameGraph all = BuildFlameGraph(t, 0);
  FlameGraph big = BuildFlameGraph(t, t.size());
  EXPECT_EQ(all.levels, big.levels);
  EXPECT_EQ(all.names, big.names);
}

// Hand-computed Pyroscope encoding. Input (folded, root first):
//   main;a;b 3   main;a 2   main;c 5
// Tree: total 10 -> main 10 -> {a 5 (self 2) -> b 3, c 5}. Children sorted by name (a, c);
// self first, so a starts at 0, c at 5, b at a.x + a.self = 2. Names are numbered in
// Pyroscope's visiting order (a stack: the last child is visited first):
// total 0, main 1, c 2, a 3, b 4.
TEST(CallTreeTest, FlameGraphOfATinyFoldedProfile) {
  Result<Profile> p = ReadFolded("main;a;b 3\nmain;a 2\nmain;c 5\n");
  ASSERT_TRUE(p.ok()) << p.status().message();
  FlameGraph g = BuildFlameGraph(Tree(*p), 0);
  EXPECT_EQ(g.names, (std::vector<std::string>{"total", "main", "c", "a", "b"}));
  std::vector<std::vector<int64_t>> levels = {
      {0, 10, 0, 0},
      {0, 10, 0, 1},
      {0, 5, 2, 3, /* x offset after a ends at 5: */ 0, 5, 5, 2},
      {2, 3, 3, 4},
  };
  EXPECT_EQ(g.levels, levels);
  EXPECT_EQ(g.total, 10);
  EXPECT_EQ(g.max_self, 5);
  EXPECT_EQ(FlameGraphToJson(g),
            R"({"names":["total","main","c","a","b"],"levels":[{"values":["0","10","0","0"]},)"
            R"({"values":["0","10","0","1"]},{"values":["0","5","2","3","0","5","5","2"]},)"
            R"({"values":["2","3","3","4"]}],"total":"10","maxSelf":"5"})");

  // max_nodes 2 keeps main (10) and the nodes of total >= 5 (a and c: a tie); b (3) goes
  // into an "other" leaf under a, at the same place.
  FlameGraph cut = BuildFlameGraph(Tree(*p), 2);
  EXPECT_EQ(cut.names, (std::vector<std::string>{"total", "main", "c", "a", "other"}));
  EXPECT_EQ(cut.levels.back(), (std::vector<int64_t>{2, 3, 3, 4}));
  // max_nodes 1: only main; a and c become one "other" of 10.
  FlameGraph one = BuildFlameGraph(Tree(*p), 1);
  EXPECT_EQ(one.names, (std::vector<std::string>{"total", "main", "other"}));
  EXPECT_EQ(one.levels.size(), 3u);
  EXPECT_EQ(one.levels[2], (std::vector<int64_t>{0, 10, 10, 2}));
  EXPECT_EQ(one.max_self, 10);
}

// Self and total values are not stored but read off the layout; they are the stacks ending
// at and going through a node, negative values and all.
TEST(CallTreeTest, SelfAndTotalAreReadOffTheLayoutNegativeValuesToo) {
  Result<Profile> p = ReadFolded("main;a;b 3\nmain;a 2\nmain 4\nmain;c 5\n");
  ASSERT_TRUE(p.ok()) << p.status().message();
  for (int sign : {1, -1}) {
    for (int64_t& v : p->values) v = std::abs(v) * sign;
    CallTree t = Tree(*p);
    if (sign > 0) CheckShape(t);  // which also has x ascend along each level
    std::map<std::string, int64_t> self, total;
    for (uint32_t n = 0; n < t.size(); ++n) {
      self[t.node_name(n)] = t.self(n);
      total[t.node_name(n)] = t.total(n);
    }
    EXPECT_EQ(self, (std::map<std::string, int64_t>{
                        {"total", 0}, {"main", 4 * sign}, {"a", 2 * sign}, {"b", 3 * sign},
                        {"c", 5 * sign}}));
    EXPECT_EQ(total, (std::map<std::string, int64_t>{
                         {"total", 14 * sign}, {"main", 14 * sign}, {"a", 5 * sign},
                         {"b", 3 * sign}, {"c", 5 * sign}}));
    EXPECT_EQ(t.total(0), 14 * sign);
  }
}

// Inlined frames: one location with lines [inlined (callee), caller] expands to
// caller;inlined, root first.
TEST(CallTreeTest, ExpandsInlinedFramesCallerFirst) {
  Profile p;
  p.sample_types.push_back({p.strings.Intern("samples"), p.strings.Intern("count")});
  for (const char* name : {"main", "caller", "inlined"}) {
    p.functions.push_back({p.strings.Intern(name), 0, p.strings.Intern("x.go"), 0});
  }
  p.lines = {{0, 5, 0}, {2, 30, 0}, {1, 20, 0}};
  p.locations.push_back({kNone, 0x100, 0, 1, false});  // main
  p.locations.push_back({kNone, 0x200, 1, 2, false});  // inlined in caller
  p.locations.push_back({kNone, 0x300, 0, 0, false});  // unsymbolised
  StackInterner stacks(&p);
  uint32_t s1[] = {1, 0};
  uint32_t s2[] = {2, 1, 0};
  for (auto [stack, n, v] : {std::tuple{s1, 2, 7}, std::tuple{s2, 3, 1}}) {
    p.sample_stack.push_back(stacks.Intern(stack, n));
    p.values.push_back(v);
    p.label_offsets.push_back(0);
  }
  CallTree t = Tree(p);
  CheckShape(t);
  ASSERT_EQ(t.size(), 5u);  // total, main, caller, inlined, 0x300
  std::vector<std::string> names;
  for (uint32_t n = 0; n < t.size(); ++n) names.push_back(t.node_name(n));
  EXPECT_EQ(names, (std::vector<std::string>{"total", "main", "caller", "inlined", "0x300"}));
  EXPECT_EQ(t.self(3), 7);
  EXPECT_EQ(t.total(3), 8);
  EXPECT_EQ(t.self(4), 1);

  CallTree lines = Tree(p, 0, FrameKey::kFunctionLine);
  EXPECT_EQ(lines.node_name(3), "inlined x.go:30");
  CallTree addresses = Tree(p, 0, FrameKey::kAddress);
  EXPECT_EQ(addresses.node_name(2), "0x200 caller");
  EXPECT_EQ(addresses.node_name(3), "0x200 inlined");
}

TEST(CallTreeTest, DiffOfAProfileWithItselfIsBalanced) {
  Profile p = Load("datakit/cpu.pprof");
  CallTree t = Tree(p, 1);
  Result<DiffTree> d = BuildDiffTree(t, t);
  ASSERT_TRUE(d.ok());
  ASSERT_EQ(d->size(), t.size());
  for (uint32_t n = 0; n < d->size(); ++n) {
    EXPECT_EQ(d->left_total(n), d->right_total(n));
    EXPECT_EQ(d->left_self(n), d->right_self(n));
    EXPECT_EQ(d->left_total(n), t.total(n));
    EXPECT_EQ(d->left_self(n), t.self(n));
    EXPECT_EQ(d->node_name(n), t.node_name(n));
  }
  Result<FlameGraphDiff> g = BuildFlameGraphDiff(*d, 0);
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(g->left_ticks, p.Total(1));
  EXPECT_EQ(g->right_ticks, p.Total(1));
  EXPECT_EQ(g->total, 2 * p.Total(1));
  size_t nodes = 0;
  for (const auto& level : g->levels) {
    ASSERT_EQ(level.size() % 7, 0u);
    for (size_t i = 0; i < level.size(); i += 7) {
      EXPECT_EQ(level[i], level[i + 3]);
      EXPECT_EQ(level[i + 1], level[i + 4]);
      EXPECT_EQ(level[i + 2], level[i + 5]);
      ++nodes;
    }
  }
  EXPECT_EQ(nodes, t.size());
  // Its left and right halves are the single flame graph.
  FlameGraph single = BuildFlameGraph(t, 0);
  ASSERT_EQ(g->levels.size(), single.levels.size());
  for (size_t l = 0; l < single.levels.size(); ++l) {
    for (size_t i = 0, j = 0; i < single.levels[l].size(); i += 4, j += 7) {
      EXPECT_EQ(single.levels[l][i], g->levels[l][j]);
      EXPECT_EQ(single.levels[l][i + 1], g->levels[l][j + 1]);
      EXPECT_EQ(single.names[single.levels[l][i + 3]], g->names[g->levels[l][j + 6]]);
    }
  }
}

// Hand-computed diff: left  main;a 2, main;b 3   right  main;b 1, main;c 4.
// Union: total -> main -> {a (2|0), b (3|1), c (0|4)}.
TEST(CallTreeTest, DiffOfTwoTinyProfiles) {
  Result<Profile> left = ReadFolded("main;a 2\nmain;b 3\n");
  Result<Profile> right = ReadFolded("main;b 1\nmain;c 4\n");
  ASSERT_TRUE(left.ok() && right.ok());
  Result<DiffTree> d = BuildDiffTree(Tree(*left), Tree(*right));
  ASSERT_TRUE(d.ok());
  Result<FlameGraphDiff> g = BuildFlameGraphDiff(*d, 0);
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(g->names, (std::vector<std::string>{"total", "main", "c", "b", "a"}));
  ASSERT_EQ(g->levels.size(), 3u);
  EXPECT_EQ(g->levels[0], (std::vector<int64_t>{0, 5, 0, 0, 5, 0, 0}));
  EXPECT_EQ(g->levels[1], (std::vector<int64_t>{0, 5, 0, 0, 5, 0, 1}));
  // a: left x 0, right x 0 (empty); b: left x 2, right x 0; c: left x 5, right x 1.
  // Offsets are relative to the previous node's end on the same side.
  EXPECT_EQ(g->levels[2], (std::vector<int64_t>{0, 2, 2, 0, 0, 0, 4,  //
                                                0, 3, 3, 0, 1, 1, 3,  //
                                                0, 0, 0, 0, 4, 4, 2}));
  EXPECT_EQ(g->left_ticks, 5);
  EXPECT_EQ(g->right_ticks, 5);
  EXPECT_EQ(g->max_self, 4);
  EXPECT_EQ(FlameGraphDiffToJson(*g).substr(0, 40), R"({"names":["total","main","c","b","a"],"l)");

  rapidjson::Document doc;
  std::string json = FlameGraphDiffToJson(*g);
  doc.Parse(json.c_str());
  ASSERT_FALSE(doc.HasParseError());
  EXPECT_STREQ(doc["leftTicks"].GetString(), "5");
  EXPECT_STREQ(doc["rightTicks"].GetString(), "5");
  EXPECT_STREQ(doc["total"].GetString(), "10");
  EXPECT_EQ(doc["levels"][2]["values"].Size(), 21u);
}

TEST(CallTreeTest, DiffRefusesNegativeValues) {
  Result<Profile> left = ReadFolded("main;a 2\n");
  ASSERT_TRUE(left.ok());
  left->values[0] = -2;
  CallTree t = Tree(*left);
  Result<DiffTree> d = BuildDiffTree(t, t);
  ASSERT_TRUE(d.ok());
  Result<FlameGraphDiff> g = BuildFlameGraphDiff(*d, 0);
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.status().code(), StatusCode::kInvalidArgument);
}

TEST(CallTreeTest, JsonIsValidUtf8EvenForInvalidNames) {
  Profile p = Load("pyroscope/ingest/invalid_utf8.pb.gz");
  std::string json = FlameGraphToJson(BuildFlameGraph(Tree(p), 0));
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseValidateEncodingFlag>(json.c_str());
  ASSERT_FALSE(doc.HasParseError()) << json;
  EXPECT_STREQ(doc["total"].GetString(), std::to_string(p.Total(0)).c_str());
  EXPECT_TRUE(doc["maxSelf"].IsString());
  EXPECT_STREQ(doc["names"][0].GetString(), "total");
}

TEST(CallTreeTest, RefusesBadSampleTypeAndInconsistentProfiles) {
  Profile p = Load("datakit/cpu.pprof");
  CallTreeOptions options;
  options.sample_type = 2;
  EXPECT_EQ(BuildCallTree(p, options).status().code(), StatusCode::kInvalidArgument);
  Profile bad = p;
  bad.stack_locations[0] = 1u << 30;
  EXPECT_EQ(BuildCallTree(bad).status().code(), StatusCode::kCorruption);
  bad = p;
  bad.sample_stack[0] = 1u << 30;
  EXPECT_EQ(BuildCallTree(bad).status().code(), StatusCode::kCorruption);
  bad = p;
  bad.lines[0].function = 1u << 30;
  EXPECT_EQ(BuildCallTree(bad).status().code(), StatusCode::kCorruption);
}

TEST(CallTreeTest, EmptyProfileGivesARootOnly) {
  Result<Profile> p = ReadFolded("main 0\n");
  ASSERT_TRUE(p.ok());
  CallTree t = Tree(*p);
  ASSERT_EQ(t.size(), 1u);
  FlameGraph g = BuildFlameGraph(t, 10);
  EXPECT_EQ(g.levels, (std::vector<std::vector<int64_t>>{{0, 0, 0, 0}}));
  EXPECT_EQ(
      FlameGraphToJson(g),
      R"({"names":["total"],"levels":[{"values":["0","0","0","0"]}],"total":"0","maxSelf":"0"})");
}

}  // namespace
}  // namespace pyrolens
