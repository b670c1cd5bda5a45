#include "server/connect.h"

#include <rapidjson/document.h>

#include <cmath>
#include <cstdlib>

namespace pyrolens {

namespace {

using Value = rapidjson::Value;

Status Parse(std::string_view json, rapidjson::Document* doc, const char* what) {
  doc->Parse(json.data(), json.size());
  if (doc->HasParseError()) {
    return Status::InvalidArgument(
        Format("%s: invalid JSON at offset %zu", what, doc->GetErrorOffset()));
  }
  if (!doc->IsObject()) return Status::InvalidArgument(Format("%s: expected a JSON object", what));
  return Status();
}

// The member named `camel` or `orig` (protojson accepts both), or nullptr.
const Value* Member(const Value& obj, const char* camel, const char* orig = nullptr) {
  auto it = obj.FindMember(camel);
  if (it != obj.MemberEnd() && !it->value.IsNull()) return &it->value;
  if (orig) {
    it = obj.FindMember(orig);
    if (it != obj.MemberEnd() && !it->value.IsNull()) return &it->value;
  }
  return nullptr;
}

Status GetInt64(const Value& obj, const char* camel, const char* orig, int64_t* out,
                bool* present = nullptr) {
  const Value* v = Member(obj, camel, orig);
  if (present) *present = v != nullptr;
  if (!v) return Status();
  if (v->IsInt64()) {
    *out = v->GetInt64();
    return Status();
  }
  if (v->IsDouble() && std::floor(v->GetDouble()) == v->GetDouble() &&
      std::fabs(v->GetDouble()) < 9.2e18) {
    *out = static_cast<int64_t>(v->GetDouble());
    return Status();
  }
  if (v->IsString()) {
    char* end = nullptr;
    errno = 0;
    long long x = strtoll(v->GetString(), &end, 10);
    if (v->GetStringLength() > 0 && *end == '\0' && errno == 0) {
      *out = x;
      return Status();
    }
  }
  return Status::InvalidArgument(Format("field %s: expected an int64 (number or string)", camel));
}

Status GetDouble(const Value& obj, const char* camel, double* out) {
  const Value* v = Member(obj, camel);
  if (!v) return Status();
  if (v->IsNumber()) {
    *out = v->GetDouble();
    return Status();
  }
  if (v->IsString()) {
    char* end = nullptr;
    double x = strtod(v->GetString(), &end);
    if (v->GetStringLength() > 0 && *end == '\0') {
      *out = x;
      return Status();
    }
  }
  return Status::InvalidArgument(Format("field %s: expected a number", camel));
}

Status GetString(const Value& obj, const char* camel, const char* orig, std::string* out) {
  const Value* v = Member(obj, camel, orig);
  if (!v) return Status();
  if (!v->IsString()) return Status::InvalidArgument(Format("field %s: expected a string", camel));
  out->assign(v->GetString(), v->GetStringLength());
  return Status();
}

template <typename Add>
Status GetStrings(const Value& obj, const char* camel, const char* orig, Add add) {
  const Value* v = Member(obj, camel, orig);
  if (!v) return Status();
  if (!v->IsArray()) return Status::InvalidArgument(Format("field %s: expected an array", camel));
  for (const Value& e : v->GetArray()) {
    if (!e.IsString()) {
      return Status::InvalidArgument(Format("field %s: expected an array of strings", camel));
    }
    add(std::string(e.GetString(), e.GetStringLength()));
  }
  return Status();
}

// The "start" and "end" fields (ms; JSON numbers or int64 strings) of any request.
template <typename Request>
Status GetRange(const Value& obj, Request* m) {
  int64_t start = 0, end = 0;
  RETURN_IF_ERROR(GetInt64(obj, "start", nullptr, &start));
  RETURN_IF_ERROR(GetInt64(obj, "end", nullptr, &end));
  m->set_start(start);
  m->set_end(end);
  return Status();
}

Status StacktracesFromValue(const Value& o, querier::v1::SelectMergeStacktracesRequest* m) {
  if (!o.IsObject()) return Status::InvalidArgument("expected a JSON object");
  RETURN_IF_ERROR(GetString(o, "profileTypeID", "profile_typeID", m->mutable_profile_typeid()));
  RETURN_IF_ERROR(GetString(o, "labelSelector", "label_selector", m->mutable_label_selector()));
  RETURN_IF_ERROR(GetRange(o, m));
  int64_t v = 0;
  bool present = false;
  RETURN_IF_ERROR(GetInt64(o, "maxNodes", "max_nodes", &v, &present));
  if (present) m->set_max_nodes(v);
  if (const Value* f = Member(o, "format")) {
    if (f->IsInt()) {
      m->set_format(
          static_cast<querier::v1::ProfileFormat>(f->GetInt() == 2 ? 2 : f->GetInt() == 1));
    } else if (f->IsString() && std::string(f->GetString()) == "PROFILE_FORMAT_TREE") {
      m->set_format(querier::v1::PROFILE_FORMAT_TREE);
    }
  }
  return Status();
}

void AppendEscaped(std::string* out, std::string_view s) {
  static const char* hex = "0123456789abcdef";
  out->push_back('"');
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        *out += "\\\"";
        break;
      case '\\':
        *out += "\\\\";
        break;
      case '\n':
        *out += "\\n";
        break;
      case '\r':
        *out += "\\r";
        break;
      case '\t':
        *out += "\\t";
        break;
      default:
        if (c < 0x20) {
          *out += "\\u00";
          out->push_back(hex[c >> 4]);
          out->push_back(hex[c & 15]);
        } else {
          out->push_back(static_cast<char>(c));
        }
    }
  }
  out->push_back('"');
}

