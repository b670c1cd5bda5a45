#include "store/store.h"

#include <sqlite3.h>
#include <sys/stat.h>
#include <zstd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <future>
#include <map>
#include <mutex>
#include <shared_mutex>
#include <thread>
#include <unordered_map>

#include "pyrolens/merge.h"
#include "pyrolens/pprof.h"

namespace pyrolens {

std::vector<DownsampleTier> DefaultTiers() {
  return {{kNanosPerDay, kNanosPerMinute},
          {7 * kNanosPerDay, kNanosPerHour},
          {30 * kNanosPerDay, kNanosPerDay}};
}

std::string EncodeProfile(const Profile& profile) {
  std::string plain = WritePprof(profile, /*gzip=*/false);
  std::string out(ZSTD_compressBound(plain.size()), '\0');
  size_t n = ZSTD_compress(out.data(), out.size(), plain.data(), plain.size(), 3);
  out.resize(ZSTD_isError(n) ? 0 : n);
  return out;
}

std::string CompressBlob(std::string_view plain) {
  std::string out(ZSTD_compressBound(plain.size()), '\0');
  size_t n = ZSTD_compress(out.data(), out.size(), plain.data(), plain.size(), 3);
  out.resize(ZSTD_isError(n) ? 0 : n);
  return out;
}

namespace {

void PutVarint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

bool GetVarint(const char** p, const char* end, uint64_t* v) {
  uint64_t result = 0;
  for (int shift = 0; shift < 64 && *p < end; shift += 7) {
    uint8_t b = static_cast<uint8_t>(*(*p)++);
    result |= static_cast<uint64_t>(b & 0x7f) << shift;
    if (!(b & 0x80)) {
      *v = result;
      return true;
    }
  }
  return false;
}

uint64_t ZigZag(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
int64_t UnZigZag(uint64_t v) { return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1); }

}  // namespace

std::string EncodeStacks(const Profile& p) {
  // Frame names as call_tree.h's FrameKey::kFunction gives them.
  StringTable names;
  std::vector<uint32_t> fn_name(p.functions.size(), kNone), loc_addr(p.locations.size(), kNone);
  uint32_t unknown = kNone;
  size_t nt = p.num_types();
  std::vector<int64_t> stack_values(p.num_stacks() * nt, 0);
  for (size_t i = 0; i < p.num_samples(); ++i) {
    int64_t* dst = stack_values.data() + p.sample_stack[i] * nt;
    const int64_t* src = p.sample_values(i);
    for (size_t t = 0; t < nt; ++t) dst[t] = WrapAdd(dst[t], src[t]);
  }
  std::unordered_map<std::string, uint32_t> index;  // name-stack key -> unique stack
  std::vector<std::string> keys;
  std::vector<int64_t> values;
  std::string key;
  for (uint32_t s = 0; s < p.num_stacks(); ++s) {
    const int64_t* v = stack_values.data() + s * nt;
    bool any = false;
    for (size_t t = 0; t < nt; ++t) any |= v[t] != 0;
    if (!any) continue;
    key.clear();
    for (const uint32_t* l = p.stack_end(s); l != p.stack_begin(s);) {  // root first
      uint32_t loc = *--l;
      const Location& location = p.locations[loc];
      if (location.num_lines == 0) {
        uint32_t& id = loc_addr[loc];
        if (id == kNone) {
          id = names.Intern(Format("0x%llx", static_cast<unsigned long long>(location.address)));
        }
        PutVarint(&key, id);
        continue;
      }
      for (uint32_t j = location.first_line + location.num_lines; j-- > location.first_line;) {
        uint32_t f = p.lines[j].function;
        uint32_t id;
        if (f == kNone) {
          if (unknown == kNone) unknown = names.Intern("<unknown>");
          id = unknown;
        } else {
          if (fn_name[f] == kNone) fn_name[f] = names.Intern(p.str(p.functions[f].name));
          id = fn_name[f];
        }
        PutVarint(&key, id);
      }
    }
    auto [it, added] = index.emplace(key, static_cast<uint32_t>(keys.size()));
    if (added) {
      keys.push_back(key);
      values.insert(values.end(), v, v + nt);
    } else {
      for (size_t t = 0; t < nt; ++t) {
        values[it->second * nt + t] = WrapAdd(values[it->second * nt + t], v[t]);
      }
    }
  }
  std::string out;
  PutVarint(&out, nt);
  PutVarint(&out, names.size());
  for (uint32_t i = 0; i < names.size(); ++i) {
    PutVarint(&out, names[i].size());
    out += names[i];
  }
  PutVarint(&out, keys.size());
  for (size_t k = 0; k < keys.size(); ++k) {
    PutVarint(&out, keys[k].size());  // bytes of the varint frame ids
    out += keys[k];
    for (size_t t = 0; t < nt; ++t) PutVarint(&out, ZigZag(values[k * nt + t]));
  }
  std::string z(ZSTD_compressBound(out.size()), '\0');
  size_t n = ZSTD_compress(z.data(), z.size(), out.data(), out.size(), 1);
  z.resize(ZSTD_isError(n) ? 0 : n);
  return z;
}

StackMerger::StackMerger() : stacks_(std::make_unique<StackInterner>(&profile_)) {}

Status StackMerger::Add(std::string_view blob, uint32_t column) {
  unsigned long long size = ZSTD_getFrameContentSize(blob.data(), blob.size());
  if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN || size > (1ull << 31)) {
    return Status::Corruption("store: stacks blob is not a sized zstd frame");
  }
  std::string plain(size, '\0');
  size_t got = ZSTD_decompress(plain.data(), plain.size(), blob.data(), blob.size());
  if (ZSTD_isError(got) || got != size) return Status::Corruption("store: stacks blob: bad zstd");
  const char* p = plain.data();
  const char* end = p + plain.size();
  auto bad = [] { return Status::Corruption("store: stacks blob is truncated"); };
  uint64_t nt, nn;
  if (!GetVarint(&p, end, &nt) || !GetVarint(&p, end, &nn)) return bad();
  if (column >= nt) return Status::Corruption("store: stacks blob: column out of range");
  if (nn > static_cast<uint64_t>(end - p)) return bad();
  local_.resize(nn);
  for (uint64_t i = 0; i < nn; ++i) {
    uint64_t len;
    if (!GetVarint(&p, end, &len) || len > static_cast<uint64_t>(end - p)) return bad();
    std::string_view name(p, len);
    p += len;
    uint32_t sid = profile_.strings.Intern(name);
    // One function, line and location per distinct name; location index == its order.
    if (sid >= name_loc_.size()) name_loc_.resize(sid + 1, kNone);
    if (name_loc_[sid] == kNone) {
      name_loc_[sid] = static_cast<uint32_t>(profile_.locations.size());
      Function f;
      f.name = sid;
      f.system_name = sid;
      profile_.AddFunctionLocation(f);
    }
    local_[i] = name_loc_[sid];
  }
  uint64_t ns;
  if (!GetVarint(&p, end, &ns)) return bad();
  for (uint64_t k = 0; k < ns; ++k) {
    uint64_t len;
    if (!GetVarint(&p, end, &len) || len > static_cast<uint64_t>(end - p)) return bad();
    const char* kp = p;
    const char* kend = p + len;
    p = kend;
    frames_.clear();
    while (kp < kend) {
      uint64_t id;
      if (!GetVarint(&kp, kend, &id) || id >= nn) return bad();
      frames_.push_back(local_[id]);
    }
    std::reverse(frames_.begin(), frames_.end());  // pprof stacks are leaf first
    int64_t value = 0;
    for (uint64_t t = 0; t < nt; ++t) {
      uint64_t v;
      if (!GetVarint(&p, end, &v)) return bad();
      if (t == column) value = UnZigZag(v);
    }
    uint32_t s = stacks_->Intern(frames_.data(), frames_.size());
    if (s >= weight_.size()) weight_.resize(s + 1, 0);
    weight_[s] = WrapAdd(weight_[s], value);
  }
  return Status();
}

