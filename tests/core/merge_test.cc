// Merge on real corpus files (totals, the reference pprof's per-function figures,
// associativity, round trips through WritePprof) and on hand-built profiles (headers,
// labels, mappings, zero sums, bad input).
#include "pyrolens/merge.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>

#include "pyrolens/call_tree.h"
#include "pyrolens/pprof.h"
#include "pyrolens/reader.h"
#include "testing/corpus.h"

namespace pyrolens {
namespace {

Profile Load(const std::string& relative) {
  Result<Profile> p = ReadProfile(testing::ReadCorpusFile(relative));
  EXPECT_TRUE(p.ok()) << relative << ": " << p.status().message();
  return p.ok() ? std::move(p).value() : Profile();
}

// Flat (self) value per function name for one value column, as pprof -top's flat
// column counts it: the value of each sample goes to its leaf frame's function.
std::map<std::string, int64_t> FlatByFunction(const Profile& p, size_t type) {
  CallTreeOptions options;
  options.sample_type = type;
  Result<CallTree> tree = BuildCallTree(p, options);
  EXPECT_TRUE(tree.ok()) << tree.status().message();
  std::map<std::string, int64_t> flat;
  if (!tree.ok()) return flat;
  for (uint32_t n = 1; n < tree->size(); ++n) {
    if (tree->self(n) != 0) flat[tree->node_name(n)] += tree->self(n);
  }
  for (auto it = flat.begin(); it != flat.end();) {
    it = it->second == 0 ? flat.erase(it) : std::next(it);
  }
  return flat;
}

std::string Signature(const Profile& p) {
  std::string s;
  for (const ValueType& vt : p.sample_types) s += p.str(vt.type) + "/" + p.str(vt.unit) + " ";
  return s + "period " + p.str(p.period_type.type) + "/" + p.str(p.period_type.unit);
}

// Every group of pprof files (under the folders below) that share sample and period
// types merges into a profile whose total per sample type is the sum of the inputs'.
TEST(MergeTest, TotalsAreSumsOfInputsOnCorpusGroups) {
  std::map<std::string, std::vector<std::string>> groups;
  for (const testing::CorpusEntry& e : testing::Corpus()) {
    if (e.format != "pprof" && e.format != "pprof-gz") continue;
    if (e.path.rfind("datakit/", 0) != 0 && e.path.rfind("dd-trace-go/", 0) != 0 &&
        e.path.rfind("pyroscope/ingest/", 0) != 0) {
      continue;
    }
    Result<Profile> p = ReadProfile(testing::ReadCorpusFile(e.path));
    ASSERT_TRUE(p.ok()) << e.path << ": " << p.status().message();
    groups[Signature(*p)].push_back(e.path);
  }
  size_t merged_groups = 0;
  for (const auto& [signature, paths] : groups) {
    if (paths.size() < 2) continue;
    SCOPED_TRACE(signature);
    std::vector<Profile> profiles;
    for (const std::string& path : paths) profiles.push_back(Load(path));
    std::vector<const Profile*> ptrs;
    for (const Profile& p : profiles) ptrs.push_back(&p);
    Result<Profile> merged = Merge(ptrs);
    ASSERT_TRUE(merged.ok()) << merged.status().message();
    ASSERT_EQ(merged->num_types(), profiles[0].num_types());
    for (size_t t = 0; t < merged->num_types(); ++t) {
      int64_t sum = 0;
      for (const Profile& p : profiles) sum += p.Total(t);
      EXPECT_EQ(merged->Total(t), sum) << "sample type " << t;
    }
    ++merged_groups;
  }
  // heap (dd-trace-go, datakit, pyroscope), block, cpu at least.
  EXPECT_GE(merged_groups, 3u);
}

// One golden file of tests/testdata/merge: the inputs and, per sample type, pprof's flat
// value per function (see regen.sh there for how it was made and checked).
struct Golden {
  std::vector<std::string> files;
  std::map<size_t, std::map<std::string, int64_t>> flat;  // by sample index
};

Golden ReadGolden(const std::string& path) {
  Golden g;
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << path;
  std::string line;
  size_t index = 0;
  while (std::getline(in, line)) {
    if (line.rfind("#### ", 0) == 0) {
      std::istringstream ss(line.substr(5));
      for (std::string f; ss >> f;) g.files.push_back(f);
    } else if (line.rfind("## sample_index=", 0) == 0) {
      index = std::stoul(line.substr(16));
      g.flat[index];
    } else if (!line.empty()) {
      // "  1049728B 50.02% 50.02%   1049728B 50.02%  runtime.allocm": five columns, then
      // the name; pprof marks functions seen only inlined with " (inline)".
      std::istringstream ss(line);
      std::string flat, col;
      ss >> flat >> col >> col >> col >> col;
      std::string name;
      std::getline(ss, name);
      name.erase(0, name.find_first_not_of(' '));
      const std::string inl = " (inline)";
      if (name.size() > inl.size() && name.compare(name.size() - inl.size(), inl.size(), inl) == 0) {
        name.resize(name.size() - inl.size());
      }
      size_t digits = flat.find_first_not_of("-0123456789");
      g.flat[index][name] += std::stoll(flat.substr(0, digits));
    }
  }
  return g;
}

class MergeGoldenTest : public ::testing::TestWithParam<std::string> {};

TEST_P(MergeGoldenTest, FlatPerFunctionEqualsReferencePprof) {
  Golden g = ReadGolden(std::string(PYROLENS_TESTDATA_DIR) + "/merge/" + GetParam() + ".txt");
  ASSERT_GE(g.files.size(), 2u);
  ASSERT_FALSE(g.flat.empty());
  std::vector<Profile> profiles;
  for (const std::string& f : g.files) profiles.push_back(Load(f));
  std::vector<const Profile*> ptrs;
  for (const Profile& p : profiles) ptrs.push_back(&p);
  Result<Profile> merged = Merge(ptrs);
  ASSERT_TRUE(merged.ok()) << merged.status().message();
  ASSERT_EQ(g.flat.size(), merged->num_types());
  for (const auto& [index, expected] : g.flat) {
    SCOPED_TRACE("sample_index=" + std::to_string(index));
    EXPECT_EQ(FlatByFunction(*merged, index), expected);
  }
}

INSTANTIATE_TEST_SUITE_P(Goldens, MergeGoldenTest,
                         ::testing::Values("heap", "stress", "cpu", "block"));

TEST(MergeTest, IsAssociative) {
  for (const std::vector<std::string>& files :
       std::vector<std::vector<std::string>>{
           {"dd-trace-go/block.before.pprof", "dd-trace-go/block.after.pprof",
            "datakit/delta-block.pprof"},
           {"datakit/cpu.pprof", "pyroscope/ingest/cpu.pb.gz",
            "dd-trace-go/pprof.samples.cpu.001.pb.gz"},
           {"dd-trace-go/stress-failure.3.before.pprof", "dd-trace-go/heap.pprof",
            "pyroscope/ingest/heap.pb.gz"}}) {
    SCOPED_TRACE(files[0]);
    Profile a = Load(files[0]), b = Load(files[1]), c = Load(files[2]);
    Result<Profile> ab = Merge({&a, &b});
    Result<Profile> bc = Merge({&b, &c});
    ASSERT_TRUE(ab.ok() && bc.ok());
    Result<Profile> left = Merge({&*ab, &c});
    Result<Profile> right = Merge({&a, &*bc});
    Result<Profile> flat = Merge({&a, &b, &c});
    ASSERT_TRUE(left.ok() && right.ok() && flat.ok());
    for (size_t t = 0; t < a.num_types(); ++t) {
      EXPECT_EQ(left->Total(t), right->Total(t));
      EXPECT_EQ(left->Total(t), flat->Total(t));
      EXPECT_EQ(FlatByFunction(*left, t), FlatByFunction(*right, t));
      EXPECT_EQ(FlatByFunction(*left, t), FlatByFunction(*flat, t));
    }
    EXPECT_EQ(left->num_samples(), right->num_samples());
    EXPECT_EQ(left->num_stacks(), right->num_stacks());
    EXPECT_EQ(left->locations.size(), right->locations.size());
    EXPECT_EQ(left->functions.size(), right->functions.size());
    EXPECT_EQ(left->time_nanos, right->time_nanos);
    EXPECT_EQ(left->duration_nanos, right->duration_nanos);
    EXPECT_EQ(left->period, right->period);
  }
}

TEST(MergeTest, RefusesDifferentSampleTypesNamingBoth) {
  Profile cpu = Load("datakit/cpu.pprof");
  Profile heap = Load("dd-trace-go/heap.pprof");
  Result<Profile> r = Merge({&cpu, &heap});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message(),
            "merge: sample types differ: [samples/count cpu/nanoseconds] vs [alloc_objects/count "
            "alloc_space/bytes inuse_objects/count inuse_space/bytes] (profiles 0 and 1)");
}

TEST(MergeTest, RefusesDifferentPeriodTypes) {
  Profile a = Load("dd-trace-go/block.before.pprof");
  Profile b = a;
  b.period_type.type = b.strings.Intern("delay");
  b.period_type.unit = b.strings.Intern("nanoseconds");
  Result<Profile> r = Merge({&a, &b});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message(),
            "merge: period types differ: contentions/count vs delay/nanoseconds (profiles 0 and 1)");
}

