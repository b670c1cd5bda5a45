// pyrolens-server-load: pushes pprof profiles to a running `pyrolens serve` and prints
// throughput and latency, or verifies that every acknowledged push is queryable.
//
//   load:   pyrolens-server-load load --port P [--threads 8] [--seconds 10 | --count N]
//             [--profile FILE | --gen-bytes 10000] [--base-time S] [--ack-log FILE]
//   verify: pyrolens-server-load verify --port P --ack-log FILE [--base-time S]
//   gen:    pyrolens-server-load gen --out FILE [--gen-bytes 10000]   (the load's profile)
//
// Push i is POST /ingest?name=load.cpu&format=pprof&from=BASE+i: one profile per second
// of a single series, so `verify` finds push i as the SelectSeries point at BASE+i.
#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>
#include <vector>

#include "bench/generator.h"
#include "pyrolens/pprof.h"
#include "querier.pb.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Args {
  std::string mode;
  int port = 4040;
  int threads = 8;
  double seconds = 10;
  long long count = 0;
  std::string profile;
  size_t gen_bytes = 10000;
  long long base_time = 1700000000;
  std::string ack_log;
  std::string out;
  long long start_index = 0;
};

// A gzip pprof of about `bytes` bytes from the deterministic generator.
std::string GeneratedProfile(size_t bytes) {
  pyrolens::bench::GenOptions o;
  o.functions = 400;
  o.max_depth = 24;
  uint32_t stacks = 40;
  std::string best;
  for (int iter = 0; iter < 20; ++iter) {
    o.stacks = stacks;
    o.samples = stacks * 2;
    pyrolens::Result<pyrolens::Profile> p = pyrolens::bench::Generate(o);
    if (!p.ok()) break;
    best = pyrolens::WritePprof(*p, true);
    if (best.size() >= bytes) break;
    stacks = static_cast<uint32_t>(stacks * std::max(1.1, 0.9 * bytes / best.size()));
  }
  return best;
}