std::string Quoted(int64_t v) { return "\"" + std::to_string(v) + "\""; }

void AppendLabels(std::string* out,
                  const google::protobuf::RepeatedPtrField<types::v1::LabelPair>& labels) {
  *out += "[";
  for (int i = 0; i < labels.size(); ++i) {
    if (i) *out += ",";
    *out += "{\"name\":";
    AppendEscaped(out, labels[i].name());
    *out += ",\"value\":";
    AppendEscaped(out, labels[i].value());
    *out += "}";
  }
  *out += "]";
}

}  // namespace

std::string JsonString(std::string_view s) {
  std::string out;
  AppendEscaped(&out, s);
  return out;
}

Status FromJson(std::string_view json, querier::v1::ProfileTypesRequest* m) {
  rapidjson::Document d;
  RETURN_IF_ERROR(Parse(json, &d, "ProfileTypesRequest"));
  RETURN_IF_ERROR(GetRange(d, m));
  return Status();
}

Status FromJson(std::string_view json, types::v1::LabelNamesRequest* m) {
  rapidjson::Document d;
  RETURN_IF_ERROR(Parse(json, &d, "LabelNamesRequest"));
  RETURN_IF_ERROR(GetStrings(d, "matchers", nullptr, [&](std::string s) { m->add_matchers(s); }));
  RETURN_IF_ERROR(GetRange(d, m));
  return Status();
}

Status FromJson(std::string_view json, types::v1::LabelValuesRequest* m) {
  rapidjson::Document d;
  RETURN_IF_ERROR(Parse(json, &d, "LabelValuesRequest"));
  RETURN_IF_ERROR(GetString(d, "name", nullptr, m->mutable_name()));
  RETURN_IF_ERROR(GetStrings(d, "matchers", nullptr, [&](std::string s) { m->add_matchers(s); }));
  RETURN_IF_ERROR(GetRange(d, m));
  return Status();
}

Status FromJson(std::string_view json, querier::v1::SeriesRequest* m) {
  rapidjson::Document d;
  RETURN_IF_ERROR(Parse(json, &d, "SeriesRequest"));
  RETURN_IF_ERROR(GetStrings(d, "matchers", nullptr, [&](std::string s) { m->add_matchers(s); }));
  RETURN_IF_ERROR(
      GetStrings(d, "labelNames", "label_names", [&](std::string s) { m->add_label_names(s); }));
  RETURN_IF_ERROR(GetRange(d, m));
  return Status();
}