Profile StackMerger::Finish(const std::string& type, const std::string& unit) {
  Profile out = std::move(profile_);
  out.sample_types.push_back({out.strings.Intern(type), out.strings.Intern(unit)});
  for (uint32_t s = 0; s < weight_.size(); ++s) {
    if (weight_[s] == 0) continue;
    out.sample_stack.push_back(s);
    out.values.push_back(weight_[s]);
    out.label_offsets.push_back(static_cast<uint32_t>(out.sample_labels.size()));
  }
  profile_ = Profile();
  stacks_ = std::make_unique<StackInterner>(&profile_);
  weight_.clear();
  name_loc_.clear();
  return out;
}

Result<Profile> DecodeProfile(std::string_view blob) {
  unsigned long long size = ZSTD_getFrameContentSize(blob.data(), blob.size());
  if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN || size > (1ull << 31)) {
    return Status::Corruption("store: profile blob is not a sized zstd frame");
  }
  std::string plain(size, '\0');
  size_t n = ZSTD_decompress(plain.data(), plain.size(), blob.data(), blob.size());
  if (ZSTD_isError(n) || n != size) {
    return Status::Corruption(
        Format("store: profile blob: %s", ZSTD_isError(n) ? ZSTD_getErrorName(n) : "short frame"));
  }
  return ReadPprof(plain);
}

namespace {

std::string JoinInts(const std::vector<int64_t>& v) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) s += ',';
    s += std::to_string(v[i]);
  }
  return s;
}

std::vector<int64_t> SplitInts(std::string_view s) {
  std::vector<int64_t> out;
  size_t i = 0;
  while (i < s.size()) {
    size_t comma = s.find(',', i);
    if (comma == s.npos) comma = s.size();
    out.push_back(strtoll(std::string(s.substr(i, comma - i)).c_str(), nullptr, 10));
    i = comma + 1;
  }
  return out;
}

