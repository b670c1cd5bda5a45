// The JFR reader against the JDK's own decoder: for every recording with a golden
// (tests/testdata/jfr/*.golden, written by regen.sh from `jfr print --json` of OpenJDK 17),
// per profile kind the count and amount totals, the top leaf functions and the top threads
// must equal what the JDK reports. Plus damaged recordings and unsupported versions.
#include "pyrolens/jfr.h"

#include <dirent.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>

#include "pyrolens/compression.h"
#include "pyrolens/reader.h"
#include "testing/corpus.h"

namespace pyrolens {
namespace {

std::string TestdataPath(const std::string& name) {
  return std::string(PYROLENS_TESTDATA_DIR) + "/jfr/" + name;
}

std::string ReadFileOrEmpty(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Where the recording of each golden lives.
std::string RecordingFor(const std::string& name) {
  if (name == "workload") return ReadFileOrEmpty(TestdataPath("workload.jfr"));
  if (name == "heavy") return testing::ReadCorpusFile("speedscope/java-flight-recorder/heavy.jfr");
  if (name == "main") return testing::ReadCorpusFile("datakit/main.jfr");
  return testing::ReadCorpusFile("jfr-parser/" + name + ".jfr.gz");
}

struct KindGolden {
  long long count = 0, amount = 0;
  std::vector<std::pair<long long, std::string>> top, threads;
};

struct Golden {
  std::map<std::string, KindGolden> kinds;
  std::map<std::string, long long> periods;  // event type -> ns
};

Golden ParseGolden(const std::string& text) {
  Golden g;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream ls(line);
    std::string what, kind;
    ls >> what >> kind;
    if (what == "kind") {
      std::string w;
      long long events;
      KindGolden& k = g.kinds[kind];
      ls >> w >> events >> w >> k.count >> w >> k.amount;
    } else if (what == "top" || what == "thread") {
      long long c;
      ls >> c;
      std::string name;
      std::getline(ls, name);
      name.erase(0, 1);
      (what == "top" ? g.kinds[kind].top : g.kinds[kind].threads).push_back({c, name});
    } else if (what == "period") {
      ls >> g.periods[kind];
    }
  }
  for (auto& [_, k] : g.kinds) {
    auto order = [](const auto& a, const auto& b) {
      return a.first != b.first ? a.first > b.first : a.second < b.second;
    };
    std::sort(k.top.begin(), k.top.end(), order);
    std::sort(k.threads.begin(), k.threads.end(), order);
  }
  return g;
}

// Sample type names of each kind, as jfr.h documents them.
struct KindColumns {
  const char* count;
  const char* amount;
};
const std::map<std::string, KindColumns>& Columns() {
  static const std::map<std::string, KindColumns> m = {
      {"cpu", {"samples", "cpu"}},
      {"wall", {"wall_samples", "wall"}},
      {"alloc", {"alloc_objects", "alloc_space"}},
      {"inuse", {"inuse_objects", "inuse_space"}},
      {"lock", {"lock_count", "lock_duration"}},
      {"block", {"block_count", "block_duration"}},
      {"exceptions", {"exceptions", nullptr}},
      {"malloc", {"malloc_objects", "malloc_space"}},
  };
  return m;
}

int ColumnOf(const Profile& p, const char* type) {
  for (size_t t = 0; t < p.num_types(); ++t) {
    if (p.str(p.sample_types[t].type) == type) return static_cast<int>(t);
  }
  return -1;
}

// The `n` largest (value, name) pairs of `sums`, ties by name.
std::vector<std::pair<long long, std::string>> Largest(const std::map<std::string, long long>& sums,
                                                       size_t n) {
  std::vector<std::pair<long long, std::string>> v;
  for (const auto& [name, c] : sums) {
    if (c != 0) v.push_back({c, name});
  }
  std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  });
  if (v.size() > n) v.resize(n);
  return v;
}

std::vector<std::string> GoldenNames() {
  std::vector<std::string> names;
  DIR* d = opendir(TestdataPath("").c_str());
  if (d == nullptr) return names;
  while (dirent* e = readdir(d)) {
    std::string f = e->d_name;
    if (f.size() > 7 && f.compare(f.size() - 7, 7, ".golden") == 0) {
      names.push_back(f.substr(0, f.size() - 7));
    }
  }
  closedir(d);
  std::sort(names.begin(), names.end());
  return names;
}

TEST(JfrTest, GoldensCoverTheRecordings) {
  std::vector<std::string> names = GoldenNames();
  EXPECT_GE(names.size(), 20u);
  EXPECT_NE(std::find(names.begin(), names.end(), "workload"), names.end());
}

