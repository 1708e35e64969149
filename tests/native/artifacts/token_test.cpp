#include <gtest/gtest.h>

#include <regex>

#include "open_artifacts/errors.h"
#include "support/memory_kv_store.h"
#include "base/sha256.h"
#include "support/test_support.h"
#include "artifacts/token_format.h"
#include "artifacts/token_store.h"

namespace oa {
namespace {

using testing::FakeHost;
const std::string kHex40 = "0123456789abcdef0123456789abcdef01234567";

struct FormCase {
  std::string text;
  std::optional<std::string> secret;
};

class TokenFormTest : public ::testing::TestWithParam<FormCase> {};

TEST_P(TokenFormTest, AcceptsDocumentedAndObservedForms) {
  EXPECT_EQ(tokenSecret(GetParam().text), GetParam().secret) << GetParam().text;
}

INSTANTIATE_TEST_SUITE_P(
    Spec43, TokenFormTest,
    ::testing::Values(FormCase{"art_v1_" + kHex40, "art_v1_" + kHex40},
                      FormCase{"art_v1_" + kHex40 + "?expires=1779119626", "art_v1_" + kHex40},
                      FormCase{"art_v2_x_" + kHex40, "art_v2_x_" + kHex40},
                      FormCase{"art_v2_e_" + kHex40 + "?expires=1", "art_v2_e_" + kHex40},
                      FormCase{"art_v2_u_" + kHex40, "art_v2_u_" + kHex40},
                      FormCase{"art_v2_f_" + kHex40, "art_v2_f_" + kHex40},
                      FormCase{"art_v2_q_" + kHex40, std::nullopt},          // unknown jurisdiction letter
                      FormCase{"art_v2_" + kHex40, std::nullopt},            // v2 needs a jurisdiction
                      FormCase{"art_v3_" + kHex40, std::nullopt},
                      FormCase{"art_v1_" + kHex40.substr(1), std::nullopt},  // 39 hex
                      FormCase{"art_v1_" + kHex40 + "0", std::nullopt},      // 41 hex
                      FormCase{"art_v1_0123456789ABCDEF0123456789abcdef01234567", std::nullopt},
                      FormCase{"art_v1_" + kHex40 + "?expires=", std::nullopt},
                      FormCase{"art_v1_" + kHex40 + "?expires=12x", std::nullopt},
                      FormCase{"art_v1_" + kHex40 + "?foo=1", std::nullopt},
                      FormCase{"", std::nullopt}, FormCase{"Bearer art_v1_" + kHex40, std::nullopt}));

struct TokenFixture : ::testing::Test {
  FakeHost host;
  MemoryKvStore store;
  TokenStore tokens{store, host};
};

TEST_F(TokenFixture, MintsDocumentedFormatAndStoresOnlyAHash) {
  const auto t = tokens.mint(TokenScope::Write, kDefaultTokenTtlSeconds);
  EXPECT_TRUE(std::regex_match(t.plaintext, std::regex("^art_v1_[0-9a-f]{40}\\?expires=[0-9]+$"))) << t.plaintext;
  EXPECT_TRUE(std::regex_match(t.record.id, std::regex("^[0-9a-z]{16}$")));
  EXPECT_EQ(t.plaintext.substr(t.plaintext.find('=') + 1), std::to_string((host.nowMs() + 86400000) / 1000));
  const std::string secret = *tokenSecret(t.plaintext);
  EXPECT_EQ(t.record.secretHash, sha256Hex(secret));
  for (const auto& [key, value] : store.contents()) {
    const std::string row = key + bytesToString(value);
    EXPECT_EQ(row.find(secret.substr(7)), std::string::npos) << "secret at rest in " << key;
  }
}

TEST_F(TokenFixture, TtlBounds) {
  for (int64_t bad : {int64_t{0}, int64_t{59}, int64_t{31536001}, int64_t{-60}}) {
    try {
      tokens.mint(TokenScope::Read, bad);
      ADD_FAILURE() << bad;
    } catch (const ArtifactsError& e) {
      EXPECT_EQ(e.code(), ErrorCode::InvalidTtl);
    }
  }
  EXPECT_TRUE(store.contents().empty()) << "a rejected mint must write nothing";
  EXPECT_NO_THROW(tokens.mint(TokenScope::Read, 60));
  EXPECT_NO_THROW(tokens.mint(TokenScope::Read, 31536000));
}

TEST_F(TokenFixture, AuthenticatesEveryFormOfAnActiveToken) {
  const auto t = tokens.mint(TokenScope::Read, 3600);
  const std::string secret = *tokenSecret(t.plaintext);
  ASSERT_TRUE(tokens.authenticate(t.plaintext));
  ASSERT_TRUE(tokens.authenticate(secret));
  // The suffix is informational: rewriting it changes nothing.
  ASSERT_TRUE(tokens.authenticate(secret + "?expires=1"));
  EXPECT_EQ(tokens.authenticate(secret)->scope, TokenScope::Read);
  EXPECT_FALSE(tokens.authenticate("art_v1_" + kHex40));
  EXPECT_FALSE(tokens.authenticate("garbage"));
}

TEST_F(TokenFixture, ExpiryComesFromTheRecord) {
  const auto t = tokens.mint(TokenScope::Write, 60);
  host.advanceMs(59999);
  EXPECT_TRUE(tokens.authenticate(t.plaintext));
  EXPECT_EQ(tokens.listActive().size(), 1u);
  host.advanceMs(1);
  EXPECT_FALSE(tokens.authenticate(t.plaintext));
  EXPECT_FALSE(tokens.authenticate(*tokenSecret(t.plaintext) + "?expires=99999999999"));
  EXPECT_TRUE(tokens.listActive().empty());
}

TEST_F(TokenFixture, RevokeByIdAndByPlaintext) {
  const auto a = tokens.mint(TokenScope::Write, 3600);
  const auto b = tokens.mint(TokenScope::Read, 3600);
  const auto c = tokens.mint(TokenScope::Read, 3600);
  // The id of what this call revoked (the token.revoked event's tokenId), whatever named it.
  EXPECT_EQ(tokens.revoke(a.record.id), a.record.id);
  EXPECT_FALSE(tokens.revoke(a.record.id)) << "already revoked";
  EXPECT_EQ(tokens.revoke(b.plaintext), b.record.id);
  EXPECT_FALSE(tokens.revoke(*tokenSecret(b.plaintext))) << "same token without the suffix, already revoked";
  EXPECT_EQ(tokens.revoke(*tokenSecret(c.plaintext)), c.record.id);
  EXPECT_FALSE(tokens.authenticate(a.plaintext));
  EXPECT_FALSE(tokens.authenticate(b.plaintext));
  EXPECT_FALSE(tokens.authenticate(c.plaintext));
  EXPECT_FALSE(tokens.revoke("zzzzzzzzzzzzzzzz")) << "unknown id";
  EXPECT_FALSE(tokens.revoke("art_v1_" + kHex40)) << "unknown token";
}

TEST_F(TokenFixture, RevokeRejectsMalformedInputWithoutWriting) {
  tokens.mint(TokenScope::Write, 3600);
  const auto before = store.contents();
  for (const std::string bad : {"", "short", "ZZZZZZZZZZZZZZZZ", "art_v1_xyz"}) {
    try {
      tokens.revoke(bad);
      ADD_FAILURE() << bad;
    } catch (const ArtifactsError& e) {
      EXPECT_EQ(e.code(), ErrorCode::InvalidInput) << bad;
    }
  }
  EXPECT_EQ(store.contents(), before);
}

TEST_F(TokenFixture, ListsActiveNewestFirst) {
  const auto a = tokens.mint(TokenScope::Write, 3600);
  host.advanceMs(10);
  const auto b = tokens.mint(TokenScope::Read, 3600);
  host.advanceMs(10);
  const auto c = tokens.mint(TokenScope::Read, 60);
  tokens.revoke(b.record.id);
  auto active = tokens.listActive();
  ASSERT_EQ(active.size(), 2u);
  EXPECT_EQ(active[0].id, c.record.id);
  EXPECT_EQ(active[1].id, a.record.id);
  host.advanceMs(60000);
  active = tokens.listActive();
  ASSERT_EQ(active.size(), 1u);
  EXPECT_EQ(active[0].id, a.record.id);
  EXPECT_EQ(c.record.stateAt(host.nowMs()), TokenState::Expired);
}

}  // namespace
}  // namespace oa
