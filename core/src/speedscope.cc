// speedscope JSON reader and writer. Schema: speedscope's src/lib/file-format-spec.ts.
#include "pyrolens/speedscope.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cmath>
#include <unordered_map>
#include <vector>

#include "json_util.h"

namespace pyrolens {
namespace {

using rapidjson::SizeType;
using rapidjson::Value;

using json::Member;
using json::StringOr;

// A value in the profile's unit as an integer in the column's unit (ns for times).
bool Scaled(const Value* v, double scale, int64_t* out) {
  if (v == nullptr || !v->IsNumber()) return false;
  if (scale == 1 && v->IsInt64()) {
    *out = v->GetInt64();
    return true;
  }
  double d = std::round(v->GetDouble() * scale);
  if (!(d > -9.2e18 && d < 9.2e18)) return false;
  *out = static_cast<int64_t>(d);
  return true;
}

struct Unit {
  const char* type;
  const char* unit;
  double scale;
};

bool UnitOf(std::string_view u, Unit* out) {
  if (u == "none" || u.empty())
    *out = {"samples", "count", 1};
  else if (u == "nanoseconds")
    *out = {"cpu", "nanoseconds", 1};
  else if (u == "microseconds")
    *out = {"cpu", "nanoseconds", 1e3};
  else if (u == "milliseconds")
    *out = {"cpu", "nanoseconds", 1e6};
  else if (u == "seconds")
    *out = {"cpu", "nanoseconds", 1e9};
  else if (u == "bytes")
    *out = {"alloc_space", "bytes", 1};
  else
    return false;
  return true;
}

class Reader {
 public:
  Status Read(const rapidjson::Document& doc);
  Profile Finish();

 private:
  Status Frames(const Value& frames);
  uint32_t Column(const Unit& u);
  Status Sampled(const Value& prof, size_t pi, uint32_t column, double scale, StringId name);
  Status Evented(const Value& prof, size_t pi, uint32_t column, double scale, StringId name);
  // Adds `v` to (stack, profile) in `column`.
  void Add(const std::vector<uint32_t>& root_first, StringId name, uint32_t column, int64_t v);

