// The store on its own: label selectors, retention and downsampling with a manual clock,
// reopening, and storage figures.
#include "store/store.h"

#include <gtest/gtest.h>

#include "pyrolens/call_tree.h"
#include "pyrolens/merge.h"
#include "pyrolens/reader.h"
#include "server/ingest.h"
#include "server/query.h"
#include "store/labels.h"
#include "testing/corpus.h"

namespace pyrolens::testing {
namespace {

const char kCpu[] = "process_cpu:cpu:nanoseconds:cpu:nanoseconds";

TEST(LabelsTest, SelectorOperators) {
  LabelSet l = {{"env", "prod"}, {"service_name", "api"}};
  auto matches = [&](const char* sel) {
    Result<Selector> s = ParseSelector(sel);
    EXPECT_TRUE(s.ok()) << sel << ": " << s.status().message();
    return s.ok() && s->Matches(l);
  };
  EXPECT_TRUE(matches("{}"));
  EXPECT_TRUE(matches(""));
  EXPECT_TRUE(matches("{service_name=\"api\"}"));
  EXPECT_TRUE(matches("{service_name=\"api\", env=~\"pr.*\"}"));
  EXPECT_FALSE(matches("{env=~\"pr\"}")) << "regexps are anchored";
  EXPECT_TRUE(matches("{env!=\"dev\"}"));
  EXPECT_TRUE(matches("{env!~\"dev|test\"}"));
  EXPECT_FALSE(matches("{env!~\"prod|test\"}"));
  EXPECT_TRUE(matches("{missing=\"\"}")) << "a missing label matches the empty string";
  EXPECT_TRUE(matches("process_cpu:cpu:nanoseconds:cpu:nanoseconds{env='prod'}"));
  Result<Selector> s = ParseSelector("x{env=~\"a\\\"b\"}");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->prefix, "x");
  EXPECT_EQ(s->matchers[0].value, "a\"b");
  for (const char* bad : {"{", "{env}", "{env=prod}", "{env=\"x\" junk}", "{env=~\"(\"}",
                          "{=\"x\"}", "{env=\"x\"} tail", "{env=\"unterminated}"}) {
    EXPECT_FALSE(ParseSelector(bad).ok()) << bad;
  }
  EXPECT_TRUE(ParseProfileTypeId(kCpu).ok());
  EXPECT_FALSE(ParseProfileTypeId("a:b:c").ok());
  EXPECT_FALSE(ParseProfileTypeId(":b:c:d:e").ok());
}

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/pyrolens-store-test-XXXXXX";
    dir_ = mkdtemp(tmpl);
    Result<Profile> p = ReadProfile(ReadCorpusFile("pyroscope/ingest/cpu.pb.gz"));
    ASSERT_TRUE(p.ok());
    profile_ = std::move(*p);
  }
  void TearDown() override {
    store_.reset();
    std::string cmd = "rm -rf '" + dir_ + "'";
    ASSERT_EQ(system(cmd.c_str()), 0);
  }
  void Open(StoreOptions o) {
    store_.reset();
    o.clock = &clock_;
    o.compaction_interval_ns = 0;
    o.sync_full = false;
    Result<std::unique_ptr<Store>> s = Store::Open(dir_, o);
    ASSERT_TRUE(s.ok()) << s.status().message();
    store_ = std::move(s.value());
  }
  // `n` profiles of service `svc`, 10 s apart from `start`.
  void Push(const std::string& svc, int64_t start, int n) {
    std::vector<ProfileRecord> all;
    for (int i = 0; i < n; ++i) {
      Result<std::vector<ProfileRecord>> r =
          BuildRecords("anonymous", profile_, {{"service_name", svc}}, nullptr, "cpu",
                       start + i * 10 * kNanosPerSecond, 10 * kNanosPerSecond, 1185, 0);
      ASSERT_TRUE(r.ok()) << r.status().message();
      for (auto& rec : *r) all.push_back(std::move(rec));
    }
    ASSERT_TRUE(store_->Append(std::move(all)).ok());
  }
  int64_t Total(const std::string& svc, int64_t start = INT64_MIN, int64_t end = INT64_MAX) {
    SelectQuery q{"anonymous", kCpu, "{service_name=\"" + svc + "\"}", start, end};
    Result<Profile> p = MergeSelected(*store_, q);
    EXPECT_TRUE(p.ok()) << p.status().message();
    return p.ok() ? p->Total(0) : -1;
  }

  std::string dir_;
  Profile profile_;
  ManualClock clock_{400 * kNanosPerDay};
  std::unique_ptr<Store> store_;
};