std::string JoinLines(const std::vector<std::string>& v) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) s += '\n';
    s += v[i];
  }
  return s;
}

std::vector<std::string> SplitLines(std::string_view s) {
  std::vector<std::string> out;
  if (s.empty()) return out;
  size_t i = 0;
  while (true) {
    size_t nl = s.find('\n', i);
    out.emplace_back(s.substr(i, nl == s.npos ? s.npos : nl - i));
    if (nl == s.npos) break;
    i = nl + 1;
  }
  return out;
}

// Labels are stored as name\x1fvalue\x1e... (neither byte appears in sane labels; values
// holding them are still round-tripped because names never contain them and we split on
// the record separator only after the unit separator).
std::string EncodeLabels(const LabelSet& labels) {
  std::string s;
  for (const auto& [k, v] : labels) {
    s += k;
    s += '\x1f';
    s += v;
    s += '\x1e';
  }
  return s;
}

LabelSet DecodeLabels(std::string_view s) {
  LabelSet out;
  size_t i = 0;
  while (i < s.size()) {
    size_t us = s.find('\x1f', i);
    if (us == s.npos) break;
    size_t rs = s.find('\x1e', us + 1);
    if (rs == s.npos) rs = s.size();
    out.emplace_back(std::string(s.substr(i, us - i)), std::string(s.substr(us + 1, rs - us - 1)));
    i = rs + 1;
  }
  return out;
}

struct Stmt {
  sqlite3_stmt* s = nullptr;
  Stmt(sqlite3* db, const char* sql) { sqlite3_prepare_v2(db, sql, -1, &s, nullptr); }
  ~Stmt() { sqlite3_finalize(s); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  bool ok() const { return s != nullptr; }
  void Reset() {
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
  }
};

Status SqlError(sqlite3* db, const char* what) {
  return Status::ResourceExhausted(Format("store: %s: %s", what, sqlite3_errmsg(db)));
}

Status Exec(sqlite3* db, const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    return Status::ResourceExhausted(Format("store: %s: %s", sql, msg.c_str()));
  }
  return Status();
}

struct Series {
  int64_t id = 0;
  std::string tenant;
  LabelSet labels;
  std::vector<std::string> types;
  std::vector<LabelSet> column_labels;  // labels + virtual labels, per column
  int64_t min_time = INT64_MAX;
  int64_t max_time = INT64_MIN;
};

void FillColumnLabels(Series* s) {
  s->column_labels.clear();
  for (const std::string& t : s->types) {
    LabelSet l = s->labels;
    l.emplace_back("__profile_type__", t);
    Result<ProfileTypeId> id = ParseProfileTypeId(t);
    if (id.ok()) {
      l.emplace_back("__type__", id->sample_type);
      l.emplace_back("__unit__", id->sample_unit);
      l.emplace_back("__period_type__", id->period_type);
      l.emplace_back("__period_unit__", id->period_unit);
      if (!FindLabel(s->labels, "__name__")) l.emplace_back("__name__", id->name);
    }
    NormalizeLabels(&l);
    s->column_labels.push_back(std::move(l));
  }
}

std::string SeriesKey(const std::string& tenant, const LabelSet& labels,
                      const std::vector<std::string>& types) {
  return tenant + '\0' + EncodeLabels(labels) + '\0' + JoinLines(types);
}

const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS series(
  id INTEGER PRIMARY KEY,
  tenant TEXT NOT NULL,
  labels BLOB NOT NULL,
  types TEXT NOT NULL,
  UNIQUE(tenant, labels, types));
CREATE TABLE IF NOT EXISTS series_labels(
  series_id INTEGER NOT NULL,
  name TEXT NOT NULL,
  value TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS series_labels_by_name ON series_labels(name, value);
CREATE TABLE IF NOT EXISTS profiles(
  id INTEGER PRIMARY KEY,
  series_id INTEGER NOT NULL,
  time_ns INTEGER NOT NULL,
  duration_ns INTEGER NOT NULL,
  resolution_ns INTEGER NOT NULL,
  totals TEXT NOT NULL,
  raw_size INTEGER NOT NULL,
  data BLOB NOT NULL,
  stacks BLOB NOT NULL);
CREATE INDEX IF NOT EXISTS profiles_by_series_time ON profiles(series_id, time_ns);
CREATE INDEX IF NOT EXISTS profiles_by_time ON profiles(time_ns);
)sql";

}  // namespace

struct Store::Impl {
  std::string dir, path;
  StoreOptions options;
  const Clock* clock = nullptr;
  SystemClock system_clock;

  sqlite3* writer_db = nullptr;

  // Series cache: every series of every tenant, loaded at open, updated after commits.
  mutable std::shared_mutex series_mu;
  std::map<int64_t, std::shared_ptr<Series>> series;
  std::unordered_map<std::string, int64_t> series_by_key;

  // Read connections, reused.
  mutable std::mutex pool_mu;
  mutable std::vector<sqlite3*> pool;