int Load(const Args& a) {
  std::string body;
  if (!a.profile.empty()) {
    std::ifstream in(a.profile, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    body = ss.str();
  } else {
    body = GeneratedProfile(a.gen_bytes);
  }
  std::atomic<long long> next{a.start_index};
  std::atomic<long long> ok{0}, failed{0}, refused{0};
  std::mutex mu;
  std::vector<double> latencies_ms;
  FILE* ack = a.ack_log.empty() ? nullptr : fopen(a.ack_log.c_str(), "a");
  auto deadline =
      Clock::now() + std::chrono::milliseconds(static_cast<long long>(a.seconds * 1000));
  auto start = Clock::now();
  std::vector<std::thread> threads;
  for (int t = 0; t < a.threads; ++t) {
    threads.emplace_back([&] {
      httplib::Client cli("127.0.0.1", a.port);
      cli.set_keep_alive(true);
      cli.set_tcp_nodelay(true);  // as SDK clients' HTTP stacks do
      cli.set_connection_timeout(2, 0);
      cli.set_read_timeout(10, 0);
      std::vector<double> mine;
      while (true) {
        if (a.count > 0 ? next.load() >= a.start_index + a.count : Clock::now() >= deadline) break;
        if (a.count > 0 && Clock::now() >= deadline + std::chrono::seconds(600)) break;
        long long i = next.fetch_add(1);
        if (a.count > 0 && i >= a.start_index + a.count) break;
        std::string path =
            "/ingest?name=load.cpu&format=pprof&from=" + std::to_string(a.base_time + i) +
            "&until=" + std::to_string(a.base_time + i + 1);
        auto t0 = Clock::now();
        auto r = cli.Post(path.c_str(), body, "application/octet-stream");
        double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
        if (r && r->status == 200) {
          ok++;
          mine.push_back(ms);
          if (ack) {
            std::lock_guard<std::mutex> l(mu);
            fprintf(ack, "%lld\n", i);
            fflush(ack);
          }
        } else if (!r) {
          refused++;
          std::this_thread::sleep_for(std::chrono::milliseconds(20));
          if (a.count == 0 && Clock::now() >= deadline) break;
        } else {
          failed++;
          if (failed.load() < 5)
            fprintf(stderr, "push %lld: HTTP %d %s\n", i, r->status, r->body.c_str());
        }
      }
      std::lock_guard<std::mutex> l(mu);
      latencies_ms.insert(latencies_ms.end(), mine.begin(), mine.end());
    });
  }
  for (auto& t : threads) t.join();
  if (ack) fclose(ack);
  double secs = std::chrono::duration<double>(Clock::now() - start).count();
  std::sort(latencies_ms.begin(), latencies_ms.end());
  auto pct = [&](double p) {
    if (latencies_ms.empty()) return 0.0;
    return latencies_ms[std::min(latencies_ms.size() - 1,
                                 static_cast<size_t>(p * latencies_ms.size()))];
  };
  printf(
      "ingest: %lld pushes of %zu bytes in %.2f s = %.0f pushes/s (threads %d); latency p50 %.2f "
      "ms, "
      "p99 %.2f ms, max %.2f ms; %lld HTTP errors, %lld connection errors\n",
      ok.load(), body.size(), secs, ok.load() / secs, a.threads, pct(0.50), pct(0.99),
      latencies_ms.empty() ? 0.0 : latencies_ms.back(), failed.load(), refused.load());
  return failed.load() ? 1 : 0;
}

int Verify(const Args& a) {
  std::ifstream in(a.ack_log);
  std::set<long long> acked;
  long long i;
  while (in >> i) acked.insert(i);
  if (acked.empty()) {
    printf("verify: no acknowledged pushes in %s\n", a.ack_log.c_str());
    return 1;
  }
  querier::v1::SelectSeriesRequest req;
  req.set_profile_typeid("process_cpu:cpu:nanoseconds:cpu:nanoseconds");
  req.set_label_selector("{service_name=\"load\"}");
  req.set_start((a.base_time + *acked.begin()) * 1000);
  req.set_end((a.base_time + *acked.rbegin()) * 1000);
  req.set_step(1);
  httplib::Client cli("127.0.0.1", a.port);
  cli.set_read_timeout(60, 0);
  auto r = cli.Post("/querier.v1.QuerierService/SelectSeries", req.SerializeAsString(),
                    "application/proto");
  if (!r || r->status != 200) {
    printf("verify: SelectSeries failed (%d)\n", r ? r->status : -1);
    return 1;
  }
  querier::v1::SelectSeriesResponse resp;
  if (!resp.ParseFromString(r->body)) return 1;
  std::set<long long> present;
  for (const auto& s : resp.series()) {
    for (const auto& p : s.points()) {
      if (p.value() > 0) present.insert(p.timestamp() / 1000 - a.base_time);
    }
  }
  long long missing = 0;
  for (long long k : acked) {
    if (!present.count(k)) {
      if (missing < 5) printf("verify: acknowledged push %lld is missing\n", k);
      ++missing;
    }
  }
  printf("verify: %zu acknowledged pushes, %lld missing, %zu stored in range\n", acked.size(),
         missing, present.size());
  return missing ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  Args a;
  if (argc < 2) {
    fprintf(stderr, "usage: pyrolens-server-load load|verify --port P [options]\n");
    return 2;
  }
  a.mode = argv[1];
  for (int i = 2; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--port")
      a.port = std::stoi(v);
    else if (k == "--threads")
      a.threads = std::stoi(v);
    else if (k == "--seconds")
      a.seconds = std::stod(v);
    else if (k == "--count")
      a.count = std::stoll(v);
    else if (k == "--profile")
      a.profile = v;
    else if (k == "--gen-bytes")
      a.gen_bytes = std::stoul(v);
    else if (k == "--base-time")
      a.base_time = std::stoll(v);
    else if (k == "--ack-log")
      a.ack_log = v;
    else if (k == "--start-index")
      a.start_index = std::stoll(v);
    else if (k == "--out")
      a.out = v;
    else {
      fprintf(stderr, "unknown option %s\n", k.c_str());
      return 2;
    }
  }
  if (a.mode == "load") return Load(a);
  if (a.mode == "verify") return Verify(a);
  if (a.mode == "gen") {
    std::string body = GeneratedProfile(a.gen_bytes);
    std::ofstream out(a.out, std::ios::binary);
    out << body;
    return out.good() ? 0 : 1;
  }
  fprintf(stderr, "unknown mode %s\n", a.mode.c_str());
  return 2;
}
