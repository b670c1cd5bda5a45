// The synthetic profile generator: deterministic bytes, the shape its options ask for,
// and profiles that read back as they were made.
#include "bench/generator.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "pyrolens/pprof.h"
#include "pyrolens/reader.h"

namespace pyrolens::bench {
namespace {

GenOptions Small(uint64_t seed) {
  GenOptions o;
  o.samples = 5000;
  o.stacks = 800;
  o.functions = 600;
  o.max_depth = 40;
  o.label_cardinality = 50;
  o.seed = seed;
  return o;
}

TEST(GeneratorTest, SameSeedGivesIdenticalBytes) {
  for (SampleKind kind : {SampleKind::kCpu, SampleKind::kHeap}) {
    GenOptions o = Small(7);
    o.kind = kind;
    Result<Profile> a = Generate(o);
    Result<Profile> b = Generate(o);
    ASSERT_TRUE(a.ok()) << a.status().message();
    ASSERT_TRUE(b.ok()) << b.status().message();
    std::string bytes_a = WritePprof(*a), bytes_b = WritePprof(*b);
    EXPECT_EQ(bytes_a, bytes_b);
    o.seed = 8;
    Result<Profile> c = Generate(o);
    ASSERT_TRUE(c.ok()) << c.status().message();
    EXPECT_NE(WritePprof(*c), bytes_a) << "the seed must matter";
  }
}

TEST(GeneratorTest, HasTheRequestedShape) {
  GenOptions o = Small(3);
  Result<Profile> r = Generate(o);
  ASSERT_TRUE(r.ok()) << r.status().message();
  const Profile& p = *r;
  EXPECT_EQ(p.num_samples(), o.samples);
  EXPECT_EQ(p.num_stacks(), o.stacks);
  EXPECT_EQ(p.functions.size(), o.functions);
  ASSERT_EQ(p.num_types(), 2u);
  EXPECT_EQ(p.str(p.sample_types[1].type), "cpu");
  EXPECT_EQ(p.Total(1), p.Total(0) * p.period);
  ASSERT_EQ(p.mappings.size(), 1u);

  std::vector<bool> used(p.num_stacks(), false);
  for (uint32_t s : p.sample_stack) used[s] = true;
  EXPECT_TRUE(std::all_of(used.begin(), used.end(), [](bool b) { return b; }));
  size_t max_depth = 0, inlined = 0;
  std::set<uint32_t> roots;
  for (uint32_t s = 0; s < p.num_stacks(); ++s) {
    size_t depth = p.stack_end(s) - p.stack_begin(s);
    max_depth = std::max(max_depth, depth);
    roots.insert(p.stack_end(s)[-1]);
  }
  for (const Location& l : p.locations) inlined += l.num_lines > 1;
  EXPECT_LE(max_depth, o.max_depth);
  EXPECT_GT(max_depth, o.max_depth / 2);
  EXPECT_LE(roots.size(), 3u) << "stacks share their root frames";
  EXPECT_GT(inlined, 0u);

  std::set<std::string> span_ids, threads;
  for (size_t i = 0; i < p.num_samples(); ++i) {
    ASSERT_EQ(p.label_offsets[i + 1] - p.label_offsets[i], 2u);
    threads.insert(p.str(p.label(p.label_offsets[i]).str));
    span_ids.insert(p.str(p.label(p.label_offsets[i] + 1).str));
  }
  EXPECT_EQ(span_ids.size(), o.label_cardinality);
  EXPECT_LT(threads.size(), 20u);
}

TEST(GeneratorTest, ReadsBackAsGenerated) {
  GenOptions o = Small(11);
  o.kind = SampleKind::kHeap;
  Result<Profile> made = Generate(o);
  ASSERT_TRUE(made.ok()) << made.status().message();
  Result<Profile> read = ReadProfile(WritePprof(*made));
  ASSERT_TRUE(read.ok()) << read.status().message();
  EXPECT_EQ(read->num_samples(), made->num_samples());
  EXPECT_EQ(read->num_stacks(), made->num_stacks());
  EXPECT_EQ(read->locations.size(), made->locations.size());
  ASSERT_EQ(read->num_types(), 4u);
  for (size_t t = 0; t < 4; ++t) EXPECT_EQ(read->Total(t), made->Total(t)) << t;
  EXPECT_LE(read->Total(2), read->Total(0)) << "in use never exceeds allocated";
}

TEST(GeneratorTest, DifferentSeedsShareFunctionNames) {
  Result<Profile> a = Generate(Small(1));
  Result<Profile> b = Generate(Small(2));
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_EQ(a->functions.size(), b->functions.size());
  for (size_t f = 0; f < a->functions.size(); ++f) {
    ASSERT_EQ(a->str(a->functions[f].name), b->str(b->functions[f].name));
  }
  std::set<std::string> names;
  for (const Function& f : a->functions) names.insert(a->str(f.name));
  EXPECT_EQ(names.size(), a->functions.size()) << "function names are unique";
}

TEST(GeneratorTest, RefusesImpossibleOptions) {
  GenOptions o = Small(1);
  o.functions = 3;
  Result<Profile> r = Generate(o);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("functions"), std::string::npos);
  o = Small(1);
  o.max_depth = 2;
  o.stacks = 5000;
  r = Generate(o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("unique stacks"), std::string::npos) << r.status().message();
}

}  // namespace
}  // namespace pyrolens::bench