Status FromJson(std::string_view json, querier::v1::SelectMergeStacktracesRequest* m) {
  rapidjson::Document d;
  RETURN_IF_ERROR(Parse(json, &d, "SelectMergeStacktracesRequest"));
  return StacktracesFromValue(d, m);
}

Status FromJson(std::string_view json, querier::v1::SelectMergeProfileRequest* m) {
  querier::v1::SelectMergeStacktracesRequest s;
  RETURN_IF_ERROR(FromJson(json, &s));
  m->set_profile_typeid(s.profile_typeid());
  m->set_label_selector(s.label_selector());
  m->set_start(s.start());
  m->set_end(s.end());
  if (s.has_max_nodes()) m->set_max_nodes(s.max_nodes());
  return Status();
}

Status FromJson(std::string_view json, querier::v1::SelectSeriesRequest* m) {
  rapidjson::Document d;
  RETURN_IF_ERROR(Parse(json, &d, "SelectSeriesRequest"));
  RETURN_IF_ERROR(GetString(d, "profileTypeID", "profile_typeID", m->mutable_profile_typeid()));
  RETURN_IF_ERROR(GetString(d, "labelSelector", "label_selector", m->mutable_label_selector()));
  RETURN_IF_ERROR(GetRange(d, m));
  RETURN_IF_ERROR(GetStrings(d, "groupBy", "group_by", [&](std::string s) { m->add_group_by(s); }));
  double step = 0;
  RETURN_IF_ERROR(GetDouble(d, "step", &step));
  m->set_step(step);
  if (const Value* a = Member(d, "aggregation")) {
    if (a->IsInt()) {
      m->set_aggregation(a->GetInt() == 1 ? types::v1::TIME_SERIES_AGGREGATION_TYPE_AVERAGE
                                          : types::v1::TIME_SERIES_AGGREGATION_TYPE_SUM);
    } else if (a->IsString()) {
      std::string s = a->GetString();
      if (s == "TIME_SERIES_AGGREGATION_TYPE_AVERAGE") {
        m->set_aggregation(types::v1::TIME_SERIES_AGGREGATION_TYPE_AVERAGE);
      } else if (s == "TIME_SERIES_AGGREGATION_TYPE_SUM") {
        m->set_aggregation(types::v1::TIME_SERIES_AGGREGATION_TYPE_SUM);
      } else {
        return Status::InvalidArgument("field aggregation: unknown value " + s.substr(0, 64));
      }
    } else {
      return Status::InvalidArgument("field aggregation: expected an enum name or number");
    }
  }
  bool present = false;
  int64_t v = 0;
  RETURN_IF_ERROR(GetInt64(d, "limit", nullptr, &v, &present));
  if (present) m->set_limit(v);
  return Status();
}

Status FromJson(std::string_view json, querier::v1::DiffRequest* m) {
  rapidjson::Document d;
  RETURN_IF_ERROR(Parse(json, &d, "DiffRequest"));
  const Value* l = Member(d, "left");
  const Value* r = Member(d, "right");
  if (!l || !r) return Status::InvalidArgument("DiffRequest: left and right are required");
  RETURN_IF_ERROR(StacktracesFromValue(*l, m->mutable_left()).WithPrefix("field left"));
  RETURN_IF_ERROR(StacktracesFromValue(*r, m->mutable_right()).WithPrefix("field right"));
  return Status();
}

