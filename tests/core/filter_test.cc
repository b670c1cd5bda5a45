#include "pyrolens/filter.h"

#include <gtest/gtest.h>

namespace pyrolens {
namespace {

// A small profile built by hand: functions, locations (lines callee first), samples.
struct Builder {
  Profile p;
  StackInterner stacks{&p};
  LabelInterner label_interner{&p};
  explicit Builder(std::vector<std::pair<const char*, const char*>> types = {
                       {"samples", "count"}}) {
    for (auto [t, u] : types) p.sample_types.push_back({p.strings.Intern(t), p.strings.Intern(u)});
  }
  uint32_t Fn(const char* name, const char* file = "") {
    p.functions.push_back(
        {p.strings.Intern(name), p.strings.Intern(name), p.strings.Intern(file), 0});
    return static_cast<uint32_t>(p.functions.size() - 1);
  }
  uint32_t Loc(std::vector<uint32_t> fns, uint32_t mapping = kNone) {
    Location l;
    l.mapping = mapping;
    l.first_line = static_cast<uint32_t>(p.lines.size());
    l.num_lines = static_cast<uint32_t>(fns.size());
    for (uint32_t f : fns) p.lines.push_back({f, 0, 0});
    p.locations.push_back(l);
    return static_cast<uint32_t>(p.locations.size() - 1);
  }
  void Sample(std::vector<uint32_t> locs, std::vector<int64_t> values,
              std::vector<Label> labels = {}) {
    p.sample_stack.push_back(stacks.Intern(locs.data(), locs.size()));
    p.values.insert(p.values.end(), values.begin(), values.end());
    for (const Label& l : labels) label_interner.Add(l);
    p.label_offsets.push_back(static_cast<uint32_t>(p.sample_labels.size()));
  }
  Label Str(const char* k, const char* v) {
    return {p.strings.Intern(k), p.strings.Intern(v), 0, 0};
  }
  Label Num(const char* k, int64_t v, const char* unit = "") {
    return {p.strings.Intern(k), 0, v, p.strings.Intern(unit)};
  }
};

// Function names of sample i's stack, leaf first, inlined lines expanded.
std::string StackOf(const Profile& p, size_t i) {
  std::string out;
  uint32_t s = p.sample_stack[i];
  for (const uint32_t* l = p.stack_begin(s); l != p.stack_end(s); ++l) {
    const Location& loc = p.locations[*l];
    for (uint32_t j = 0; j < loc.num_lines; ++j) {
      if (!out.empty()) out += " ";
      out += p.str(p.functions[p.lines[loc.first_line + j].function].name);
    }
  }
  return out;
}

TEST(SelectSampleTypeTest, DefaultNumberAndName) {
  Builder b({{"alloc_objects", "count"}, {"alloc_space", "bytes"}, {"space", "bytes"}});
  EXPECT_EQ(SelectSampleType(b.p, "").value(), 2u);  // the last one
  b.p.default_sample_type = b.p.strings.Intern("alloc_space");
  EXPECT_EQ(SelectSampleType(b.p, "").value(), 1u);
  EXPECT_EQ(SelectSampleType(b.p, "0").value(), 0u);
  EXPECT_EQ(SelectSampleType(b.p, "+2").value(), 2u);
  EXPECT_EQ(SelectSampleType(b.p, "alloc_objects").value(), 0u);
  EXPECT_EQ(SelectSampleType(b.p, "inuse_space").value(), 2u);  // legacy name for "space"

  Result<size_t> r = SelectSampleType(b.p, "3");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message(), "sample_index 3 is outside the range [0..2]");
  r = SelectSampleType(b.p, "cpu");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            "sample_index \"cpu\" must be one of: [alloc_objects alloc_space space]");
  EXPECT_FALSE(SelectSampleType(Profile(), "").ok());
}

TEST(SimplifyFunctionNamesTest, AsPprofsDefaultDemangling) {
  Builder b;
  uint32_t cpp = b.Fn("std::vector<int>::push_back(int const&)");
  uint32_t java = b.Fn("java.lang.Thread.<init>");
  uint32_t py = b.Fn("<module>");
  uint32_t mangled = b.Fn("_ZN3foo3barEv");
  uint32_t go = b.Fn("main.(*T).Run");
  b.p.functions.push_back({0, b.p.strings.Intern("ns::f(int)"), 0, 0});  // system name only
  uint32_t only_system = static_cast<uint32_t>(b.p.functions.size() - 1);
  b.p.functions.push_back({b.p.strings.Intern("a::b(c)"), b.p.strings.Intern("x"), 0, 0});
  uint32_t demangled = static_cast<uint32_t>(b.p.functions.size() - 1);
  SimplifyFunctionNames(&b.p);
  auto name = [&](uint32_t f) { return b.p.str(b.p.functions[f].name); };
  EXPECT_EQ(name(cpp), "std::vector::push_back");
  EXPECT_EQ(name(java), "java.lang.Thread.<init>");
  EXPECT_EQ(name(py), "");  // pprof's heuristic removes "<...>" here too
  EXPECT_EQ(name(mangled), "foo::bar");
  EXPECT_EQ(name(go), "main.(*T).Run");
  EXPECT_EQ(name(only_system), "ns::f");
  EXPECT_EQ(name(demangled), "a::b(c)");  // name differs from system name: kept
}

