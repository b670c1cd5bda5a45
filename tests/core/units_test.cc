#include "pyrolens/units.h"

#include <gtest/gtest.h>

#include <climits>

namespace pyrolens {
namespace {

TEST(UnitsTest, ClassifiesUnitsLikePprof) {
  EXPECT_EQ(ClassifyUnit("nanoseconds"), UnitKind::kTime);
  EXPECT_EQ(ClassifyUnit("NS"), UnitKind::kTime);
  EXPECT_EQ(ClassifyUnit("seconds"), UnitKind::kTime);
  EXPECT_EQ(ClassifyUnit("hours"), UnitKind::kTime);
  EXPECT_EQ(ClassifyUnit("bytes"), UnitKind::kMemory);
  EXPECT_EQ(ClassifyUnit("MB"), UnitKind::kMemory);
  EXPECT_EQ(ClassifyUnit("kilobytes"), UnitKind::kMemory);
  EXPECT_EQ(ClassifyUnit("milligcu"), UnitKind::kGcu);
  EXPECT_EQ(ClassifyUnit("count"), UnitKind::kOther);
  EXPECT_EQ(ClassifyUnit(""), UnitKind::kOther);
  // pprof drops the trailing "s" of the three-byte UTF-8 "μs", so it is not a time unit.
  EXPECT_EQ(ClassifyUnit("\xce\xbcs"), UnitKind::kOther);
}

TEST(UnitsTest, ScalesToTheLargestUnitAtLeastOne) {
  ScaledValue v = ScaleValue(1500000000, "nanoseconds", "minimum");
  EXPECT_DOUBLE_EQ(v.value, 1.5);
  EXPECT_EQ(v.unit, "s");
  v = ScaleValue(999, "nanoseconds", "auto");
  EXPECT_EQ(v.unit, "ns");
  v = ScaleValue(7200, "seconds", "auto");
  EXPECT_DOUBLE_EQ(v.value, 2);
  EXPECT_EQ(v.unit, "hrs");
  // Memory steps are 1024 with pprof's decimal-looking labels.
  v = ScaleValue(1536, "bytes", "auto");
  EXPECT_DOUBLE_EQ(v.value, 1.5);
  EXPECT_EQ(v.unit, "kB");
  v = ScaleValue(3 << 20, "bytes", "auto");
  EXPECT_EQ(v.unit, "MB");
  // Zero has no unit >= 1: the family default.
  EXPECT_EQ(ScaleValue(0, "nanoseconds", "auto").unit, "s");
  EXPECT_EQ(ScaleValue(0, "bytes", "auto").unit, "B");
  // Negative values scale by their magnitude.
  v = ScaleValue(-2048, "bytes", "minimum");
  EXPECT_DOUBLE_EQ(v.value, -2);
  EXPECT_EQ(v.unit, "kB");
}

TEST(UnitsTest, ExplicitAndForeignTargets) {
  ScaledValue v = ScaleValue(1500000, "nanoseconds", "ms");
  EXPECT_DOUBLE_EQ(v.value, 1.5);
  EXPECT_EQ(v.unit, "ms");
  // A target outside the family gives the family's default unit.
  v = ScaleValue(2000000000, "nanoseconds", "MB");
  EXPECT_DOUBLE_EQ(v.value, 2);
  EXPECT_EQ(v.unit, "s");
  v = ScaleValue(5, "bytes", "");
  EXPECT_EQ(v.unit, "B");
  // Units of no family keep the value and print the target unless it is a count.
  v = ScaleValue(42, "count", "minimum");
  EXPECT_DOUBLE_EQ(v.value, 42);
  EXPECT_EQ(v.unit, "");
  EXPECT_EQ(ScaleValue(42, "count", "ms").unit, "ms");
  EXPECT_EQ(ScaleValue(42, "objects", "objects").unit, "objects");
  EXPECT_EQ(ScaleValue(42, "", "").unit, "");
}

TEST(UnitsTest, ScaledLabels) {
  EXPECT_EQ(ScaledLabel(1500000000, "nanoseconds", "s"), "1.50s");
  EXPECT_EQ(ScaledLabel(2000000000, "nanoseconds", "s"), "2s");
  EXPECT_EQ(ScaledLabel(10000000, "nanoseconds", "s"), "0.01s");
  EXPECT_EQ(ScaledLabel(1000000, "nanoseconds", "s"), "0");  // rounds to 0.00
  EXPECT_EQ(ScaledLabel(-1000000, "nanoseconds", "s"), "0");
  EXPECT_EQ(ScaledLabel(37, "count", "count"), "37");
  EXPECT_EQ(ScaledLabel(37, "objects", "objects"), "37objects");
  EXPECT_EQ(ScaledLabel(60120000000, "nanoseconds", "auto"), "60.12s");
  EXPECT_EQ(ScaledLabel(1 << 20, "bytes", "MB"), "1MB");
  EXPECT_EQ(ScaledLabel(LLONG_MIN, "count", "count"), "-9223372036854775808");
}

TEST(UnitsTest, PercentagesKeepTwoDigits) {
  EXPECT_EQ(Percentage(1, 1), "  100%");
  EXPECT_EQ(Percentage(9996, 10000), "  100%");
  EXPECT_EQ(Percentage(3295, 10000), "32.95%");
  EXPECT_EQ(Percentage(5, 1000), "  0.5%");
  EXPECT_EQ(Percentage(1, 3000), "0.033%");
  EXPECT_EQ(Percentage(1, 10000000), "1e-05%");
  EXPECT_EQ(Percentage(0, 10), "    0%");
  EXPECT_EQ(Percentage(5, 0), "    0%");
  EXPECT_EQ(Percentage(-50, 100), "50.00%");
}

TEST(UnitsTest, PrettyForPeople) {
  EXPECT_EQ(FormatPretty(1250000000, "nanoseconds"), "1.25 s");
  EXPECT_EQ(FormatPretty(340000000, "nanoseconds"), "340 ms");
  EXPECT_EQ(FormatPretty(12500, "nanoseconds"), "12.5 \xc2\xb5s");
  EXPECT_EQ(FormatPretty(90, "seconds"), "1.50 min");
  EXPECT_EQ(FormatPretty(1610612736, "bytes"), "1.50 GiB");
  EXPECT_EQ(FormatPretty(512, "bytes"), "512 B");
  EXPECT_EQ(FormatPretty(1234, "count"), "1234");
  EXPECT_EQ(FormatPretty(12345, "count"), "12.3k");
  EXPECT_EQ(FormatPretty(4560000, ""), "4.56M");
  EXPECT_EQ(FormatPretty(7, "objects"), "7 objects");
  EXPECT_EQ(FormatPretty(-1536, "bytes"), "-1.50 KiB");
}

}  // namespace
}  // namespace pyrolens