  // Writer queue.
  struct Job {
    std::vector<ProfileRecord> records;
    std::vector<int64_t> delete_ids;
    int64_t delete_before_ns = INT64_MIN;  // retention
    std::promise<Status> done;
    int64_t deleted = 0;
  };
  std::mutex queue_mu;
  std::condition_variable queue_cv;
  std::deque<Job*> queue;
  bool stopping = false;
  std::thread writer;

  std::mutex compact_mu;  // one compaction at a time
  std::thread compactor;
  std::condition_variable compact_cv;
  std::mutex compact_wait_mu;

  ~Impl() {
    {
      std::lock_guard<std::mutex> l(queue_mu);
      stopping = true;
    }
    queue_cv.notify_all();
    { std::lock_guard<std::mutex> l(compact_wait_mu); }
    compact_cv.notify_all();
    if (writer.joinable()) writer.join();
    if (compactor.joinable()) compactor.join();
    for (sqlite3* db : pool) sqlite3_close(db);
    if (writer_db) sqlite3_close(writer_db);
  }

  Result<sqlite3*> OpenConnection(bool write) {
    sqlite3* db = nullptr;
    int flags = SQLITE_OPEN_NOMUTEX |
                (write ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE : SQLITE_OPEN_READONLY);
    if (sqlite3_open_v2(path.c_str(), &db, flags, nullptr) != SQLITE_OK) {
      Status s = Status::InvalidArgument(
          Format("store: cannot open %s: %s", path.c_str(), db ? sqlite3_errmsg(db) : "?"));
      sqlite3_close(db);
      return s;
    }
    sqlite3_busy_timeout(db, 10000);
    return db;
  }

  sqlite3* AcquireReader() const {
    {
      std::lock_guard<std::mutex> l(pool_mu);
      if (!pool.empty()) {
        sqlite3* db = pool.back();
        pool.pop_back();
        return db;
      }
    }
    Result<sqlite3*> db = const_cast<Impl*>(this)->OpenConnection(false);
    return db.ok() ? *db : nullptr;
  }
  void ReleaseReader(sqlite3* db) const {
    std::lock_guard<std::mutex> l(pool_mu);
    pool.push_back(db);
  }

  Status LoadSeries() {
    Stmt st(writer_db, "SELECT id, tenant, labels, types FROM series");
    if (!st.ok()) return SqlError(writer_db, "load series");
    while (sqlite3_step(st.s) == SQLITE_ROW) {
      auto s = std::make_shared<Series>();
      s->id = sqlite3_column_int64(st.s, 0);
      s->tenant = reinterpret_cast<const char*>(sqlite3_column_text(st.s, 1));
      s->labels = DecodeLabels(std::string_view(
          static_cast<const char*>(sqlite3_column_blob(st.s, 2)), sqlite3_column_bytes(st.s, 2)));
      s->types = SplitLines(reinterpret_cast<const char*>(sqlite3_column_text(st.s, 3)));
      FillColumnLabels(s.get());
      series_by_key[SeriesKey(s->tenant, s->labels, s->types)] = s->id;
      series[s->id] = std::move(s);
    }
    Stmt range(writer_db,
               "SELECT series_id, MIN(time_ns), MAX(time_ns) FROM profiles GROUP BY series_id");
    if (!range.ok()) return SqlError(writer_db, "load series ranges");
    while (sqlite3_step(range.s) == SQLITE_ROW) {
      auto it = series.find(sqlite3_column_int64(range.s, 0));
      if (it == series.end()) continue;
      it->second->min_time = sqlite3_column_int64(range.s, 1);
      it->second->max_time = sqlite3_column_int64(range.s, 2);
    }
    return Status();
  }

