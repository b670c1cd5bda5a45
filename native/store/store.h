// The embedded profile store: SQLite in WAL mode under one directory.
//
// A series is (tenant, label set, profile type id per value column); its labels carry
// `service_name` and `__name__`. Each stored profile is one row: the series, its start
// time, duration, resolution (0 = as pushed, else the downsampling bucket width), the
// per-column totals (so time series need no decoding) and the profile itself,
// normalised (re-encoded pprof, one series' columns) and zstd-compressed.
//
// Writes go through one writer thread that commits every queued request in one
// transaction (group commit) with synchronous=FULL, so Append returns only after the
// data is on disk: an acknowledged push survives kill -9 and power loss. Reads use their
// own connections and never wait for the writer. Compaction (retention and
// downsampling) reads in the background and swaps rows through the same writer.
#ifndef PYROLENS_NATIVE_STORE_STORE_H_
#define PYROLENS_NATIVE_STORE_STORE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "pyrolens/profile.h"
#include "pyrolens/status.h"
#include "store/clock.h"
#include "store/labels.h"

namespace pyrolens {

// Profiles older than `age` are merged into buckets of `resolution`.
struct DownsampleTier {
  int64_t age_ns = 0;
  int64_t resolution_ns = 0;
};

// raw -> 1 min after a day -> 1 h after a week -> 1 day after a month.
std::vector<DownsampleTier> DefaultTiers();

struct StoreOptions {
  int64_t retention_ns = 0;  // 0 keeps everything
  std::vector<DownsampleTier> tiers = DefaultTiers();
  const Clock* clock = nullptr;                           // nullptr: the system clock
  int64_t compaction_interval_ns = 60 * kNanosPerSecond;  // <= 0: no background compaction
  bool sync_full = true;  // fsync every commit (durable across power loss)
};

// One profile to store. `series_id` is set only by compaction (an existing series).
struct ProfileRecord {
  std::string tenant;
  LabelSet labels;                 // normalised; includes service_name and __name__
  std::vector<std::string> types;  // profile type id per value column
  int64_t time_ns = 0;
  int64_t duration_ns = 0;
  int64_t resolution_ns = 0;
  std::vector<int64_t> totals;  // per column
  std::string blob;             // EncodeProfile() output
  std::string stacks;           // EncodeStacks() output
  uint64_t raw_size = 0;        // bytes of the pprof as received (for storage figures)
  int64_t series_id = 0;
};

// A (series, column) pair whose labels matched a query; `labels` adds the virtual
// labels __profile_type__, __type__, __unit__, __period_type__, __period_unit__.
struct SeriesMatch {
  int64_t series_id = 0;
  uint32_t column = 0;
  std::string profile_type;
  LabelSet labels;
};

struct StoredProfile {
  int64_t id = 0;
  int64_t series_id = 0;
  int64_t time_ns = 0;
  int64_t duration_ns = 0;
  int64_t resolution_ns = 0;
  std::vector<int64_t> totals;
  std::string_view blob;    // valid during the callback only; empty unless requested
  std::string_view stacks;  // likewise, when requested
};

struct StoreStats {
  int64_t series = 0;
  int64_t profiles = 0;
  int64_t blob_bytes = 0;  // compressed profile bytes stored (pprof + stacks blobs)
  int64_t raw_bytes = 0;   // bytes of the profiles as pushed
  int64_t file_bytes = 0;  // database + WAL files on disk
};

struct CompactionStats {
  int64_t expired = 0;     // rows removed by retention
  int64_t merged_in = 0;   // rows replaced by aggregates
  int64_t merged_out = 0;  // aggregate rows written
};

// Normalised, compressed form of a profile: zstd(pprof without gzip).
std::string EncodeProfile(const Profile& profile);
// zstd of an uncompressed pprof that is already in its stored form (no re-encoding).
std::string CompressBlob(std::string_view plain);

// The flame-graph form of a profile, stored beside the pprof so merged flame graphs need
// no pprof decoding: its frame names (as call_tree.h names frames by function) and its
// unique name stacks (root first) with one value per column, varint-coded, zstd.
std::string EncodeStacks(const Profile& profile);

// Accumulates the stacks of many EncodeStacks blobs, one value column each, into a
// profile whose locations are frame names (one function, one line each): merging in the
// flame-graph sense, without pprof's location and mapping identity.
class StackMerger {
 public:
  StackMerger();
  // Adds column `column` of `blob`. Corruption on a bad blob or column.
  Status Add(std::string_view blob, uint32_t column);
  // The merged profile with sample type (type, unit); the merger is left empty.
  Profile Finish(const std::string& type, const std::string& unit);

 private:
  Profile profile_;
  std::unique_ptr<StackInterner> stacks_;
  std::vector<int64_t> weight_;     // per stack
  std::vector<uint32_t> name_loc_;  // string id -> location (kNone when absent)
  std::vector<uint32_t> local_;     // scratch: blob name index -> location
  std::vector<uint32_t> frames_;
};
// Errors: Corruption when the blob is not a zstd-compressed pprof.
Result<Profile> DecodeProfile(std::string_view blob);

class Store {
 public:
  // Opens (creating when absent) the store in `dir`. Errors name the path and SQLite's
  // message. Starts the writer and, when configured, the compaction thread.
  static Result<std::unique_ptr<Store>> Open(const std::string& dir, StoreOptions options);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // Stores every record or none, returning once committed. Thread-safe.
  Status Append(std::vector<ProfileRecord> records);

  // The (series, column) pairs of `tenant` whose labels match `selector`, restricted to
  // `profile_type` unless empty and to series with data in [start_ns, end_ns).
  std::vector<SeriesMatch> Match(const std::string& tenant, const Selector& selector,
                                 std::string_view profile_type, int64_t start_ns,
                                 int64_t end_ns) const;

  // Calls `fn` for each profile of `series_ids` whose time bucket [time_ns, time_ns +
  // resolution_ns) overlaps [start_ns, end_ns) (raw profiles: time_ns in it), by series
  // then time; `with_blob` loads the compressed profile too. Stops at the first error.
  Status Scan(const std::vector<int64_t>& series_ids, int64_t start_ns, int64_t end_ns,
              bool with_blob, const std::function<Status(const StoredProfile&)>& fn) const;
  // As Scan, loading the stacks blob (EncodeStacks) instead of the pprof.
  Status ScanStacks(const std::vector<int64_t>& series_ids, int64_t start_ns, int64_t end_ns,
                    const std::function<Status(const StoredProfile&)>& fn) const;

  // One retention + downsampling pass at the clock's "now" (the background thread
  // calls this every compaction_interval_ns).
  Result<CompactionStats> Compact();

  StoreStats Stats() const;
  const Clock& clock() const { return *clock_; }

 private:
  struct Impl;
  explicit Store(std::unique_ptr<Impl> impl);
  // which: 0 = metadata only, 1 = with the pprof blob, 2 = with the stacks blob.
  Status ScanColumn(const std::vector<int64_t>& series_ids, int64_t start_ns, int64_t end_ns,
                    int which, const std::function<Status(const StoredProfile&)>& fn) const;
  std::unique_ptr<Impl> impl_;
  const Clock* clock_;
};

}  // namespace pyrolens

#endif  // PYROLENS_NATIVE_STORE_STORE_H_