TEST(PruneUninterestingTest, CutsDropFramesAndTheirCallees) {
  Builder b;
  uint32_t main = b.Fn("main"), foo = b.Fn("foo"), mal = b.Fn("malloc"), in = b.Fn("inner");
  uint32_t l_main = b.Loc({main}), l_foo = b.Loc({foo}), l_mal = b.Loc({mal});
  uint32_t l_in_mal_foo = b.Loc({in, mal, foo});  // inner and malloc inlined into foo
  b.Sample({l_mal, l_foo, l_main}, {1});
  b.Sample({l_in_mal_foo, l_main}, {1});
  b.Sample({l_mal}, {1});  // only dropped frames: kept whole (no user frame above)
  b.p.drop_frames = b.p.strings.Intern("malloc|new");
  PruneUninteresting(&b.p);
  EXPECT_EQ(StackOf(b.p, 0), "foo main");
  EXPECT_EQ(StackOf(b.p, 1), "foo main");
  EXPECT_EQ(StackOf(b.p, 2), "malloc");

  Builder k;
  main = k.Fn("main");
  mal = k.Fn("malloc");
  k.Sample({k.Loc({mal}), k.Loc({main})}, {1});
  k.p.drop_frames = k.p.strings.Intern("mal.*");
  k.p.keep_frames = k.p.strings.Intern("malloc");
  PruneUninteresting(&k.p);
  EXPECT_EQ(StackOf(k.p, 0), "malloc main");

  Builder bad;
  bad.Sample({bad.Loc({bad.Fn("f")})}, {1});
  bad.p.drop_frames = bad.p.strings.Intern("(");
  PruneUninteresting(&bad.p);  // pprof ignores an invalid pattern
  EXPECT_EQ(StackOf(bad.p, 0), "f");
}

// main -> work -> runtime.mallocgc ; main -> idle
struct NameProfile {
  Builder b;
  NameProfile() {
    b.p.mappings.push_back({});
    b.p.mappings[0].filename = b.p.strings.Intern("/bin/app");
    uint32_t main = b.Fn("main", "main.go"), work = b.Fn("work", "work.go");
    uint32_t gc = b.Fn("runtime.mallocgc", "malloc.go"), idle = b.Fn("idle", "main.go");
    uint32_t l_main = b.Loc({main}, 0), l_gc_work = b.Loc({gc, work}, 0), l_idle = b.Loc({idle});
    b.Sample({l_gc_work, l_main}, {5});
    b.Sample({l_idle, l_main}, {3});
  }
};

Profile Filtered(const FilterOptions& o, FilterMatches* m = nullptr) {
  NameProfile np;
  Result<ProfileFilter> f = ProfileFilter::Compile(o);
  EXPECT_TRUE(f.ok()) << f.status().message();
  FilterMatches got = f->Apply(&np.b.p);
  if (m != nullptr) *m = got;
  return std::move(np.b.p);
}

TEST(ProfileFilterTest, FocusIgnoreHideShow) {
  FilterOptions o;
  o.focus = "runtime";
  Profile p = Filtered(o);
  ASSERT_EQ(p.num_samples(), 1u);
  EXPECT_EQ(StackOf(p, 0), "runtime.mallocgc work main");

  o = FilterOptions();
  o.ignore = "work\\.go";  // file names match too
  p = Filtered(o);
  ASSERT_EQ(p.num_samples(), 1u);
  EXPECT_EQ(StackOf(p, 0), "idle main");

  o = FilterOptions();
  o.focus = "^/bin/app$";  // so do mapping files (idle has no mapping)
  p = Filtered(o);
  ASSERT_EQ(p.num_samples(), 2u);

  o = FilterOptions();
  o.hide = "runtime|idle";
  p = Filtered(o);
  ASSERT_EQ(p.num_samples(), 2u);
  EXPECT_EQ(StackOf(p, 0), "work main");
  EXPECT_EQ(StackOf(p, 1), "main");

  o = FilterOptions();
  o.show = "main";  // function main and every function of main.go
  p = Filtered(o);
  ASSERT_EQ(p.num_samples(), 2u);
  EXPECT_EQ(StackOf(p, 0), "main");
  EXPECT_EQ(StackOf(p, 1), "idle main");

  o = FilterOptions();
  o.hide = ".";  // every frame hidden: samples with nothing left are dropped
  p = Filtered(o);
  EXPECT_EQ(p.num_samples(), 0u);
  EXPECT_EQ(p.values.size(), 0u);
}

