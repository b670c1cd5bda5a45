// The V8 profile readers against V8's own fields: totals and the top functions that
// tests/testdata/cpuprofile/*.golden hold (regen.sh: golden.py over the JSON Node/Chrome
// wrote, never Pyrolens's output), plus damaged and malformed inputs.
#include "pyrolens/cpuprofile.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>

#include "pyrolens/reader.h"
#include "testing/corpus.h"

namespace pyrolens {
namespace {

std::string ReadPath(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string Testdata(const std::string& name) {
  return ReadPath(std::string(PYROLENS_TESTDATA_DIR) + "/cpuprofile/" + name);
}

struct Case {
  const char* golden;
  const char* corpus;  // nullptr: tests/testdata/cpuprofile/<recording>
  const char* recording;
};
const Case kCases[] = {
    {"workload.cpuprofile", nullptr, "workload.cpuprofile"},
    {"workload.heapprofile", nullptr, "workload.heapprofile"},
    {"chrome65-simple.cpuprofile", "speedscope/Chrome/65/simple.cpuprofile", nullptr},
    {"chrome65-sucrase.cpuprofile", "speedscope/Chrome/65/sucrase.cpuprofile", nullptr},
    {"node10-example.cpuprofile", "speedscope/node/10.11.0/example.cpuprofile", nullptr},
    {"chrome69.heapprofile", "speedscope/Chrome/69/Heap-20181005T144546.heapprofile", nullptr},
    {"node10.heapprofile", "speedscope/node/10.11.0/Heap-20181003T105432.heapprofile", nullptr},
};

int Column(const Profile& p, const char* type) {
  for (size_t t = 0; t < p.num_types(); ++t) {
    if (p.str(p.sample_types[t].type) == type) return static_cast<int>(t);
  }
  return -1;
}

// The 10 leaf functions with the largest value in `column`, ties by name.
std::vector<std::pair<long long, std::string>> TopLeaves(const Profile& p, int column) {
  std::map<std::string, long long> sums;
  for (size_t i = 0; i < p.num_samples(); ++i) {
    uint32_t s = p.sample_stack[i];
    std::string name = "(root)";  // V8's root node carries hits of its own
    if (p.stack_begin(s) != p.stack_end(s)) {
      const Location& loc = p.locations[*p.stack_begin(s)];
      name = p.str(p.functions[p.lines[loc.first_line].function].name);
    }
    sums[name] += p.sample_values(i)[column];
  }
  std::vector<std::pair<long long, std::string>> v;
  for (const auto& [name, c] : sums) v.push_back({c, name});
  std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  });
  if (v.size() > 10) v.resize(10);
  return v;
}

class CpuProfileGoldenTest : public ::testing::TestWithParam<Case> {};

TEST_P(CpuProfileGoldenTest, TotalsAndTopFunctionsEqualV8) {
  const Case& c = GetParam();
  std::string golden = Testdata(std::string(c.golden) + ".golden");
  ASSERT_FALSE(golden.empty());
  std::string data = c.corpus ? testing::ReadCorpusFile(c.corpus) : Testdata(c.recording);
  ASSERT_FALSE(data.empty());
  const char* unsupported;
  bool heap = std::string(c.golden).find("heapprofile") != std::string::npos;
  EXPECT_EQ(DetectFormat(data, &unsupported),
            heap ? InputFormat::kHeapProfile : InputFormat::kCpuProfile);
  Result<Profile> r = ReadProfile(data);
  ASSERT_TRUE(r.ok()) << r.status().message();
  const Profile& p = *r;

  std::map<std::string, long long> facts;
  std::vector<std::pair<long long, std::string>> top;
  std::istringstream in(golden);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream ls(line);
    std::string key;
    long long v;
    ls >> key >> v;
    if (key == "top") {
      std::string name;
      std::getline(ls, name);
      top.push_back({v, name.substr(1)});
    } else {
      facts[key] = v;
    }
  }
  int main_column;
  if (heap) {
    main_column = Column(p, "inuse_space");
    ASSERT_GE(main_column, 0);
    EXPECT_EQ(p.Total(main_column), facts.at("self_size"));
    int objects = Column(p, "inuse_objects");
    if (facts.count("objects")) {
      ASSERT_GE(objects, 0);
      EXPECT_EQ(p.Total(objects), facts.at("objects"));
    } else {
      EXPECT_LT(objects, 0);
    }
  } else {
    main_column = Column(p, "samples");
    ASSERT_GE(main_column, 0);
    EXPECT_EQ(p.Total(main_column), facts.at("samples"));
    int wall = Column(p, "wall");
    ASSERT_GE(wall, 0);
    EXPECT_EQ(p.Total(wall), facts.at("wall_us") * 1000);
    EXPECT_EQ(p.duration_nanos, facts.at("wall_us") * 1000);
  }
  EXPECT_EQ(TopLeaves(p, main_column), top);
}

