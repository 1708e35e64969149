// The import guard (core/address_guard.h): which URL hosts and resolved
// addresses import() reaches without the host's opt-in, table-driven; the
// ImportJob refusal (INVALID_URL, nothing created) and the opt-in.
#include "base/address_guard.h"

#include <gtest/gtest.h>

#include "open_artifacts/errors.h"
#include "artifacts/import_job.h"
#include "support/test_support.h"

namespace oa {
namespace {

struct HostCase {
  const char* url;
  bool isPublic;
};

// Every literal form a WHATWG URL parser reads as a loopback/private/metadata
// address, plus public neighbours that must stay allowed.
const HostCase kUrlHosts[] = {
    // loopback, in the IPv4 spellings fetch() accepts
    {"https://127.0.0.1/r.git", false},
    {"https://127.0.0.1:8443/r.git", false},
    {"https://127.1/r.git", false},
    {"https://127.0.1/r.git", false},
    {"https://0x7f.0.0.1/r.git", false},
    {"https://0x7F000001/r.git", false},
    {"https://0177.0.0.1/r.git", false},
    {"https://017700000001/r.git", false},
    {"https://2130706433/r.git", false},
    {"https://127.0.0.1./r.git", false},
    {"https://127.255.255.254/r.git", false},
    {"https://0/r.git", false},
    {"https://0.0.0.0/r.git", false},
    {"https://0x/r.git", false},
    // IPv6 loopback, unspecified, IPv4-mapped and -compatible, NAT64, 6to4
    {"https://[::1]/r.git", false},
    {"https://[::1]:8080/r.git", false},
    {"https://[0:0:0:0:0:0:0:1]/r.git", false},
    {"https://[::]/r.git", false},
    {"https://[::ffff:127.0.0.1]/r.git", false},
    {"https://[::ffff:7f00:1]/r.git", false},
    {"https://[::ffff:0:7f00:1]/r.git", false},  // IPv4-translated 127.0.0.1
    {"https://[2001::1]/r.git", false},          // Teredo
    {"https://[::FFFF:A9FE:A9FE]/r.git", false},
    {"https://[::ffff:10.1.2.3]/r.git", false},
    {"https://[::127.0.0.1]/r.git", false},
    {"https://[64:ff9b::7f00:1]/r.git", false},
    {"https://[64:ff9b::a9fe:a9fe]/r.git", false},
    {"https://[2002:7f00:1::]/r.git", false},
    {"https://[2002:c0a8:101::1]/r.git", false},
    // private, CGNAT, link-local and cloud metadata
    {"https://10.0.0.1/r.git", false},
    {"https://10.255.255.255/r.git", false},
    {"https://172.16.0.1/r.git", false},
    {"https://172.31.255.255/r.git", false},
    {"https://192.168.1.1/r.git", false},
    {"https://100.64.0.1/r.git", false},
    {"https://100.127.255.255/r.git", false},
    {"https://100.100.100.200/r.git", false},
    {"https://169.254.169.254/r.git", false},
    {"https://169.254.0.1/r.git", false},
    {"https://0xa9fea9fe/r.git", false},
    {"https://2852039166/r.git", false},
    {"https://169.254.43518/r.git", false},
    {"https://[fe80::1]/r.git", false},
    {"https://[febf::1]/r.git", false},
    {"https://[fec0::1]/r.git", false},
    {"https://[fc00::1]/r.git", false},
    {"https://[fd00:ec2::254]/r.git", false},
    {"https://[ff02::1]/r.git", false},
    {"https://[2001:db8::1]/r.git", false},
    {"https://198.18.0.1/r.git", false},
    {"https://224.0.0.1/r.git", false},
    {"https://255.255.255.255/r.git", false},
    {"https://192.0.0.170/r.git", false},
    // localhost names
    {"https://localhost/r.git", false},
    {"https://LOCALHOST:8080/r.git", false},
    {"https://localhost./r.git", false},
    {"https://git.localhost/r.git", false},
    {"https://a.b.localhost/r.git", false},
    // hosts that cannot be judged as text: refused
    {"https://%31%32%37.0.0.1/r.git", false},
    {"https://xn--nxasmq6b.example/r.git", true},  // punycode is plain ASCII
    {"https://b\xc3\xbc" "cher.example/r.git", false},
    {"https://1.2.3.4.5/r.git", false},
    {"https://256.0.0.1/r.git", false},
    {"https://08.0.0.1/r.git", false},
    {"https://example.0x1g/r.git", true},  // does not end in a number: a name
    {"https://example.123/r.git", false},  // ends in a number but is no IPv4 address
    {"https://[::1/r.git", false},
    {"https://[fe80::1%25eth0]/r.git", false},
    {"https://[::ffff:127.0.0.01]/r.git", false},
    // public: names and addresses
    {"https://github.com/octocat/Hello-World", true},
    {"https://GitHub.com:443/octocat/Hello-World.git", true},
    {"http://example.com/r.git", true},
    {"https://localhost.example.com/r.git", true},
    {"https://mylocalhost/r.git", true},
    {"https://1.1.1.1/r.git", true},
    {"https://8.8.8.8:8443/r.git", true},
    {"https://134744072/r.git", true},  // 8.8.8.8
    {"https://100.63.255.255/r.git", true},
    {"https://100.128.0.1/r.git", true},
    {"https://172.15.255.255/r.git", true},
    {"https://172.32.0.1/r.git", true},
    {"https://169.253.255.255/r.git", true},
    {"https://192.169.0.1/r.git", true},
    {"https://[2606:4700:4700::1111]/r.git", true},
    {"https://[::ffff:8.8.8.8]/r.git", true},
    {"https://[64:ff9b::808:808]/r.git", true},
    {"https://[2002:808:808::1]/r.git", true},
};

TEST(AddressGuard, UrlHostsTable) {
  for (const auto& c : kUrlHosts) {
    EXPECT_EQ(isPublicUrlHost(c.url), c.isPublic) << c.url;
  }
}

TEST(AddressGuard, ResolvedAddressesTable) {
  // What a resolver hands back (node:dns), judged before connecting.
  const std::pair<const char*, bool> cases[] = {
      {"127.0.0.1", false},      {"127.53.0.1", false},    {"::1", false},          {"::ffff:127.0.0.1", false},
      {"10.1.2.3", false},       {"192.168.0.10", false},  {"172.20.0.1", false},   {"169.254.169.254", false},
      {"100.64.1.1", false},     {"0.0.0.0", false},       {"fe80::1", false},      {"fe80::1%eth0", false},
      {"fd12:3456::1", false},   {"fd00:ec2::254", false}, {"::", false},           {"", false},
      {"not-an-ip", false},      {"93.184.216.34", true},  {"140.82.121.4", true},  {"2606:4700::6810:84e5", true},
      {"::ffff:140.82.121.4", true},
  };
  for (const auto& [text, isPublic] : cases) {
    EXPECT_EQ(isPublicAddress(std::string_view(text)), isPublic) << text;
  }
}

TEST(AddressGuard, ParsesAsWhatwgUrlHosts) {
  const auto v4 = [](uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
    return IpAddress{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, a, b, c, d};
  };
  EXPECT_EQ(parseIpAddress("127.1"), v4(127, 0, 0, 1));
  EXPECT_EQ(parseIpAddress("1.2.772"), v4(1, 2, 3, 4));
  EXPECT_EQ(parseIpAddress("0x7f.1"), v4(127, 0, 0, 1));
  EXPECT_EQ(parseIpAddress("0300.0250.0.1"), v4(192, 168, 0, 1));
  EXPECT_EQ(parseIpAddress("4294967295"), v4(255, 255, 255, 255));
  EXPECT_EQ(parseIpAddress("4294967296"), std::nullopt);
  EXPECT_EQ(parseIpAddress("1.2.3.256"), std::nullopt);
  EXPECT_EQ(parseIpAddress("1..2"), std::nullopt);
  EXPECT_EQ(parseIpAddress("example.com"), std::nullopt);
  EXPECT_EQ(parseIpAddress("[::ffff:1.2.3.4]"), v4(1, 2, 3, 4));
  const IpAddress loopback6{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  EXPECT_EQ(parseIpAddress("::1"), loopback6);
  EXPECT_EQ(parseIpAddress("0:0::0:1"), loopback6);
  EXPECT_EQ(parseIpAddress("1:2:3:4:5:6:7:8:9"), std::nullopt);
  EXPECT_EQ(parseIpAddress("1::2::3"), std::nullopt);
  EXPECT_EQ(parseIpAddress(":1"), std::nullopt);
  EXPECT_EQ(parseIpAddress("12345::1"), std::nullopt);
}

TEST(AddressGuard, UrlHostExtraction) {
  EXPECT_EQ(urlHost("https://Example.COM:8443/a/b"), "example.com");
  EXPECT_EQ(urlHost("https://[::1]:80/x"), "[::1]");
  EXPECT_EQ(urlHost("http://h"), "h");
  EXPECT_EQ(urlHost("https://u:p@h.example/x"), "h.example");
  EXPECT_EQ(urlHost("no-scheme"), "");
}

ErrorCode importCode(testing::TestNamespace& ns, const std::string& url, bool allowPrivate) {
  ImportParams p;
  p.source.url = url;
  p.targetName = "copy";
  p.allowHttp = true;
  p.allowPrivate = allowPrivate;
  try {
    ImportJob job(ns.service, p);
    return ErrorCode::InternalError;  // stands for "accepted"
  } catch (const ArtifactsError& e) {
    return e.code();
  }
}

TEST(AddressGuard, ImportRefusesNonPublicHostsUnlessAllowed) {
  testing::TestNamespace ns;
  for (const char* url : {"http://127.0.0.1:9/r.git", "https://[::1]/r.git", "https://169.254.169.254/latest",
                          "https://localhost/r.git", "https://2130706433/r.git"}) {
    const auto before = ns.snapshot();
    EXPECT_EQ(importCode(ns, url, false), ErrorCode::InvalidUrl) << url;
    EXPECT_EQ(ns.snapshot(), before) << url << ": a refused import creates nothing";
    // The opt-in admits it (the job starts; destroying it removes the target).
    EXPECT_EQ(importCode(ns, url, true), ErrorCode::InternalError) << url;
  }
  EXPECT_EQ(importCode(ns, "https://github.com/octocat/Hello-World", false), ErrorCode::InternalError);
  // The scheme rule comes first: INVALID_INPUT, as before.
  ImportParams p;
  p.source.url = "http://127.0.0.1/r.git";
  p.targetName = "copy";
  try {
    ImportJob job(ns.service, p);
    ADD_FAILURE() << "plain http without allowHttp was accepted";
  } catch (const ArtifactsError& e) {
    EXPECT_EQ(e.code(), ErrorCode::InvalidInput);
  }
}

TEST(AddressGuard, RefusedResolutionIsInvalidUrlAndRemovesTheTarget) {
  testing::TestNamespace ns;
  ImportParams p;
  p.source.url = "https://rebind.example/r.git";
  p.targetName = "copy";
  ImportJob job(ns.service, p);
  EXPECT_EQ(ns.service.list(100, std::nullopt).repos.size(), 1u) << "the target is registered as importing";
  try {
    job.refuseAddress();
  } catch (const ArtifactsError& e) {
    EXPECT_EQ(e.code(), ErrorCode::InvalidUrl);
    EXPECT_NE(std::string(e.what()).find("rebind.example"), std::string::npos) << e.what();
  }
  EXPECT_EQ(ns.service.list(100, std::nullopt).repos.size(), 0u) << "nothing remains";
}

}  // namespace
}  // namespace oa