TEST_F(StoreTest, DownsamplesThroughEveryTierKeepingTotals) {
  Open({});
  int64_t t0 = clock_.NowNanos() - 2 * kNanosPerDay;  // two days old: the 1-minute tier
  t0 -= t0 % kNanosPerHour;
  Push("api", t0, 360);  // one hour of 10-second profiles
  Push("fresh", clock_.NowNanos() - kNanosPerHour, 6);
  EXPECT_EQ(store_->Stats().profiles, 366);
  const int64_t one = 470000000;
  EXPECT_EQ(Total("api"), 360 * one);

  Result<CompactionStats> c = store_->Compact();
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->merged_in, 360);
  EXPECT_EQ(c->merged_out, 60);  // one per minute
  EXPECT_EQ(store_->Stats().profiles, 66) << "recent profiles stay raw";
  EXPECT_EQ(Total("api"), 360 * one);
  EXPECT_EQ(Total("api", t0, t0 + 5 * kNanosPerMinute), 30 * one);
  // A range that starts inside a minute bucket includes the whole bucket.
  EXPECT_EQ(Total("api", t0 + 30 * kNanosPerSecond, t0 + 5 * kNanosPerMinute), 30 * one);
  EXPECT_EQ(Total("fresh"), 6 * one);

  // A second pass has nothing to do.
  c = store_->Compact();
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->merged_in, 0);

  // A week later the minutes become one hour; a month later one day.
  clock_.Advance(7 * kNanosPerDay);
  c = store_->Compact();
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(store_->Stats().profiles, 2);  // api: 1 hour; fresh: 6 merged into 1 minute... or hour
  EXPECT_EQ(Total("api"), 360 * one);
  EXPECT_EQ(Total("fresh"), 6 * one);
  clock_.Advance(30 * kNanosPerDay);
  c = store_->Compact();
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(Total("api"), 360 * one);
  EXPECT_EQ(Total("fresh"), 6 * one);

  // SelectSeries still reads the aggregate's total.
  SelectQuery q{"anonymous", kCpu, "{service_name=\"api\"}", INT64_MIN, INT64_MAX};
  Result<std::vector<SeriesResult>> series = SelectSeries(*store_, q, 86400, {}, false);
  ASSERT_TRUE(series.ok());
  ASSERT_EQ(series->size(), 1u);
  double sum = 0;
  for (const auto& p : (*series)[0].points) sum += p.value;
  EXPECT_DOUBLE_EQ(sum, 360.0 * one);
}

TEST_F(StoreTest, LateArrivalsMergeIntoExistingAggregates) {
  Open({});
  int64_t t0 = clock_.NowNanos() - 2 * kNanosPerDay;
  t0 -= t0 % kNanosPerMinute;
  Push("api", t0, 6);
  ASSERT_TRUE(store_->Compact().ok());
  EXPECT_EQ(store_->Stats().profiles, 1);
  Push("api", t0 + 5 * kNanosPerSecond, 1);  // late, same minute
  ASSERT_TRUE(store_->Compact().ok());
  EXPECT_EQ(store_->Stats().profiles, 1);
  EXPECT_EQ(Total("api"), 7 * 470000000LL);
}

TEST_F(StoreTest, RetentionDropsOldData) {
  StoreOptions o;
  o.retention_ns = 30 * kNanosPerDay;
  o.tiers = {};  // retention only
  Open(o);
  Push("old", clock_.NowNanos() - 40 * kNanosPerDay, 3);
  Push("new", clock_.NowNanos() - kNanosPerDay, 3);
  Result<CompactionStats> c = store_->Compact();
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->expired, 3);
  EXPECT_EQ(Total("old"), 0);
  EXPECT_EQ(Total("new"), 3 * 470000000LL);
  // Nothing of "old" is listed any more.
  std::vector<SeriesMatch> left =
      store_->Match("anonymous", Selector(), kCpu, INT64_MIN, INT64_MAX);
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(*FindLabel(left[0].labels, "service_name"), "new");
  clock_.Advance(31 * kNanosPerDay);
  ASSERT_TRUE(store_->Compact().ok());
  EXPECT_EQ(store_->Stats().profiles, 0);
}

