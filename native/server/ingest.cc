#include "server/ingest.h"

#include <rapidjson/document.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <map>

#include "jfr_labels.pb.h"
#include "pyrolens/compression.h"
#include "pyrolens/jfr.h"

namespace pyrolens {

namespace {

bool StartsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

const char* const kKnownSuffixes[] = {"cpu",
                                      "itimer",
                                      "wall",
                                      "alloc_objects",
                                      "alloc_space",
                                      "inuse_objects",
                                      "inuse_space",
                                      "goroutines",
                                      "goroutine",
                                      "mutex_count",
                                      "mutex_duration",
                                      "block_count",
                                      "block_duration",
                                      "lock_count",
                                      "lock_duration",
                                      "exceptions",
                                      "alloc_in_new_tlab_objects",
                                      "alloc_in_new_tlab_bytes",
                                      "alloc_outside_tlab_objects",
                                      "alloc_outside_tlab_bytes",
                                      "contentions",
                                      "delay"};

std::string SuffixOf(const std::string& app_name) {
  size_t dot = app_name.rfind('.');
  if (dot == std::string::npos) return "";
  std::string suffix = app_name.substr(dot + 1);
  for (const char* k : kKnownSuffixes) {
    if (suffix == k) return suffix;
  }
  return "";
}

// The profile-type name (`__name__`) Pyroscope gives a column.
std::string TypeNameOf(const std::string& type, const std::string& period_type,
                       const std::string& display, const std::string& hint) {
  const std::string& key = display.empty() ? type : display;
  if (StartsWith(key, "mutex")) return "mutex";
  if (StartsWith(key, "block")) return "block";
  if (key == "cpu" || key == "itimer" || (key == "samples" && period_type == "cpu")) {
    return "process_cpu";
  }
  if (key == "wall" || key == "wall_samples" || (key == "samples" && period_type == "wall")) {
    return "wall";
  }
  if (StartsWith(key, "alloc_") || StartsWith(key, "inuse_") || key == "objects" ||
      key == "space" || StartsWith(key, "alloc-")) {
    return "memory";
  }
  if (key == "goroutine" || key == "goroutines") return "goroutines";
  if (key == "contentions" || key == "delay") {
    if (StartsWith(hint, "block")) return "block";
    return "mutex";
  }
  if (StartsWith(key, "lock")) return "mutex";
  if (StartsWith(key, "exception")) return "exceptions";
  if (key == "samples" && !hint.empty()) return hint == "cpu" ? "process_cpu" : hint;
  if (key == "samples") return "process_cpu";
  return key.empty() ? "unknown" : key;
}

// The period type Pyroscope's converters give each profile-type name; used for columns
// whose profile's period type belongs to another kind (a JFR recording holds several).
bool CanonicalPeriod(const std::string& name, std::string* type, std::string* unit) {
  static const char* const kPeriods[][3] = {
      {"process_cpu", "cpu", "nanoseconds"}, {"wall", "wall", "nanoseconds"},
      {"memory", "space", "bytes"},          {"mutex", "contentions", "count"},
      {"block", "contentions", "count"},     {"goroutines", "goroutine", "count"},
      {"exceptions", "exceptions", "count"},
  };
  for (const auto& p : kPeriods) {
    if (name == p[0]) {
      *type = p[1];
      *unit = p[2];
      return true;
    }
  }
  return false;
}

}  // namespace

Result<SampleTypeConfig> ParseSampleTypeConfig(std::string_view json) {
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    return Status::InvalidArgument(
        Format("ingest: sample_type_config: not a JSON object (parse error at offset %zu)",
               doc.HasParseError() ? doc.GetErrorOffset() : 0));
  }
  SampleTypeConfig out;
  for (auto it = doc.MemberBegin(); it != doc.MemberEnd(); ++it) {
    if (!it->value.IsObject()) {
      return Status::InvalidArgument(
          Format("ingest: sample_type_config.%s: expected an object", it->name.GetString()));
    }
    SampleTypeSetting s;
    auto str = [&](const char* k, std::string* dst) {
      auto m = it->value.FindMember(k);
      if (m != it->value.MemberEnd() && m->value.IsString()) *dst = m->value.GetString();
    };
    auto boolean = [&](const char* k, bool* dst) {
      auto m = it->value.FindMember(k);
      if (m != it->value.MemberEnd() && m->value.IsBool()) *dst = m->value.GetBool();
    };
    str("units", &s.units);
    str("aggregation", &s.aggregation);
    str("display-name", &s.display_name);
    boolean("sampled", &s.sampled);
    boolean("cumulative", &s.cumulative);
    out[it->name.GetString()] = s;
  }
  return out;
}

