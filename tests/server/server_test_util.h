// A store + server on 127.0.0.1 (a free port) in a fresh temporary directory, and an
// HTTP client for it. The server and store stop when the fixture is destroyed.
#ifndef PYROLENS_TESTS_SERVER_SERVER_TEST_UTIL_H_
#define PYROLENS_TESTS_SERVER_SERVER_TEST_UTIL_H_

#include <gtest/gtest.h>
#include <httplib.h>
#include <stdlib.h>

#include <memory>
#include <string>

#include "server/server.h"
#include "store/store.h"

namespace pyrolens::testing {

class TestServer {
 public:
  explicit TestServer(StoreOptions so = {}, ServerOptions o = {}) {
    char tmpl[] = "/tmp/pyrolens-server-test-XXXXXX";
    dir_ = mkdtemp(tmpl);
    if (!so.clock) so.clock = &clock_;
    so.compaction_interval_ns = 0;  // tests compact explicitly
    so.sync_full = false;           // tests do not need power-loss durability; kill -9 is safe
    Result<std::unique_ptr<Store>> s = Store::Open(dir_, so);
    EXPECT_TRUE(s.ok()) << s.status().message();
    store_ = std::move(s.value());
    o.host = "127.0.0.1";
    o.port = 0;
    server_ = std::make_unique<Server>(store_.get(), o);
    Status st = server_->Start();
    EXPECT_TRUE(st.ok()) << st.message();
    client_ = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
    client_->set_read_timeout(30, 0);
  }
  ~TestServer() {
    client_.reset();
    server_->Stop();
    server_.reset();
    store_.reset();
    std::string cmd = "rm -rf '" + dir_ + "'";
    if (system(cmd.c_str()) != 0) ADD_FAILURE() << "cannot remove " << dir_;
  }
  httplib::Client& client() { return *client_; }
  Store& store() { return *store_; }
  ManualClock& clock() { return clock_; }
  int port() const { return server_->port(); }

 private:
  ManualClock clock_{1700000000LL * 1000000000LL};
  std::string dir_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<Server> server_;
  std::unique_ptr<httplib::Client> client_;
};

}  // namespace pyrolens::testing

#endif  // PYROLENS_TESTS_SERVER_SERVER_TEST_UTIL_H_
