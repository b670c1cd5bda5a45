// The web viewer's files, compiled into the binary from the directory named by the
// CMake variable PYROLENS_WEB_DIR (see embed_web.cmake). Empty when it was not built.
#ifndef PYROLENS_NATIVE_SERVER_WEB_ASSETS_H_
#define PYROLENS_NATIVE_SERVER_WEB_ASSETS_H_

#include <cstddef>
#include <string_view>

namespace pyrolens {

struct WebAsset {
  const char* path;  // URL path without the leading '/', e.g. "index.html"
  const unsigned char* data;
  size_t size;
};

// nullptr when no embedded file has that path.
const WebAsset* FindWebAsset(std::string_view path);
size_t NumWebAssets();

}  // namespace pyrolens

#endif  // PYROLENS_NATIVE_SERVER_WEB_ASSETS_H_
