// The speedscope reader on speedscope's and Pyroscope's example files (hand-written
// inputs whose values are checked by hand below), its refusals of the files speedscope
// itself rejects, and the writer: any profile written and read back keeps every sample
// type's total and top functions.
#include "pyrolens/speedscope.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>

#include "pyrolens/reader.h"
#include "testing/corpus.h"

namespace pyrolens {
namespace {

int Column(const Profile& p, const char* type) {
  for (size_t t = 0; t < p.num_types(); ++t) {
    if (p.str(p.sample_types[t].type) == type) return static_cast<int>(t);
  }
  return -1;
}

// Flat value by leaf function name in `column`, restricted to label profile=`name` if set.
std::map<std::string, long long> Flat(const Profile& p, int column, const std::string& name = "") {
  std::map<std::string, long long> out;
  for (size_t i = 0; i < p.num_samples(); ++i) {
    if (!name.empty()) {
      bool match = false;
      for (uint32_t l = p.label_offsets[i]; l < p.label_offsets[i + 1]; ++l) {
        match |= p.str(p.label(l).key) == "profile" && p.str(p.label(l).str) == name;
      }
      if (!match) continue;
    }
    uint32_t s = p.sample_stack[i];
    long long v = p.sample_values(i)[column];
    if (v == 0) continue;
    std::string leaf = "(none)";
    if (p.stack_begin(s) != p.stack_end(s)) {
      const Location& loc = p.locations[*p.stack_begin(s)];
      uint32_t fn = p.lines[loc.first_line].function;  // callee first
      leaf = fn == kNone ? "<unknown>" : p.str(p.functions[fn].name);
    }
    out[leaf] += v;
  }
  return out;
}

long long Sum(const std::map<std::string, long long>& m) {
  long long s = 0;
  for (const auto& [_, v] : m) s += v;
  return s;
}

// speedscope's sample files describe one profile two ways: a;b;c for 2+3, a;b;d for 4,
// a;b for 5 (its docs: simple.speedscope.json and simple-sampled.speedscope.json).
const std::map<std::string, long long> kSimpleFlat = {{"b", 5}, {"c", 5}, {"d", 4}};

TEST(SpeedscopeTest, EventedAndSampledExamplesGiveTheSameProfile) {
  for (const char* path : {"speedscope/speedscope/0.0.1/simple.speedscope.json",
                           "speedscope/speedscope/0.0.1/simple-no-pretty-print.speedscope.json",
                           "pyroscope/speedscope/simple.speedscope.json"}) {
    SCOPED_TRACE(path);
    std::string data = testing::ReadCorpusFile(path);
    const char* unsupported;
    EXPECT_EQ(DetectFormat(data, &unsupported), InputFormat::kSpeedscope);
    Result<Profile> r = ReadProfile(data);
    ASSERT_TRUE(r.ok()) << r.status().message();
    int samples = Column(*r, "samples");  // unit "none"
    ASSERT_EQ(samples, 0);
    EXPECT_EQ(Flat(*r, samples), kSimpleFlat);
  }
  Result<Profile> s = ReadProfile(
      testing::ReadCorpusFile("speedscope/speedscope/0.1.2/simple-sampled.speedscope.json"));
  ASSERT_TRUE(s.ok()) << s.status().message();
  int cpu = Column(*s, "cpu");  // unit "seconds", in nanoseconds
  ASSERT_EQ(cpu, 0);
  std::map<std::string, long long> ns;
  for (const auto& [k, v] : kSimpleFlat) ns[k] = v * 1000000000;
  EXPECT_EQ(Flat(*s, cpu), ns);
  EXPECT_EQ(s->Total(cpu), 14000000000);
}

TEST(SpeedscopeTest, EachProfileIsLabelledWithItsName) {
  Result<Profile> r = ReadProfile(
      testing::ReadCorpusFile("pyroscope/speedscope/two-sampled-bytes.speedscope.json"));
  ASSERT_TRUE(r.ok()) << r.status().message();
  int bytes = Column(*r, "alloc_space");
  ASSERT_GE(bytes, 0);
  EXPECT_EQ(r->str(r->sample_types[bytes].unit), "bytes");
  EXPECT_EQ(r->Total(bytes), 28);
  EXPECT_EQ(Flat(*r, bytes, "one"), kSimpleFlat);
  EXPECT_EQ(Flat(*r, bytes, "two"), kSimpleFlat);

  Result<Profile> d =
      ReadProfile(testing::ReadCorpusFile("pyroscope/speedscope/duplicates.speedscope.json"));
  ASSERT_TRUE(d.ok()) << d.status().message();
  EXPECT_EQ(d->Total(0), 3 * 14000000000ll);  // three profiles named "one": summed
  EXPECT_EQ(d->num_samples(), 3u);            // a;b;c, a;b;d, a;b
}

TEST(SpeedscopeTest, RefusesWhatSpeedscopeRefuses) {
  Result<Profile> open =
      ReadProfile(testing::ReadCorpusFile("speedscope/speedscope/invalid/incomplete-trace.json"));
  ASSERT_FALSE(open.ok());
  EXPECT_EQ(open.status().message(), "speedscope: profiles[0]: 1 frame(s) never closed");
  Result<Profile> order = ReadProfile(
      testing::ReadCorpusFile("speedscope/speedscope/invalid/out-of-order-events.json"));
  ASSERT_FALSE(order.ok());
  EXPECT_EQ(order.status().message(),
            "speedscope: profiles[0].events[6]: closes frame 1 but frame 0 is innermost");

  auto error = [](std::string_view text) {
    Result<Profile> r = ReadSpeedscope(text);
    return r.ok() ? std::string("ok") : r.status().message();
  };
  EXPECT_EQ(error(R"({"shared":{"frames":[{"name":"a"}]},"profiles":[{"type":"sampled",)"
                  R"("unit":"none","samples":[[0,1]],"weights":[1]}]})"),
            "speedscope: profiles[0].samples[0][1]: no such frame (1 frames)");
  EXPECT_EQ(error(R"({"shared":{"frames":[{"name":"a"}]},"profiles":[{"type":"evented",)"
                  R"("unit":"none","events":[{"type":"O","frame":0,"at":5},)"
                  R"({"type":"C","frame":0,"at":4}]}]})"),
            "speedscope: profiles[0].events[1]: at 4 is before the previous event");
  EXPECT_EQ(error(R"({"shared":{"frames":[]},"profiles":[{"type":"sampled","unit":"parsecs",)"
                  R"("samples":[]}]})"),
            "speedscope: profiles[0].unit: unknown unit \"parsecs\"");
  EXPECT_EQ(error(R"({"shared":{"frames":[]},"profiles":[)").rfind("speedscope: invalid JSON", 0),
            0u);
}

// Written and read back, every sample type keeps its total and its flat profile (in the
// column of its unit, under the label naming it).
void ExpectRoundTrip(const Profile& original) {
  std::string json = WriteSpeedscope(original);
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  ASSERT_FALSE(doc.HasParseError());
  ASSERT_TRUE(doc.HasMember("profiles"));
  EXPECT_EQ(doc["profiles"].Size(), original.num_types());
  Result<Profile> back = ReadProfile(json);
  ASSERT_TRUE(back.ok()) << back.status().message();
  for (size_t t = 0; t < original.num_types(); ++t) {
    const std::string& type = original.str(original.sample_types[t].type);
    const std::string& unit = original.str(original.sample_types[t].unit);
    SCOPED_TRACE(type + "/" + unit);
    const char* column = unit == "nanoseconds" ? "cpu"
                         : unit == "bytes"     ? "alloc_space"
                                               : "samples";
    int c = Column(*back, column);
    ASSERT_GE(c, 0);
    std::map<std::string, long long> want = Flat(original, static_cast<int>(t));
    std::map<std::string, long long> got = Flat(*back, c, type);
    EXPECT_EQ(got, want);
    EXPECT_EQ(Sum(got), original.Total(t));
  }
}

TEST(SpeedscopeTest, WrittenProfilesReadBackWithTheSameValues) {
  for (const char* path : {"speedscope/pprof/simple.prof", "parca/alloc_objects.pb.gz",
                           "jfr-parser/example.jfr.gz", "async-profiler/sample1.collapsed"}) {
    SCOPED_TRACE(path);
    Result<Profile> p = ReadProfile(testing::ReadCorpusFile(path));
    ASSERT_TRUE(p.ok()) << p.status().message();
    ExpectRoundTrip(*p);
  }
}

TEST(SpeedscopeTest, DamagedFilesFailCleanly) {
  std::string data = testing::ReadCorpusFile("speedscope/speedscope/0.0.1/simple.speedscope.json");
  ASSERT_GT(data.size(), 100u);
  for (size_t cut = 0; cut <= data.rfind('}'); ++cut) {  // what follows is whitespace
    Result<Profile> r = ReadSpeedscope(std::string_view(data).substr(0, cut));
    ASSERT_FALSE(r.ok()) << cut;
    EXPECT_EQ(r.status().message().rfind("speedscope: ", 0), 0u) << r.status().message();
  }
}

}  // namespace
}  // namespace pyrolens