  Profile p_;
  StackInterner stacks_{&p_};
  std::vector<uint32_t> location_of_frame_;
  std::vector<Unit> columns_;
  std::unordered_map<uint64_t, uint32_t> row_of_;  // (stack, name) -> row
  std::vector<uint32_t> row_stack_;
  std::vector<StringId> row_name_;
  std::vector<std::vector<int64_t>> row_values_;  // per column, per row
  std::vector<uint32_t> leaf_first_;
};

Status Reader::Frames(const Value& frames) {
  if (!frames.IsArray()) return Status::Corruption("speedscope: shared.frames is not an array");
  for (SizeType i = 0; i < frames.Size(); ++i) {
    const Value& f = frames[i];
    if (!f.IsObject() || !Member(f, "name") || !Member(f, "name")->IsString()) {
      return Status::Corruption(Format("speedscope: shared.frames[%u] has no name", i));
    }
    Function fn;
    fn.name = p_.strings.Intern(StringOr(Member(f, "name")));
    fn.system_name = fn.name;
    fn.filename = p_.strings.Intern(StringOr(Member(f, "file")));
    int64_t line = 0, col = 0;
    Scaled(Member(f, "line"), 1, &line);
    Scaled(Member(f, "col"), 1, &col);
    fn.start_line = line;
    location_of_frame_.push_back(p_.AddFunctionLocation(fn, line, col));
  }
  return Status();
}

uint32_t Reader::Column(const Unit& u) {
  for (size_t i = 0; i < columns_.size(); ++i) {
    if (std::string_view(columns_[i].type) == u.type) return static_cast<uint32_t>(i);
  }
  columns_.push_back(u);
  row_values_.emplace_back(row_stack_.size(), 0);
  return static_cast<uint32_t>(columns_.size() - 1);
}

void Reader::Add(const std::vector<uint32_t>& root_first, StringId name, uint32_t column,
                 int64_t v) {
  leaf_first_.assign(root_first.rbegin(), root_first.rend());
  uint32_t stack = stacks_.Intern(leaf_first_.data(), leaf_first_.size());
  auto [it, added] =
      row_of_.try_emplace(uint64_t{stack} << 32 | name, static_cast<uint32_t>(row_stack_.size()));
  if (added) {
    row_stack_.push_back(stack);
    row_name_.push_back(name);
    for (auto& col : row_values_) col.push_back(0);
  }
  int64_t& cell = row_values_[column][it->second];
  cell = WrapAdd(cell, v);
}

Status Reader::Sampled(const Value& prof, size_t pi, uint32_t column, double scale, StringId name) {
  const Value* samples = Member(prof, "samples");
  const Value* weights = Member(prof, "weights");
  if (samples == nullptr || !samples->IsArray()) {
    return Status::Corruption(Format("speedscope: profiles[%zu].samples is not an array", pi));
  }
  if (weights != nullptr && (!weights->IsArray() || weights->Size() != samples->Size())) {
    return Status::Corruption(
        Format("speedscope: profiles[%zu]: %u samples but weights is not an array of as many", pi,
               samples->Size()));
  }
  std::vector<uint32_t> stack;
  for (SizeType i = 0; i < samples->Size(); ++i) {
    const Value& s = (*samples)[i];
    if (!s.IsArray()) {
      return Status::Corruption(
          Format("speedscope: profiles[%zu].samples[%u] is not an array", pi, i));
    }
    stack.clear();
    for (SizeType j = 0; j < s.Size(); ++j) {
      if (!s[j].IsUint() || s[j].GetUint() >= location_of_frame_.size()) {
        return Status::Corruption(
            Format("speedscope: profiles[%zu].samples[%u][%u]: no such frame (%zu frames)", pi, i,
                   j, location_of_frame_.size()));
      }
      stack.push_back(location_of_frame_[s[j].GetUint()]);
    }
    int64_t w = 1;
    if (weights != nullptr && !Scaled(&(*weights)[i], scale, &w)) {
      return Status::Corruption(
          Format("speedscope: profiles[%zu].weights[%u] is not a number", pi, i));
    }
    Add(stack, name, column, w);
  }
  return Status();
}

Status Reader::Evented(const Value& prof, size_t pi, uint32_t column, double scale, StringId name) {
  const Value* events = Member(prof, "events");
  if (events == nullptr || !events->IsArray()) {
    return Status::Corruption(Format("speedscope: profiles[%zu].events is not an array", pi));
  }
  std::vector<uint32_t> open;   // frame indexes, outermost first
  std::vector<uint32_t> stack;  // their locations
  int64_t last = 0;
  for (SizeType i = 0; i < events->Size(); ++i) {
    const Value& e = (*events)[i];
    std::string_view type = StringOr(Member(e, "type"));
    const Value* frame = Member(e, "frame");
    int64_t at;
    if (!Scaled(Member(e, "at"), scale, &at)) {
      return Status::Corruption(
          Format("speedscope: profiles[%zu].events[%u].at is not a number", pi, i));
    }
    if (frame == nullptr || !frame->IsUint() || frame->GetUint() >= location_of_frame_.size()) {
      return Status::Corruption(
          Format("speedscope: profiles[%zu].events[%u].frame: no such frame", pi, i));
    }
    if (i > 0 && at < last) {
      return Status::Corruption(
          Format("speedscope: profiles[%zu].events[%u]: at %lld is before the previous event", pi,
                 i, static_cast<long long>(at)));
    }
    if (!open.empty() && at > last) Add(stack, name, column, WrapSub(at, last));
    last = at;
    uint32_t f = frame->GetUint();
    if (type == "O") {
      open.push_back(f);
      stack.push_back(location_of_frame_[f]);
    } else if (type == "C") {
      if (open.empty() || open.back() != f) {
        return Status::Corruption(
            open.empty()
                ? Format("speedscope: profiles[%zu].events[%u]: closes frame %u, none is open", pi,
                         i, f)
                : Format("speedscope: profiles[%zu].events[%u]: closes frame %u but frame %u "
                         "is innermost",
                         pi, i, f, open.back()));
      }
      open.pop_back();
      stack.pop_back();
    } else {
      return Status::Corruption(
          Format("speedscope: profiles[%zu].events[%u].type is not \"O\" or \"C\"", pi, i));
    }
  }
  if (!open.empty()) {
    return Status::Corruption(
        Format("speedscope: profiles[%zu]: %zu frame(s) never closed", pi, open.size()));
  }
  return Status();
}

Status Reader::Read(const rapidjson::Document& doc) {
  const Value* shared = Member(doc, "shared");
  const Value* frames = shared != nullptr ? Member(*shared, "frames") : nullptr;
  if (frames == nullptr) return Status::Corruption("speedscope: no shared.frames");
  RETURN_IF_ERROR(Frames(*frames));
  const Value* profiles = Member(doc, "profiles");
  if (profiles == nullptr || !profiles->IsArray()) {
    return Status::Corruption("speedscope: profiles is not an array");
  }
  for (SizeType i = 0; i < profiles->Size(); ++i) {
    const Value& prof = (*profiles)[i];
    std::string_view unit = StringOr(Member(prof, "unit"), "none");
    Unit u;
    if (!UnitOf(unit, &u)) {
      return Status::Corruption(Format("speedscope: profiles[%u].unit: unknown unit \"%.*s\"", i,
                                       static_cast<int>(unit.size()), unit.data()));
    }
    uint32_t column = Column(u);
    StringId name = p_.strings.Intern(StringOr(Member(prof, "name")));
    std::string_view type = StringOr(Member(prof, "type"));
    if (type == "sampled") {
      RETURN_IF_ERROR(Sampled(prof, i, column, u.scale, name));
    } else if (type == "evented") {
      RETURN_IF_ERROR(Evented(prof, i, column, u.scale, name));
    } else {
      return Status::Corruption(
          Format("speedscope: profiles[%u].type is not \"sampled\" or \"evented\"", i));
    }
  }
  if (columns_.empty()) return Status::Corruption("speedscope: no profiles");
  return Status();
}

Profile Reader::Finish() {
  for (const Unit& u : columns_) {
    p_.sample_types.push_back({p_.strings.Intern(u.type), p_.strings.Intern(u.unit)});
  }
  p_.default_sample_type = p_.sample_types[0].type;
  p_.period_type = p_.sample_types[0];
  StringId key = p_.strings.Intern("profile");
  LabelInterner labels(&p_);
  for (size_t r = 0; r < row_stack_.size(); ++r) {
    p_.sample_stack.push_back(row_stack_[r]);
    for (const auto& col : row_values_) p_.values.push_back(col[r]);
    if (row_name_[r] != 0) {
      Label l;
      l.key = key;
      l.str = row_name_[r];
      labels.Add(l);
    }
    p_.label_offsets.push_back(static_cast<uint32_t>(p_.sample_labels.size()));
  }
  return std::move(p_);
}

const char* SpeedscopeUnit(std::string_view unit) {
  if (unit == "nanoseconds") return "nanoseconds";
  if (unit == "microseconds") return "microseconds";
  if (unit == "milliseconds") return "milliseconds";
  if (unit == "seconds") return "seconds";
  if (unit == "bytes") return "bytes";
  return "none";
}

}  // namespace

Result<Profile> ReadSpeedscope(std::string_view text) {
  rapidjson::Document doc;
  RETURN_IF_ERROR(json::Parse(text, "speedscope", &doc));
  Reader r;
  RETURN_IF_ERROR(r.Read(doc));
  return r.Finish();
}

std::string WriteSpeedscope(const Profile& p) {
  // Frames: one per (function, line) of the profile's lines, in first-use order.
  std::unordered_map<uint64_t, uint32_t> frame_of;
  std::vector<uint32_t> frame_line;  // a representative Line index per frame
  std::vector<std::vector<uint32_t>> stack_frames(p.num_stacks());
  for (uint32_t s = 0; s < p.num_stacks(); ++s) {
    std::vector<uint32_t>& out = stack_frames[s];
    for (const uint32_t* l = p.stack_end(s); l != p.stack_begin(s);) {  // root first
      const Location& loc = p.locations[*--l];
      for (uint32_t j = loc.first_line + loc.num_lines; j-- > loc.first_line;) {  // caller first
        const Line& line = p.lines[j];
        uint64_t key = uint64_t{line.function} << 32 | static_cast<uint32_t>(line.line);
        auto [it, added] = frame_of.try_emplace(key, static_cast<uint32_t>(frame_line.size()));
        if (added) frame_line.push_back(j);
        out.push_back(it->second);
      }
    }
  }
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.StartObject();
  w.Key("$schema");
  w.String("https://www.speedscope.app/file-format-schema.json");
  w.Key("exporter");
  w.String("pyrolens");
  w.Key("shared");
  w.StartObject();
  w.Key("frames");
  w.StartArray();
  for (uint32_t j : frame_line) {
    const Line& line = p.lines[j];
    w.StartObject();
    w.Key("name");
    const std::string& name =
        line.function == kNone ? std::string("<unknown>") : p.str(p.functions[line.function].name);
    w.String(name.data(), static_cast<SizeType>(name.size()));
    if (line.function != kNone && p.functions[line.function].filename != 0) {
      const std::string& file = p.str(p.functions[line.function].filename);
      w.Key("file");
      w.String(file.data(), static_cast<SizeType>(file.size()));
    }
    if (line.line != 0) {
      w.Key("line");
      w.Int64(line.line);
    }
    if (line.column != 0) {
      w.Key("col");
      w.Int64(line.column);
    }
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  // Identical stacks are summed per type; stacks in first-seen order.
  std::vector<uint32_t> order;
  std::vector<int64_t> sums(p.num_stacks() * p.num_types(), 0);
  std::vector<char> seen(p.num_stacks(), 0);
  for (size_t i = 0; i < p.num_samples(); ++i) {
    uint32_t s = p.sample_stack[i];
    if (!seen[s]) order.push_back(s);
    seen[s] = 1;
    for (size_t t = 0; t < p.num_types(); ++t) {
      int64_t& cell = sums[s * p.num_types() + t];
      cell = WrapAdd(cell, p.sample_values(i)[t]);
    }
  }
  size_t active = 0;
  w.Key("profiles");
  w.StartArray();
  for (size_t t = 0; t < p.num_types(); ++t) {
    const std::string& type = p.str(p.sample_types[t].type);
    if (p.sample_types[t].type == p.default_sample_type) active = t;
    int64_t total = 0;
    w.StartObject();
    w.Key("type");
    w.String("sampled");
    w.Key("name");
    w.String(type.data(), static_cast<SizeType>(type.size()));
    w.Key("unit");
    w.String(SpeedscopeUnit(p.str(p.sample_types[t].unit)));
    w.Key("startValue");
    w.Int64(0);
    w.Key("samples");
    w.StartArray();
    for (uint32_t s : order) {
      if (sums[s * p.num_types() + t] == 0) continue;
      w.StartArray();
      for (uint32_t f : stack_frames[s]) w.Uint(f);
      w.EndArray();
    }
    w.EndArray();
    w.Key("weights");
    w.StartArray();
    for (uint32_t s : order) {
      int64_t v = sums[s * p.num_types() + t];
      if (v == 0) continue;
      w.Int64(v);
      total = WrapAdd(total, v);
    }
    w.EndArray();
    w.Key("endValue");
    w.Int64(total);
    w.EndObject();
  }
  w.EndArray();
  w.Key("activeProfileIndex");
  w.Uint64(active);
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

}  // namespace pyrolens
