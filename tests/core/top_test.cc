#include "pyrolens/top.h"

#include <dirent.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>
#include <fstream>
#include <set>
#include <sstream>

#include "pyrolens/merge.h"
#include "pyrolens/reader.h"
#include "testing/corpus.h"

namespace pyrolens {
namespace {

const std::string kGoldenDir = std::string(PYROLENS_TESTDATA_DIR) + "/top";

// One report of a golden file: pprof's flags and inputs, and what pprof printed.
struct Golden {
  std::string file;  // golden file name
  std::string header;
  std::vector<std::string> flags;
  std::vector<std::string> inputs;  // corpus-relative paths
  std::string expected;
};

std::vector<std::string> Split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  std::istringstream in(s);
  while (std::getline(in, cur, sep)) out.push_back(cur);
  return out;
}

std::vector<Golden> ReadGoldens(const std::string& name) {
  std::ifstream in(kGoldenDir + "/" + name, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  std::vector<Golden> out;
  std::string text = ss.str();
  size_t pos = 0;
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string::npos) eol = text.size();
    std::string line = text.substr(pos, eol - pos);
    pos = eol + 1;
    if (line.rfind("#### ", 0) == 0) {
      Golden g;
      g.file = name;
      g.header = line.substr(5);
      for (const std::string& a : Split(g.header, ' ')) {
        if (a.empty()) continue;
        (a[0] == '-' ? g.flags : g.inputs).push_back(a);
      }
      out.push_back(std::move(g));
    } else if (!out.empty()) {
      out.back().expected += line;
      out.back().expected += '\n';
    }
  }
  return out;
}

std::vector<std::string> GoldenFiles() {
  std::vector<std::string> names;
  DIR* d = opendir(kGoldenDir.c_str());
  if (d == nullptr) return names;
  while (dirent* e = readdir(d)) {
    std::string n = e->d_name;
    if (n.size() > 4 && n.compare(n.size() - 4, 4, ".txt") == 0 && n != "skipped.txt") {
      names.push_back(n);
    }
  }
  closedir(d);
  std::sort(names.begin(), names.end());
  return names;
}

// Runs Pyrolens the way the golden's header says pprof was run.
Result<std::string> RunTop(const Golden& g) {
  TopOptions options;
  for (const std::string& flag : g.flags) {
    std::string f = flag.substr(flag.find_first_not_of('-'));
    size_t eq = f.find('=');
    std::string name = f.substr(0, eq);
    std::string value = eq == std::string::npos ? "" : f.substr(eq + 1);
    RETURN_IF_ERROR(ParseTopFlag(name, value, &options));
  }
  std::vector<Profile> profiles;
  for (const std::string& input : g.inputs) {
    Result<Profile> p = ReadProfile(testing::ReadCorpusFile(input));
    if (!p.ok()) return p.status().WithPrefix(input);
    profiles.push_back(std::move(p).value());
  }
  if (profiles.empty()) return Status::InvalidArgument("no input in header");
  Profile merged;
  if (profiles.size() == 1) {
    merged = std::move(profiles[0]);
  } else {
    std::vector<const Profile*> ptrs;
    for (const Profile& p : profiles) ptrs.push_back(&p);
    ASSIGN_OR_RETURN(merged, Merge(ptrs));
  }
  ASSIGN_OR_RETURN(TopReport report, BuildTop(std::move(merged), options));
  return FormatTop(report);
}

// Empty when equal; else the first differing line of each side.
std::string FirstDifference(const std::string& want, const std::string& got) {
  std::vector<std::string> w = Split(want, '\n'), g = Split(got, '\n');
  for (size_t i = 0; i < std::max(w.size(), g.size()); ++i) {
    std::string a = i < w.size() ? w[i] : "<end>", b = i < g.size() ? g[i] : "<end>";
    if (a != b)
      return Format("line %zu:\n  pprof:    %s\n  pyrolens: %s", i + 1, a.c_str(), b.c_str());
  }
  return "";
}

class TopGoldenTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    setenv("TZ", "UTC", 1);  // the goldens were written with TZ=UTC
    tzset();
  }

  // Compares every report in the golden files accepted by `pick`; returns how many.
  static size_t CompareAll(bool (*pick)(const std::string&)) {
    size_t compared = 0;
    for (const std::string& name : GoldenFiles()) {
      if (!pick(name)) continue;
      for (const Golden& g : ReadGoldens(name)) {
        Result<std::string> got = RunTop(g);
        ++compared;
        if (!got.ok()) {
          ADD_FAILURE() << name << ": " << g.header << ": " << got.status().message();
          continue;
        }
        std::string diff = FirstDifference(g.expected, *got);
        EXPECT_TRUE(diff.empty()) << name << ": " << g.header << "\n" << diff;
      }
    }
    return compared;
  }
};

bool IsPerFile(const std::string& n) {
  return n != "full.txt" && n != "flags.txt" && n != "merge.txt";
}

TEST_F(TopGoldenTest, EverySampleTypeOfEveryPprofFile) {
  size_t n = CompareAll(IsPerFile);
  EXPECT_GT(n, 250u);
  RecordProperty("reports", static_cast<int>(n));
  printf("compared %zu per-sample-type reports\n", n);
}

TEST_F(TopGoldenTest, FullReports) {
  size_t n = CompareAll([](const std::string& f) { return f == "full.txt"; });
  EXPECT_GE(n, 5u);
  printf("compared %zu full reports\n", n);
}

TEST_F(TopGoldenTest, FlagCombinations) {
  size_t n = CompareAll([](const std::string& f) { return f == "flags.txt"; });
  EXPECT_GE(n, 50u);
  printf("compared %zu flag combinations\n", n);
}

TEST_F(TopGoldenTest, MergedFiles) {
  size_t n = CompareAll([](const std::string& f) { return f == "merge.txt"; });
  EXPECT_GE(n, 1u);
  printf("compared %zu merged reports\n", n);
}

// Every pprof file of the corpus has a golden, or the reason the reference refused it.
TEST(TopGoldenCoverage, EveryPprofFileIsCoveredOrSkippedWithAReason) {
  std::set<std::string> skipped;
  std::ifstream in(kGoldenDir + "/skipped.txt");
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> cols = Split(line, '\t');
    ASSERT_EQ(cols.size(), 2u) << line;
    EXPECT_FALSE(cols[1].empty()) << "no reason for " << cols[0];
    skipped.insert(cols[0]);
  }
  EXPECT_LE(skipped.size(), 5u);
  std::set<std::string> goldens;
  for (const std::string& n : GoldenFiles()) goldens.insert(n);
  size_t pprof_files = 0;
  for (const testing::CorpusEntry& e : testing::Corpus()) {
    if (e.format != "pprof" && e.format != "pprof-gz") continue;
    ++pprof_files;
    std::string name = e.path;
    for (size_t p = name.find('/'); p != std::string::npos; p = name.find('/', p + 2)) {
      name.replace(p, 1, "__");
    }
    EXPECT_TRUE(goldens.count(name + ".txt") || skipped.count(e.path)) << e.path;
  }
  EXPECT_GT(pprof_files, 100u);
}

// Hand-built profiles for what the corpus may not show.
struct Builder {
  Profile p;
  StackInterner stacks{&p};
  Builder(const char* type, const char* unit) {
    p.sample_types.push_back({p.strings.Intern(type), p.strings.Intern(unit)});
  }
  uint32_t Fn(const char* name) {
    p.functions.push_back({p.strings.Intern(name), p.strings.Intern(name), 0, 0});
    return static_cast<uint32_t>(p.functions.size() - 1);
  }
  // A location whose lines are `fns`, callee (innermost inlined) first.
  uint32_t Loc(std::vector<uint32_t> fns) {
    Location l;
    l.first_line = static_cast<uint32_t>(p.lines.size());
    l.num_lines = static_cast<uint32_t>(fns.size());
    for (uint32_t f : fns) p.lines.push_back({f, 0, 0});
    p.locations.push_back(l);
    return static_cast<uint32_t>(p.locations.size() - 1);
  }
  void Sample(std::vector<uint32_t> locs_leaf_first, int64_t v) {
    p.sample_stack.push_back(stacks.Intern(locs_leaf_first.data(), locs_leaf_first.size()));
    p.values.push_back(v);
    p.label_offsets.push_back(static_cast<uint32_t>(p.sample_labels.size()));
  }
};