  void WriterLoop() {
    Stmt insert_series(writer_db, "INSERT INTO series(tenant, labels, types) VALUES(?,?,?)");
    Stmt insert_label(writer_db, "INSERT INTO series_labels(series_id, name, value) VALUES(?,?,?)");
    Stmt insert_profile(writer_db,
                        "INSERT INTO profiles(series_id, time_ns, duration_ns, resolution_ns, "
                        "totals, raw_size, data, stacks) VALUES(?,?,?,?,?,?,?,?)");
    Stmt delete_profile(writer_db, "DELETE FROM profiles WHERE id=?");
    Stmt delete_before(writer_db, "DELETE FROM profiles WHERE time_ns<?");
    while (true) {
      std::vector<Job*> jobs;
      {
        std::unique_lock<std::mutex> l(queue_mu);
        queue_cv.wait(l, [&] { return stopping || !queue.empty(); });
        if (queue.empty() && stopping) return;
        while (!queue.empty() && jobs.size() < 512) {
          jobs.push_back(queue.front());
          queue.pop_front();
        }
      }
      // New series created in this transaction, published only after COMMIT.
      std::vector<std::shared_ptr<Series>> created;
      std::unordered_map<std::string, int64_t> created_by_key;
      struct Touch {
        int64_t series_id, time;
      };
      std::vector<Touch> touched;
      std::vector<Status> results(jobs.size());
      bool retention_ran = false;

      Status begin = Exec(writer_db, "BEGIN IMMEDIATE");
      if (!begin.ok()) {
        for (Job* j : jobs) j->done.set_value(begin);
        continue;
      }
      for (size_t ji = 0; ji < jobs.size(); ++ji) {
        Job* job = jobs[ji];
        Exec(writer_db, "SAVEPOINT job");
        Status s;
        size_t touched_mark = touched.size(), created_mark = created.size();
        if (job->delete_before_ns != INT64_MIN) {
          sqlite3_bind_int64(delete_before.s, 1, job->delete_before_ns);
          if (sqlite3_step(delete_before.s) != SQLITE_DONE) s = SqlError(writer_db, "expire");
          job->deleted = sqlite3_changes(writer_db);
          delete_before.Reset();
          retention_ran = true;
        }
        for (int64_t id : job->delete_ids) {
          if (!s.ok()) break;
          sqlite3_bind_int64(delete_profile.s, 1, id);
          if (sqlite3_step(delete_profile.s) != SQLITE_DONE) s = SqlError(writer_db, "delete");
          job->deleted += sqlite3_changes(writer_db);
          delete_profile.Reset();
        }
        if (s.ok() && !job->delete_ids.empty() &&
            job->deleted != static_cast<int64_t>(job->delete_ids.size())) {
          // Rows vanished since compaction read them: do not resurrect their data.
          s = Status::NotFound("store: compaction input changed");
        }
        for (ProfileRecord& r : job->records) {
          if (!s.ok()) break;
          int64_t sid = r.series_id;
          if (sid == 0) {
            std::string key = SeriesKey(r.tenant, r.labels, r.types);
            {
              std::shared_lock<std::shared_mutex> l(series_mu);
              auto it = series_by_key.find(key);
              if (it != series_by_key.end()) sid = it->second;
            }
            if (sid == 0) {
              auto it = created_by_key.find(key);
              if (it != created_by_key.end()) sid = it->second;
            }
            if (sid == 0) {
              std::string labels = EncodeLabels(r.labels);
              std::string types = JoinLines(r.types);
              sqlite3_bind_text(insert_series.s, 1, r.tenant.data(), r.tenant.size(),
                                SQLITE_STATIC);
              sqlite3_bind_blob(insert_series.s, 2, labels.data(), labels.size(), SQLITE_STATIC);
              sqlite3_bind_text(insert_series.s, 3, types.data(), types.size(), SQLITE_STATIC);
              int rc = sqlite3_step(insert_series.s);
              insert_series.Reset();
              if (rc != SQLITE_DONE) {
                s = SqlError(writer_db, "insert series");
                break;
              }
              sid = sqlite3_last_insert_rowid(writer_db);
              for (const auto& [k, v] : r.labels) {
                sqlite3_bind_int64(insert_label.s, 1, sid);
                sqlite3_bind_text(insert_label.s, 2, k.data(), k.size(), SQLITE_STATIC);
                sqlite3_bind_text(insert_label.s, 3, v.data(), v.size(), SQLITE_STATIC);
                rc = sqlite3_step(insert_label.s);
                insert_label.Reset();
                if (rc != SQLITE_DONE) break;
              }
              auto ser = std::make_shared<Series>();
              ser->id = sid;
              ser->tenant = r.tenant;
              ser->labels = r.labels;
              ser->types = r.types;
              FillColumnLabels(ser.get());
              created.push_back(ser);
              created_by_key[key] = sid;
            }
          }
          std::string totals = JoinInts(r.totals);
          sqlite3_bind_int64(insert_profile.s, 1, sid);
          sqlite3_bind_int64(insert_profile.s, 2, r.time_ns);
          sqlite3_bind_int64(insert_profile.s, 3, r.duration_ns);
          sqlite3_bind_int64(insert_profile.s, 4, r.resolution_ns);
          sqlite3_bind_text(insert_profile.s, 5, totals.data(), totals.size(), SQLITE_STATIC);
          sqlite3_bind_int64(insert_profile.s, 6, static_cast<int64_t>(r.raw_size));
          sqlite3_bind_blob(insert_profile.s, 7, r.blob.data(), r.blob.size(), SQLITE_STATIC);
          sqlite3_bind_blob(insert_profile.s, 8, r.stacks.data(), r.stacks.size(), SQLITE_STATIC);
          int rc = sqlite3_step(insert_profile.s);
          insert_profile.Reset();
          if (rc != SQLITE_DONE) {
            s = SqlError(writer_db, "insert profile");
            break;
          }
          touched.push_back({sid, r.time_ns});
        }
        if (s.ok()) {
          Exec(writer_db, "RELEASE job");
        } else {
          Exec(writer_db, "ROLLBACK TO job");
          Exec(writer_db, "RELEASE job");
          touched.resize(touched_mark);
          for (size_t c = created_mark; c < created.size(); ++c) {
            created_by_key.erase(
                SeriesKey(created[c]->tenant, created[c]->labels, created[c]->types));
          }
          created.resize(created_mark);
        }
        results[ji] = s;
      }
      Status commit = Exec(writer_db, "COMMIT");
      if (!commit.ok()) {
        Exec(writer_db, "ROLLBACK");
        for (Job* j : jobs) j->done.set_value(commit);
        continue;
      }
      {
        std::unique_lock<std::shared_mutex> l(series_mu);
        for (auto& ser : created) {
          series_by_key[SeriesKey(ser->tenant, ser->labels, ser->types)] = ser->id;
          series[ser->id] = ser;
        }
        for (const Touch& t : touched) {
          auto it = series.find(t.series_id);
          if (it == series.end()) continue;
          it->second->min_time = std::min(it->second->min_time, t.time);
          it->second->max_time = std::max(it->second->max_time, t.time);
        }
      }
      if (retention_ran) RefreshRanges();
      for (size_t ji = 0; ji < jobs.size(); ++ji) jobs[ji]->done.set_value(results[ji]);
    }
  }

