// `pyrolens serve`: a Pyroscope-compatible HTTP server over the embedded store.
//
// Endpoints (see DESIGN.md "External contracts"):
//   POST /ingest                                   legacy ingest (raw or multipart)
//   POST /push.v1.PusherService/Push               Connect, proto or JSON
//   POST /querier.v1.QuerierService/<Method>       Connect, proto or JSON
//   GET  /pyroscope/render, /pyroscope/render-diff, /pyroscope/label-values, /pyroscope/labels
//   GET  /ready, /pyrolens/config.json, and the embedded web viewer at /
// Requests carry their tenant in X-Scope-OrgID ("anonymous" when absent).
#ifndef PYROLENS_NATIVE_SERVER_SERVER_H_
#define PYROLENS_NATIVE_SERVER_SERVER_H_

#include <memory>
#include <string>

#include "pyrolens/status.h"
#include "server/ingest.h"
#include "store/store.h"

namespace pyrolens {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 4040;              // 0 picks a free port (see Server::port())
  std::string auth_token;       // when set, API requests need "Authorization: Bearer <token>"
  std::string allow_embedding;  // origins allowed to frame the UI (CSP frame-ancestors)
  std::string cors_origins;     // "" = no CORS headers; "*" or a comma-separated list
  IngestLimits limits;
  int threads = 0;  // HTTP worker threads; 0 = httplib's default
};

class Server {
 public:
  // REQUIRES: `store` outlives the server.
  Server(Store* store, ServerOptions options);
  ~Server();
  // Binds the socket and starts serving in a background thread. InvalidArgument when the
  // address cannot be bound.
  Status Start();
  int port() const { return port_; }
  // Blocks until Stop() is called (from another thread or a signal handler thread).
  void Wait();
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  int port_ = 0;
};

// Parses "host:port" (":port" and "port" mean 127.0.0.1). InvalidArgument otherwise.
Status ParseListen(const std::string& listen, std::string* host, int* port);

// Parses a duration such as "30d", "12h", "90m", "45s", "1w" or "0" (off).
Result<int64_t> ParseDurationNanos(const std::string& text);

}  // namespace pyrolens

#endif  // PYROLENS_NATIVE_SERVER_SERVER_H_
