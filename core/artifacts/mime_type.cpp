#include "artifacts/mime_type.h"

#include <cstring>

namespace oa {

namespace {
struct Known {
  const char* extension;
  const char* type;
};

constexpr Known kKnown[] = {
    {".png", "image/png"},   {".jpg", "image/jpeg"},    {".jpeg", "image/jpeg"},       {".gif", "image/gif"},
    {".webp", "image/webp"}, {".ico", "image/x-icon"}, {".pdf", "application/pdf"},
};

// The last segment's extension, lower-cased, with its dot (".png"); "" when
// the segment has no dot or ends with one. A dotfile such as ".png" counts
// as the extension ".png", like the [MF] pattern /\.[^./]+$/.
std::string extensionOf(std::string_view path) {
  const size_t slash = path.rfind('/');
  const std::string_view name = slash == std::string_view::npos ? path : path.substr(slash + 1);
  const size_t dot = name.rfind('.');
  if (dot == std::string_view::npos || dot + 1 == name.size()) return "";
  std::string ext(name.substr(dot));
  for (char& c : ext) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return ext;
}
}  // namespace

std::string fileMimeType(std::string_view path, const uint8_t* data, size_t size) {
  const std::string ext = extensionOf(path);
  for (const Known& k : kKnown) {
    if (ext == k.extension) return k.type;
  }
  const size_t sniff = size < kMimeSniffBytes ? size : kMimeSniffBytes;
  if (sniff && std::memchr(data, 0, sniff)) return kMimeBinary;
  return kMimeText;
}

}  // namespace oa