  // After deletions: recompute per-series time ranges; forget series without data.
  void RefreshRanges() {
    Stmt range(writer_db,
               "SELECT series_id, MIN(time_ns), MAX(time_ns) FROM profiles GROUP BY series_id");
    std::unordered_map<int64_t, std::pair<int64_t, int64_t>> ranges;
    while (range.ok() && sqlite3_step(range.s) == SQLITE_ROW) {
      ranges[sqlite3_column_int64(range.s, 0)] = {sqlite3_column_int64(range.s, 1),
                                                  sqlite3_column_int64(range.s, 2)};
    }
    std::unique_lock<std::shared_mutex> l(series_mu);
    for (auto& [id, s] : series) {
      auto it = ranges.find(id);
      if (it == ranges.end()) {
        s->min_time = INT64_MAX;
        s->max_time = INT64_MIN;
      } else {
        s->min_time = it->second.first;
        s->max_time = it->second.second;
      }
    }
  }

  Status Submit(Job* job) {
    std::future<Status> f = job->done.get_future();
    {
      std::lock_guard<std::mutex> l(queue_mu);
      if (stopping) return Status::ResourceExhausted("store: closing");
      queue.push_back(job);
    }
    queue_cv.notify_one();
    return f.get();
  }
};

Store::Store(std::unique_ptr<Impl> impl) : impl_(std::move(impl)), clock_(impl_->clock) {}

Store::~Store() = default;

Result<std::unique_ptr<Store>> Store::Open(const std::string& dir, StoreOptions options) {
  auto impl = std::make_unique<Impl>();
  impl->dir = dir;
  impl->path = dir + "/pyrolens.db";
  impl->options = options;
  impl->clock = options.clock ? options.clock : &impl->system_clock;
  // mkdir -p
  for (size_t i = 1; i <= dir.size(); ++i) {
    if (i == dir.size() || dir[i] == '/') {
      std::string part = dir.substr(0, i);
      if (mkdir(part.c_str(), 0755) != 0 && errno != EEXIST) {
        return Status::InvalidArgument(
            Format("store: cannot create directory %s: %s", part.c_str(), strerror(errno)));
      }
    }
  }
  ASSIGN_OR_RETURN(impl->writer_db, impl->OpenConnection(true));
  RETURN_IF_ERROR(Exec(impl->writer_db, "PRAGMA journal_mode=WAL"));
  RETURN_IF_ERROR(Exec(impl->writer_db, options.sync_full ? "PRAGMA synchronous=FULL"
                                                          : "PRAGMA synchronous=NORMAL"));
  RETURN_IF_ERROR(Exec(impl->writer_db, kSchema));
  RETURN_IF_ERROR(impl->LoadSeries());
  Impl* raw = impl.get();
  impl->writer = std::thread([raw] { raw->WriterLoop(); });
  std::unique_ptr<Store> store(new Store(std::move(impl)));
  if (options.compaction_interval_ns > 0) {
    Store* s = store.get();
    raw->compactor = std::thread([raw, s] {
      std::unique_lock<std::mutex> l(raw->compact_wait_mu);
      while (true) {
        raw->compact_cv.wait_for(l, std::chrono::nanoseconds(raw->options.compaction_interval_ns),
                                 [raw] {
                                   std::lock_guard<std::mutex> q(raw->queue_mu);
                                   return raw->stopping;
                                 });
        {
          std::lock_guard<std::mutex> q(raw->queue_mu);
          if (raw->stopping) return;
        }
        Result<CompactionStats> r = s->Compact();
        if (!r.ok()) fprintf(stderr, "pyrolens: compaction: %s\n", r.status().message().c_str());
      }
    });
  }
  return store;
}

Status Store::Append(std::vector<ProfileRecord> records) {
  if (records.empty()) return Status();
  Impl::Job job;
  job.records = std::move(records);
  return impl_->Submit(&job);
}

