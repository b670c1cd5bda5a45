// Values by unit: scaling and formatting with the semantics of Google pprof's
// measurement package (internal/measurement/measurement.go), plus a "pretty" form for
// the UI.
//
// pprof recognises three families of units by name, case-insensitively and with a
// trailing "s" dropped when the name is longer than two bytes:
//   time    ns/nanosecond, us/microsecond, ms/millisecond, s/sec/second, hr/hour
//           (labels ns, us, ms, s, hrs);
//   memory  b/byte, kb/kbyte/kilobyte, mb, gb, tb, pb (labels B, kB, MB, GB, TB, PB;
//           steps of 1024 despite the decimal-looking labels);
//   GCU     nanogcu ... petagcu (labels n*GCU ... P*GCU; steps of 1000).
// Any other unit ("count", "objects", ...) is a plain number.
#ifndef PYROLENS_CORE_INCLUDE_PYROLENS_UNITS_H_
#define PYROLENS_CORE_INCLUDE_PYROLENS_UNITS_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace pyrolens {

enum class UnitKind { kOther, kTime, kMemory, kGcu };

// The family `unit` belongs to (kOther for counts and unknown units).
UnitKind ClassifyUnit(std::string_view unit);

struct ScaledValue {
  double value = 0;
  std::string unit;  // canonical label ("ms", "MB"); "" when not worth printing
};

// pprof's measurement.Scale: converts `value` from `from_unit` to `to_unit`. `to_unit`
// "auto" or "minimum" picks the largest unit of the family in which the value is >= 1.
// A `to_unit` outside from_unit's family gives the family's default (s, B, GCU). For
// units of no family the value is unchanged and the label is `to_unit`, or "" for
// "count", "sample", "unit", "minimum" and "auto".
ScaledValue ScaleValue(int64_t value, std::string_view from_unit, std::string_view to_unit);

// pprof's measurement.ScaledLabel: ScaleValue printed with two decimals, ".00"
// dropped, and "0" for zero: "1.50s", "2MB", "37".
std::string ScaledLabel(int64_t value, std::string_view from_unit, std::string_view to_unit);

// pprof's measurement.Percentage: "  100%" near 100, "%5.2f%%" from 1, "%5.2g%%" below.
std::string Percentage(int64_t value, int64_t total);

// For people rather than for pprof compatibility: "1.25 s", "340 ms", "1.5 GiB" (IEC
// steps), "12.3k" / "4.56M" for counts, "7 objects" for other units.
std::string FormatPretty(int64_t value, std::string_view unit);

}  // namespace pyrolens

#endif  // PYROLENS_CORE_INCLUDE_PYROLENS_UNITS_H_
