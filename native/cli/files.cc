#include "cli/files.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

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

namespace {

Result<Profile> WithPath(const std::string& path, Result<Profile> p) {
  if (!p.ok()) return p.status().WithPrefix(path);
  return p;
}

}  // namespace

Result<Profile> LoadProfile(const std::string& path, const ReadOptions& options) {
  // A regular file is mapped rather than read: no copy, and no zeroed buffer to fill.
  int fd = path == "-" ? -1 : open(path.c_str(), O_RDONLY | O_CLOEXEC);
  struct stat st;
  if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
    size_t size = static_cast<size_t>(st.st_size);
    void* mapped = mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (mapped == MAP_FAILED) {
      return Status::NotFound(Format("%s: mmap: %s", path.c_str(), strerror(errno)));
    }
    madvise(mapped, size, MADV_SEQUENTIAL);
    Result<Profile> p = ReadProfile(std::string_view(static_cast<char*>(mapped), size), options);
    munmap(mapped, size);
    return WithPath(path, std::move(p));
  }
  if (fd >= 0) close(fd);
  ASSIGN_OR_RETURN(std::string data, ReadFile(path));  // its errors name the path
  return WithPath(path, ReadProfile(data, options));
}

}  // namespace pyrolens
