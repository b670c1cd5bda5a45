// 1,000 malformed requests over raw sockets: bad request lines and headers, truncated
// bodies, huge declared lengths, bombs, garbage protobuf and JSON. No response may be a
// 5xx, the server must not crash, and it must keep serving afterwards.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <random>
#include <string>

#include "pyrolens/compression.h"
#include "server_test_util.h"
#include "testing/corpus.h"

namespace pyrolens::testing {
namespace {

// Sends `bytes`, half-closes, and returns the status code of the first response line
// (0 when the server closed without answering, -1 on a socket error).
int SendRaw(int port, const std::string& bytes) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  timeval tv{15, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return -1;
  }
  size_t off = 0;
  while (off < bytes.size()) {
    ssize_t n = send(fd, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
    if (n <= 0) break;  // the server may close early (e.g. after a 413)
    off += n;
  }
  shutdown(fd, SHUT_WR);
  std::string resp;
  char buf[4096];
  while (resp.size() < 64) {
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    resp.append(buf, n);
  }
  close(fd);
  if (resp.rfind("HTTP/1.", 0) != 0 || resp.size() < 12) return 0;
  return atoi(resp.substr(9, 3).c_str());
}

std::string Req(const std::string& method, const std::string& path, const std::string& headers,
                const std::string& body, bool content_length = true) {
  std::string r = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
  r += headers;
  if (content_length) r += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  return r + "\r\n" + body;
}

TEST(MalformedTest, ThousandBadRequestsNoCrashNo5xx) {
  ServerOptions o;
  o.limits.max_request_bytes = 1 << 20;
  o.limits.max_decompressed_bytes = 4 << 20;
  TestServer s({}, o);
  std::string pprof = ReadCorpusFile("pyroscope/ingest/cpu.pb.gz");
  std::string bomb = GzipCompress(std::string(64 << 20, 'a'), 9);
  std::mt19937 rng(42);
  const char* paths[] = {"/ingest?name=a.cpu",
                         "/ingest?name=a.cpu&format=pprof",
                         "/push.v1.PusherService/Push",
                         "/querier.v1.QuerierService/SelectMergeStacktraces",
                         "/querier.v1.QuerierService/Diff",
                         "/querier.v1.QuerierService/SelectSeries",
                         "/pyroscope/render?query=a.cpu",
                         "/"};
  int counts[6] = {0};
  for (int i = 0; i < 1000; ++i) {
    std::string path = paths[rng() % 8];
    std::string req;
    switch (i % 12) {
      case 0: {  // random bytes instead of HTTP
        std::string junk(1 + rng() % 512, '\0');
        for (char& c : junk) c = static_cast<char>(rng());
        req = junk;
        break;
      }
      case 1:  // bad request line
        req = "GARBAGE /\x01\x02 HTTP/9.9\r\n\r\n";
        break;
      case 2:  // header without a colon, overlong header
        req =
            Req("POST", path, "Broken header line\r\n" + std::string(10000, 'h') + ": x\r\n", "{}");
        break;
      case 3:  // truncated body: declares more than it sends
        req = Req("POST", path, "Content-Type: application/json\r\nContent-Length: 5000\r\n",
                  pprof.substr(0, rng() % pprof.size()), false);
        break;
      case 4:  // huge declared length
        req = Req("POST", path,
                  "Content-Type: application/proto\r\nContent-Length: 99999999999999\r\n", "abc",
                  false);
        break;
      case 5:  // gzip bomb as Content-Encoding
        req = Req("POST", path, "Content-Type: application/proto\r\nContent-Encoding: gzip\r\n",
                  bomb);
        break;
      case 6:  // bomb as the profile itself
        req = Req("POST", "/ingest?name=a.cpu&format=pprof", "", bomb);
        break;
      case 7: {  // truncated or bit-flipped pprof
        std::string p = pprof;
        for (int k = 0; k < 8; ++k) p[rng() % p.size()] ^= static_cast<char>(1 << (rng() % 8));
        req = Req("POST", "/ingest?name=a.cpu&format=pprof", "", p.substr(0, rng() % p.size()));
        break;
      }
      case 8: {  // garbage proto / JSON to Connect
        std::string body(rng() % 200, '\0');
        for (char& c : body) c = static_cast<char>(rng());
        req = Req("POST", path,
                  std::string("Content-Type: ") +
                      (i % 2 ? "application/proto" : "application/json") + "\r\n",
                  body);
        break;
      }
      case 9:  // broken chunked encoding
        req = Req("POST", path, "Transfer-Encoding: chunked\r\nContent-Type: application/json\r\n",
                  "zz\r\nabc\r\nFFFFFFFFFFFFFFFF\r\n", false);
        break;
      case 10:  // broken multipart
        req =
            Req("POST", "/ingest?name=a.cpu", "Content-Type: multipart/form-data; boundary=XYZ\r\n",
                "--XYZ\r\nContent-Disposition: form-data; name=\"profile\"\r\n\r\n" +
                    pprof.substr(0, rng() % 300));
        break;
      case 11:  // bad query strings and methods
        req = Req(i % 2 ? "DELETE" : "GET",
                  "/pyroscope/render?query=%ZZ%7B&from=now-999999999999d&max-nodes=-5", "", "");
        break;
    }
    int status = SendRaw(s.port(), req);
    ASSERT_NE(status, -1) << "request " << i << ": cannot connect (server down?)";
    ASSERT_LT(status, 500) << "request " << i << " (kind " << i % 12 << ") got " << status;
    counts[status == 0 ? 0 : status / 100]++;
  }
  printf("malformed: %d closed without answer, %d 2xx, %d 4xx\n", counts[0], counts[2], counts[4]);
  auto r = s.client().Get("/ready");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  r = s.client().Post("/ingest?name=after.cpu&format=pprof", pprof, "application/octet-stream");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << r->body;
}

}  // namespace
}  // namespace pyrolens::testing