TEST(MergeTest, RefusesNoInputAndNull) {
  EXPECT_EQ(Merge({}).status().code(), StatusCode::kInvalidArgument);
  Profile a = Load("dd-trace-go/heap.pprof");
  EXPECT_EQ(Merge({&a, nullptr}).status().code(), StatusCode::kInvalidArgument);
}

TEST(MergeTest, WrittenAndReadBackKeepsTotals) {
  Profile a = Load("dd-trace-go/heap.before.pprof");
  Profile b = Load("dd-trace-go/heap.after.pprof");
  Profile c = Load("datakit/delta-heap.pprof");
  Result<Profile> merged = Merge({&a, &b, &c});
  ASSERT_TRUE(merged.ok()) << merged.status().message();
  Result<Profile> back = ReadProfile(WritePprof(*merged));
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->num_samples(), merged->num_samples());
  EXPECT_EQ(back->sample_labels.size(), merged->sample_labels.size());
  for (size_t t = 0; t < merged->num_types(); ++t) {
    EXPECT_EQ(back->Total(t), a.Total(t) + b.Total(t) + c.Total(t));
    EXPECT_EQ(FlatByFunction(*back, t), FlatByFunction(*merged, t));
  }
  // Merging a merged profile alone changes nothing (pprof's Compact).
  Result<Profile> again = Merge({&*back});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->num_samples(), back->num_samples());
  EXPECT_EQ(again->locations.size(), back->locations.size());
  EXPECT_EQ(again->functions.size(), back->functions.size());
}

