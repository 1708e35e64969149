// decodeBase64: RFC 4648 test vectors, both alphabets, padding optional but
// exact, and everything else refused (no silent loss of bits).
#include <gtest/gtest.h>

#include <string>

#include "base/base64.h"

namespace oa {
namespace {

std::string decoded(std::string_view text) {
  const auto bytes = decodeBase64(text);
  return bytes ? std::string(bytes->begin(), bytes->end()) : std::string("<refused>");
}

TEST(Base64, DecodesTheRfcVectorsWithAndWithoutPadding) {
  const std::pair<const char*, const char*> vectors[] = {
      {"", ""},           {"Zg==", "f"},         {"Zm8=", "fo"},         {"Zm9v", "foo"},
      {"Zm9vYg==", "foob"}, {"Zm9vYmE=", "fooba"}, {"Zm9vYmFy", "foobar"},
  };
  for (const auto& [text, plain] : vectors) {
    EXPECT_EQ(decoded(text), plain) << text;
    std::string unpadded = text;
    while (!unpadded.empty() && unpadded.back() == '=') unpadded.pop_back();
    EXPECT_EQ(decoded(unpadded), plain) << unpadded;
  }
}

TEST(Base64, TakesBothAlphabetsAndEveryByte) {
  EXPECT_EQ(decoded("+/+/"), std::string("\xfb\xff\xbf", 3));
  EXPECT_EQ(decoded("-_-_"), std::string("\xfb\xff\xbf", 3));
  EXPECT_EQ(decoded("AAEC/w=="), std::string("\x00\x01\x02\xff", 4));
}

TEST(Base64, RefusesWhatNoEncoderWrites) {
  for (const char* bad : {"Zg=", "Zg===", "Z", "Zm9vY", "Zm9v YmFy", "Zm9v\nYmFy", "Zg==Zg==", "=Zg=", "Zh==", "Zm9=",
                          "Zm9v!", "é"}) {
    EXPECT_EQ(decoded(bad), "<refused>") << bad;
  }
}

}  // namespace
}  // namespace oa
