#include "store/labels.h"

#include <re2/re2.h>

#include <algorithm>

namespace pyrolens {

void NormalizeLabels(LabelSet* labels) {
  std::stable_sort(labels->begin(), labels->end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  LabelSet out;
  out.reserve(labels->size());
  for (auto& kv : *labels) {
    if (!out.empty() && out.back().first == kv.first) {
      out.back().second = std::move(kv.second);
    } else {
      out.push_back(std::move(kv));
    }
  }
  *labels = std::move(out);
}

const std::string* FindLabel(const LabelSet& labels, std::string_view name) {
  auto it = std::lower_bound(labels.begin(), labels.end(), name,
                             [](const auto& kv, std::string_view n) { return kv.first < n; });
  return it != labels.end() && it->first == name ? &it->second : nullptr;
}

std::string LabelsToString(const LabelSet& labels) {
  std::string s = "{";
  for (size_t i = 0; i < labels.size(); ++i) {
    if (i) s += ", ";
    s += labels[i].first;
    s += "=\"";
    for (char c : labels[i].second) {
      if (c == '"' || c == '\\') s += '\\';
      if (c == '\n') {
        s += "\\n";
        continue;
      }
      s += c;
    }
    s += '"';
  }
  return s + "}";
}

static bool IsNameStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
static bool IsNameChar(char c) { return IsNameStart(c) || (c >= '0' && c <= '9') || c == '.'; }

bool IsValidLabelName(std::string_view name) {
  if (name.empty() || !IsNameStart(name[0])) return false;
  for (char c : name) {
    if (!IsNameChar(c)) return false;
  }
  return true;
}

bool Matcher::Matches(const LabelSet& labels) const {
  const std::string* v = FindLabel(labels, name);
  static const std::string kEmpty;
  const std::string& value_found = v ? *v : kEmpty;
  switch (op) {
    case MatchOp::kEq:
      return value_found == value;
    case MatchOp::kNeq:
      return value_found != value;
    case MatchOp::kRe:
      return RE2::FullMatch(value_found, *re);
    case MatchOp::kNre:
      return !RE2::FullMatch(value_found, *re);
  }
  return false;
}

bool Selector::Matches(const LabelSet& labels) const {
  for (const Matcher& m : matchers) {
    if (!m.Matches(labels)) return false;
  }
  return true;
}

namespace {

Status SelectorError(size_t offset, const char* what) {
  return Status::InvalidArgument(Format("selector at offset %zu: %s", offset, what));
}

void SkipSpace(std::string_view s, size_t* i) {
  while (*i < s.size() && (s[*i] == ' ' || s[*i] == '\t' || s[*i] == '\n' || s[*i] == '\r')) {
    ++*i;
  }
}

// A quoted string: "..." or '...' with backslash escapes, or `...` raw.
Status ParseQuoted(std::string_view s, size_t* i, std::string* out) {
  if (*i >= s.size() || (s[*i] != '"' && s[*i] != '\'' && s[*i] != '`')) {
    return SelectorError(*i, "expected a quoted value");
  }
  char q = s[(*i)++];
  while (*i < s.size()) {
    char c = s[(*i)++];
    if (c == q) return Status();
    if (c == '\\' && q != '`') {
      if (*i >= s.size()) break;
      char e = s[(*i)++];
      switch (e) {
        case 'n':
          *out += '\n';
          break;
        case 't':
          *out += '\t';
          break;
        case 'r':
          *out += '\r';
          break;
        default:
          *out += e;
          break;
      }
      continue;
    }
    *out += c;
  }
  return SelectorError(s.size(), "unterminated quoted value");
}

}  // namespace

Result<Selector> ParseSelector(std::string_view s) {
  Selector sel;
  size_t i = 0;
  SkipSpace(s, &i);
  size_t brace = s.find('{', i);
  if (brace == std::string_view::npos) {
    sel.prefix = std::string(s.substr(i));
    while (!sel.prefix.empty() && sel.prefix.back() == ' ') sel.prefix.pop_back();
    return sel;
  }
  sel.prefix = std::string(s.substr(i, brace - i));
  while (!sel.prefix.empty() && sel.prefix.back() == ' ') sel.prefix.pop_back();
  i = brace + 1;
  while (true) {
    SkipSpace(s, &i);
    if (i >= s.size()) return SelectorError(i, "expected '}'");
    if (s[i] == '}') {
      ++i;
      break;
    }
    size_t start = i;
    while (i < s.size() && IsNameChar(s[i])) ++i;
    if (i == start || !IsNameStart(s[start])) return SelectorError(start, "expected a label name");
    Matcher m;
    m.name = std::string(s.substr(start, i - start));
    SkipSpace(s, &i);
    if (s.substr(i, 2) == "=~") {
      m.op = MatchOp::kRe;
      i += 2;
    } else if (s.substr(i, 2) == "!~") {
      m.op = MatchOp::kNre;
      i += 2;
    } else if (s.substr(i, 2) == "!=") {
      m.op = MatchOp::kNeq;
      i += 2;
    } else if (s.substr(i, 1) == "=") {
      m.op = MatchOp::kEq;
      i += 1;
    } else {
      return SelectorError(i, "expected one of =, !=, =~, !~");
    }
    SkipSpace(s, &i);
    RETURN_IF_ERROR(ParseQuoted(s, &i, &m.value));
    if (m.op == MatchOp::kRe || m.op == MatchOp::kNre) {
      RE2::Options opts;
      opts.set_log_errors(false);
      opts.set_max_mem(8 << 20);
      m.re = std::make_shared<re2::RE2>(m.value, opts);
      if (!m.re->ok()) {
        return Status::InvalidArgument(
            Format("selector: bad regexp for %s: %s", m.name.c_str(), m.re->error().c_str()));
      }
    }
    sel.matchers.push_back(std::move(m));
    SkipSpace(s, &i);
    if (i < s.size() && s[i] == ',') {
      ++i;
      continue;
    }
    if (i < s.size() && s[i] == '}') {
      ++i;
      break;
    }
    return SelectorError(i, "expected ',' or '}'");
  }
  SkipSpace(s, &i);
  if (i != s.size()) return SelectorError(i, "unexpected text after '}'");
  return sel;
}

std::string ProfileTypeId::ToString() const {
  return name + ":" + sample_type + ":" + sample_unit + ":" + period_type + ":" + period_unit;
}

Result<ProfileTypeId> ParseProfileTypeId(std::string_view id) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    size_t colon = id.find(':', start);
    parts.emplace_back(id.substr(start, colon == std::string_view::npos ? id.npos : colon - start));
    if (colon == std::string_view::npos) break;
    start = colon + 1;
  }
  if (parts.size() != 5 || parts[0].empty()) {
    return Status::InvalidArgument(Format(
        "profile type id \"%.*s\": expected name:sample_type:sample_unit:period_type:period_unit",
        static_cast<int>(std::min<size_t>(id.size(), 200)), id.data()));
  }
  return ProfileTypeId{parts[0], parts[1], parts[2], parts[3], parts[4]};
}

}  // namespace pyrolens