TEST_F(StoreTest, ReopensWithSeriesAndData) {
  Open({});
  Push("api", clock_.NowNanos(), 4);
  Open({});
  EXPECT_EQ(Total("api"), 4 * 470000000LL);
  StoreStats st = store_->Stats();
  EXPECT_EQ(st.series, 1);
  EXPECT_EQ(st.profiles, 4);
  EXPECT_GT(st.blob_bytes, 0);
  printf("storage: %lld bytes per profile stored (zstd, normalised) vs %lld bytes pushed\n",
         static_cast<long long>(st.blob_bytes / st.profiles),
         static_cast<long long>(st.raw_bytes / st.profiles));
}

// The flame-graph path (stacks blobs) must give exactly the graph of a pprof merge.
TEST(StacksTest, StackMergeEqualsPprofMergeFlameGraph) {
  const char* files[] = {
      "pyroscope/ingest/heap.pb.gz",          "parca/many/1644509272337470000.pb.gz",
      "parca/many/1644509275338070000.pb.gz", "pyroscope/ingest/cpu.pb.gz",
      "pyroscope/ingest/cpu-js.pb.gz",        "datakit/cpu.pprof",
      "dd-trace-go/pprof.lines.pb.gz",        "parca/fgprof.pb.gz"};
  std::vector<std::vector<Profile>> groups(1);
  for (const char* f : files) {
    Result<Profile> p = ReadProfile(ReadCorpusFile(f));
    ASSERT_TRUE(p.ok()) << f << ": " << p.status().message();
    // Group profiles with identical sample types (what one series holds).
    auto types = [](const Profile& x) {
      std::string t;
      for (const ValueType& v : x.sample_types) t += x.str(v.type) + "/" + x.str(v.unit) + ",";
      return t;
    };
    bool placed = false;
    for (auto& g : groups) {
      if (g.empty() || types(g[0]) == types(*p)) {
        g.push_back(std::move(*p));
        placed = true;
        break;
      }
    }
    if (!placed) groups.push_back({std::move(*p)});
  }
  for (const auto& g : groups) {
    for (size_t col = 0; col < g[0].num_types(); ++col) {
      StackMerger merger;
      std::vector<const Profile*> ptrs;
      for (const Profile& p : g) {
        ASSERT_TRUE(merger.Add(EncodeStacks(p), col).ok());
        ptrs.push_back(&p);
      }
      Result<Profile> merged = Merge(ptrs);
      ASSERT_TRUE(merged.ok());
      CallTreeOptions o;
      o.sample_type = col;
      Result<CallTree> want = BuildCallTree(*merged, o);
      Result<CallTree> got = BuildCallTree(merger.Finish("t", "u"));
      ASSERT_TRUE(want.ok() && got.ok());
      FlameGraph fw = BuildFlameGraph(*want, 0), fg = BuildFlameGraph(*got, 0);
      EXPECT_EQ(fg.total, fw.total) << g[0].str(g[0].sample_types[col].type);
      EXPECT_EQ(fg.names, fw.names);
      EXPECT_EQ(fg.levels, fw.levels);
    }
  }
  StackMerger m;
  EXPECT_FALSE(m.Add("junk", 0).ok());
  Result<Profile> p = ReadProfile(ReadCorpusFile("pyroscope/ingest/cpu.pb.gz"));
  std::string blob = EncodeStacks(*p);
  EXPECT_FALSE(m.Add(blob, 7).ok()) << "column out of range";
  EXPECT_FALSE(m.Add(blob.substr(0, blob.size() - 3), 0).ok());
}

TEST_F(StoreTest, BadBlobIsCorruption) {
  EXPECT_FALSE(DecodeProfile("not zstd").ok());
  EXPECT_FALSE(DecodeProfile("").ok());
  std::string blob = EncodeProfile(profile_);
  EXPECT_TRUE(DecodeProfile(blob).ok());
  EXPECT_FALSE(DecodeProfile(blob.substr(0, blob.size() / 2)).ok());
}

}  // namespace
}  // namespace pyrolens::testing
