#include "server/server.h"

#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <map>
#include <set>
#include <thread>

#include "pyrolens/call_tree.h"
#include "pyrolens/compression.h"
#include "pyrolens/pprof.h"
#include "pyrolens/reader.h"
#include "server/connect.h"
#include "server/query.h"
#include "server/web_assets.h"

namespace pyrolens {

namespace {

constexpr int64_t kDefaultMaxNodes = 8192;  // Pyroscope's default flame graph size
const char kDefaultTenant[] = "anonymous";

// A failed request: HTTP status plus a message.
struct HttpError {
  int status = 400;
  std::string message;
};

int HttpStatusOf(const Status& s) {
  switch (s.code()) {
    case StatusCode::kOk:
      return 200;
    case StatusCode::kInvalidArgument:
    case StatusCode::kCorruption:
      return 400;
    case StatusCode::kNotSupported:
      return 415;
    case StatusCode::kResourceExhausted:
      return s.message().rfind("store:", 0) == 0 ? 503 : 413;
    case StatusCode::kNotFound:
      return 404;
    case StatusCode::kCancelled:
      return 503;
  }
  return 400;
}

const char* ConnectCodeOf(int http_status) {
  switch (http_status) {
    case 400:
      return "invalid_argument";
    case 401:
      return "unauthenticated";
    case 404:
      return "not_found";
    case 413:
      return "resource_exhausted";
    case 415:
      return "unimplemented";
    case 503:
      return "unavailable";
    default:
      return "unknown";
  }
}

void SendText(httplib::Response& res, int status, const std::string& msg) {
  res.status = status;
  res.set_content(msg + "\n", "text/plain; charset=utf-8");
}

void SendConnectError(httplib::Response& res, int status, const std::string& msg) {
  res.status = status;
  res.set_content(ConnectErrorJson(ConnectCodeOf(status), msg), "application/json");
}

// Reads the request body through `reader`, at most `limit` bytes after httplib's own
// Content-Encoding decoding (gzip, deflate, br); multipart bodies land in `parts`.
struct Body {
  std::string data;
  std::map<std::string, std::string> parts;
  bool multipart = false;
};

Status ReadBody(const httplib::Request& req, const httplib::ContentReader& reader, size_t limit,
                Body* body) {
  bool too_big = false;
  size_t total = 0;
  bool ok;
  if (req.is_multipart_form_data()) {
    body->multipart = true;
    std::string current;
    ok = reader(
        [&](const httplib::MultipartFormData& file) {
          current = file.name;
          body->parts[current].clear();
          return body->parts.size() <= 16;
        },
        [&](const char* data, size_t n) {
          total += n;
          if (total > limit) {
            too_big = true;
            return false;
          }
          body->parts[current].append(data, n);
          return true;
        });
  } else {
    ok = reader([&](const char* data, size_t n) {
      total += n;
      if (total > limit) {
        too_big = true;
        return false;
      }
      body->data.append(data, n);
      return true;
    });
  }
  std::string declared = req.get_header_value("Content-Length");
  if (!ok && !declared.empty() && strtoull(declared.c_str(), nullptr, 10) > limit) too_big = true;
  if (too_big) {
    return Status::ResourceExhausted(Format("request body over the limit of %zu bytes", limit));
  }
  if (!ok) return Status::InvalidArgument("cannot read the request body (truncated or malformed)");
  return Status();
}

// Applies a Content-Encoding httplib leaves alone (zstd) within `limit`.
Status DecodeContentEncoding(const httplib::Request& req, size_t limit, std::string* data) {
  std::string enc = req.get_header_value("Content-Encoding");
  if (enc.empty() || enc == "identity" || enc == "gzip" || enc == "deflate" || enc == "br") {
    return Status();  // httplib decoded these already
  }
  if (enc == "zstd") {
    if (DetectCompression(*data) != Compression::kZstd) {
      return Status::InvalidArgument("Content-Encoding zstd, but the body is not zstd");
    }
    ByteBuffer out;
    ASSIGN_OR_RETURN(std::string_view plain, Decompress(*data, &out, limit));
    *data = std::string(plain);
    return Status();
  }
  return Status::NotSupported("unsupported Content-Encoding \"" + enc.substr(0, 32) +
                              "\" (expected gzip, deflate, br or zstd)");
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string PercentDecode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() && HexValue(s[i + 1]) >= 0 &&
               HexValue(s[i + 2]) >= 0) {
      out += static_cast<char>(HexValue(s[i + 1]) * 16 + HexValue(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// The query string of `target`, split at '&' and at the FIRST '=' of each pair (httplib
// splits at the last, which breaks unencoded `name=app{k=v}`).
std::multimap<std::string, std::string> QueryParams(const std::string& target) {
  std::multimap<std::string, std::string> out;
  size_t q = target.find('?');
  if (q == std::string::npos) return out;
  std::string_view rest(target);
  rest.remove_prefix(q + 1);
  while (!rest.empty()) {
    size_t amp = rest.find('&');
    std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    std::string key = PercentDecode(pair.substr(0, eq));
    std::string value = eq == std::string_view::npos ? "" : PercentDecode(pair.substr(eq + 1));
    out.emplace(std::move(key), std::move(value));
  }
  return out;
}

bool ValidTenant(const std::string& t) {
  if (t.empty() || t.size() > 150 || t == "." || t == "..") return false;
  for (char c : t) {
    if (!(isalnum(static_cast<unsigned char>(c)) || strchr("!-_.*'()", c))) return false;
  }
  return true;
}

std::string MediaType(const httplib::Request& req) {
  std::string ct = req.get_header_value("Content-Type");
  size_t semi = ct.find(';');
  if (semi != std::string::npos) ct.resize(semi);
  while (!ct.empty() && ct.back() == ' ') ct.pop_back();
  std::transform(ct.begin(), ct.end(), ct.begin(), [](unsigned char c) { return tolower(c); });
  return ct;
}

int64_t MsToNs(int64_t ms) {
  if (ms <= 0) return 0;
  if (ms > INT64_MAX / 1000000) return INT64_MAX;
  return ms * 1000000;
}

// start/end in ms; 0 = unbounded.
void RangeOf(int64_t start_ms, int64_t end_ms, int64_t* start_ns, int64_t* end_ns) {
  *start_ns = start_ms > 0 ? MsToNs(start_ms) : INT64_MIN;
  *end_ns = end_ms > 0 ? MsToNs(end_ms) + 1 : INT64_MAX;  // Pyroscope's end is inclusive
}

// Legacy time parameters: "now", "now-1h", epoch s/ms/µs/ns.
Result<int64_t> ParseLegacyTime(const std::string& v, int64_t now_ns) {
  if (v.empty() || v == "now") return now_ns;
  if (v.rfind("now-", 0) == 0) {
    Result<int64_t> d = ParseDurationNanos(v.substr(4));
    if (!d.ok()) return Status::InvalidArgument("bad relative time \"" + v.substr(0, 32) + "\"");
    return now_ns - *d;
  }
  char* end = nullptr;
  errno = 0;
  long long x = strtoll(v.c_str(), &end, 10);
  if (*end != '\0' || errno) return Status::InvalidArgument("bad time \"" + v.substr(0, 32) + "\"");
  return TimeToNanos(x);
}

}  // namespace

Result<int64_t> ParseDurationNanos(const std::string& text) {
  if (text == "0" || text == "off" || text.empty()) return int64_t{0};
  int64_t total = 0;
  size_t i = 0;
  while (i < text.size()) {
    size_t start = i;
    while (i < text.size() && isdigit(static_cast<unsigned char>(text[i]))) ++i;
    if (i == start || i - start > 12) {
      return Status::InvalidArgument("bad duration \"" + text.substr(0, 32) +
                                     "\" (expected e.g. 30d, 12h, 90m, 45s, 1w)");
    }
    int64_t n = std::stoll(text.substr(start, i - start));
    std::string unit;
    while (i < text.size() && isalpha(static_cast<unsigned char>(text[i]))) unit += text[i++];
    int64_t mul;
    if (unit == "ns")
      mul = 1;
    else if (unit == "us")
      mul = 1000;
    else if (unit == "ms")
      mul = 1000000;
    else if (unit == "s")
      mul = kNanosPerSecond;
    else if (unit == "m")
      mul = kNanosPerMinute;
    else if (unit == "h")
      mul = kNanosPerHour;
    else if (unit == "d")
      mul = kNanosPerDay;
    else if (unit == "w")
      mul = 7 * kNanosPerDay;
    else if (unit == "y")
      mul = 365 * kNanosPerDay;
    else {
      return Status::InvalidArgument("bad duration unit in \"" + text.substr(0, 32) +
                                     "\" (expected ns, us, ms, s, m, h, d, w or y)");
    }
    if (n > INT64_MAX / mul) return Status::InvalidArgument("duration too long");
    total += n * mul;
  }
  return total;
}

Status ParseListen(const std::string& listen, std::string* host, int* port) {
  std::string h = "127.0.0.1", p = listen;
  size_t colon = listen.rfind(':');
  if (colon != std::string::npos) {
    h = listen.substr(0, colon);
    p = listen.substr(colon + 1);
    if (h.size() >= 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
    if (h.empty()) h = "127.0.0.1";
  }
  char* end = nullptr;
  long v = strtol(p.c_str(), &end, 10);
  if (p.empty() || *end != '\0' || v < 0 || v > 65535) {
    return Status::InvalidArgument("--listen: expected HOST:PORT, found \"" + listen + "\"");
  }
  *host = h;
  *port = static_cast<int>(v);
  return Status();
}

struct Server::Impl {
  Store* store;
  ServerOptions options;
  httplib::Server http;
  std::thread thread;
  std::mutex stop_mu;
  std::condition_variable stop_cv;
  bool stopped = false;

  Impl(Store* s, ServerOptions o) : store(s), options(std::move(o)) {}

  // ---- common -------------------------------------------------------------------

  bool TenantOf(const httplib::Request& req, httplib::Response& res, std::string* tenant,
                bool connect) {
    *tenant =
        req.has_header("X-Scope-OrgID") ? req.get_header_value("X-Scope-OrgID") : kDefaultTenant;
    if (!ValidTenant(*tenant)) {
      std::string msg = "bad X-Scope-OrgID header (1-150 characters of [A-Za-z0-9!-_.*'()])";
      connect ? SendConnectError(res, 400, msg) : SendText(res, 400, msg);
      return false;
    }
    return true;
  }

  bool Authorized(const httplib::Request& req) const {
    if (options.auth_token.empty()) return true;
    std::string auth = req.get_header_value("Authorization");
    if (auth == "Bearer " + options.auth_token) return true;
    if (auth.rfind("Basic ", 0) == 0) {
      std::string decoded;
      if (Base64Decode(auth.substr(6), &decoded)) {
        size_t colon = decoded.find(':');
        if (colon != std::string::npos && decoded.substr(colon + 1) == options.auth_token) {
          return true;
        }
      }
    }
    return false;
  }

  static bool IsApiPath(const std::string& path) {
    return path == "/ingest" || path.rfind("/push.v1.", 0) == 0 ||
           path.rfind("/querier.v1.", 0) == 0 || path.rfind("/pyroscope/", 0) == 0;
  }

  void AddCommonHeaders(const httplib::Request& req, httplib::Response& res) {
    std::string ancestors = "'self'";
    if (!options.allow_embedding.empty()) {
      std::string o = options.allow_embedding;
      std::replace(o.begin(), o.end(), ',', ' ');
      ancestors += " " + o;
    } else {
      res.set_header("X-Frame-Options", "SAMEORIGIN");
    }
    res.set_header("Content-Security-Policy", "frame-ancestors " + ancestors);
    res.set_header("X-Content-Type-Options", "nosniff");
    if (!options.cors_origins.empty() && req.has_header("Origin")) {
      std::string origin = req.get_header_value("Origin");
      bool allowed = options.cors_origins == "*";
      size_t i = 0;
      while (!allowed && i <= options.cors_origins.size()) {
        size_t comma = options.cors_origins.find(',', i);
        if (comma == std::string::npos) comma = options.cors_origins.size();
        if (options.cors_origins.substr(i, comma - i) == origin) allowed = true;
        i = comma + 1;
      }
      if (allowed) {
        res.set_header("Access-Control-Allow-Origin", origin);
        res.set_header("Vary", "Origin");
        res.set_header("Access-Control-Allow-Headers",
                       "Content-Type, Authorization, X-Scope-OrgID, Connect-Protocol-Version, "
                       "Content-Encoding");
        res.set_header("Access-Control-Allow-Methods", "GET, POST, OPTIONS");
      }
    }
  }

  // Wrap handlers so no exception escapes as a 500.
  static void OnException(httplib::Response& res) {
    try {
      throw;
    } catch (const std::bad_alloc&) {
      SendText(res, 413, "request needs more memory than is available");
    } catch (const std::exception& e) {
      SendText(res, 400, std::string("bad request: ") + e.what());
    } catch (...) {
      SendText(res, 400, "bad request");
    }
  }
  template <typename F>
  httplib::Server::Handler Guard(F f) {
    return [f](const httplib::Request& req, httplib::Response& res) {
      try {
        f(req, res);
      } catch (...) {
        OnException(res);
      }
    };
  }
  template <typename F>
  httplib::Server::HandlerWithContentReader GuardReader(F f) {
    return [f](const httplib::Request& req, httplib::Response& res,
               const httplib::ContentReader& reader) {
      try {
        f(req, res, reader);
      } catch (...) {
        OnException(res);
      }
    };
  }

  // ---- ingest -------------------------------------------------------------------

  Status IngestLegacy(const httplib::Request& req, const std::string& tenant, Body& body) {
    std::multimap<std::string, std::string> params = QueryParams(req.target);
    ASSIGN_OR_RETURN(IngestParams ip, ParseIngestParams(params));
    std::string profile_bytes, jfr_labels;
    SampleTypeConfig st;
    bool has_st = false;
    if (body.multipart) {
      if (body.parts.count("jfr")) {
        // The Java agent: the recording, and its context labels in a `labels` part.
        profile_bytes = std::move(body.parts["jfr"]);
        if (body.parts.count("labels")) jfr_labels = std::move(body.parts["labels"]);
      } else if (body.parts.count("profile")) {
        profile_bytes = std::move(body.parts["profile"]);
      } else {
        return Status::InvalidArgument("ingest: multipart body has no \"profile\" or \"jfr\" part");
      }
      if (body.parts.count("sample_type_config")) {
        ASSIGN_OR_RETURN(st, ParseSampleTypeConfig(body.parts["sample_type_config"]));
        has_st = true;
      }
    } else {
      profile_bytes = std::move(body.data);
      RETURN_IF_ERROR(
          DecodeContentEncoding(req, options.limits.max_decompressed_bytes, &profile_bytes));
    }
    if (profile_bytes.empty()) return Status::InvalidArgument("ingest: empty profile");
    if (ip.format == "trie" || ip.format == "tree") {
      return Status::NotSupported("ingest: format \"" + ip.format +
                                  "\" is not supported; send pprof or folded stacks");
    }
    // Decompress once: a plain pprof is then stored as received (zstd) when not split.
    ByteBuffer plain_storage;
    Result<std::string_view> plain =
        Decompress(profile_bytes, &plain_storage, options.limits.max_decompressed_bytes);
    if (!plain.ok()) return plain.status().WithPrefix("ingest: profile");
    const char* unsupported = nullptr;
    std::string_view plain_pprof =
        DetectFormat(*plain, &unsupported) == InputFormat::kPprof ? *plain : std::string_view();
    ReadOptions ro;
    ro.max_decompressed = options.limits.max_decompressed_bytes;
    Result<Profile> profile = ReadProfile(*plain, ro);
    if (!profile.ok()) {
      if (profile.status().code() == StatusCode::kNotSupported) {
        return Status::NotSupported(
            Format("ingest: format %s is not readable yet (%s)",
                   ip.format.empty() ? "of the body" : ("\"" + ip.format + "\"").c_str(),
                   profile.status().message().c_str()));
      }
      return profile.status().WithPrefix("ingest: profile");
    }
    // Text formats carry no sample type: the units parameter says what they count.
    const std::string& t0 = profile->num_types() ? profile->str(profile->sample_types[0].type) : "";
    if (profile->num_types() == 1 && (t0 == "samples" || t0.empty()) &&
        (ip.format.empty() || ip.format == "folded" || ip.format == "lines" ||
         ip.format == "groups")) {
      ApplyLegacyUnits(ip, &*profile);
    }
    LabelSet labels = ip.labels;
    labels.emplace_back("service_name", ServiceNameOf(ip.app_name));
    NormalizeLabels(&labels);
    std::string suffix = ip.app_name.substr(ServiceNameOf(ip.app_name).size());
    if (!suffix.empty() && suffix[0] == '.') suffix.erase(0, 1);
    int64_t duration = ip.from_ns && ip.until_ns ? ip.until_ns - ip.from_ns : 0;
    int64_t now = store->clock().NowNanos();
    if (jfr_labels.empty()) {
      ASSIGN_OR_RETURN(std::vector<ProfileRecord> records,
                       BuildRecords(tenant, *profile, labels, has_st ? &st : nullptr, suffix,
                                    ip.from_ns, duration, profile_bytes.size(), now, plain_pprof));
      return store->Append(std::move(records));
    }
    ASSIGN_OR_RETURN(auto series, SplitByJfrContext(std::move(*profile), labels, jfr_labels,
                                                    options.limits.max_decompressed_bytes));
    std::vector<ProfileRecord> all;
    for (size_t i = 0; i < series.size(); ++i) {
      ASSIGN_OR_RETURN(
          std::vector<ProfileRecord> records,
          BuildRecords(tenant, series[i].second, series[i].first, has_st ? &st : nullptr, suffix,
                       ip.from_ns, duration, i == 0 ? profile_bytes.size() : 0, now));
      for (auto& r : records) all.push_back(std::move(r));
    }
    return store->Append(std::move(all));
  }

  Status Push(const push::v1::PushRequest& req, const std::string& tenant) {
    std::vector<ProfileRecord> all;
    int64_t now = store->clock().NowNanos();
    for (int i = 0; i < req.series_size(); ++i) {
      const push::v1::RawProfileSeries& s = req.series(i);
      LabelSet labels;
      for (const auto& l : s.labels()) {
        if (!IsValidLabelName(l.name())) {
          return Status::InvalidArgument(
              Format("push: series[%d]: bad label name \"%.64s\"", i, l.name().c_str()));
        }
        labels.emplace_back(l.name(), l.value());
      }
      NormalizeLabels(&labels);
      if (!FindLabel(labels, "service_name")) {
        const std::string* app = FindLabel(labels, "__name__");
        labels.emplace_back("service_name", "unknown_service");
        (void)app;
        NormalizeLabels(&labels);
      }
      for (int k = 0; k < s.samples_size(); ++k) {
        const std::string& raw = s.samples(k).raw_profile();
        if (raw.size() > options.limits.max_request_bytes) {
          return Status::ResourceExhausted(
              Format("push: series[%d].samples[%d]: profile over %zu bytes", i, k,
                     options.limits.max_request_bytes));
        }
        ReadOptions ro;
        ro.max_decompressed = options.limits.max_decompressed_bytes;
        Result<Profile> p = ReadProfile(raw, ro);
        if (!p.ok()) {
          // Push carries pprof only: anything unreadable is a bad request.
          return Status::InvalidArgument(
              Format("push: series[%d].samples[%d]: %s", i, k, p.status().message().c_str()));
        }
        ASSIGN_OR_RETURN(std::vector<ProfileRecord> records,
                         BuildRecords(tenant, *p, labels, nullptr, "", 0, 0, raw.size(), now));
        for (auto& r : records) all.push_back(std::move(r));
      }
    }
    return store->Append(std::move(all));
  }

  // ---- query --------------------------------------------------------------------

  // The store query a Connect request (profile type, selector, range in ms) names.
  template <typename Request>
  static SelectQuery QueryOf(const std::string& tenant, const Request& r) {
    SelectQuery q;
    q.tenant = tenant;
    q.profile_type = r.profile_typeid();
    q.label_selector = r.label_selector();
    RangeOf(r.start(), r.end(), &q.start_ns, &q.end_ns);
    return q;
  }

  Result<FlameGraph> Flame(const std::string& tenant,
                           const querier::v1::SelectMergeStacktracesRequest& r) {
    SelectQuery q = QueryOf(tenant, r);
    ASSIGN_OR_RETURN(Profile merged, MergeStacks(*store, q));
    ASSIGN_OR_RETURN(CallTree tree, BuildCallTree(merged));
    return BuildFlameGraph(tree, r.has_max_nodes() ? r.max_nodes() : kDefaultMaxNodes);
  }

  static void FillFlameGraph(const FlameGraph& g, querier::v1::FlameGraph* out) {
    for (const std::string& n : g.names) out->add_names(n);
    for (const auto& level : g.levels) {
      auto* l = out->add_levels();
      for (int64_t v : level) l->add_values(v);
    }
    out->set_total(g.total);
    out->set_max_self(g.max_self);
  }

  Result<FlameGraphDiff> DiffOf(const std::string& tenant,
                                const querier::v1::SelectMergeStacktracesRequest& left,
                                const querier::v1::SelectMergeStacktracesRequest& right,
                                int64_t max_nodes) {
    CallTree trees[2];
    const querier::v1::SelectMergeStacktracesRequest* sides[2] = {&left, &right};
    for (int i = 0; i < 2; ++i) {
      SelectQuery q = QueryOf(tenant, *sides[i]);
      ASSIGN_OR_RETURN(Profile merged, MergeStacks(*store, q));
      ASSIGN_OR_RETURN(trees[i], BuildCallTree(merged));
    }
    ASSIGN_OR_RETURN(DiffTree diff, BuildDiffTree(trees[0], trees[1]));
    return BuildFlameGraphDiff(diff, max_nodes);
  }

  // Profile types and label sets of `tenant` within [start, end).
  std::vector<SeriesMatch> AllSeries(const std::string& tenant, const Selector& sel,
                                     int64_t start_ns, int64_t end_ns) {
    return store->Match(tenant, sel, "", start_ns, end_ns);
  }

  Result<std::vector<SeriesMatch>> MatchAny(
      const std::string& tenant, const google::protobuf::RepeatedPtrField<std::string>& matchers,
      int64_t start_ns, int64_t end_ns) {
    std::vector<SeriesMatch> out;
    if (matchers.empty()) return AllSeries(tenant, Selector(), start_ns, end_ns);
    std::set<std::pair<int64_t, uint32_t>> seen;
    for (const std::string& m : matchers) {
      ASSIGN_OR_RETURN(Selector sel, ParseSelector(m));
      for (SeriesMatch& s : AllSeries(tenant, sel, start_ns, end_ns)) {
        if (seen.insert({s.series_id, s.column}).second) out.push_back(std::move(s));
      }
    }
    return out;
  }

  // Runs one querier method. Returns the HTTP status; fills `out` (response bytes).
  Status Querier(const std::string& method, bool json, const std::string& in,
                 const std::string& tenant, std::string* out) {
    auto decode = [&](auto* msg) -> Status {
      if (json) return FromJson(in.empty() ? std::string_view("{}") : in, msg);
      if (!msg->ParseFromString(in)) {
        return Status::InvalidArgument("request is not a valid " + msg->GetTypeName() +
                                       " protobuf message");
      }
      return Status();
    };
    if (method == "ProfileTypes") {
      querier::v1::ProfileTypesRequest r;
      RETURN_IF_ERROR(decode(&r));
      int64_t s, e;
      RangeOf(r.start(), r.end(), &s, &e);
      std::set<std::string> types;
      for (const SeriesMatch& m : AllSeries(tenant, Selector(), s, e)) types.insert(m.profile_type);
      querier::v1::ProfileTypesResponse resp;
      for (const std::string& t : types) {
        Result<ProfileTypeId> id = ParseProfileTypeId(t);
        if (!id.ok()) continue;
        auto* pt = resp.add_profile_types();
        pt->set_id(t);
        pt->set_name(id->name);
        pt->set_sample_type(id->sample_type);
        pt->set_sample_unit(id->sample_unit);
        pt->set_period_type(id->period_type);
        pt->set_period_unit(id->period_unit);
      }
      *out = json ? ToJson(resp) : resp.SerializeAsString();
    } else if (method == "LabelNames") {
      types::v1::LabelNamesRequest r;
      RETURN_IF_ERROR(decode(&r));
      int64_t s, e;
      RangeOf(r.start(), r.end(), &s, &e);
      ASSIGN_OR_RETURN(std::vector<SeriesMatch> ms, MatchAny(tenant, r.matchers(), s, e));
      std::set<std::string> names;
      for (const SeriesMatch& m : ms) {
        for (const auto& kv : m.labels) names.insert(kv.first);
      }
      types::v1::LabelNamesResponse resp;
      for (const std::string& n : names) resp.add_names(n);
      *out = json ? ToJson(resp) : resp.SerializeAsString();
    } else if (method == "LabelValues") {
      types::v1::LabelValuesRequest r;
      RETURN_IF_ERROR(decode(&r));
      if (r.name().empty()) return Status::InvalidArgument("LabelValues: name is required");
      int64_t s, e;
      RangeOf(r.start(), r.end(), &s, &e);
      ASSIGN_OR_RETURN(std::vector<SeriesMatch> ms, MatchAny(tenant, r.matchers(), s, e));
      std::set<std::string> values;
      for (const SeriesMatch& m : ms) {
        if (const std::string* v = FindLabel(m.labels, r.name())) values.insert(*v);
      }
      types::v1::LabelValuesResponse resp;
      for (const std::string& v : values) resp.add_names(v);
      *out = json ? ToJson(resp) : resp.SerializeAsString();
    } else if (method == "Series") {
      querier::v1::SeriesRequest r;
      RETURN_IF_ERROR(decode(&r));
      int64_t s, e;
      RangeOf(r.start(), r.end(), &s, &e);
      ASSIGN_OR_RETURN(std::vector<SeriesMatch> ms, MatchAny(tenant, r.matchers(), s, e));
      std::set<LabelSet> sets;
      for (const SeriesMatch& m : ms) {
        if (r.label_names().empty()) {
          sets.insert(m.labels);
          continue;
        }
        LabelSet l;
        for (const std::string& n : r.label_names()) {
          if (const std::string* v = FindLabel(m.labels, n)) l.emplace_back(n, *v);
        }
        NormalizeLabels(&l);
        sets.insert(l);
      }
      querier::v1::SeriesResponse resp;
      for (const LabelSet& l : sets) {
        auto* ls = resp.add_labels_set();
        for (const auto& [k, v] : l) {
          auto* p = ls->add_labels();
          p->set_name(k);
          p->set_value(v);
        }
      }
      *out = json ? ToJson(resp) : resp.SerializeAsString();
    } else if (method == "SelectMergeStacktraces") {
      querier::v1::SelectMergeStacktracesRequest r;
      RETURN_IF_ERROR(decode(&r));
      if (r.format() == querier::v1::PROFILE_FORMAT_TREE) {
        return Status::NotSupported("SelectMergeStacktraces: PROFILE_FORMAT_TREE is not supported");
      }
      ASSIGN_OR_RETURN(FlameGraph g, Flame(tenant, r));
      if (json) {
        *out = "{\"flamegraph\":" + FlameGraphToJson(g) + "}";
      } else {
        querier::v1::SelectMergeStacktracesResponse resp;
        FillFlameGraph(g, resp.mutable_flamegraph());
        *out = resp.SerializeAsString();
      }
    } else if (method == "SelectMergeProfile") {
      querier::v1::SelectMergeProfileRequest r;
      RETURN_IF_ERROR(decode(&r));
      SelectQuery q = QueryOf(tenant, r);
      ASSIGN_OR_RETURN(Profile merged, MergeSelected(*store, q));
      *out = json ? ProfileToJson(merged) : WritePprof(merged, /*gzip=*/false);
    } else if (method == "SelectSeries") {
      querier::v1::SelectSeriesRequest r;
      RETURN_IF_ERROR(decode(&r));
      SelectQuery q = QueryOf(tenant, r);
      std::vector<std::string> group_by(r.group_by().begin(), r.group_by().end());
      ASSIGN_OR_RETURN(
          std::vector<SeriesResult> series,
          SelectSeries(*store, q, r.step(), group_by,
                       r.aggregation() == types::v1::TIME_SERIES_AGGREGATION_TYPE_AVERAGE));
      if (r.has_limit() && r.limit() > 0 && series.size() > static_cast<size_t>(r.limit())) {
        auto total = [](const SeriesResult& s) {
          double t = 0;
          for (const auto& p : s.points) t += p.value;
          return t;
        };
        std::stable_sort(series.begin(), series.end(),
                         [&](const auto& a, const auto& b) { return total(a) > total(b); });
        series.resize(r.limit());
      }
      querier::v1::SelectSeriesResponse resp;
      for (const SeriesResult& s : series) {
        auto* ps = resp.add_series();
        for (const auto& [k, v] : s.labels) {
          auto* l = ps->add_labels();
          l->set_name(k);
          l->set_value(v);
        }
        for (const SeriesPoint& p : s.points) {
          auto* pt = ps->add_points();
          pt->set_value(p.value);
          pt->set_timestamp(p.timestamp_ms);
        }
      }
      *out = json ? ToJson(resp) : resp.SerializeAsString();
    } else if (method == "Diff") {
      querier::v1::DiffRequest r;
      RETURN_IF_ERROR(decode(&r));
      if (!r.has_left() || !r.has_right()) {
        return Status::InvalidArgument("Diff: left and right are required");
      }
      int64_t max_nodes = r.left().has_max_nodes() ? r.left().max_nodes() : kDefaultMaxNodes;
      ASSIGN_OR_RETURN(FlameGraphDiff g, DiffOf(tenant, r.left(), r.right(), max_nodes));
      if (json) {
        *out = "{\"flamegraph\":" + FlameGraphDiffToJson(g) + "}";
      } else {
        querier::v1::DiffResponse resp;
        auto* f = resp.mutable_flamegraph();
        for (const std::string& n : g.names) f->add_names(n);
        for (const auto& level : g.levels) {
          auto* l = f->add_levels();
          for (int64_t v : level) l->add_values(v);
        }
        f->set_total(g.total);
        f->set_max_self(g.max_self);
        f->set_leftticks(g.left_ticks);
        f->set_rightticks(g.right_ticks);
        *out = resp.SerializeAsString();
      }
    } else {
      return Status::NotFound("unknown method querier.v1.QuerierService/" + method.substr(0, 64));
    }
    return Status();
  }

  // ---- legacy render ---------------------------------------------------------------

  // Resolves a legacy query (`app.cpu{k="v"}` or `<profile type id>{...}`) to a profile
  // type id and a label selector.
  Status ResolveLegacyQuery(const std::string& tenant, const std::string& query, std::string* type,
                            std::string* selector, std::string* app) {
    ASSIGN_OR_RETURN(Selector sel, ParseSelector(query));
    size_t brace = query.find('{');
    std::string rest = brace == std::string::npos ? "{}" : query.substr(brace);
    if (ParseProfileTypeId(sel.prefix).ok()) {
      *type = sel.prefix;
      *selector = rest;
      *app = sel.prefix;
      return Status();
    }
    if (sel.prefix.empty()) return Status::InvalidArgument("render: query names no application");
    *app = sel.prefix;
    std::string service = ServiceNameOf(sel.prefix);
    std::string suffix =
        sel.prefix.size() > service.size() ? sel.prefix.substr(service.size() + 1) : "cpu";
    // Legacy suffix -> (profile type name, sample type).
    static const std::map<std::string, std::pair<std::string, std::string>> kMap = {
        {"cpu", {"process_cpu", "cpu"}},
        {"itimer", {"process_cpu", "cpu"}},
        {"wall", {"wall", "wall"}},
        {"alloc_objects", {"memory", "alloc_objects"}},
        {"alloc_space", {"memory", "alloc_space"}},
        {"inuse_objects", {"memory", "inuse_objects"}},
        {"inuse_space", {"memory", "inuse_space"}},
        {"goroutines", {"goroutines", "goroutine"}},
        {"mutex_count", {"mutex", "contentions"}},
        {"mutex_duration", {"mutex", "delay"}},
        {"block_count", {"block", "contentions"}},
        {"block_duration", {"block", "delay"}},
        {"lock_count", {"mutex", "lock_count"}},
        {"lock_duration", {"mutex", "lock_time"}},
        {"exceptions", {"exceptions", "exception"}}};
    auto it = kMap.find(suffix);
    std::string want_name = it == kMap.end() ? suffix : it->second.first;
    std::string want_type = it == kMap.end() ? "" : it->second.second;
    Selector svc;
    Matcher m;
    m.name = "service_name";
    m.value = service;
    svc.matchers.push_back(m);
    std::string best;
    for (const SeriesMatch& s : AllSeries(tenant, svc, INT64_MIN, INT64_MAX)) {
      Result<ProfileTypeId> id = ParseProfileTypeId(s.profile_type);
      if (!id.ok() || id->name != want_name) continue;
      if (id->sample_type == want_type) {
        best = s.profile_type;
        break;
      }
      if (best.empty() || (id->sample_type != "samples" && want_type.empty())) {
        best = s.profile_type;
      }
    }
    if (best.empty())
      best = want_name + ":" + (want_type.empty() ? "samples" : want_type) +
             ":count:" + (want_type.empty() ? "samples" : want_type) + ":count";
    *type = best;
    std::string inner = rest.substr(1, rest.size() - 2);
    while (!inner.empty() && inner.back() == ' ') inner.pop_back();
    *selector = "{service_name=" + JsonString(service) + (inner.empty() ? "" : "," + inner) + "}";
    return Status();
  }

  static std::string LegacyUnits(const ProfileTypeId& id) {
    if (id.sample_unit == "bytes") return "bytes";
    if (id.name == "memory") return "objects";
    if (id.name == "goroutines") return "goroutines";
    if (id.name == "mutex" || id.name == "block") {
      return id.sample_unit == "nanoseconds" ? "lock_nanoseconds" : "lock_samples";
    }
    return "samples";
  }

  static void AppendLevelsJson(std::string* out, const std::vector<std::vector<int64_t>>& levels) {
    *out += "[";
    for (size_t i = 0; i < levels.size(); ++i) {
      if (i) *out += ",";
      *out += "[";
      for (size_t k = 0; k < levels[i].size(); ++k) {
        if (k) *out += ",";
        *out += std::to_string(levels[i][k]);
      }
      *out += "]";
    }
    *out += "]";
  }

  static void AppendNamesJson(std::string* out, const std::vector<std::string>& names) {
    *out += "[";
    for (size_t i = 0; i < names.size(); ++i) {
      if (i) *out += ",";
      *out += JsonString(names[i]);
    }
    *out += "]";
  }

  Status Render(const httplib::Request& req, const std::string& tenant, std::string* out) {
    std::string query = req.get_param_value("query");
    if (query.empty()) return Status::InvalidArgument("render: parameter \"query\" is required");
    int64_t now = store->clock().NowNanos();
    std::string from_s = req.has_param("from") ? req.get_param_value("from") : "now-1h";
    ASSIGN_OR_RETURN(int64_t from, ParseLegacyTime(from_s, now));
    ASSIGN_OR_RETURN(int64_t until, ParseLegacyTime(req.get_param_value("until"), now));
    int64_t max_nodes = kDefaultMaxNodes;
    std::string mn = req.has_param("max-nodes") ? req.get_param_value("max-nodes")
                                                : req.get_param_value("maxNodes");
    if (!mn.empty()) max_nodes = atoll(mn.c_str());
    std::string type, selector, app;
    RETURN_IF_ERROR(ResolveLegacyQuery(tenant, query, &type, &selector, &app));
    SelectQuery q{tenant, type, selector, from, until};
    ASSIGN_OR_RETURN(Profile merged, MergeStacks(*store, q));
    ASSIGN_OR_RETURN(CallTree tree, BuildCallTree(merged));
    FlameGraph g = BuildFlameGraph(tree, max_nodes);
    ProfileTypeId id = ParseProfileTypeId(type).value();
    // Timeline: 10-second steps (or coarser for long ranges, at most ~1000 points).
    int64_t step_s = std::max<int64_t>(10, (until - from) / kNanosPerSecond / 1000);
    ASSIGN_OR_RETURN(std::vector<SeriesResult> series,
                     SelectSeries(*store, q, static_cast<double>(step_s), {"service_name"}, false));
    int64_t start_s = from / kNanosPerSecond;
    int64_t n = std::max<int64_t>(1, (until - from) / kNanosPerSecond / step_s + 1);
    n = std::min<int64_t>(n, 10000);
    std::vector<int64_t> samples(n, 0);
    for (const SeriesResult& s : series) {
      for (const SeriesPoint& p : s.points) {
        int64_t i = (p.timestamp_ms / 1000 - start_s) / step_s;
        if (i >= 0 && i < n) samples[i] += static_cast<int64_t>(p.value);
      }
    }
    int64_t sample_rate = id.sample_unit == "nanoseconds" ? 1000000000 : 100;
    *out = "{\"version\":1,\"flamebearer\":{\"names\":";
    AppendNamesJson(out, g.names);
    *out += ",\"levels\":";
    AppendLevelsJson(out, g.levels);
    *out += ",\"numTicks\":" + std::to_string(g.total) +
            ",\"maxSelf\":" + std::to_string(g.max_self) + "}";
    *out += ",\"metadata\":{\"format\":\"single\",\"spyName\":\"\",\"sampleRate\":" +
            std::to_string(sample_rate) + ",\"units\":" + JsonString(LegacyUnits(id)) +
            ",\"name\":" + JsonString(app) + "}";
    *out += ",\"timeline\":{\"startTime\":" + std::to_string(start_s) + ",\"samples\":[";
    for (int64_t i = 0; i < n; ++i) {
      if (i) *out += ",";
      *out += std::to_string(samples[i]);
    }
    *out += "],\"durationDelta\":" + std::to_string(step_s) + "}}";
    return Status();
  }

  Status RenderDiff(const httplib::Request& req, const std::string& tenant, std::string* out) {
    int64_t now = store->clock().NowNanos();
    querier::v1::SelectMergeStacktracesRequest sides[2];
    std::string app;
    const char* prefix[2] = {"left", "right"};
    for (int i = 0; i < 2; ++i) {
      std::string query = req.get_param_value((std::string(prefix[i]) + "Query").c_str());
      if (query.empty()) query = req.get_param_value("query");
      if (query.empty()) {
        return Status::InvalidArgument(std::string("render-diff: parameter \"") + prefix[i] +
                                       "Query\" is required");
      }
      std::string from_s = req.get_param_value((std::string(prefix[i]) + "From").c_str());
      ASSIGN_OR_RETURN(int64_t from, ParseLegacyTime(from_s.empty() ? "now-1h" : from_s, now));
      ASSIGN_OR_RETURN(
          int64_t until,
          ParseLegacyTime(req.get_param_value((std::string(prefix[i]) + "Until").c_str()), now));
      std::string type, selector;
      RETURN_IF_ERROR(ResolveLegacyQuery(tenant, query, &type, &selector, &app));
      sides[i].set_profile_typeid(type);
      sides[i].set_label_selector(selector);
      sides[i].set_start(std::max<int64_t>(1, from / 1000000));
      sides[i].set_end(until / 1000000);
    }
    int64_t max_nodes = kDefaultMaxNodes;
    if (req.has_param("max-nodes")) max_nodes = atoll(req.get_param_value("max-nodes").c_str());
    ASSIGN_OR_RETURN(FlameGraphDiff g, DiffOf(tenant, sides[0], sides[1], max_nodes));
    ProfileTypeId id = ParseProfileTypeId(sides[0].profile_typeid()).value();
    *out = "{\"version\":1,\"flamebearer\":{\"names\":";
    AppendNamesJson(out, g.names);
    *out += ",\"levels\":";
    AppendLevelsJson(out, g.levels);
    *out += ",\"numTicks\":" + std::to_string(g.total) +
            ",\"maxSelf\":" + std::to_string(g.max_self) + "}";
    *out += ",\"metadata\":{\"format\":\"double\",\"spyName\":\"\",\"sampleRate\":" +
            std::to_string(id.sample_unit == "nanoseconds" ? 1000000000 : 100) +
            ",\"units\":" + JsonString(LegacyUnits(id)) + ",\"name\":" + JsonString(app) + "}";
    *out += ",\"leftTicks\":" + std::to_string(g.left_ticks) +
            ",\"rightTicks\":" + std::to_string(g.right_ticks) + "}";
    return Status();
  }

  Status LegacyLabels(const httplib::Request& req, const std::string& tenant, bool values,
                      std::string* out) {
    std::string label = req.get_param_value("label");
    if (values && label.empty()) {
      return Status::InvalidArgument("label-values: parameter \"label\" is required");
    }
    Selector sel;
    std::string query = req.get_param_value("query");
    if (!query.empty()) {
      std::string type, selector, app;
      Result<Selector> parsed = ParseSelector(query);
      if (!parsed.ok()) return parsed.status();
      if (!parsed->prefix.empty()) {
        RETURN_IF_ERROR(ResolveLegacyQuery(tenant, query, &type, &selector, &app));
        ASSIGN_OR_RETURN(sel, ParseSelector(selector));
      } else {
        sel = std::move(*parsed);
      }
    }
    std::set<std::string> result;
    for (const SeriesMatch& m : AllSeries(tenant, sel, INT64_MIN, INT64_MAX)) {
      if (values) {
        if (const std::string* v = FindLabel(m.labels, label)) result.insert(*v);
      } else {
        for (const auto& kv : m.labels) result.insert(kv.first);
      }
    }
    *out = "[";
    bool first = true;
    for (const std::string& v : result) {
      if (!first) *out += ",";
      first = false;
      *out += JsonString(v);
    }
    *out += "]";
    return Status();
  }

  // ---- static files -------------------------------------------------------------

  static const char* ContentTypeOf(const std::string& path) {
    auto ends = [&](const char* s) {
      size_t n = strlen(s);
      return path.size() >= n && path.compare(path.size() - n, n, s) == 0;
    };
    if (ends(".html")) return "text/html; charset=utf-8";
    if (ends(".js") || ends(".mjs")) return "text/javascript; charset=utf-8";
    if (ends(".wasm")) return "application/wasm";
    if (ends(".css")) return "text/css; charset=utf-8";
    if (ends(".json") || ends(".map")) return "application/json";
    if (ends(".svg")) return "image/svg+xml";
    if (ends(".png")) return "image/png";
    if (ends(".ico")) return "image/x-icon";
    return "application/octet-stream";
  }

  void ServeStatic(const httplib::Request& req, httplib::Response& res) {
    std::string path = req.path.substr(1);
    if (path.empty()) path = "index.html";
    const WebAsset* a = FindWebAsset(path);
    if (!a && path == "index.html") {
      res.set_content(
          "<!doctype html><meta charset=utf-8><title>Pyrolens server</title>"
          "<h1>Pyrolens server</h1><p>The web viewer was not built into this binary, so there "
          "is no UI to show. The Pyroscope-compatible API is running: push profiles to "
          "<code>/ingest</code> or <code>/push.v1.PusherService/Push</code> and query "
          "<code>/querier.v1.QuerierService/*</code> or <code>/pyroscope/render</code>.</p>"
          "<p>Build the viewer (build/wasm), then rebuild pyrolens to embed it.</p>\n",
          "text/html; charset=utf-8");
      return;
    }
    if (!a) {
      SendText(res, 404, "not found: " + req.path.substr(0, 200));
      return;
    }
    res.set_header("Cache-Control", path == "index.html" ? "no-cache" : "public, max-age=3600");
    res.set_content(reinterpret_cast<const char*>(a->data), a->size, ContentTypeOf(path));
  }

  // ---- routes -------------------------------------------------------------------

  void Routes() {
    http.set_payload_max_length(options.limits.max_request_bytes);
    http.set_keep_alive_max_count(10000);
    // Headers and body go out in separate writes: without TCP_NODELAY, Nagle's algorithm
    // and the client's delayed ACK hold every response ~40 ms.
    http.set_tcp_nodelay(true);
    http.set_read_timeout(10, 0);
    http.set_write_timeout(10, 0);
    if (options.threads > 0) {
      int n = options.threads;
      http.new_task_queue = [n] { return new httplib::ThreadPool(n); };
    }
    http.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
      AddCommonHeaders(req, res);
      if (req.method == "OPTIONS") {
        res.status = 204;
        return httplib::Server::HandlerResponse::Handled;
      }
      if (IsApiPath(req.path) && !Authorized(req)) {
        res.set_header("WWW-Authenticate", "Bearer");
        if (req.path.rfind("/querier.v1.", 0) == 0 || req.path.rfind("/push.v1.", 0) == 0) {
          SendConnectError(res, 401, "missing or wrong auth token");
        } else {
          SendText(res, 401, "missing or wrong auth token");
        }
        return httplib::Server::HandlerResponse::Handled;
      }
      return httplib::Server::HandlerResponse::Unhandled;
    });
    http.set_exception_handler([](const httplib::Request&, httplib::Response& res,
                                  std::exception_ptr) { SendText(res, 400, "bad request"); });
    http.set_error_handler([](const httplib::Request&, httplib::Response& res) {
      if (res.body.empty()) {
        res.set_content("HTTP status " + std::to_string(res.status) + "\n",
                        "text/plain; charset=utf-8");
      }
    });

    http.Get("/ready", [](const httplib::Request&, httplib::Response& res) {
      res.set_content("ready\n", "text/plain");
    });
    http.Get("/pyrolens/config.json", [this](const httplib::Request&, httplib::Response& res) {
      // The page hook: the viewer reads this to switch to server mode.
      res.set_content(std::string("{\"mode\":\"server\",\"version\":\"0.1.0\",\"apiBase\":\"\","
                                  "\"authRequired\":") +
                          (options.auth_token.empty() ? "false" : "true") +
                          ",\"viewerEmbedded\":" + (NumWebAssets() ? "true" : "false") + "}",
                      "application/json");
    });

    http.Post("/ingest", GuardReader([this](const httplib::Request& req, httplib::Response& res,
                                            const httplib::ContentReader& reader) {
                std::string tenant;
                if (!TenantOf(req, res, &tenant, false)) return;
                Body body;
                bool encoded = req.has_header("Content-Encoding");
                Status s = ReadBody(req, reader,
                                    encoded ? options.limits.max_decompressed_bytes
                                            : options.limits.max_request_bytes,
                                    &body);
                if (s.ok()) s = IngestLegacy(req, tenant, body);
                if (!s.ok()) {
                  SendText(res, HttpStatusOf(s), s.message());
                  return;
                }
                res.status = 200;
              }));

    auto connect_post = [this](const std::string& service) {
      return GuardReader([this, service](const httplib::Request& req, httplib::Response& res,
                                         const httplib::ContentReader& reader) {
        std::string tenant;
        if (!TenantOf(req, res, &tenant, true)) return;
        std::string media = MediaType(req);
        bool json = media == "application/json";
        if (!json && media != "application/proto") {
          // Drain nothing: httplib closes or skips the body.
          SendConnectError(res, 415,
                           "unsupported Content-Type \"" + media.substr(0, 64) +
                               "\" (expected application/proto or application/json)");
          return;
        }
        Body body;
        bool encoded = req.has_header("Content-Encoding");
        Status s = ReadBody(
            req, reader,
            encoded ? options.limits.max_decompressed_bytes : options.limits.max_request_bytes,
            &body);
        if (s.ok() && body.multipart)
          s = Status::InvalidArgument("multipart body on a Connect call");
        if (s.ok()) {
          s = DecodeContentEncoding(req, options.limits.max_decompressed_bytes, &body.data);
        }
        std::string method = req.matches.size() > 1 ? req.matches[1].str() : "";
        std::string out;
        if (s.ok()) {
          if (service == "push") {
            if (method != "Push") {
              s = Status::NotFound("unknown method push.v1.PusherService/" + method.substr(0, 64));
            } else {
              push::v1::PushRequest pr;
              if (json) {
                s = FromJson(body.data.empty() ? std::string_view("{}") : body.data, &pr);
              } else if (!pr.ParseFromString(body.data)) {
                s = Status::InvalidArgument("request is not a valid push.v1.PushRequest message");
              }
              if (s.ok()) s = Push(pr, tenant);
              out = json ? "{}" : "";
            }
          } else {
            s = Querier(method, json, body.data, tenant, &out);
          }
        }
        if (!s.ok()) {
          SendConnectError(res, HttpStatusOf(s), s.message());
          return;
        }
        res.status = 200;
        res.set_content(out, json ? "application/json" : "application/proto");
      });
    };
    http.Post(R"(/push\.v1\.PusherService/([A-Za-z]+))", connect_post("push"));
    http.Post(R"(/querier\.v1\.QuerierService/([A-Za-z]+))", connect_post("querier"));
    auto method_not_allowed = [](const httplib::Request&, httplib::Response& res) {
      res.set_header("Allow", "POST");
      SendConnectError(res, 405, "use POST for Connect unary calls");
    };
    http.Get(R"(/push\.v1\.PusherService/.*)", method_not_allowed);
    http.Get(R"(/querier\.v1\.QuerierService/.*)", method_not_allowed);
    http.Get("/ingest", [](const httplib::Request&, httplib::Response& res) {
      res.set_header("Allow", "POST");
      SendText(res, 405, "use POST to ingest profiles");
    });

    auto legacy = [this](int which) {
      return Guard([this, which](const httplib::Request& req, httplib::Response& res) {
        std::string tenant;
        if (!TenantOf(req, res, &tenant, false)) return;
        std::string out;
        Status s = which == 0   ? Render(req, tenant, &out)
                   : which == 1 ? RenderDiff(req, tenant, &out)
                   : which == 2 ? LegacyLabels(req, tenant, true, &out)
                                : LegacyLabels(req, tenant, false, &out);
        if (!s.ok()) {
          SendText(res, HttpStatusOf(s), s.message());
          return;
        }
        res.set_content(out, "application/json");
      });
    };
    http.Get("/pyroscope/render", legacy(0));
    http.Get("/pyroscope/render-diff", legacy(1));
    http.Get("/pyroscope/label-values", legacy(2));
    http.Get("/pyroscope/labels", legacy(3));

    http.Get(R"(/.*)", [this](const httplib::Request& req, httplib::Response& res) {
      ServeStatic(req, res);
    });
  }
};

Server::Server(Store* store, ServerOptions options)
    : impl_(std::make_unique<Impl>(store, std::move(options))) {}

Server::~Server() { Stop(); }

Status Server::Start() {
  impl_->Routes();
  const ServerOptions& o = impl_->options;
  if (o.port == 0) {
    port_ = impl_->http.bind_to_any_port(o.host);
    if (port_ <= 0) return Status::InvalidArgument("cannot bind " + o.host + " to any port");
  } else {
    if (!impl_->http.bind_to_port(o.host, o.port)) {
      return Status::InvalidArgument(
          Format("cannot listen on %s:%d (address in use or not local?)", o.host.c_str(), o.port));
    }
    port_ = o.port;
  }
  Impl* impl = impl_.get();
  impl_->thread = std::thread([impl] { impl->http.listen_after_bind(); });
  return Status();
}

void Server::Wait() {
  std::unique_lock<std::mutex> l(impl_->stop_mu);
  impl_->stop_cv.wait(l, [&] { return impl_->stopped; });
}

void Server::Stop() {
  if (!impl_) return;
  impl_->http.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
  {
    std::lock_guard<std::mutex> l(impl_->stop_mu);
    impl_->stopped = true;
  }
  impl_->stop_cv.notify_all();
}

}  // namespace pyrolens
