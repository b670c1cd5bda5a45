// Unit tables and scaling rules follow pprof's internal/measurement/measurement.go.
#include "pyrolens/units.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace pyrolens {
namespace {

struct Unit {
  const char* label;
  const char* aliases[3];  // nullptr-terminated when shorter
  double factor;           // size in the family's base unit
};

struct Family {
  UnitKind kind;
  const Unit* units;
  size_t num_units;
  Unit default_unit;
};

const Unit kMemoryUnits[] = {{"B", {"b", "byte"}, 1},
                             {"kB", {"kb", "kbyte", "kilobyte"}, double(1ull << 10)},
                             {"MB", {"mb", "mbyte", "megabyte"}, double(1ull << 20)},
                             {"GB", {"gb", "gbyte", "gigabyte"}, double(1ull << 30)},
                             {"TB", {"tb", "tbyte", "terabyte"}, double(1ull << 40)},
                             {"PB", {"pb", "pbyte", "petabyte"}, double(1ull << 50)}};
const Unit kTimeUnits[] = {{"ns", {"ns", "nanosecond"}, 1},
                           {"us", {"\xce\xbcs", "us", "microsecond"}, 1e3},
                           {"ms", {"ms", "millisecond"}, 1e6},
                           {"s", {"s", "sec", "second"}, 1e9},
                           {"hrs", {"hour", "hr"}, 3600e9}};
const Unit kGcuUnits[] = {
    {"n*GCU", {"nanogcu"}, 1e-9}, {"u*GCU", {"microgcu"}, 1e-6}, {"m*GCU", {"milligcu"}, 1e-3},
    {"GCU", {"gcu"}, 1},          {"k*GCU", {"kilogcu"}, 1e3},   {"M*GCU", {"megagcu"}, 1e6},
    {"G*GCU", {"gigagcu"}, 1e9},  {"T*GCU", {"teragcu"}, 1e12},  {"P*GCU", {"petagcu"}, 1e15}};

const Family kMemory{UnitKind::kMemory, kMemoryUnits, 6, {"B", {"b", "byte"}, 1}};
const Family kTime{UnitKind::kTime, kTimeUnits, 5, {"s", {}, 1e9}};
const Family kGcu{UnitKind::kGcu, kGcuUnits, 9, {"GCU", {}, 1}};

// pprof's sniffUnit: lower-case, drop one trailing "s" from names over two bytes.
const Unit* Sniff(const Family& family, std::string_view name) {
  std::string s(name);
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  if (s.size() > 2 && s.back() == 's') s.pop_back();
  for (size_t i = 0; i < family.num_units; ++i) {
    for (const char* a : family.units[i].aliases) {
      if (a != nullptr && s == a) return &family.units[i];
    }
  }
  return nullptr;
}

// pprof's unitType.convertUnit; false when `from` is not in the family.
bool Convert(const Family& family, int64_t value, std::string_view from, std::string_view to,
             ScaledValue* out) {
  const Unit* from_unit = Sniff(family, from);
  if (from_unit == nullptr) return false;
  double v = static_cast<double>(value) * from_unit->factor;
  if (to == "minimum" || to == "auto") {
    double f = 0;
    const char* label = nullptr;
    for (size_t i = 0; i < family.num_units; ++i) {
      const Unit& u = family.units[i];
      if (u.factor >= f && v / u.factor >= 1.0) {
        f = u.factor;
        label = u.label;
      }
    }
    if (label != nullptr) {
      *out = {v / f, label};
    } else {
      *out = {v / family.default_unit.factor, family.default_unit.label};
    }
    return true;
  }
  const Unit* to_unit = Sniff(family, to);
  if (to_unit == nullptr) to_unit = &family.default_unit;
  *out = {v / to_unit->factor, to_unit->label};
  return true;
}

}  // namespace

UnitKind ClassifyUnit(std::string_view unit) {
  for (const Family* f : {&kMemory, &kTime, &kGcu}) {
    if (Sniff(*f, unit) != nullptr) return f->kind;
  }
  return UnitKind::kOther;
}

