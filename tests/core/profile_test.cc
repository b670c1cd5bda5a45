// The profile model's interners.
#include "pyrolens/profile.h"

#include <gtest/gtest.h>

#include <vector>

namespace pyrolens {
namespace {

TEST(LabelInternerTest, EqualLabelsShareOneIdAndEveryFieldTells) {
  Profile p;
  LabelInterner labels(&p);
  const StringId k = p.strings.Add("k"), v = p.strings.Add("v"), u = p.strings.Add("bytes");
  const Label base{k, v, 0, 0};
  const uint32_t id = labels.Intern(base);
  EXPECT_EQ(labels.Intern(base), id);
  const std::vector<Label> others = {{v, v, 0, 0}, {k, k, 0, 0}, {k, 0, 0, 0}, {k, 0, 1, 0},
                                     {k, 0, -1, 0}, {k, 0, 1, u}, {k, 0, 0, u}};
  std::vector<uint32_t> ids;
  for (const Label& l : others) ids.push_back(labels.Intern(l));
  ASSERT_EQ(p.label_table.size(), others.size() + 1);
  for (size_t i = 0; i < others.size(); ++i) {
    EXPECT_EQ(p.label_table[ids[i]], others[i]);
    EXPECT_EQ(labels.Intern(others[i]), ids[i]);
  }
  labels.Add(others[3]);
  labels.Add(base);
  EXPECT_EQ(p.sample_labels, (std::vector<uint32_t>{ids[3], id}));
  EXPECT_EQ(p.label_table.size(), others.size() + 1);
}

// Ids stay put as the table grows past its first buckets, and an interner made over a
// profile that already has labels finds them.
TEST(LabelInternerTest, KeepsIdsAcrossGrowthAndResumesOverATable) {
  Profile p;
  std::vector<uint32_t> ids;
  {
    LabelInterner labels(&p);
    for (int64_t n = 0; n < 5000; ++n) ids.push_back(labels.Intern({1, 0, n, 0}));
  }
  ASSERT_EQ(p.label_table.size(), 5000u);
  LabelInterner again(&p);
  for (int64_t n = 0; n < 5000; ++n) {
    ASSERT_EQ(again.Intern({1, 0, n, 0}), ids[n]);
    EXPECT_EQ(p.label_table[ids[n]].num, n);
  }
  EXPECT_EQ(again.Intern({1, 0, 5000, 0}), 5000u);
}

}  // namespace
}  // namespace pyrolens