int64_t TimeToNanos(int64_t t) {
  int64_t a = t < 0 ? -t : t;
  if (a < 10000000000LL) return t * 1000000000LL;  // seconds (until year 2286)
  if (a < 10000000000000LL) return t * 1000000LL;  // milliseconds
  if (a < 10000000000000000LL) return t * 1000LL;  // microseconds
  return t;                                        // nanoseconds
}

std::string ServiceNameOf(const std::string& app_name) {
  std::string suffix = SuffixOf(app_name);
  if (suffix.empty()) return app_name;
  return app_name.substr(0, app_name.size() - suffix.size() - 1);
}

static Status ParseInt(const std::string& field, const std::string& v, int64_t* out) {
  errno = 0;
  char* end = nullptr;
  long long x = strtoll(v.c_str(), &end, 10);
  if (v.empty() || errno != 0 || *end != '\0') {
    return Status::InvalidArgument(
        Format("ingest: parameter \"%s\": not an integer (\"%.64s\")", field.c_str(), v.c_str()));
  }
  *out = x;
  return Status();
}

Result<IngestParams> ParseIngestParams(const std::multimap<std::string, std::string>& params) {
  IngestParams p;
  auto get = [&](const char* k) -> const std::string* {
    auto it = params.find(k);
    return it == params.end() ? nullptr : &it->second;
  };
  const std::string* name = get("name");
  if (!name || name->empty()) {
    return Status::InvalidArgument(
        "ingest: parameter \"name\" is required (e.g. myapp.cpu{env=prod})");
  }
  size_t brace = name->find('{');
  p.app_name = name->substr(0, brace);
  while (!p.app_name.empty() && p.app_name.back() == ' ') p.app_name.pop_back();
  if (p.app_name.empty()) {
    return Status::InvalidArgument("ingest: parameter \"name\": empty application name");
  }
  if (brace != std::string::npos) {
    size_t close = name->rfind('}');
    if (close == std::string::npos || close < brace) {
      return Status::InvalidArgument("ingest: parameter \"name\": missing '}'");
    }
    std::string body = name->substr(brace + 1, close - brace - 1);
    size_t i = 0;
    while (i < body.size()) {
      size_t comma = body.find(',', i);
      if (comma == std::string::npos) comma = body.size();
      std::string kv = body.substr(i, comma - i);
      i = comma + 1;
      if (kv.find_first_not_of(' ') == std::string::npos) continue;
      size_t eq = kv.find('=');
      if (eq == std::string::npos) {
        return Status::InvalidArgument(
            Format("ingest: parameter \"name\": label \"%.64s\" has no '='", kv.c_str()));
      }
      std::string k = kv.substr(0, eq), v = kv.substr(eq + 1);
      auto trim = [](std::string* s) {
        while (!s->empty() && s->front() == ' ') s->erase(s->begin());
        while (!s->empty() && s->back() == ' ') s->pop_back();
      };
      trim(&k);
      trim(&v);
      if (!IsValidLabelName(k)) {
        return Status::InvalidArgument(
            Format("ingest: parameter \"name\": bad label name \"%.64s\"", k.c_str()));
      }
      p.labels.emplace_back(k, v);
    }
  }
  if (const std::string* v = get("from"); v && !v->empty()) {
    int64_t t;
    RETURN_IF_ERROR(ParseInt("from", *v, &t));
    p.from_ns = TimeToNanos(t);
  }
  if (const std::string* v = get("until"); v && !v->empty()) {
    int64_t t;
    RETURN_IF_ERROR(ParseInt("until", *v, &t));
    p.until_ns = TimeToNanos(t);
  }
  if (p.from_ns && p.until_ns && p.until_ns < p.from_ns) {
    return Status::InvalidArgument("ingest: parameter \"until\" is before \"from\"");
  }
  if (const std::string* v = get("sampleRate"); v && !v->empty()) {
    RETURN_IF_ERROR(ParseInt("sampleRate", *v, &p.sample_rate));
    if (p.sample_rate < 0) {
      return Status::InvalidArgument("ingest: parameter \"sampleRate\" must not be negative");
    }
  }
  if (const std::string* v = get("spyName")) p.spy_name = *v;
  if (const std::string* v = get("units")) p.units = *v;
  if (const std::string* v = get("aggregationType")) p.aggregation = *v;
  if (const std::string* v = get("format")) p.format = *v;
  static const char* const kFormats[] = {"",     "pprof", "jfr",    "speedscope", "trie",
                                         "tree", "lines", "folded", "groups"};
  if (std::find_if(std::begin(kFormats), std::end(kFormats),
                   [&](const char* f) { return p.format == f; }) == std::end(kFormats)) {
    return Status::InvalidArgument(
        Format("ingest: parameter \"format\": unknown format \"%.32s\" (expected pprof, jfr, "
               "speedscope, trie, tree, lines, folded or groups)",
               p.format.c_str()));
  }
  NormalizeLabels(&p.labels);
  return p;
}

