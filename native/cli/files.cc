#include "cli/files.h"

#include <cerrno>
#include <cstdio>
#include <cstring>

#include <sys/stat.h>

namespace pyrolens {

Result<std::string> ReadFile(const std::string& path) {
  FILE* f = path == "-" ? stdin : fopen(path.c_str(), "rb");
  if (f == nullptr) return Status::NotFound(Format("%s: %s", path.c_str(), strerror(errno)));
  // Regular files are read in one call into a buffer of their size; pipes in chunks.
  std::string data;
  struct stat st;
  if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode)) {
    data.resize(static_cast<size_t>(st.st_size));
    data.resize(fread(data.data(), 1, data.size(), f));
  }
  char buf[1 << 16];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), f)) > 0) data.append(buf, n);
  bool failed = ferror(f) != 0;
  int err = errno;
  if (f != stdin) fclose(f);
  if (failed) return Status::NotFound(Format("%s: read error: %s", path.c_str(), strerror(err)));
  return data;
}

Status WriteFile(const std::string& path, const std::string& data) {
  FILE* f = path == "-" ? stdout : fopen(path.c_str(), "wb");
  if (f == nullptr) return Status::InvalidArgument(Format("%s: %s", path.c_str(), strerror(errno)));
  bool ok = fwrite(data.data(), 1, data.size(), f) == data.size();
  ok = (f == stdout ? fflush(f) : fclose(f)) == 0 && ok;
  if (!ok) return Status::InvalidArgument(Format("%s: write failed", path.c_str()));
  return Status();
}

Result<Profile> LoadProfile(const std::string& path, const ReadOptions& options) {
  ASSIGN_OR_RETURN(std::string data, ReadFile(path));
  Result<Profile> p = ReadProfile(data, options);
  if (!p.ok()) return p.status().WithPrefix(path);
  return p;
}

}  // namespace pyrolens