const TopRow* Row(const TopReport& r, const std::string& name) {
  for (const TopRow& row : r.rows) {
    if (row.name == name) return &row;
  }
  return nullptr;
}

TEST(TopTest, CumCountsAFunctionOncePerStackAndMarksInlining) {
  Builder b("samples", "count");
  uint32_t main = b.Fn("main"), rec = b.Fn("rec"), inl = b.Fn("inl");
  uint32_t l_main = b.Loc({main}), l_rec = b.Loc({rec}), l_inl_rec = b.Loc({inl, rec});
  b.Sample({l_rec, l_rec, l_main}, 10);  // recursion: rec counted once
  b.Sample({l_inl_rec, l_main}, 5);      // inl inlined into rec
  b.Sample({l_main}, 0);                 // zero samples do not count
  TopOptions o;
  o.node_fraction = 0;
  Result<TopReport> r = BuildTop(std::move(b.p), o);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->total, 15);
  ASSERT_EQ(r->rows.size(), 3u);
  EXPECT_EQ(r->rows[0].name, "rec");
  EXPECT_EQ(r->rows[0].flat, 10);
  EXPECT_EQ(r->rows[0].cum, 15);
  EXPECT_EQ(Row(*r, "inl")->inline_mark, InlineMark::kInline);
  EXPECT_EQ(Row(*r, "main")->cum, 15);
  EXPECT_EQ(Row(*r, "main")->inline_mark, InlineMark::kNone);
  std::string text = FormatTop(*r);
  EXPECT_NE(text.find("        10 66.67% 66.67%         15   100%  rec\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("  inl (inline)\n"), std::string::npos) << text;
}

TEST(TopTest, PartialInlineWhenCalledBothWays) {
  // c is called by b (a real call, weight 4) and inlined into a (weight 6). Edges are
  // per (caller, callee) pair, so they differ and c is partially inlined.
  auto build = [] {
    Builder b("samples", "count");
    uint32_t a = b.Fn("a"), bf = b.Fn("b"), c = b.Fn("c");
    uint32_t l_b = b.Loc({bf}), l_c = b.Loc({c}), l_ca = b.Loc({c, a});
    b.Sample({l_c, l_b}, 4);
    b.Sample({l_ca}, 6);
    return std::move(b.p);
  };
  TopOptions o;
  Result<TopReport> r = BuildTop(build(), o);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(Row(*r, "c")->inline_mark, InlineMark::kPartialInline);
  // With a high edge fraction the light real call is ignored.
  o.edge_fraction = 0.5;
  r = BuildTop(build(), o);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(Row(*r, "c")->inline_mark, InlineMark::kInline);
  // The same pair both inlined and called is one edge, inline only if always inlined.
  Builder same("samples", "count");
  uint32_t a = same.Fn("a"), c = same.Fn("c");
  uint32_t l_a = same.Loc({a}), l_c = same.Loc({c}), l_ca = same.Loc({c, a});
  same.Sample({l_c, l_a}, 4);
  same.Sample({l_ca}, 6);
  r = BuildTop(std::move(same.p), TopOptions());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(Row(*r, "c")->inline_mark, InlineMark::kNone);
}

TEST(TopTest, NodeCountAndFractionLabels) {
  Builder b("cpu", "nanoseconds");
  std::vector<uint32_t> locs;
  const char* names[] = {"f0", "f1", "f2", "f3", "f4"};
  for (const char* n : names) locs.push_back(b.Loc({b.Fn(n)}));
  int64_t v[] = {1000000000, 500000000, 200000000, 1000000, 1000};
  for (int i = 0; i < 5; ++i) b.Sample({locs[i]}, v[i]);
  TopOptions o;
  o.node_count = 2;
  Result<TopReport> r = BuildTop(std::move(b.p), o);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->rows.size(), 2u);
  std::string text = FormatTop(*r);
  EXPECT_NE(text.find("Type: cpu\n"), std::string::npos) << text;
  EXPECT_NE(text.find("Dropped 2 nodes (cum <= 8.51ms)\n"), std::string::npos) << text;
  EXPECT_NE(text.find("Showing top 2 nodes out of 3\n"), std::string::npos) << text;
  EXPECT_NE(text.find("Showing nodes accounting for 1500ms, 88.18% of 1701ms total\n"),
            std::string::npos)
      << text;
}