std::vector<SeriesMatch> Store::Match(const std::string& tenant, const Selector& selector,
                                      std::string_view profile_type, int64_t start_ns,
                                      int64_t end_ns) const {
  std::vector<SeriesMatch> out;
  std::shared_lock<std::shared_mutex> l(impl_->series_mu);
  for (const auto& [id, s] : impl_->series) {
    if (s->tenant != tenant) continue;
    if (s->max_time < start_ns || s->min_time >= end_ns) continue;
    for (uint32_t c = 0; c < s->types.size(); ++c) {
      if (!profile_type.empty() && s->types[c] != profile_type) continue;
      if (!selector.Matches(s->column_labels[c])) continue;
      out.push_back({id, c, s->types[c], s->column_labels[c]});
    }
  }
  return out;
}

Status Store::Scan(const std::vector<int64_t>& series_ids, int64_t start_ns, int64_t end_ns,
                   bool with_blob, const std::function<Status(const StoredProfile&)>& fn) const {
  return ScanColumn(series_ids, start_ns, end_ns, with_blob ? 1 : 0, fn);
}

Status Store::ScanStacks(const std::vector<int64_t>& series_ids, int64_t start_ns, int64_t end_ns,
                         const std::function<Status(const StoredProfile&)>& fn) const {
  return ScanColumn(series_ids, start_ns, end_ns, 2, fn);
}

Status Store::ScanColumn(const std::vector<int64_t>& series_ids, int64_t start_ns, int64_t end_ns,
                         int which, const std::function<Status(const StoredProfile&)>& fn) const {
  sqlite3* db = impl_->AcquireReader();
  if (!db) return Status::ResourceExhausted("store: cannot open a read connection");
  Status result;
  bool with_blob = which != 0;
  {
    // A row is in range when its bucket [time, time + resolution) overlaps it: an aggregate
    // that starts before `start_ns` still holds data after it. The first bound keeps the
    // (series_id, time_ns) index in use; no bucket is longer than the coarsest tier.
    std::string cols = which == 1 ? ", data" : which == 2 ? ", stacks" : "";
    Stmt st(db, ("SELECT id, time_ns, duration_ns, resolution_ns, totals" + cols +
                 " FROM profiles WHERE series_id=? AND time_ns>=? AND time_ns<? AND "
                 "time_ns + MAX(resolution_ns, 1) > ? ORDER BY time_ns")
                    .c_str());
    int64_t reach = 0;
    for (const DownsampleTier& t : impl_->options.tiers) reach = std::max(reach, t.resolution_ns);
    if (!st.ok()) result = SqlError(db, "scan");
    // One read transaction so the scan sees one snapshot.
    if (result.ok()) result = Exec(db, "BEGIN");
    for (size_t i = 0; result.ok() && i < series_ids.size(); ++i) {
      sqlite3_bind_int64(st.s, 1, series_ids[i]);
      sqlite3_bind_int64(st.s, 2, start_ns > INT64_MIN + reach ? start_ns - reach : INT64_MIN);
      sqlite3_bind_int64(st.s, 3, end_ns);
      sqlite3_bind_int64(st.s, 4, start_ns);
      int rc;
      while (result.ok() && (rc = sqlite3_step(st.s)) == SQLITE_ROW) {
        StoredProfile p;
        p.id = sqlite3_column_int64(st.s, 0);
        p.series_id = series_ids[i];
        p.time_ns = sqlite3_column_int64(st.s, 1);
        p.duration_ns = sqlite3_column_int64(st.s, 2);
        p.resolution_ns = sqlite3_column_int64(st.s, 3);
        p.totals = SplitInts(reinterpret_cast<const char*>(sqlite3_column_text(st.s, 4)));
        if (with_blob) {
          std::string_view b(static_cast<const char*>(sqlite3_column_blob(st.s, 5)),
                             sqlite3_column_bytes(st.s, 5));
          (which == 2 ? p.stacks : p.blob) = b;
        }
        result = fn(p);
      }
      st.Reset();
    }
    Exec(db, "COMMIT");
  }
  impl_->ReleaseReader(db);
  return result;
}

