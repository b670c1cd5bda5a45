// server_bench: what `pyrolens serve` costs per profile stored and per query, in process.
// Pushes one hour of 10-second CPU profiles of one service (360 pushes of about 10 KB,
// generated with shared stacks like successive profiles of one program) over HTTP, then
// times SelectMergeStacktraces over that hour (budget: 100 ms) and prints bytes stored
// per profile against the pushed size; then stores a month of profiles, downsamples them
// and times a 30-day query over the aggregates (budget: 200 ms).
//   server_bench [--profiles 360] [--runs 20] [--gen-bytes 10000]
#include <httplib.h>
#include <stdlib.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "bench/generator.h"
#include "pyrolens/compression.h"
#include "pyrolens/pprof.h"
#include "pyrolens/reader.h"
#include "querier.pb.h"
#include "server/ingest.h"
#include "server/query.h"
#include "server/server.h"
#include "store/store.h"

using namespace pyrolens;
using SteadyClock = std::chrono::steady_clock;

// CPU time of this process (server threads included), in ms: the machine may be shared,
// so wall time alone overstates the cost.
static double CpuMs() {
  rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
         (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

// Times `runs` SelectMergeStacktraces of service "bench" over [start_s, end_s) through
// `cli`; prints wall min/median/max and median CPU against `budget_ms`. Returns the
// flame graph's total, -1 on a failed request.
static int64_t TimeQuery(httplib::Client& cli, const char* what, int64_t start_s, int64_t end_s,
                         int runs, double budget_ms) {
  querier::v1::SelectMergeStacktracesRequest req;
  req.set_profile_typeid("process_cpu:cpu:nanoseconds:cpu:nanoseconds");
  req.set_label_selector("{service_name=\"bench\"}");
  req.set_start(start_s * 1000);
  req.set_end(end_s * 1000);
  req.set_max_nodes(8192);
  std::string body = req.SerializeAsString();
  std::vector<double> ms, cpu;
  int64_t total = 0;
  for (int i = 0; i < runs; ++i) {
    double c0 = CpuMs();
    auto q0 = SteadyClock::now();
    auto r =
        cli.Post("/querier.v1.QuerierService/SelectMergeStacktraces", body, "application/proto");
    ms.push_back(std::chrono::duration<double, std::milli>(SteadyClock::now() - q0).count());
    cpu.push_back(CpuMs() - c0);
    if (!r || r->status != 200) return -1;
    querier::v1::SelectMergeStacktracesResponse resp;
    resp.ParseFromString(r->body);
    total = resp.flamegraph().total();
  }
  std::sort(ms.begin(), ms.end());
  std::sort(cpu.begin(), cpu.end());
  printf(
      "query: SelectMergeStacktraces over %s: wall min %.1f ms, median %.1f ms, max %.1f ms; "
      "CPU median %.1f ms (budget %.0f ms); total %lld\n",
      what, ms.front(), ms[ms.size() / 2], ms.back(), cpu[cpu.size() / 2], budget_ms,
      static_cast<long long>(total));
  return total;
}

int main(int argc, char** argv) {
  int profiles = 360, runs = 20;
  size_t gen_bytes = 10000;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i];
    if (k == "--profiles") profiles = atoi(argv[i + 1]);
    if (k == "--runs") runs = atoi(argv[i + 1]);
    if (k == "--gen-bytes") gen_bytes = strtoul(argv[i + 1], nullptr, 10);
  }
  char tmpl[] = "/tmp/pyrolens-server-bench-XXXXXX";
  std::string dir = mkdtemp(tmpl);
  const int64_t base = 1700000000;
  ManualClock clock(base * kNanosPerSecond + kNanosPerHour);
  StoreOptions so;
  so.clock = &clock;
  so.compaction_interval_ns = 0;
  Result<std::unique_ptr<Store>> store = Store::Open(dir, so);
  if (!store.ok()) {
    fprintf(stderr, "%s\n", store.status().message().c_str());
    return 1;
  }
  ServerOptions o;
  o.port = 0;
  Server server(store->get(), o);
  if (!server.Start().ok()) return 1;
  httplib::Client cli("127.0.0.1", server.port());
  cli.set_read_timeout(60, 0);

  // Size the generator for ~gen_bytes per gzip pprof.
  bench::GenOptions g;
  g.functions = 400;
  g.max_depth = 24;
  g.stacks = 40;
  for (int iter = 0; iter < 20; ++iter) {
    g.samples = g.stacks * 2;
    std::string b = WritePprof(bench::Generate(g).value(), true);
    if (b.size() >= gen_bytes) break;
    g.stacks = static_cast<uint32_t>(g.stacks * std::max(1.1, 0.9 * gen_bytes / b.size()));
  }
  // Per-push CPU of the ingest steps (as /ingest runs them), on one generated profile.
  {
    std::string body = WritePprof(bench::Generate(g).value(), true);
    const int n = 200;
    ByteBuffer buf;
    std::string_view plain = Decompress(body, &buf).value();
    double c0 = CpuMs();
    for (int i = 0; i < n; ++i) {
      ByteBuffer b;
      Decompress(body, &b);
    }
    double gunzip = (CpuMs() - c0) / n;
    c0 = CpuMs();
    for (int i = 0; i < n; ++i) ReadProfile(plain);
    double read = (CpuMs() - c0) / n;
    Profile p = ReadProfile(plain).value();
    c0 = CpuMs();
    for (int i = 0; i < n; ++i) {
      BuildRecords("t", p, {{"service_name", "x"}}, nullptr, "cpu", 1, 1, body.size(), 1, plain);
    }
    double records = (CpuMs() - c0) / n;
    printf(
        "ingest breakdown (CPU per push of %zu bytes): gunzip %.3f ms, parse pprof %.3f ms, "
        "records (zstd of the pprof + stacks blob) %.3f ms\n",
        body.size(), gunzip, read, records);
  }
  size_t pushed_bytes = 0;
  auto t0 = SteadyClock::now();
  for (int i = 0; i < profiles; ++i) {
    g.sample_seed = i + 1;
    g.time_nanos = (base + 10 * i) * kNanosPerSecond;
    std::string body = WritePprof(bench::Generate(g).value(), true);
    pushed_bytes += body.size();
    std::string path = "/ingest?name=bench.cpu&format=pprof&from=" + std::to_string(base + 10 * i) +
                       "&until=" + std::to_string(base + 10 * i + 10);
    auto r = cli.Post(path.c_str(), body, "application/octet-stream");
    if (!r || r->status != 200) {
      fprintf(stderr, "push %d failed\n", i);
      return 1;
    }
  }
  double push_s = std::chrono::duration<double>(SteadyClock::now() - t0).count();
  StoreStats st = (*store)->Stats();
  printf(
      "storage: %d profiles, %.0f bytes pushed per profile (gzip pprof), %.0f bytes stored per "
      "profile (zstd, normalised), %.0f bytes on disk per profile (SQLite + WAL)\n",
      profiles, double(pushed_bytes) / profiles, double(st.blob_bytes) / st.profiles,
      double(st.file_bytes) / st.profiles);
  printf("ingest (sequential, one client, fsync per commit): %.0f pushes/s\n", profiles / push_s);

  std::string what = std::to_string(profiles) + " ten-second profiles";
  if (TimeQuery(cli, what.c_str(), base, base + 10 * profiles, runs, 100) < 0) return 1;
  // Where the time goes: reading + decoding the blobs, then merging.
  {
    SelectQuery q{"anonymous", "process_cpu:cpu:nanoseconds:cpu:nanoseconds",
                  "{service_name=\"bench\"}", base * kNanosPerSecond,
                  (base + 10 * profiles) * kNanosPerSecond};
    std::vector<SeriesMatch> m = (*store)->Match(q.tenant, ParseSelector(q.label_selector).value(),
                                                 q.profile_type, q.start_ns, q.end_ns);
    std::vector<int64_t> ids;
    for (auto& x : m) ids.push_back(x.series_id);
    double c0 = CpuMs();
    size_t n = 0;
    Status s = (*store)->Scan(ids, q.start_ns, q.end_ns, true, [&](const StoredProfile& sp) {
      n += DecodeProfile(sp.blob).ok();
      return Status();
    });
    double decode = CpuMs() - c0;
    c0 = CpuMs();
    Result<Profile> merged = MergeSelected(**store, q);
    double all = CpuMs() - c0;
    printf("query breakdown (CPU): scan + decode %zu profiles %.1f ms; decode + merge %.1f ms\n", n,
           decode, all);
  }
  // A month of history through the downsampled aggregates (the default tiers: 1 min after
  // a day, 1 h after a week, 1 day after a month): one profile every 10 minutes for 30 days,
  // stored and compacted with the clock at the month's end, then one query over the 30 days
  // (budget 200 ms) whose total must equal what was stored.
  {
    const int64_t month_s = 30 * 86400, step_s = 600;
    ManualClock month_clock((base + month_s) * kNanosPerSecond);
    StoreOptions mo;
    mo.clock = &month_clock;
    mo.compaction_interval_ns = 0;
    Result<std::unique_ptr<Store>> month = Store::Open(dir + "/month", mo);
    if (!month.ok()) return 1;
    int64_t expected = 0, stored = 0;
    std::vector<ProfileRecord> batch;
    for (int64_t t = base; t < base + month_s; t += step_s) {
      g.sample_seed = static_cast<uint64_t>(t);
      g.time_nanos = t * kNanosPerSecond;
      Profile p = bench::Generate(g).value();
      expected += p.Total(1);  // cpu/nanoseconds
      Result<std::vector<ProfileRecord>> r =
          BuildRecords("anonymous", p, {{"service_name", "bench"}}, nullptr, "cpu",
                       t * kNanosPerSecond, 10 * kNanosPerSecond, 0, month_clock.NowNanos());
      if (!r.ok()) return 1;
      for (auto& rec : *r) batch.push_back(std::move(rec));
      ++stored;
      if (batch.size() >= 200 || t + step_s >= base + month_s) {
        if (!(*month)->Append(std::move(batch)).ok()) return 1;
        batch.clear();
      }
    }
    double c0 = CpuMs();
    Result<CompactionStats> cs = (*month)->Compact();
    if (!cs.ok()) return 1;
    printf(
        "downsampling: %lld profiles over 30 days compacted in %.0f ms CPU: %lld rows merged "
        "into %lld aggregates, %lld rows left\n",
        static_cast<long long>(stored), CpuMs() - c0, static_cast<long long>(cs->merged_in),
        static_cast<long long>(cs->merged_out), static_cast<long long>((*month)->Stats().profiles));
    Server month_server(month->get(), o);
    if (!month_server.Start().ok()) return 1;
    httplib::Client month_cli("127.0.0.1", month_server.port());
    month_cli.set_read_timeout(60, 0);
    int64_t total =
        TimeQuery(month_cli, "30 days (downsampled aggregates)", base, base + month_s, runs, 200);
    month_server.Stop();
    printf("30-day total %s the stored total (%lld)\n",
           total == expected ? "equals" : "DIFFERS FROM", static_cast<long long>(expected));
    if (total != expected) return 1;
  }
  server.Stop();
  store->reset();
  std::string cmd = "rm -rf '" + dir + "'";
  return system(cmd.c_str()) == 0 ? 0 : 1;
}