Status FromJson(std::string_view json, push::v1::PushRequest* m) {
  rapidjson::Document d;
  RETURN_IF_ERROR(Parse(json, &d, "PushRequest"));
  const Value* series = Member(d, "series");
  if (!series) return Status();
  if (!series->IsArray()) return Status::InvalidArgument("field series: expected an array");
  int si = 0;
  for (const Value& s : series->GetArray()) {
    if (!s.IsObject()) {
      return Status::InvalidArgument(Format("field series[%d]: expected an object", si));
    }
    push::v1::RawProfileSeries* out = m->add_series();
    if (const Value* labels = Member(s, "labels")) {
      if (!labels->IsArray()) {
        return Status::InvalidArgument(Format("field series[%d].labels: expected an array", si));
      }
      for (const Value& l : labels->GetArray()) {
        if (!l.IsObject()) {
          return Status::InvalidArgument(
              Format("field series[%d].labels: expected objects {name, value}", si));
        }
        types::v1::LabelPair* p = out->add_labels();
        RETURN_IF_ERROR(GetString(l, "name", nullptr, p->mutable_name()));
        RETURN_IF_ERROR(GetString(l, "value", nullptr, p->mutable_value()));
      }
    }
    if (const Value* samples = Member(s, "samples")) {
      if (!samples->IsArray()) {
        return Status::InvalidArgument(Format("field series[%d].samples: expected an array", si));
      }
      int k = 0;
      for (const Value& smp : samples->GetArray()) {
        if (!smp.IsObject()) {
          return Status::InvalidArgument(
              Format("field series[%d].samples[%d]: expected an object", si, k));
        }
        push::v1::RawSample* rs = out->add_samples();
        std::string b64;
        RETURN_IF_ERROR(GetString(smp, "rawProfile", "raw_profile", &b64));
        if (!Base64Decode(b64, rs->mutable_raw_profile())) {
          return Status::InvalidArgument(
              Format("field series[%d].samples[%d].rawProfile: invalid base64", si, k));
        }
        RETURN_IF_ERROR(GetString(smp, "ID", "iD", rs->mutable_id()));
        ++k;
      }
    }
    ++si;
  }
  return Status();
}

std::string ToJson(const querier::v1::ProfileTypesResponse& m) {
  std::string out = "{\"profileTypes\":[";
  for (int i = 0; i < m.profile_types_size(); ++i) {
    const types::v1::ProfileType& t = m.profile_types(i);
    if (i) out += ",";
    out += "{\"ID\":";
    AppendEscaped(&out, t.id());
    out += ",\"name\":";
    AppendEscaped(&out, t.name());
    out += ",\"sampleType\":";
    AppendEscaped(&out, t.sample_type());
    out += ",\"sampleUnit\":";
    AppendEscaped(&out, t.sample_unit());
    out += ",\"periodType\":";
    AppendEscaped(&out, t.period_type());
    out += ",\"periodUnit\":";
    AppendEscaped(&out, t.period_unit());
    out += "}";
  }
  return out + "]}";
}

static std::string NamesJson(const google::protobuf::RepeatedPtrField<std::string>& names) {
  std::string out = "{\"names\":[";
  for (int i = 0; i < names.size(); ++i) {
    if (i) out += ",";
    AppendEscaped(&out, names[i]);
  }
  return out + "]}";
}

std::string ToJson(const types::v1::LabelNamesResponse& m) { return NamesJson(m.names()); }
std::string ToJson(const types::v1::LabelValuesResponse& m) { return NamesJson(m.names()); }

std::string ToJson(const querier::v1::SeriesResponse& m) {
  std::string out = "{\"labelsSet\":[";
  for (int i = 0; i < m.labels_set_size(); ++i) {
    if (i) out += ",";
    out += "{\"labels\":";
    AppendLabels(&out, m.labels_set(i).labels());
    out += "}";
  }
  return out + "]}";
}

std::string ToJson(const querier::v1::SelectSeriesResponse& m) {
  std::string out = "{\"series\":[";
  for (int i = 0; i < m.series_size(); ++i) {
    const types::v1::Series& s = m.series(i);
    if (i) out += ",";
    out += "{\"labels\":";
    AppendLabels(&out, s.labels());
    out += ",\"points\":[";
    for (int k = 0; k < s.points_size(); ++k) {
      if (k) out += ",";
      char buf[64];
      snprintf(buf, sizeof buf, "%.17g", s.points(k).value());
      out += "{\"value\":";
      out += buf;
      out += ",\"timestamp\":" + Quoted(s.points(k).timestamp()) + "}";
    }
    out += "]}";
  }
  return out + "]}";
}