class JfrGoldenTest : public ::testing::TestWithParam<std::string> {};

TEST_P(JfrGoldenTest, TotalsTopFunctionsAndThreadsEqualJdk) {
  const std::string& name = GetParam();
  Golden g = ParseGolden(ReadFileOrEmpty(TestdataPath(name + ".golden")));
  ASSERT_FALSE(g.kinds.empty());
  std::string data = RecordingFor(name);
  ASSERT_FALSE(data.empty());
  Result<Profile> r = ReadProfile(data);
  ASSERT_TRUE(r.ok()) << r.status().message();
  const Profile& p = *r;

  // Every kind the JDK saw is a column, and no other.
  size_t expected_columns = 0;
  for (const auto& [kind, k] : g.kinds) {
    SCOPED_TRACE(kind);
    const KindColumns& cols = Columns().at(kind);
    int count = ColumnOf(p, cols.count);
    ASSERT_GE(count, 0);
    ++expected_columns;
    EXPECT_EQ(p.Total(count), k.count);
    int amount = cols.amount != nullptr ? ColumnOf(p, cols.amount) : -1;
    if (amount >= 0) ++expected_columns;
    if (kind == "cpu") {
      // Nanoseconds are samples times the period, when the recording states one.
      auto period = g.periods.find("jdk.ExecutionSample");
      if (period != g.periods.end()) {
        ASSERT_GE(amount, 0);
        EXPECT_EQ(p.Total(amount), k.count * period->second);
        EXPECT_EQ(p.period, period->second);
      }
    } else if (kind != "wall" && cols.amount != nullptr) {
      if (k.amount != 0) {
        ASSERT_GE(amount, 0);
        EXPECT_EQ(p.Total(amount), k.amount);
      } else if (amount >= 0) {
        EXPECT_EQ(p.Total(amount), 0);
      }
    }

    // Flat value by leaf function and total by thread, in the count column.
    std::map<std::string, long long> leaf, threads;
    for (size_t i = 0; i < p.num_samples(); ++i) {
      long long v = p.sample_values(i)[count];
      uint32_t s = p.sample_stack[i];
      if (p.stack_begin(s) != p.stack_end(s)) {
        const Location& loc = p.locations[*p.stack_begin(s)];
        leaf[p.str(p.functions[p.lines[loc.first_line].function].name)] += v;
      }
      for (uint32_t l = p.label_offsets[i]; l < p.label_offsets[i + 1]; ++l) {
        if (p.str(p.label(l).key) == "thread_name") threads[p.str(p.label(l).str)] += v;
      }
    }
    EXPECT_EQ(Largest(leaf, 10), k.top);
    EXPECT_EQ(Largest(threads, 3), k.threads);
  }
  EXPECT_EQ(p.num_types(), expected_columns);
}

// NAME.pprof-totals (pprof-regen.sh): the recording converted to pprof by Pyrolens, as
// Google pprof reads and writes it back. Its totals per sample type must be what Pyrolens
// reads from the recording (which the test above checks against the JDK), less the events
// without a stack trace: pprof drops samples that have no location when it writes.
TEST_P(JfrGoldenTest, ConvertedToPprofGoogleGivesTheSameTotals) {
  const std::string& name = GetParam();
  std::string golden = ReadFileOrEmpty(TestdataPath(name + ".pprof-totals"));
  ASSERT_FALSE(golden.empty()) << name << ".pprof-totals: run tests/testdata/jfr/pprof-regen.sh";
  Result<Profile> r = ReadProfile(RecordingFor(name));
  ASSERT_TRUE(r.ok()) << r.status().message();
  std::map<std::string, long long> ours, pprof;
  for (size_t t = 0; t < r->num_types(); ++t) {
    long long with_stack = 0;
    for (size_t i = 0; i < r->num_samples(); ++i) {
      uint32_t st = r->sample_stack[i];
      if (r->stack_begin(st) != r->stack_end(st)) with_stack += r->sample_values(i)[t];
    }
    ours[r->str(r->sample_types[t].type) + "/" + r->str(r->sample_types[t].unit)] = with_stack;
  }
  std::istringstream in(golden);
  std::string type;
  long long total;
  in.ignore(1 << 20, '\n');  // the comment line
  while (in >> type >> total) pprof[type] = total;
  EXPECT_EQ(ours, pprof);
}

INSTANTIATE_TEST_SUITE_P(Recordings, JfrGoldenTest, ::testing::ValuesIn(GoldenNames()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string n = info.param;
                           for (char& c : n) {
                             if (!isalnum(static_cast<unsigned char>(c))) c = '_';
                           }
                           return n;
                         });