TEST(MergeTest, ManyCopiesSumAndDeduplicate) {
  Profile p = Load("datakit/cpu.pprof");
  std::vector<const Profile*> ptrs(360, &p);
  auto start = std::chrono::steady_clock::now();
  Result<Profile> merged = Merge(ptrs);
  double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
                  .count();
  ASSERT_TRUE(merged.ok());
  printf("merging 360 copies of datakit/cpu.pprof took %.1f ms\n", ms);
  for (size_t t = 0; t < p.num_types(); ++t) EXPECT_EQ(merged->Total(t), 360 * p.Total(t));
  Result<Profile> once = Merge({&p});
  ASSERT_TRUE(once.ok());
  EXPECT_EQ(merged->num_samples(), once->num_samples());
  EXPECT_EQ(merged->num_stacks(), once->num_stacks());
  EXPECT_EQ(merged->locations.size(), once->locations.size());
  EXPECT_EQ(merged->functions.size(), once->functions.size());
  EXPECT_EQ(merged->strings.size(), once->strings.size());
}

// Hand-built profiles through the model's own API (no reader involved).
class Builder {
 public:
  Builder(const std::string& type, const std::string& unit) {
    p_.sample_types.push_back({p_.strings.Intern(type), p_.strings.Intern(unit)});
    p_.period_type = p_.sample_types.back();
  }
  uint32_t Mapping(uint64_t start, uint64_t limit, const std::string& build_id) {
    pyrolens::Mapping m;
    m.id = p_.mappings.size() + 1;
    m.memory_start = start;
    m.memory_limit = limit;
    m.build_id = p_.strings.Intern(build_id);
    p_.mappings.push_back(m);
    return static_cast<uint32_t>(p_.mappings.size() - 1);
  }
  uint32_t Function(const std::string& name) {
    p_.functions.push_back({p_.strings.Intern(name), p_.strings.Intern(name),
                            p_.strings.Intern("main.go"), 1});
    return static_cast<uint32_t>(p_.functions.size() - 1);
  }
  // `functions` callee first (inlined frames); one line per function.
  uint32_t Location(uint64_t address, std::vector<uint32_t> functions,
                    uint32_t mapping = kNone) {
    pyrolens::Location loc;
    loc.mapping = mapping;
    loc.address = address;
    loc.first_line = static_cast<uint32_t>(p_.lines.size());
    loc.num_lines = static_cast<uint32_t>(functions.size());
    for (uint32_t f : functions) p_.lines.push_back({f, 10, 0});
    p_.locations.push_back(loc);
    return static_cast<uint32_t>(p_.locations.size() - 1);
  }
  // `locations` leaf first; labels as (key, value) strings or (key, number).
  void Sample(std::vector<uint32_t> locations, std::vector<int64_t> values,
              std::vector<std::pair<std::string, std::string>> str_labels = {},
              std::vector<std::pair<std::string, int64_t>> num_labels = {}) {
    p_.sample_stack.push_back(stacks_.Intern(locations.data(), locations.size()));
    p_.values.insert(p_.values.end(), values.begin(), values.end());
    for (const auto& [k, v] : str_labels) {
      labels_.Add({p_.strings.Intern(k), p_.strings.Intern(v), 0, 0});
    }
    for (const auto& [k, v] : num_labels) {
      labels_.Add({p_.strings.Intern(k), 0, v, p_.strings.Intern("bytes")});
    }
    p_.label_offsets.push_back(static_cast<uint32_t>(p_.sample_labels.size()));
  }
  Profile& profile() { return p_; }