Result<CompactionStats> Store::Compact() {
  std::lock_guard<std::mutex> guard(impl_->compact_mu);
  CompactionStats stats;
  int64_t now = clock_->NowNanos();
  const StoreOptions& o = impl_->options;
  if (o.retention_ns > 0) {
    Impl::Job job;
    job.delete_before_ns = now - o.retention_ns;
    RETURN_IF_ERROR(impl_->Submit(&job));
    stats.expired = job.deleted;
  }
  // Coarsest tier first, so old raw rows go straight to their final resolution.
  std::vector<DownsampleTier> tiers = o.tiers;
  std::sort(tiers.begin(), tiers.end(),
            [](const auto& a, const auto& b) { return a.age_ns > b.age_ns; });
  for (size_t ti = 0; ti < tiers.size(); ++ti) {
    const DownsampleTier& tier = tiers[ti];
    if (tier.resolution_ns <= 0) continue;
    int64_t boundary = now - tier.age_ns;
    struct Row {
      int64_t id, series_id, time, duration, resolution;
    };
    std::vector<Row> rows;
    {
      sqlite3* db = impl_->AcquireReader();
      if (!db) return Status::ResourceExhausted("store: cannot open a read connection");
      Stmt st(db,
              "SELECT id, series_id, time_ns, duration_ns, resolution_ns FROM profiles "
              "WHERE resolution_ns<=? AND time_ns<? ORDER BY series_id, time_ns");
      sqlite3_bind_int64(st.s, 1, tier.resolution_ns);
      sqlite3_bind_int64(st.s, 2, boundary);
      while (st.ok() && sqlite3_step(st.s) == SQLITE_ROW) {
        rows.push_back({sqlite3_column_int64(st.s, 0), sqlite3_column_int64(st.s, 1),
                        sqlite3_column_int64(st.s, 2), sqlite3_column_int64(st.s, 3),
                        sqlite3_column_int64(st.s, 4)});
      }
      impl_->ReleaseReader(db);
    }
    auto bucket_of = [&](int64_t t) {
      int64_t b = t / tier.resolution_ns * tier.resolution_ns;
      return t < 0 && b != t ? b - tier.resolution_ns : b;
    };
    size_t i = 0;
    while (i < rows.size()) {
      size_t j = i;
      int64_t bucket = bucket_of(rows[i].time);
      while (j < rows.size() && rows[j].series_id == rows[i].series_id &&
             bucket_of(rows[j].time) == bucket) {
        ++j;
      }
      // Only whole buckets older than the boundary; a lone row already at this
      // resolution is done.
      bool whole = bucket + tier.resolution_ns <= boundary;
      bool done = j - i == 1 && rows[i].resolution == tier.resolution_ns;
      if (whole && !done) {
        std::vector<int64_t> ids;
        for (size_t k = i; k < j; ++k) ids.push_back(rows[k].id);
        std::vector<Profile> profiles;
        std::vector<int64_t> totals;
        int64_t duration = 0;
        Status s = Scan({rows[i].series_id}, bucket, bucket + tier.resolution_ns, true,
                        [&](const StoredProfile& p) {
                          if (std::find(ids.begin(), ids.end(), p.id) == ids.end()) {
                            return Status();
                          }
                          ASSIGN_OR_RETURN(Profile prof, DecodeProfile(p.blob));
                          profiles.push_back(std::move(prof));
                          if (totals.size() < p.totals.size()) totals.resize(p.totals.size());
                          for (size_t c = 0; c < p.totals.size(); ++c) {
                            totals[c] = WrapAdd(totals[c], p.totals[c]);
                          }
                          duration += p.duration_ns;
                          return Status();
                        });
        if (s.ok() && profiles.size() == ids.size()) {
          std::vector<const Profile*> ptrs;
          for (const Profile& p : profiles) ptrs.push_back(&p);
          Result<Profile> merged = Merge(ptrs);
          if (merged.ok()) {
            merged->time_nanos = bucket;
            merged->duration_nanos = duration;
            Impl::Job job;
            job.delete_ids = ids;
            ProfileRecord r;
            r.series_id = rows[i].series_id;
            r.time_ns = bucket;
            r.duration_ns = duration;
            r.resolution_ns = tier.resolution_ns;
            r.totals = totals;
            r.blob = EncodeProfile(*merged);
            r.stacks = EncodeStacks(*merged);
            job.records.push_back(std::move(r));
            Status w = impl_->Submit(&job);
            if (w.ok()) {
              stats.merged_in += static_cast<int64_t>(ids.size());
              stats.merged_out += 1;
            }
          }
        }
      }
      i = j;
    }
  }
  return stats;
}

StoreStats Store::Stats() const {
  StoreStats st;
  {
    std::shared_lock<std::shared_mutex> l(impl_->series_mu);
    st.series = static_cast<int64_t>(impl_->series.size());
  }
  sqlite3* db = impl_->AcquireReader();
  if (db) {
    Stmt s(db,
           "SELECT COUNT(*), COALESCE(SUM(LENGTH(data) + LENGTH(stacks)),0), "
           "COALESCE(SUM(raw_size),0) "
           "FROM profiles");
    if (s.ok() && sqlite3_step(s.s) == SQLITE_ROW) {
      st.profiles = sqlite3_column_int64(s.s, 0);
      st.blob_bytes = sqlite3_column_int64(s.s, 1);
      st.raw_bytes = sqlite3_column_int64(s.s, 2);
    }
    impl_->ReleaseReader(db);
  }
  for (const char* suffix : {"", "-wal"}) {
    struct stat sb;
    if (stat((impl_->path + suffix).c_str(), &sb) == 0) st.file_bytes += sb.st_size;
  }
  return st;
}

}  // namespace pyrolens
