// Query execution over the store: selecting series, merging their profiles and
// building time series. Shared by the Connect querier and the legacy render API.
#ifndef PYROLENS_NATIVE_SERVER_QUERY_H_
#define PYROLENS_NATIVE_SERVER_QUERY_H_

#include <string>
#include <vector>

#include "pyrolens/profile.h"
#include "pyrolens/status.h"
#include "store/store.h"

namespace pyrolens {

struct SelectQuery {
  std::string tenant;
  std::string profile_type;    // a profile type id; required
  std::string label_selector;  // `{...}`; "" matches everything
  int64_t start_ns = 0;
  int64_t end_ns = INT64_MAX;
};

// Parses both strings; InvalidArgument names the bad one.
Result<Selector> PrepareQuery(const SelectQuery& q);

// The merge of every matching profile, reduced to the query's one value column. With no
// data, an empty profile of that sample type. `*num_profiles` (optional) gets the count.
Result<Profile> MergeSelected(const Store& store, const SelectQuery& q,
                              size_t* num_profiles = nullptr);

// As MergeSelected, for flame graphs: merges the stored stacks blobs (frames by function
// name), never decoding a pprof. The result's locations are frame names.
Result<Profile> MergeStacks(const Store& store, const SelectQuery& q,
                            size_t* num_profiles = nullptr);

struct SeriesPoint {
  int64_t timestamp_ms = 0;
  double value = 0;
};
struct SeriesResult {
  LabelSet labels;  // the group_by labels (all series labels when group_by is empty)
  std::vector<SeriesPoint> points;
};

// Totals of the query's column per step (seconds; <= 0 picks about 100 points), per group
// of `group_by` label values; `average` averages the profiles in a step instead of
// summing them. Read from stored totals, no profile is decoded.
Result<std::vector<SeriesResult>> SelectSeries(const Store& store, const SelectQuery& q,
                                               double step_seconds,
                                               const std::vector<std::string>& group_by,
                                               bool average);

}  // namespace pyrolens

#endif  // PYROLENS_NATIVE_SERVER_QUERY_H_