TEST(TopTest, NamelessFramesShowTheirMappingOrUnknown) {
  Builder b("samples", "count");
  b.p.mappings.push_back({});
  b.p.mappings[0].filename = b.p.strings.Intern("/usr/lib/libfoo.so");
  uint32_t l_lib = b.Loc({});
  b.p.locations[l_lib].mapping = 0;
  uint32_t l_none = b.Loc({});
  b.Sample({l_lib}, 3);
  b.Sample({l_none}, 2);
  Result<TopReport> r = BuildTop(std::move(b.p), TopOptions());
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->rows.size(), 2u);
  EXPECT_EQ(r->rows[0].name, "[libfoo.so]");
  EXPECT_EQ(r->rows[1].name, "<unknown>");
  EXPECT_EQ(r->labels[0], "File: libfoo.so");
}

TEST(TopTest, BadOptionsAreInvalidArgumentNamingTheFlag) {
  TopOptions o;
  Status s = ParseTopFlag("nodecount", "ten", &o);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("nodecount"), std::string::npos) << s.message();
  EXPECT_FALSE(ParseTopFlag("nodefraction", "0.1x", &o).ok());
  EXPECT_FALSE(ParseTopFlag("nodefraction", "", &o).ok());
  EXPECT_FALSE(ParseTopFlag("cum", "maybe", &o).ok());
  EXPECT_FALSE(ParseTopFlag("nosuchflag", "1", &o).ok());
  EXPECT_TRUE(ParseTopFlag("cum", "", &o).ok());
  EXPECT_TRUE(o.cum);
  EXPECT_TRUE(ParseTopFlag("nodecount", "-4", &o).ok());
  EXPECT_EQ(o.node_count, -4);

  Builder b("samples", "count");
  b.Sample({b.Loc({b.Fn("f")})}, 1);
  o = TopOptions();
  o.filters.focus = "(";
  Result<TopReport> r = BuildTop(b.p, o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message().rfind("focus:", 0), 0u) << r.status().message();
  o = TopOptions();
  o.sample_index = "7";
  r = BuildTop(b.p, o);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("sample_index"), std::string::npos);
  o = TopOptions();
  o.filters.tagfocus = "key=99999999999999999999kb";
  r = BuildTop(b.p, o);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("tagfocus"), std::string::npos);
}

TEST(TopTest, EmptyAndTypelessProfilesDoNotCrash) {
  Profile empty;
  Result<TopReport> r = BuildTop(empty, TopOptions());
  EXPECT_FALSE(r.ok());  // no sample types
  Builder b("samples", "count");
  r = BuildTop(std::move(b.p), TopOptions());
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->rows.empty());
  EXPECT_EQ(FormatTop(*r),
            "Type: samples\nShowing nodes accounting for 0, 0% of 0 total\n"
            "      flat  flat%   sum%        cum   cum%\n");
}

TEST(TopTest, ProfileTimeUsesPprofLayout) {
  setenv("TZ", "UTC", 1);
  tzset();
  EXPECT_EQ(FormatProfileTime(1723210320000000000), "Aug 9, 2024 at 1:32pm (UTC)");
  EXPECT_EQ(FormatProfileTime(0), "Jan 1, 1970 at 12:00am (UTC)");
}

}  // namespace
}  // namespace pyrolens