 private:
  Profile p_;
  StackInterner stacks_{&p_};
  LabelInterner labels_{&p_};
};

TEST(MergeTest, CombinesHeadersAsPprof) {
  Builder a("samples", "count"), b("samples", "count"), c("samples", "count");
  for (Builder* x : {&a, &b, &c}) {
    uint32_t f = x->Function("main");
    x->Sample({x->Location(0x10, {f})}, {1});
  }
  a.profile().time_nanos = 0;  // unknown: does not count as the earliest
  b.profile().time_nanos = 2000;
  c.profile().time_nanos = 1000;
  a.profile().duration_nanos = 10;
  b.profile().duration_nanos = 20;
  c.profile().duration_nanos = 30;
  a.profile().period = 5;
  b.profile().period = 7;
  c.profile().period = 6;
  a.profile().comments = {a.profile().strings.Intern("x"), a.profile().strings.Intern("y")};
  b.profile().comments = {b.profile().strings.Intern("y"), b.profile().strings.Intern("z")};
  a.profile().drop_frames = a.profile().strings.Intern("runtime\\..*");
  b.profile().drop_frames = b.profile().strings.Intern("other");
  b.profile().default_sample_type = b.profile().strings.Intern("samples");
  Result<Profile> m = Merge({&a.profile(), &b.profile(), &c.profile()});
  ASSERT_TRUE(m.ok()) << m.status().message();
  EXPECT_EQ(m->time_nanos, 1000);
  EXPECT_EQ(m->duration_nanos, 60);
  EXPECT_EQ(m->period, 7);
  ASSERT_EQ(m->comments.size(), 3u);
  EXPECT_EQ(m->str(m->comments[0]), "x");
  EXPECT_EQ(m->str(m->comments[1]), "y");
  EXPECT_EQ(m->str(m->comments[2]), "z");
  EXPECT_EQ(m->str(m->drop_frames), "runtime\\..*");  // the first profile's
  EXPECT_EQ(m->str(m->default_sample_type), "samples");  // the first non-empty one
  EXPECT_EQ(m->num_samples(), 1u);
  EXPECT_EQ(m->Total(0), 3);
}

