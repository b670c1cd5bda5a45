// pyrolens-gen: writes a deterministic synthetic profile (gzip pprof) for benchmarks.
//   pyrolens-gen --samples 2000000 --stacks 200000 --functions 50000 --max-depth 120
//                --label-cardinality 100000 --seed 1 -o big.pb.gz
// Prints what it made and how long it took to stderr.
#include <CLI/CLI.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>

#include "bench/generator.h"
#include "cli/files.h"
#include "pyrolens/pprof.h"

namespace {

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

}  // namespace

int main(int argc, char** argv) {
  using pyrolens::bench::GenOptions;
  GenOptions o;
  std::string kind = "cpu", out;
  double duration_s = 10, time_s = 1700000000;
  CLI::App app{"pyrolens-gen: deterministic synthetic Go-like profiles (gzip pprof)"};
  app.add_option("--samples", o.samples, "sample records")->capture_default_str();
  app.add_option("--stacks", o.stacks, "unique stacks (at most --samples are used)")
      ->capture_default_str();
  app.add_option("--functions", o.functions, "functions in the table (>= 32)")
      ->capture_default_str();
  app.add_option("--max-depth", o.max_depth, "frames per stack at most")->capture_default_str();
  app.add_option("--label-cardinality", o.label_cardinality,
                 "distinct span_id label values; 0: no thread_name/span_id labels")
      ->capture_default_str();
  app.add_option("--sample-types", kind, "cpu (samples, cpu) or heap (alloc/inuse objects/space)")
      ->check(CLI::IsMember({"cpu", "heap"}))
      ->capture_default_str();
  app.add_option("--seed", o.seed, "random seed; the same seed gives the same bytes")
      ->capture_default_str();
  app.add_option("--sample-seed", o.sample_seed,
                 "seed of the sample draws alone (0: --seed); keeps the stacks of --seed")
      ->capture_default_str();
  app.add_option("--duration", duration_s, "profile duration, seconds")->capture_default_str();
  app.add_option("--time", time_s, "profile start, seconds since the Unix epoch")
      ->capture_default_str();
  app.add_option("-o,--output", out, "output file (gzip pprof); - for stdout")->required();
  CLI11_PARSE(app, argc, argv);

  if (!pyrolens::bench::ParseSampleKind(kind, &o.kind)) return 2;  // IsMember checked it
  if (!(duration_s >= 0 && duration_s < 1e9) || !(time_s >= 0 && time_s < 9e9)) {
    fprintf(stderr, "pyrolens-gen: --duration must be in [0, 1e9) and --time in [0, 9e9)\n");
    return 2;
  }
  o.duration_nanos = static_cast<int64_t>(std::llround(duration_s * 1e9));
  o.time_nanos = static_cast<int64_t>(std::llround(time_s * 1e9));

  auto start = std::chrono::steady_clock::now();
  pyrolens::Result<pyrolens::Profile> p = pyrolens::bench::Generate(o);
  if (!p.ok()) {
    fprintf(stderr, "pyrolens-gen: %s\n", p.status().message().c_str());
    return 1;
  }
  double gen_s = Seconds(start);
  start = std::chrono::steady_clock::now();
  std::string raw = pyrolens::WritePprof(*p, /*gzip=*/false);
  double encode_s = Seconds(start);
  start = std::chrono::steady_clock::now();
  std::string gz = pyrolens::GzipCompress(raw);
  double gzip_s = Seconds(start);
  pyrolens::Status st = pyrolens::WriteFile(out, gz);
  if (!st.ok()) {
    fprintf(stderr, "pyrolens-gen: %s\n", st.message().c_str());
    return 1;
  }
  fprintf(stderr,
          "pyrolens-gen: %zu samples, %zu stacks, %zu locations, %zu functions, %u strings; "
          "%zu bytes pprof, %zu bytes gzip; generate %.2f s, encode %.2f s, gzip %.2f s\n",
          p->num_samples(), p->num_stacks(), p->locations.size(), p->functions.size(),
          p->strings.size(), raw.size(), gz.size(), gen_s, encode_s, gzip_s);
  return 0;
}
