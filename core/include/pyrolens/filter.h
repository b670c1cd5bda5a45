// Passes that select and filter what a report shows, with the semantics of Google
// pprof (profile/filter.go, profile/prune.go, profile/index.go,
// internal/driver/driver_focus.go, internal/symbolizer/symbolizer.go). Every pass works
// on the flat model in place: per function, location and unique stack wherever pprof's
// rules allow, per sample only for label filters and for dropping samples. Callers
// that keep the original profile filter a copy.
//
// The order pprof applies them in, and the order `top` uses:
//   SimplifyFunctionNames -> PruneUninteresting -> (totals) -> ProfileFilter::Apply.
#ifndef PYROLENS_CORE_INCLUDE_PYROLENS_FILTER_H_
#define PYROLENS_CORE_INCLUDE_PYROLENS_FILTER_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "pyrolens/profile.h"
#include "pyrolens/status.h"

namespace pyrolens {

// pprof -sample_index: `spec` is "" (the profile's default_sample_type if it names a
// type, else the last type), a number in [0, num_types), or a type name ("inuse_"
// may be left out, as pprof allows for legacy names). InvalidArgument names the flag
// and the choices; also when the profile has no sample types.
Result<size_t> SelectSampleType(const Profile& profile, std::string_view spec);

// pprof's default symbolization step for names (symbolizer.Demangle without options):
// a function whose name is empty or equal to its system name gets its system name,
// demangled when it is an Itanium "_Z" symbol, and, when it looks like C++ ("::",
// brackets, but not Java's ".<"), with "(...)" and "<...>" groups removed.
void SimplifyFunctionNames(Profile* profile);

// pprof's RemoveUninteresting: when the profile names drop_frames (and keep_frames),
// frames matching ^(drop_frames)$ but not ^(keep_frames)$ and everything they call
// are cut from each stack, below its first frame that is not cut. Names are matched
// without their argument list. Like pprof, an invalid pattern disables the pass.
void PruneUninteresting(Profile* profile);

// The name and label filters; empty strings are off.
struct FilterOptions {
  std::string focus;      // keep samples with a frame matching (function, file or mapping)
  std::string ignore;     // drop samples with a frame matching
  std::string hide;       // remove matching frames from stacks
  std::string show;       // keep only matching frames in stacks
  std::string tagfocus;   // keep samples whose labels match (see ProfileFilter)
  std::string tagignore;  // drop samples whose labels match
};

// Whether each active filter matched something; pprof warns "<Name> expression matched
// no samples" otherwise.
struct FilterMatches {
  bool focus = true, ignore = true, hide = true, show = true, tagfocus = true, tagignore = true;
  // The warnings pprof would print, e.g. "Focus expression matched no samples".
  std::vector<std::string> Warnings() const;
};

// Compiled name and label filters. Regular expressions are RE2 (Go's syntax), matched
// unanchored. Tag filters take pprof's forms: "regex[,regex...]" matched against
// "key:value" of string labels (every regex must match some label); "key=regex,..."
// against the values of one key (any regex); and numeric ranges "32kb", ":64kb",
// "4mb:", "12kb:64mb" (also "key=range") against numeric labels, scaled by unit.
class ProfileFilter {
 public:
  ProfileFilter();
  ~ProfileFilter();
  ProfileFilter(ProfileFilter&&) noexcept;
  ProfileFilter& operator=(ProfileFilter&&) noexcept;

  // Fails with InvalidArgument naming the flag ("focus: invalid regexp ...").
  static Result<ProfileFilter> Compile(const FilterOptions& options);

  // True when no filter is set (Apply would change nothing).
  bool empty() const;

  // Applies the filters to `profile` in place, as pprof's FilterSamplesByName then
  // FilterSamplesByTag: rewrites location lines (hide/show), stacks (frames of hidden
  // locations removed) and drops samples (focus/ignore, emptied stacks, label filters).
  // Stack ids stay valid; stacks may become unused or duplicates of one another.
  FilterMatches Apply(Profile* profile) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace pyrolens

#endif  // PYROLENS_CORE_INCLUDE_PYROLENS_FILTER_H_