std::string ProfileToJson(const Profile& p) {
  std::string out = "{\"sampleType\":[";
  for (size_t i = 0; i < p.sample_types.size(); ++i) {
    if (i) out += ",";
    out += "{\"type\":" + Quoted(p.sample_types[i].type) +
           ",\"unit\":" + Quoted(p.sample_types[i].unit) + "}";
  }
  out += "],\"sample\":[";
  for (size_t i = 0; i < p.num_samples(); ++i) {
    if (i) out += ",";
    out += "{\"locationId\":[";
    uint32_t s = p.sample_stack[i];
    for (const uint32_t* l = p.stack_begin(s); l != p.stack_end(s); ++l) {
      if (l != p.stack_begin(s)) out += ",";
      out += Quoted(*l + 1);
    }
    out += "],\"value\":[";
    for (size_t t = 0; t < p.num_types(); ++t) {
      if (t) out += ",";
      out += Quoted(p.sample_values(i)[t]);
    }
    out += "]}";
  }
  out += "],\"mapping\":[";
  for (size_t i = 0; i < p.mappings.size(); ++i) {
    const Mapping& m = p.mappings[i];
    if (i) out += ",";
    out += "{\"id\":" + Quoted(i + 1) + ",\"memoryStart\":" + Quoted(m.memory_start) +
           ",\"memoryLimit\":" + Quoted(m.memory_limit) +
           ",\"fileOffset\":" + Quoted(m.file_offset) + ",\"filename\":" + Quoted(m.filename) +
           ",\"buildId\":" + Quoted(m.build_id) + "}";
  }
  out += "],\"location\":[";
  for (size_t i = 0; i < p.locations.size(); ++i) {
    const Location& l = p.locations[i];
    if (i) out += ",";
    out += "{\"id\":" + Quoted(i + 1);
    if (l.mapping != kNone) out += ",\"mappingId\":" + Quoted(l.mapping + 1);
    out += ",\"address\":" + Quoted(static_cast<int64_t>(l.address)) + ",\"line\":[";
    for (uint32_t k = 0; k < l.num_lines; ++k) {
      const Line& ln = p.lines[l.first_line + k];
      if (k) out += ",";
      out += "{\"functionId\":" + Quoted(ln.function == kNone ? 0 : ln.function + 1) +
             ",\"line\":" + Quoted(ln.line) + "}";
    }
    out += "]}";
  }
  out += "],\"function\":[";
  for (size_t i = 0; i < p.functions.size(); ++i) {
    const Function& f = p.functions[i];
    if (i) out += ",";
    out += "{\"id\":" + Quoted(i + 1) + ",\"name\":" + Quoted(f.name) +
           ",\"systemName\":" + Quoted(f.system_name) + ",\"filename\":" + Quoted(f.filename) +
           ",\"startLine\":" + Quoted(f.start_line) + "}";
  }
  out += "],\"stringTable\":[";
  for (uint32_t i = 0; i < p.strings.size(); ++i) {
    if (i) out += ",";
    AppendEscaped(&out, p.strings[i]);
  }
  out += "],\"timeNanos\":" + Quoted(p.time_nanos) +
         ",\"durationNanos\":" + Quoted(p.duration_nanos) +
         ",\"periodType\":{\"type\":" + Quoted(p.period_type.type) +
         ",\"unit\":" + Quoted(p.period_type.unit) + "},\"period\":" + Quoted(p.period) + "}";
  return out;
}

std::string ConnectErrorJson(const char* code, const std::string& message) {
  std::string out = "{\"code\":";
  AppendEscaped(&out, code);
  out += ",\"message\":";
  AppendEscaped(&out, message);
  return out + "}";
}

bool Base64Decode(std::string_view in, std::string* out) {
  out->clear();
  out->reserve(in.size() * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  size_t pad = 0;
  for (char c : in) {
    int v;
    if (c >= 'A' && c <= 'Z')
      v = c - 'A';
    else if (c >= 'a' && c <= 'z')
      v = c - 'a' + 26;
    else if (c >= '0' && c <= '9')
      v = c - '0' + 52;
    else if (c == '+' || c == '-')
      v = 62;
    else if (c == '/' || c == '_')
      v = 63;
    else if (c == '=') {
      ++pad;
      continue;
    } else if (c == '\n' || c == '\r') {
      continue;
    } else {
      return false;
    }
    if (pad) return false;  // data after padding
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out->push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  return pad <= 2 && bits < 6;
}

}  // namespace pyrolens