Profile KeepColumns(const Profile& profile, const std::vector<size_t>& cols) {
  Profile out = profile;
  size_t n = profile.num_types();
  out.sample_types.clear();
  for (size_t c : cols) out.sample_types.push_back(profile.sample_types[c]);
  out.values.assign(profile.num_samples() * cols.size(), 0);
  for (size_t i = 0; i < profile.num_samples(); ++i) {
    for (size_t k = 0; k < cols.size(); ++k) {
      out.values[i * cols.size() + k] = profile.values[i * n + cols[k]];
    }
  }
  return out;
}

Result<std::vector<std::pair<LabelSet, Profile>>> SplitByJfrContext(Profile profile,
                                                                    const LabelSet& labels,
                                                                    std::string_view snapshot,
                                                                    size_t max_decompressed) {
  ByteBuffer storage;
  Result<std::string_view> plain = Decompress(snapshot, &storage, max_decompressed);
  if (!plain.ok()) return plain.status().WithPrefix("ingest: labels part");
  io::pyroscope::labels::pb::LabelsSnapshot snap;
  if (!snap.ParseFromArray(plain->data(), static_cast<int>(plain->size()))) {
    return Status::InvalidArgument("ingest: labels part: not a LabelsSnapshot protobuf");
  }
  // The series labels of each context id the snapshot knows.
  std::map<int64_t, LabelSet> context_labels;
  for (const auto& [id, ctx] : snap.contexts()) {
    LabelSet set = labels;
    for (const auto& [name_id, value_id] : ctx.labels()) {
      auto name = snap.strings().find(name_id), value = snap.strings().find(value_id);
      if (name == snap.strings().end() || value == snap.strings().end()) continue;
      if (!IsValidLabelName(name->second) || StartsWith(name->second, "__")) continue;
      set.emplace_back(name->second, value->second);
    }
    NormalizeLabels(&set);
    context_labels.emplace(id, std::move(set));
  }
  // Samples by series; labels of each sample without the context id.
  std::map<LabelSet, std::vector<uint32_t>> samples_of;
  std::vector<uint32_t> kept;  // ids into profile.label_table
  std::vector<uint32_t> kept_offsets{0};
  for (uint32_t i = 0; i < profile.num_samples(); ++i) {
    const LabelSet* set = &labels;
    for (uint32_t l = profile.label_offsets[i]; l < profile.label_offsets[i + 1]; ++l) {
      const Label& label = profile.label(l);
      if (label.str == 0 && profile.str(label.key) == kJfrContextLabel) {
        auto it = context_labels.find(label.num);
        if (it != context_labels.end()) set = &it->second;
      } else {
        kept.push_back(profile.sample_labels[l]);
      }
    }
    kept_offsets.push_back(static_cast<uint32_t>(kept.size()));
    samples_of[*set].push_back(i);
  }
  std::vector<std::pair<LabelSet, Profile>> out;
  if (samples_of.size() <= 1) {  // one series: the profile as it is, minus the context ids
    profile.sample_labels = std::move(kept);
    profile.label_offsets = std::move(kept_offsets);
    out.emplace_back(samples_of.empty() ? labels : samples_of.begin()->first, std::move(profile));
    return out;
  }
  for (const auto& [set, samples] : samples_of) {
    Profile part = profile;
    size_t n = part.num_types();
    part.sample_stack.clear();
    part.values.clear();
    part.sample_labels.clear();
    part.label_offsets.assign(1, 0);
    for (uint32_t i : samples) {
      part.sample_stack.push_back(profile.sample_stack[i]);
      const int64_t* v = profile.sample_values(i);
      part.values.insert(part.values.end(), v, v + n);
      part.sample_labels.insert(part.sample_labels.end(), kept.begin() + kept_offsets[i],
                                kept.begin() + kept_offsets[i + 1]);
      part.label_offsets.push_back(static_cast<uint32_t>(part.sample_labels.size()));
    }
    out.emplace_back(set, std::move(part));
  }
  return out;
}