std::string Plain(const std::string& file) {
  ByteBuffer storage;
  Result<std::string_view> plain = Decompress(file, &storage);
  return plain.ok() ? std::string(*plain) : std::string();
}

TEST(JfrTest, FramesAreNamedByClassAndMethodWithLines) {
  Result<Profile> r = ReadJfr(ReadFileOrEmpty(TestdataPath("workload.jfr")));
  ASSERT_TRUE(r.ok()) << r.status().message();
  bool found = false;
  for (const Line& l : r->lines) {
    if (r->str(r->functions[l.function].name) == "Workload.contendMonitor") {
      found = true;
      EXPECT_GT(l.line, 0);
    }
  }
  EXPECT_TRUE(found);
  EXPECT_GT(r->duration_nanos, 1000000000);  // the workload runs 1.5 s
  EXPECT_GT(r->time_nanos, 1600000000000000000);
}

TEST(JfrTest, ReadsEveryChunkOfAMultiChunkRecording) {
  std::string plain = Plain(testing::ReadCorpusFile("jfr-parser/goland-multichunk.jfr.gz"));
  ASSERT_GT(plain.size(), 68u);
  // The second chunk starts where the first one's size says.
  uint64_t first = 0;
  for (int i = 8; i < 16; ++i) first = first << 8 | static_cast<uint8_t>(plain[i]);
  ASSERT_LT(first, plain.size());
  Result<Profile> whole = ReadJfr(plain);
  Result<Profile> head = ReadJfr(std::string_view(plain).substr(0, first));
  ASSERT_TRUE(whole.ok()) << whole.status().message();
  ASSERT_TRUE(head.ok()) << head.status().message();
  int whole_lock = ColumnOf(*whole, "lock_count"), head_lock = ColumnOf(*head, "lock_count");
  ASSERT_GE(whole_lock, 0);
  EXPECT_LT(head_lock < 0 ? 0 : head->Total(head_lock), whole->Total(whole_lock));
}

TEST(JfrTest, RefusesVersion09ClearlyAndNamesTheOffsetOfDamage) {
  Result<Profile> old = ReadProfile(testing::ReadCorpusFile("datakit/prof.jfr"));
  ASSERT_FALSE(old.ok());
  EXPECT_EQ(old.status().code(), StatusCode::kNotSupported);
  EXPECT_NE(old.status().message().find("version 0.9"), std::string::npos)
      << old.status().message();

  std::string plain = ReadFileOrEmpty(TestdataPath("workload.jfr"));
  ASSERT_GT(plain.size(), 1000u);
  std::string big_size = plain;
  big_size[8] = 0x7f;  // chunk size far beyond the file
  Result<Profile> r = ReadJfr(big_size);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message().rfind("jfr: chunk 0 header at offset 8: ", 0), 0u)
      << r.status().message();

  Result<Profile> cut = ReadJfr(std::string_view(plain).substr(0, plain.size() / 2));
  ASSERT_FALSE(cut.ok());
  EXPECT_EQ(cut.status().code(), StatusCode::kCorruption);

  Result<Profile> empty = ReadJfr("");
  EXPECT_FALSE(empty.ok());
}

// Every cut and many corruptions of a real recording end in a profile or a "jfr:" error.
TEST(JfrTest, DamagedRecordingsFailCleanly) {
  std::string plain = ReadFileOrEmpty(TestdataPath("workload.jfr"));
  ASSERT_GT(plain.size(), 1000u);
  size_t errors = 0;
  for (size_t i = 0; i < 400; ++i) {
    size_t cut = plain.size() * i / 400;
    Result<Profile> r = ReadJfr(std::string_view(plain).substr(0, cut));
    ASSERT_FALSE(r.ok()) << "cut at " << cut;  // one chunk: every cut is inside it
    EXPECT_EQ(r.status().message().rfind("jfr: ", 0), 0u) << r.status().message();
  }
  uint64_t x = 88172645463325252ull;
  for (int i = 0; i < 600; ++i) {
    std::string bad = plain;
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    size_t at = 68 + x % (bad.size() - 68);
    bad[at] = static_cast<char>(bad[at] ^ (1 + (x >> 40) % 255));
    Result<Profile> r = ReadJfr(bad);
    if (!r.ok()) {
      ++errors;
      EXPECT_EQ(r.status().message().rfind("jfr: ", 0), 0u) << r.status().message();
    }
  }
  EXPECT_GT(errors, 0u);
}

}  // namespace
}  // namespace pyrolens