INSTANTIATE_TEST_SUITE_P(V8, CpuProfileGoldenTest, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<Case>& info) {
                           std::string n = info.param.golden;
                           for (char& ch : n) {
                             if (!isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           }
                           return n;
                         });

TEST(CpuProfileTest, FramesKeepUrlAndOneBasedLines) {
  Result<Profile> r = ReadCpuProfile(Testdata("workload.cpuprofile"));
  ASSERT_TRUE(r.ok()) << r.status().message();
  bool found = false;
  for (const Line& l : r->lines) {
    const Function& fn = r->functions[l.function];
    if (r->str(fn.name) == "fib") {
      found = true;
      EXPECT_EQ(l.line, 6);  // `function fib` is line 6 of workload.js
      EXPECT_NE(r->str(fn.filename).find("workload.js"), std::string::npos);
    }
  }
  EXPECT_TRUE(found);
}

TEST(CpuProfileTest, MalformedInputsNameTheProblem) {
  auto error = [](std::string_view text) {
    Result<Profile> r = ReadCpuProfile(text);
    return r.ok() ? std::string("ok") : r.status().message();
  };
  EXPECT_EQ(error(R"({"nodes":[{"id":1)").rfind("cpuprofile: invalid JSON at offset 17", 0), 0u)
      << error(R"({"nodes":[{"id":1)");
  EXPECT_EQ(error(R"({"nodes":[{"id":1,"callFrame":{"functionName":"a"}}],"samples":[2],)"
                  R"("timeDeltas":[1]})"),
            "cpuprofile: samples[0]: unknown node id");
  EXPECT_EQ(error(R"({"nodes":[{"id":1,"children":[2]},{"id":2,"children":[1]}],)"
                  R"("samples":[1],"timeDeltas":[1]})"),
            "cpuprofile: nodes[0]: parent links form a cycle");
  EXPECT_EQ(error(R"({"nodes":[{"id":1},{"id":1}],"samples":[1],"timeDeltas":[1]})"),
            "cpuprofile: nodes[1]: duplicate node id 1");
  EXPECT_EQ(error(R"({"nodes":[{"id":1}],"samples":[1,1],"timeDeltas":[1]})"),
            "cpuprofile: 2 samples but a different number of times");
  Result<Profile> heap = ReadHeapProfile(R"({"head":{"selfSize":5,"children":7}})");
  ASSERT_FALSE(heap.ok());
  EXPECT_EQ(heap.status().message(), "heapprofile: node 0: children is not an array");
}

TEST(CpuProfileTest, DeepNestingAndDamageFailCleanly) {
  std::string deep(200000, '[');
  Result<Profile> r = ReadCpuProfile("{\"nodes\":" + deep);
  EXPECT_FALSE(r.ok());
  std::string data = Testdata("workload.cpuprofile");
  ASSERT_GT(data.size(), 1000u);
  for (size_t i = 0; i < 200; ++i) {
    size_t cut = data.size() * i / 200;
    Result<Profile> c = ReadCpuProfile(std::string_view(data).substr(0, cut));
    ASSERT_FALSE(c.ok());
    EXPECT_EQ(c.status().message().rfind("cpuprofile: ", 0), 0u) << c.status().message();
  }
}

TEST(CpuProfileTest, HugeTimesWrapInsteadOfOverflowing) {
  // Found by fuzz_cpuprofile: microseconds times 1000 overflowed int64 (UB).
  Result<Profile> p = ReadCpuProfile(
      "{\"nodes\":[{\"id\":1,\"callFrame\":{\"functionName\":\"f\"}}],"
      "\"samples\":[1,1],\"timeDeltas\":[0,9000000000000000000]}");
  ASSERT_TRUE(p.ok()) << p.status().message();
  EXPECT_EQ(p->Total(0), 2);  // both samples count; their time is what wrapped
}

}  // namespace
}  // namespace pyrolens