TEST(MergeTest, SamplesMergeByStackAndLabelSet) {
  Builder a("alloc_space", "bytes");
  uint32_t f = a.Function("alloc");
  uint32_t loc = a.Location(0x10, {f});
  a.Sample({loc}, {1}, {{"thread", "t1"}, {"span", "s"}});
  a.Sample({loc}, {2}, {{"span", "s"}, {"thread", "t1"}});  // same labels, other order
  a.Sample({loc}, {4}, {{"thread", "t2"}, {"span", "s"}});  // other labels
  a.Sample({loc}, {8}, {}, {{"bytes", 64}});
  a.Sample({loc}, {16}, {}, {{"bytes", 64}});
  a.Sample({loc}, {32}, {}, {{"bytes", 128}});
  a.Sample({loc}, {0});  // all-zero samples are dropped
  Result<Profile> m = Merge({&a.profile()});
  ASSERT_TRUE(m.ok()) << m.status().message();
  ASSERT_EQ(m->num_samples(), 4u);
  std::vector<int64_t> values(m->values.begin(), m->values.end());
  EXPECT_EQ(values, (std::vector<int64_t>{3, 4, 24, 32}));
  ASSERT_EQ(m->label_offsets[1], 2u);
  // Labels are kept with the sample, string labels sorted by key as pprof writes them.
  const Label& l0 = m->label(0);
  const Label& l1 = m->label(1);
  EXPECT_EQ(m->str(l0.key) + "=" + m->str(l0.str) + "," + m->str(l1.key) + "=" + m->str(l1.str),
            "span=s,thread=t1");
  const Label& n = m->label(m->label_offsets[2]);
  EXPECT_EQ(m->str(n.key), "bytes");
  EXPECT_EQ(n.num, 64);
  EXPECT_EQ(m->str(n.num_unit), "bytes");
}

TEST(MergeTest, ZeroSumSamplesAreDroppedWithWhatOnlyTheyUsed) {
  Builder a("delta", "count"), b("delta", "count");
  uint32_t fa = a.Function("kept"), ga = a.Function("gone");
  a.Sample({a.Location(0x10, {fa})}, {5});
  a.Sample({a.Location(0x20, {ga})}, {3});
  uint32_t gb = b.Function("gone");
  b.Sample({b.Location(0x20, {gb})}, {-3});
  Result<Profile> m = Merge({&a.profile(), &b.profile()});
  ASSERT_TRUE(m.ok()) << m.status().message();
  ASSERT_EQ(m->num_samples(), 1u);
  EXPECT_EQ(m->Total(0), 5);
  ASSERT_EQ(m->functions.size(), 1u);
  EXPECT_EQ(m->str(m->functions[0].name), "kept");
  EXPECT_EQ(m->locations.size(), 1u);
}

TEST(MergeTest, DeduplicatesMappingsAcrossAddressSpaceLayouts) {
  // The same binary loaded at two addresses: pprof keys mappings by build id and size,
  // and locations by their offset into the mapping.
  Builder a("samples", "count"), b("samples", "count");
  uint32_t ma = a.Mapping(0x400000, 0x480000, "abc");
  uint32_t mb = b.Mapping(0x7f0000, 0x86f800, "abc");  // size rounds up to the same 4 KiB
  uint32_t fa = a.Function("main"), fb = b.Function("main");
  a.Sample({a.Location(0x401000, {fa}, ma)}, {1});
  b.Sample({b.Location(0x7f1000, {fb}, mb)}, {2});
  Result<Profile> m = Merge({&a.profile(), &b.profile()});
  ASSERT_TRUE(m.ok()) << m.status().message();
  ASSERT_EQ(m->mappings.size(), 1u);
  EXPECT_EQ(m->mappings[0].memory_start, 0x400000u);
  ASSERT_EQ(m->locations.size(), 1u);
  EXPECT_EQ(m->locations[0].address, 0x401000u);
  ASSERT_EQ(m->num_samples(), 1u);
  EXPECT_EQ(m->Total(0), 3);
}