void ApplyLegacyUnits(const IngestParams& params, Profile* profile) {
  if (profile->num_types() != 1) return;
  std::string units = params.units.empty() ? "samples" : params.units;
  std::string suffix = SuffixOf(params.app_name);
  bool average = params.aggregation == "average";
  auto set = [&](const char* type, const char* unit, const char* ptype, const char* punit) {
    profile->sample_types[0] = {profile->strings.Intern(type), profile->strings.Intern(unit)};
    profile->period_type = {profile->strings.Intern(ptype), profile->strings.Intern(punit)};
  };
  if (units == "samples") {
    if (suffix.empty() || suffix == "cpu" || suffix == "itimer") {
      int64_t rate = params.sample_rate > 0 ? params.sample_rate : 100;
      int64_t period = 1000000000 / rate;
      for (int64_t& v : profile->values) v *= period;
      set("cpu", "nanoseconds", "cpu", "nanoseconds");
      profile->period = period;
    } else if (suffix == "wall") {
      int64_t rate = params.sample_rate > 0 ? params.sample_rate : 100;
      int64_t period = 1000000000 / rate;
      for (int64_t& v : profile->values) v *= period;
      set("wall", "nanoseconds", "wall", "nanoseconds");
      profile->period = period;
    } else {
      set(suffix.c_str(), "count", suffix.c_str(), "count");
    }
  } else if (units == "objects") {
    set(average ? "inuse_objects" : "alloc_objects", "count", "space", "bytes");
  } else if (units == "bytes") {
    set(average ? "inuse_space" : "alloc_space", "bytes", "space", "bytes");
  } else if (units == "goroutines") {
    set("goroutine", "count", "goroutine", "count");
  } else if (units == "lock_samples") {
    set("contentions", "count", "contentions", "count");
  } else if (units == "lock_nanoseconds") {
    set("delay", "nanoseconds", "contentions", "count");
  }
}

Result<std::vector<ProfileRecord>> BuildRecords(const std::string& tenant, const Profile& profile,
                                                const LabelSet& labels, const SampleTypeConfig* st,
                                                const std::string& name_hint, int64_t time_ns,
                                                int64_t duration_ns, uint64_t raw_size,
                                                int64_t now_ns, std::string_view plain_pprof) {
  if (profile.num_types() == 0) {
    return Status::InvalidArgument("ingest: profile has no sample types");
  }
  const std::string* given_name = FindLabel(labels, "__name__");
  const std::string& period_type = profile.str(profile.period_type.type);
  // Group columns by type name, keeping first-seen order.
  std::vector<std::string> names;
  std::vector<std::vector<size_t>> groups;
  for (size_t c = 0; c < profile.num_types(); ++c) {
    const std::string& type = profile.str(profile.sample_types[c].type);
    std::string display;
    if (st) {
      auto it = st->find(type);
      if (it == st->end()) continue;  // Pyroscope ingests only configured types
      display = it->second.display_name;
    }
    std::string name = given_name && !given_name->empty()
                           ? *given_name
                           : TypeNameOf(type, period_type, display, name_hint);
    auto it = std::find(names.begin(), names.end(), name);
    if (it == names.end()) {
      names.push_back(name);
      groups.push_back({c});
    } else {
      groups[it - names.begin()].push_back(c);
    }
  }
  if (groups.empty()) {
    return Status::InvalidArgument(
        "ingest: sample_type_config lists none of the profile's sample types");
  }
  int64_t t = time_ns;
  if (t == 0) t = profile.time_nanos ? TimeToNanos(profile.time_nanos) : now_ns;
  int64_t d = duration_ns ? duration_ns : profile.duration_nanos;
  std::vector<ProfileRecord> out;
  for (size_t g = 0; g < groups.size(); ++g) {
    ProfileRecord r;
    r.tenant = tenant;
    r.labels = labels;
    r.labels.emplace_back("__name__", names[g]);
    NormalizeLabels(&r.labels);
    bool all = groups[g].size() == profile.num_types();
    Profile part = all ? Profile() : KeepColumns(profile, groups[g]);
    const Profile& p = all ? profile : part;
    std::string ptype = p.str(p.period_type.type), punit = p.str(p.period_type.unit);
    if (!given_name && TypeNameOf(ptype, ptype, "", name_hint) != names[g]) {
      CanonicalPeriod(names[g], &ptype, &punit);
    }
    for (size_t c = 0; c < p.num_types(); ++c) {
      ProfileTypeId id{names[g], p.str(p.sample_types[c].type), p.str(p.sample_types[c].unit),
                       ptype, punit};
      r.types.push_back(id.ToString());
      r.totals.push_back(p.Total(c));
    }
    r.time_ns = t;
    r.duration_ns = d;
    r.blob = all && !plain_pprof.empty() ? CompressBlob(plain_pprof) : EncodeProfile(p);
    r.stacks = EncodeStacks(p);
    r.raw_size = g == 0 ? raw_size : 0;
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace pyrolens
