// Turning what Pyroscope clients push into store records.
//
// Two entry points share the conversion: the legacy `/ingest` endpoint (query
// parameters + a raw or multipart body) and the Connect `push.v1.PusherService/Push`.
// A profile with several sample types is split into one record per profile-type name
// (`process_cpu`, `memory`, `mutex`, ...) as Pyroscope does, each keeping its columns.
#ifndef PYROLENS_NATIVE_SERVER_INGEST_H_
#define PYROLENS_NATIVE_SERVER_INGEST_H_

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "pyrolens/profile.h"
#include "pyrolens/status.h"
#include "store/store.h"

namespace pyrolens {

// Limits applied to every push; exceeding one is a ResourceExhausted (HTTP 413).
struct IngestLimits {
  size_t max_request_bytes = 32 << 20;        // body as received
  size_t max_decompressed_bytes = 256 << 20;  // body or profile after gzip/zstd
};

// Per-sample-type settings of the Go SDK's multipart `sample_type_config` part.
struct SampleTypeSetting {
  std::string units, aggregation, display_name;
  bool sampled = false, cumulative = false;
};
using SampleTypeConfig = std::map<std::string, SampleTypeSetting>;

// InvalidArgument when `json` is not an object of objects.
Result<SampleTypeConfig> ParseSampleTypeConfig(std::string_view json);

// `/ingest` query parameters.
struct IngestParams {
  std::string app_name;  // name before '{', e.g. "myapp.cpu"
  LabelSet labels;       // from `{k=v,...}` in name
  int64_t from_ns = 0;   // 0 when absent
  int64_t until_ns = 0;
  int64_t sample_rate = 0;  // Hz; 0 when absent
  std::string spy_name, units, aggregation, format;
};

// Parses the query parameters (first value of each). InvalidArgument names the field:
// `ingest: parameter "from": not an integer ("abc")`.
Result<IngestParams> ParseIngestParams(const std::multimap<std::string, std::string>& params);

// A Unix time in s, ms, µs or ns (chosen by magnitude) as nanoseconds.
int64_t TimeToNanos(int64_t t);

// The service name of a legacy app name: "myapp.cpu" -> "myapp" (known suffixes only).
std::string ServiceNameOf(const std::string& app_name);

// Splits `profile` into records of `tenant`. `labels` are the series labels
// (service_name set by the caller; `__name__` when the client gave one, which then
// names every column). `st` may be null. `name_hint` is the legacy app name suffix used
// to tell mutex from block. Columns whose sample type `st` does not list are dropped
// when `st` is given. Time: the profile's own time when `time_ns` is 0, else now.
// `plain_pprof`, when not empty, is `profile` as an uncompressed pprof: stored as is (no
// re-encoding) when a record keeps every column.
Result<std::vector<ProfileRecord>> BuildRecords(const std::string& tenant, const Profile& profile,
                                                const LabelSet& labels, const SampleTypeConfig* st,
                                                const std::string& name_hint, int64_t time_ns,
                                                int64_t duration_ns, uint64_t raw_size,
                                                int64_t now_ns, std::string_view plain_pprof = {});

// For text formats (folded/lines/groups): gives the columns Pyroscope's units mean
// (samples -> cpu nanoseconds at sample_rate, objects/bytes -> memory, ...).
void ApplyLegacyUnits(const IngestParams& params, Profile* profile);

// A copy of `profile` with only the value columns `cols` (in that order).
Profile KeepColumns(const Profile& profile, const std::vector<size_t>& cols);

// What the Java agent's `labels` part (a LabelsSnapshot, jfr_labels.proto; raw, gzip or
// zstd) does to the JFR `profile` pushed with it, as Pyroscope does: samples are grouped
// by their context id (the numeric label kJfrContextLabel, jfr.h) and each group becomes
// a series of its own, `labels` plus the context's labels. Samples without a context, or
// with one the snapshot lacks, stay in `labels`. The context label itself is dropped.
// InvalidArgument naming the part when `snapshot` does not parse.
Result<std::vector<std::pair<LabelSet, Profile>>> SplitByJfrContext(Profile profile,
                                                                    const LabelSet& labels,
                                                                    std::string_view snapshot,
                                                                    size_t max_decompressed);

}  // namespace pyrolens

#endif  // PYROLENS_NATIVE_SERVER_INGEST_H_