TEST(MergeTest, TablesAlikeByIndexAreStillComparedByContent) {
  // Inputs whose tables line up index by index (what one writer gives profile after
  // profile) except for one string, one address or one build id: each difference is a
  // new entity, the rest is shared.
  auto make = [](const std::string& callee, uint64_t address, const std::string& build_id,
                 int64_t value) {
    auto b = std::make_unique<Builder>("samples", "count");
    uint32_t m = b->Mapping(0x0, 0x10000, build_id);
    uint32_t caller = b->Function("main"), fn = b->Function(callee);
    b->Sample({b->Location(address, {fn}, m), b->Location(0x20, {caller}, m)}, {value});
    return b;
  };
  auto a = make("work", 0x10, "abc", 1), b = make("other", 0x10, "abc", 2),
       c = make("work", 0x11, "abc", 4), d = make("work", 0x10, "def", 8),
       e = make("work", 0x10, "abc", 16);
  Result<Profile> m = Merge({&a->profile(), &b->profile(), &c->profile(), &d->profile(),
                             &e->profile()});
  ASSERT_TRUE(m.ok()) << m.status().message();
  EXPECT_EQ(m->mappings.size(), 2u);
  EXPECT_EQ(m->functions.size(), 3u);
  EXPECT_EQ(m->locations.size(), 6u);  // a: 2, b: other@0x10, c: work@0x11, d: both again
  EXPECT_EQ(m->num_stacks(), 4u);
  EXPECT_EQ(m->num_samples(), 4u);
  EXPECT_EQ(m->Total(0), 31);
  EXPECT_EQ(FlatByFunction(*m, 0), (std::map<std::string, int64_t>{{"work", 29}, {"other", 2}}));
}

TEST(MergeTest, InlinedFramesAreLocationContent) {
  // Same address, different inlining: different locations; same content: one.
  Builder a("samples", "count");
  uint32_t outer = a.Function("outer"), inner = a.Function("inner");
  uint32_t l1 = a.Location(0x10, {inner, outer});
  uint32_t l2 = a.Location(0x10, {outer});
  uint32_t l3 = a.Location(0x10, {inner, outer});
  a.Sample({l1}, {1});
  a.Sample({l2}, {2});
  a.Sample({l3}, {4});
  Result<Profile> m = Merge({&a.profile()});
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->locations.size(), 2u);
  EXPECT_EQ(m->num_samples(), 2u);
  EXPECT_EQ(FlatByFunction(*m, 0), (std::map<std::string, int64_t>{{"inner", 5}, {"outer", 2}}));
}

TEST(MergeTest, HugeValuesWrapInsteadOfOverflowing) {
  // pprof's int64 sums wrap; here too, without undefined behaviour (UBSan builds check).
  Builder a("samples", "count");
  uint32_t loc = a.Location(0x10, {a.Function("main")});
  a.Sample({loc}, {INT64_MAX});
  a.Sample({loc}, {INT64_MAX});
  Result<Profile> m = Merge({&a.profile()});
  ASSERT_TRUE(m.ok());
  ASSERT_EQ(m->num_samples(), 1u);
  EXPECT_EQ(m->values[0], -2);
  Result<CallTree> t = BuildCallTree(a.profile());
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->total(0), -2);
  FlameGraph g = BuildFlameGraph(*t, 1);
  EXPECT_EQ(g.total, -2);
}

// Ids are checked when first followed (entities no sample uses are never looked at).
TEST(MergeTest, InconsistentProfilesAreRefusedNotFollowed) {
  Profile good = Load("dd-trace-go/heap.before.pprof");
  {
    Profile bad = good;
    bad.sample_stack[0] = 1u << 30;
    Result<Profile> r = Merge({&good, &bad});
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kCorruption);
  }
  {
    Profile bad = good;
    for (uint32_t& l : bad.stack_locations) l = 1u << 30;
    EXPECT_EQ(Merge({&bad}).status().code(), StatusCode::kCorruption);
  }
  {
    Profile bad = good;
    for (Line& l : bad.lines) l.function = 1u << 30;
    EXPECT_EQ(Merge({&bad}).status().code(), StatusCode::kCorruption);
  }
  {
    Profile bad = good;
    for (Function& f : bad.functions) f.name = 1u << 30;
    EXPECT_EQ(Merge({&bad}).status().code(), StatusCode::kCorruption);
  }
  {
    Profile bad = good;
    bad.values.pop_back();
    EXPECT_EQ(Merge({&bad}).status().code(), StatusCode::kCorruption);
  }
  {
    Profile bad = good;
    bad.label_table[bad.sample_labels[0]].key = 1u << 30;
    EXPECT_EQ(Merge({&bad}).status().code(), StatusCode::kCorruption);
  }
  {
    Profile bad = good;
    bad.sample_labels[0] = static_cast<uint32_t>(bad.label_table.size());
    EXPECT_EQ(Merge({&bad}).status().code(), StatusCode::kCorruption);
  }
}

}  // namespace
}  // namespace pyrolens
