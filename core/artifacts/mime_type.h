// The content type readFile reports in `blob.type` (spec §2.4, the [MF] rule):
// a short table of browser-renderable extensions, otherwise a sniff for a NUL
// byte in the first 8192 bytes (binary), otherwise UTF-8 text.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace oa {

constexpr size_t kMimeSniffBytes = 8192;
constexpr const char* kMimeBinary = "application/octet-stream";
constexpr const char* kMimeText = "text/plain;charset=utf-8";

// `path` is the file's repo-relative path (only its last segment's extension
// counts, compared case-insensitively); `data` is the file's content.
std::string fileMimeType(std::string_view path, const uint8_t* data, size_t size);

}  // namespace oa