TEST(ProfileFilterTest, ReportsWhatMatchedNothing) {
  FilterOptions o;
  o.focus = "nothing";
  o.hide = "nothing";
  o.tagfocus = "nothing";
  FilterMatches m;
  Profile p = Filtered(o, &m);
  EXPECT_EQ(p.num_samples(), 0u);
  EXPECT_FALSE(m.focus);
  EXPECT_FALSE(m.hide);
  EXPECT_TRUE(m.ignore);
  std::vector<std::string> w = m.Warnings();
  ASSERT_EQ(w.size(), 3u);  // tag filters see no samples once focus dropped them all
  EXPECT_EQ(w[0], "Focus expression matched no samples");
  EXPECT_EQ(w[1], "Hide expression matched no samples");
  EXPECT_EQ(w[2], "TagFocus expression matched no samples");
}

TEST(ProfileFilterTest, StringTagFilters) {
  auto run = [](const std::string& focus, const std::string& ignore) {
    Builder b;
    uint32_t l = b.Loc({b.Fn("f")});
    b.Sample({l}, {1}, {b.Str("function", "slow"), b.Str("foo", "bar")});
    b.Sample({l}, {2}, {b.Str("function", "fast")});
    b.Sample({l}, {4}, {});
    FilterOptions o;
    o.tagfocus = focus;
    o.tagignore = ignore;
    Result<ProfileFilter> f = ProfileFilter::Compile(o);
    EXPECT_TRUE(f.ok()) << f.status().message();
    f->Apply(&b.p);
    int64_t sum = 0;
    for (int64_t v : b.p.values) sum += v;
    return sum;
  };
  EXPECT_EQ(run("function=slow", ""), 1);
  EXPECT_EQ(run("function=slow,fast", ""), 3);  // with a key: any regexp
  EXPECT_EQ(run("slow", ""), 1);                // without: matched against "key:value"
  EXPECT_EQ(run("function:fast", ""), 2);
  EXPECT_EQ(run("foo:bar,function:slow", ""), 1);  // without a key: every regexp
  EXPECT_EQ(run("foo:bar,function:fast", ""), 0);
  EXPECT_EQ(run("", "function=slow"), 6);
  EXPECT_EQ(run("function=", ""), 3);  // an empty regexp matches any value of the key
}

TEST(ProfileFilterTest, NumericTagRanges) {
  auto run = [](const std::string& focus) {
    Builder b;
    uint32_t l = b.Loc({b.Fn("f")});
    b.Sample({l}, {1}, {b.Num("bytes", 512)});  // unit from the key
    b.Sample({l}, {2}, {b.Num("bytes", 4096)});
    b.Sample({l}, {4}, {b.Num("bytes", 2 << 20)});
    b.Sample({l}, {8}, {b.Num("duration", 3, "ms")});
    b.Sample({l}, {16}, {b.Num("request", 1024)});  // "request" is bytes
    FilterOptions o;
    o.tagfocus = focus;
    Result<ProfileFilter> f = ProfileFilter::Compile(o);
    EXPECT_TRUE(f.ok()) << f.status().message();
    f->Apply(&b.p);
    int64_t sum = 0;
    for (int64_t v : b.p.values) sum += v;
    return sum;
  };
  EXPECT_EQ(run("1kb:64kb"), 2 + 16);
  EXPECT_EQ(run("bytes=1kb:64kb"), 2);
  EXPECT_EQ(run(":512b"), 1);
  EXPECT_EQ(run("2mb:"), 4);
  EXPECT_EQ(run("512"), 0);  // no unit: compared as a plain number, which bytes never are
  EXPECT_EQ(run("512b"), 1);
  EXPECT_EQ(run("1ms:5ms"), 8);
  EXPECT_EQ(run("3000us"), 8);
  EXPECT_EQ(run("1kb:2ms"), 0);  // mixed units: not a range, so a regexp over string labels
}

TEST(ProfileFilterTest, BadExpressionsNameTheFlag) {
  for (auto [field, flag] : std::vector<std::pair<std::string FilterOptions::*, std::string>>{
           {&FilterOptions::focus, "focus"},
           {&FilterOptions::ignore, "ignore"},
           {&FilterOptions::hide, "hide"},
           {&FilterOptions::show, "show"},
           {&FilterOptions::tagfocus, "tagfocus"},
           {&FilterOptions::tagignore, "tagignore"}}) {
    FilterOptions o;
    o.*field = "a[";
    Result<ProfileFilter> f = ProfileFilter::Compile(o);
    ASSERT_FALSE(f.ok()) << flag;
    EXPECT_EQ(f.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(f.status().message().rfind(flag + ": invalid regexp", 0), 0u) << f.status().message();
  }
  FilterOptions o;
  o.tagfocus = "99999999999999999999mb:";
  EXPECT_FALSE(ProfileFilter::Compile(o).ok());
  Result<ProfileFilter> none = ProfileFilter::Compile(FilterOptions());
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

}  // namespace
}  // namespace pyrolens
