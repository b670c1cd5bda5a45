#include "server/query.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "pyrolens/merge.h"
#include "server/ingest.h"

namespace pyrolens {

Result<Selector> PrepareQuery(const SelectQuery& q) {
  ASSIGN_OR_RETURN(ProfileTypeId id, ParseProfileTypeId(q.profile_type));
  (void)id;
  ASSIGN_OR_RETURN(Selector sel, ParseSelector(q.label_selector));
  if (q.end_ns < q.start_ns) return Status::InvalidArgument("query: end is before start");
  return sel;
}

Result<Profile> MergeSelected(const Store& store, const SelectQuery& q, size_t* num_profiles) {
  ASSIGN_OR_RETURN(Selector sel, PrepareQuery(q));
  std::vector<SeriesMatch> matches =
      store.Match(q.tenant, sel, q.profile_type, q.start_ns, q.end_ns);
  std::map<uint32_t, std::vector<int64_t>> by_column;
  for (const SeriesMatch& m : matches) by_column[m.column].push_back(m.series_id);
  std::vector<Profile> profiles;
  for (const auto& [column, ids] : by_column) {
    RETURN_IF_ERROR(store.Scan(ids, q.start_ns, q.end_ns, true, [&](const StoredProfile& sp) {
      ASSIGN_OR_RETURN(Profile p, DecodeProfile(sp.blob));
      if (column >= p.num_types()) return Status::Corruption("store: column out of range");
      if (p.num_types() == 1) {
        profiles.push_back(std::move(p));
      } else {
        profiles.push_back(KeepColumns(p, {column}));
      }
      return Status();
    }));
  }
  if (num_profiles) *num_profiles = profiles.size();
  if (profiles.empty()) {
    ProfileTypeId id = ParseProfileTypeId(q.profile_type).value();
    Profile empty;
    empty.sample_types.push_back(
        {empty.strings.Intern(id.sample_type), empty.strings.Intern(id.sample_unit)});
    empty.period_type = {empty.strings.Intern(id.period_type),
                         empty.strings.Intern(id.period_unit)};
    return empty;
  }
  if (profiles.size() == 1) return std::move(profiles[0]);
  std::vector<const Profile*> ptrs;
  ptrs.reserve(profiles.size());
  for (const Profile& p : profiles) ptrs.push_back(&p);
  return Merge(ptrs);
}

Result<Profile> MergeStacks(const Store& store, const SelectQuery& q, size_t* num_profiles) {
  ASSIGN_OR_RETURN(Selector sel, PrepareQuery(q));
  ProfileTypeId id = ParseProfileTypeId(q.profile_type).value();
  std::vector<SeriesMatch> matches =
      store.Match(q.tenant, sel, q.profile_type, q.start_ns, q.end_ns);
  std::map<uint32_t, std::vector<int64_t>> by_column;
  for (const SeriesMatch& m : matches) by_column[m.column].push_back(m.series_id);
  StackMerger merger;
  size_t n = 0;
  for (const auto& [column, ids] : by_column) {
    uint32_t c = column;
    RETURN_IF_ERROR(store.ScanStacks(ids, q.start_ns, q.end_ns, [&](const StoredProfile& sp) {
      ++n;
      return merger.Add(sp.stacks, c);
    }));
  }
  if (num_profiles) *num_profiles = n;
  Profile out = merger.Finish(id.sample_type, id.sample_unit);
  out.period_type = {out.strings.Intern(id.period_type), out.strings.Intern(id.period_unit)};
  return out;
}

Result<std::vector<SeriesResult>> SelectSeries(const Store& store, const SelectQuery& q,
                                               double step_seconds,
                                               const std::vector<std::string>& group_by,
                                               bool average) {
  ASSIGN_OR_RETURN(Selector sel, PrepareQuery(q));
  if (!(step_seconds > 0) || !std::isfinite(step_seconds)) {
    double span = q.end_ns == INT64_MAX ? 3600e9 : static_cast<double>(q.end_ns - q.start_ns);
    step_seconds = std::max(1.0, span / 1e9 / 100);
  }
  int64_t step_ns = static_cast<int64_t>(step_seconds * 1e9);
  if (step_ns <= 0) step_ns = 1;
  std::vector<SeriesMatch> matches =
      store.Match(q.tenant, sel, q.profile_type, q.start_ns, q.end_ns);
  // group key -> (bucket -> (sum, count))
  std::map<LabelSet, std::map<int64_t, std::pair<double, int64_t>>> groups;
  for (const SeriesMatch& m : matches) {
    LabelSet key;
    if (group_by.empty()) {
      for (const auto& kv : m.labels) key.push_back(kv);
    } else {
      for (const std::string& g : group_by) {
        const std::string* v = FindLabel(m.labels, g);
        key.emplace_back(g, v ? *v : "");
      }
      NormalizeLabels(&key);
    }
    auto& buckets = groups[key];
    RETURN_IF_ERROR(
        store.Scan({m.series_id}, q.start_ns, q.end_ns, false, [&](const StoredProfile& sp) {
          // Steps start at `start` (at 0 when unbounded).
          int64_t origin = q.start_ns == INT64_MIN ? 0 : q.start_ns;
          int64_t rel = sp.time_ns - origin;
          int64_t b = rel / step_ns * step_ns;
          if (rel < 0 && b != rel) b -= step_ns;
          b += origin;
          auto& cell = buckets[b];
          if (m.column < sp.totals.size()) {
            cell.first += static_cast<double>(sp.totals[m.column]);
          }
          cell.second += 1;
          return Status();
        }));
  }
  std::vector<SeriesResult> out;
  for (auto& [key, buckets] : groups) {
    SeriesResult r;
    r.labels = key;
    for (auto& [b, cell] : buckets) {
      double v = average && cell.second ? cell.first / cell.second : cell.first;
      r.points.push_back({b / 1000000, v});
    }
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace pyrolens
