// pyrolens serve: the Pyroscope-compatible ingest + query server over the embedded
// store, with the web viewer compiled in. Runs until SIGINT or SIGTERM.
#include <csignal>
#include <cstdio>

#include "cli/commands.h"
#include "server/server.h"
#include "store/store.h"

namespace pyrolens {

namespace {

// "1m:1d,1h:7d,1d:30d" (resolution:age pairs) or "off".
Result<std::vector<DownsampleTier>> ParseTiers(const std::string& text) {
  std::vector<DownsampleTier> tiers;
  if (text == "off" || text == "none") return tiers;
  size_t i = 0;
  while (i <= text.size()) {
    size_t comma = text.find(',', i);
    if (comma == std::string::npos) comma = text.size();
    std::string item = text.substr(i, comma - i);
    size_t colon = item.find(':');
    if (colon == std::string::npos) {
      return Status::InvalidArgument(
          "--downsample: expected RESOLUTION:AGE pairs such as "
          "1m:1d,1h:7d,1d:30d, found \"" +
          item + "\"");
    }
    ASSIGN_OR_RETURN(int64_t res, ParseDurationNanos(item.substr(0, colon)));
    ASSIGN_OR_RETURN(int64_t age, ParseDurationNanos(item.substr(colon + 1)));
    if (res <= 0) return Status::InvalidArgument("--downsample: resolution must be positive");
    tiers.push_back({age, res});
    i = comma + 1;
  }
  return tiers;
}

}  // namespace

void RegisterServe(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "serve", "Run the Pyroscope-compatible ingest and query server with the web viewer");
  struct Args {
    std::string data = "pyrolens-data";
    std::string listen = "127.0.0.1:4040";
    std::string retention = "0";
    std::string downsample = "1m:1d,1h:7d,1d:30d";
    std::string compaction_interval = "1m";
    std::string auth_token;
    std::string allow_embedding;
    std::string cors;
    size_t max_request_mib = 32;
    size_t max_decompressed_mib = 256;
    int threads = 0;
  };
  auto args = std::make_shared<Args>();
  cmd->add_option("--data", args->data, "store directory (created when absent)")
      ->capture_default_str();
  cmd->add_option("--listen", args->listen, "HOST:PORT to listen on")->capture_default_str();
  cmd->add_option("--retention", args->retention,
                  "drop profiles older than this (e.g. 30d, 12h; 0 keeps all)")
      ->capture_default_str();
  cmd->add_option("--downsample", args->downsample,
                  "RESOLUTION:AGE tiers: merge profiles older than AGE into RESOLUTION "
                  "buckets ('off' to disable)")
      ->capture_default_str();
  cmd->add_option("--compaction-interval", args->compaction_interval,
                  "how often retention and downsampling run")
      ->capture_default_str();
  cmd->add_option("--auth-token", args->auth_token,
                  "require 'Authorization: Bearer TOKEN' (or basic auth with it as password) "
                  "on API requests");
  cmd->add_option("--allow-embedding", args->allow_embedding,
                  "origins allowed to frame the UI, e.g. https://grafana.example.com "
                  "(Content-Security-Policy frame-ancestors)");
  cmd->add_option("--cors", args->cors,
                  "origins allowed by CORS ('*' or a comma-separated list; off by default)");
  cmd->add_option("--max-request-mib", args->max_request_mib, "largest request body (413 above)")
      ->capture_default_str();
  cmd->add_option("--max-decompressed-mib", args->max_decompressed_mib,
                  "largest profile after decompression (413 above)")
      ->capture_default_str();
  cmd->add_option("--threads", args->threads, "HTTP worker threads (0: default)");
  cmd->callback([args] {
    StoreOptions so;
    Result<int64_t> retention = ParseDurationNanos(args->retention);
    if (!retention.ok()) Fail(retention.status().WithPrefix("--retention"));
    so.retention_ns = *retention;
    Result<std::vector<DownsampleTier>> tiers = ParseTiers(args->downsample);
    if (!tiers.ok()) Fail(tiers.status());
    so.tiers = *tiers;
    Result<int64_t> interval = ParseDurationNanos(args->compaction_interval);
    if (!interval.ok()) Fail(interval.status().WithPrefix("--compaction-interval"));
    so.compaction_interval_ns = *interval;

    ServerOptions o;
    Status s = ParseListen(args->listen, &o.host, &o.port);
    if (!s.ok()) Fail(s);
    o.auth_token = args->auth_token;
    o.allow_embedding = args->allow_embedding;
    o.cors_origins = args->cors;
    o.limits.max_request_bytes = args->max_request_mib << 20;
    o.limits.max_decompressed_bytes = args->max_decompressed_mib << 20;
    o.threads = args->threads;

    // Block the stop signals in every thread; this one waits for them below.
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, nullptr);

    Result<std::unique_ptr<Store>> store = Store::Open(args->data, so);
    if (!store.ok()) Fail(store.status());
    Server server(store->get(), o);
    s = server.Start();
    if (!s.ok()) Fail(s);
    fprintf(stderr, "pyrolens: serving on http://%s:%d (data in %s)\n", o.host.c_str(),
            server.port(), args->data.c_str());
    int sig = 0;
    sigwait(&stop, &sig);
    fprintf(stderr, "pyrolens: stopping (signal %d)\n", sig);
    server.Stop();
  });
}

}  // namespace pyrolens