ScaledValue ScaleValue(int64_t value, std::string_view from_unit, std::string_view to_unit) {
  if (value < 0 && value != INT64_MIN) {  // INT64_MIN falls through, as in pprof
    ScaledValue r = ScaleValue(-value, from_unit, to_unit);
    r.value = -r.value;
    return r;
  }
  ScaledValue out;
  for (const Family* f : {&kMemory, &kTime, &kGcu}) {
    if (Convert(*f, value, from_unit, to_unit, &out)) return out;
  }
  out.value = static_cast<double>(value);
  if (to_unit != "count" && to_unit != "sample" && to_unit != "unit" && to_unit != "minimum" &&
      to_unit != "auto") {
    out.unit = std::string(to_unit);
  }
  return out;
}

std::string ScaledLabel(int64_t value, std::string_view from_unit, std::string_view to_unit) {
  ScaledValue s = ScaleValue(value, from_unit, to_unit);
  char buf[64];
  snprintf(buf, sizeof(buf), "%.2f", s.value);
  std::string v = buf;
  if (v.size() >= 3 && v.compare(v.size() - 3, 3, ".00") == 0) v.resize(v.size() - 3);
  if (v == "0" || v == "-0") return "0";
  return v + s.unit;
}

std::string Percentage(int64_t value, int64_t total) {
  double ratio = 0;
  if (total != 0) ratio = std::fabs(static_cast<double>(value) / static_cast<double>(total)) * 100;
  char buf[64];
  if (ratio >= 99.95 && ratio <= 100.05) return "  100%";
  if (ratio >= 1.0) {
    snprintf(buf, sizeof(buf), "%5.2f%%", ratio);
  } else {
    snprintf(buf, sizeof(buf), "%5.2g%%", ratio);
  }
  return buf;
}

std::string FormatPretty(int64_t value, std::string_view unit) {
  char buf[64];
  double v = static_cast<double>(value);
  double a = std::fabs(v);
  auto with = [&](double scaled, const char* label) {
    double s = std::fabs(scaled);
    const char* fmt = s >= 100 || s == std::floor(s) ? "%.0f %s" : s >= 10 ? "%.1f %s" : "%.2f %s";
    snprintf(buf, sizeof(buf), fmt, scaled, label);
    return std::string(buf);
  };
  switch (ClassifyUnit(unit)) {
    case UnitKind::kTime: {
      ScaledValue ns = ScaleValue(value, unit, "ns");
      double n = std::fabs(ns.value);
      if (n >= 3600e9) return with(ns.value / 3600e9, "h");
      if (n >= 60e9) return with(ns.value / 60e9, "min");
      if (n >= 1e9) return with(ns.value / 1e9, "s");
      if (n >= 1e6) return with(ns.value / 1e6, "ms");
      if (n >= 1e3) return with(ns.value / 1e3, "\xc2\xb5s");
      return with(ns.value, "ns");
    }
    case UnitKind::kMemory: {
      ScaledValue b = ScaleValue(value, unit, "b");
      static const char* kIec[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
      double x = b.value;
      int i = 0;
      while (std::fabs(x) >= 1024 && i < 6) {
        x /= 1024;
        ++i;
      }
      return with(x, kIec[i]);
    }
    case UnitKind::kGcu:
      return ScaledLabel(value, unit, "auto");
    case UnitKind::kOther:
      break;
  }
  std::string number;
  if (a < 10000) {
    snprintf(buf, sizeof(buf), "%lld", static_cast<long long>(value));
    number = buf;
  } else {
    static const char* kSi[] = {"k", "M", "G", "T", "P", "E"};
    double x = v / 1000;
    int i = 0;
    while (std::fabs(x) >= 1000 && i < 5) {
      x /= 1000;
      ++i;
    }
    double s = std::fabs(x);
    snprintf(buf, sizeof(buf), s >= 100 ? "%.0f%s" : s >= 10 ? "%.1f%s" : "%.2f%s", x, kSi[i]);
    number = buf;
  }
  bool plain = unit.empty() || unit == "count" || unit == "counts" || unit == "sample" ||
               unit == "samples" || unit == "unit";
  return plain ? number : number + " " + std::string(unit);
}

}  // namespace pyrolens
