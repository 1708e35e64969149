// Repo events (repo_events.h, repo_event_queue.h). The pushed payload's
// commit walk against git as the oracle (`git log --first-parent` over a repo
// made with the git CLI, ingested server-side): new branches, fast-forwards,
// force pushes, merges, tags, deletions, the 20-commit cap, messages cut at
// 4,096 characters, missing commits and shallow boundaries. Then the events
// the service queues for each operation, with exact payloads, and the
// queue's bounds.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "api/git_http_session.h"
#include "artifacts/fork_job.h"
#include "artifacts/repo_event_queue.h"
#include "artifacts/repo_events.h"
#include "base/time_format.h"
#include "base/utf8.h"
#include "git/format/pkt_line.h"
#include "support/git_fixture.h"
#include "support/test_support.h"

namespace oa {
namespace {

using nlohmann::json;
using testing::run;

const std::string kZero(40, '0');

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

std::string quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

git::ObjectId oid(const std::string& hex) { return *git::ObjectId::fromHex(hex); }

git::RefUpdate update(const std::string& ref, const std::string& before, const std::string& after) {
  return git::RefUpdate{ref, oid(before), oid(after)};
}

// ---- The walk, against git.

// The source repo, built once: main c1..c25 (each committed at its own time),
// `feature` from c2 (unrelated to c3..c25: a force push), a merge of `topic`
// onto c25, tags, and raw commits with messages git commit cannot make.
struct Source {
  testing::TempDir dir;
  std::string src;
  testing::ServerRepo server;
  std::map<std::string, std::string> ids;

  // git with fixed identities; the committer time is `time` (Unix seconds).
  std::string g(int64_t time = 1700000000) const {
    const std::string date = quote("@" + std::to_string(time) + " +0200");
    return "env GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null HOME=/nonexistent GIT_AUTHOR_NAME='Alice Example' "
           "GIT_AUTHOR_EMAIL=alice@example.com GIT_COMMITTER_NAME='Zoë Committer' GIT_COMMITTER_EMAIL=zoe@example.com "
           "GIT_AUTHOR_DATE=" + date + " GIT_COMMITTER_DATE=" + date + " git -C " + quote(src) + " ";
  }
  std::string revParse(const std::string& what) const { return trim(run(g() + "rev-parse " + quote(what))); }
  std::string commit(const std::string& label, const std::string& message, int64_t time) {
    testing::writeFile(src + "/file.txt", stringToBytes(label + "\n"));
    run(g(time) + "add -A && " + g(time) + "commit -q --cleanup=verbatim -m " + quote(message));
    return ids[label] = revParse("HEAD");
  }
  // A commit object written byte for byte.
  std::string rawCommit(const std::string& label, const std::string& parent, const std::string& committerLine,
                        const std::string& message) {
    const std::string path = dir.path + "/raw";
    testing::writeFile(path, stringToBytes("tree " + revParse(parent + "^{tree}") + "\nparent " + parent +
                                           "\nauthor Raw Author <raw@example.com> 1700001000 +0000\ncommitter " +
                                           committerLine + "\n\n" + message));
    return ids[label] = trim(run(g() + "hash-object -t commit -w " + quote(path)));
  }

  Source() {
    src = dir.path + "/src";
    run("git init -q -b main " + quote(src));
    for (int i = 1; i <= 25; ++i) {
      commit("c" + std::to_string(i), "commit " + std::to_string(i) + "\n\nbody of " + std::to_string(i) + "\n",
             1700000000 + i * 60);
    }
    run(g() + "checkout -q -b feature " + ids["c2"]);
    commit("f1", "feature work\n", 1700009000);
    run(g() + "checkout -q -b topic " + ids["c25"]);
    commit("t1", "topic work\n", 1700009100);
    run(g() + "checkout -q main");
    run(g(1700009200) + "merge -q --no-ff --no-edit topic");
    ids["merge"] = revParse("HEAD");
    run(g() + "tag light " + ids["c25"]);
    run(g() + "tag -a v1 -m 'release' " + ids["c25"]);
    ids["v1"] = revParse("v1");

    // 4,095 ASCII characters then an emoji (two UTF-16 units): the cut falls before it.
    rawCommit("astral", ids["c25"], "Raw Committer <rawc@example.com> 1700002000 +0100",
              std::string(4095, 'a') + "\xF0\x9F\x98\x80 tail\n");
    // Exactly 4,096 characters of 2-byte UTF-8 (plus the final newline): kept whole.
    std::string wide;
    for (int i = 0; i < 4096; ++i) wide += "\xC3\xA9";
    rawCommit("exact", ids["astral"], "Raw Committer <rawc@example.com> 1700002000 +0100", wide + "\n");
    // Ill-formed UTF-8, no final newline, a committer time past year 9999.
    rawCommit("odd", ids["exact"], "Raw Committer <rawc@example.com> 999999999999 +0000", "bad \xFF\xFE end");
    run(g() + "update-ref refs/heads/raw " + ids["odd"]);
    run(g() + "update-ref refs/notes/x " + ids["c25"]);

    const std::string pack = dir.path + "/all.pack";
    run(g() + "pack-objects --revs --all --stdout --delta-base-offset </dev/null > " + quote(pack));
    server.ingest(testing::readFile(pack));
    for (const auto& line : testing::lines(run(g() + "for-each-ref --format='%(objectname) %(refname)'"))) {
      server.setRef(line.substr(41), line.substr(0, 40));
    }
  }
};

class PushedWalkTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { source_ = new Source(); }
  static void TearDownTestSuite() {
    delete source_;
    source_ = nullptr;
  }
  Source& s() { return *source_; }
  std::string id(const std::string& label) { return s().ids.at(label); }

  json payload(const std::string& ref, const std::string& before, const std::string& after,
               git::RepoContext* repo = nullptr) {
    return json::parse(pushedPayloadJson(repo ? *repo : s().server.ctx, update(ref, before, after)));
  }
  // Each listed commit as git shows it (`git log -1`): id, message, identities, committer time, parents.
  json gitCommit(const std::string& commit) {
    const std::string fields = run("TZ=UTC " + s().g() + "log -1 --format='%an%x00%ae%x00%cn%x00%ce%x00%P%x00" +
                                   "%cd' --date=format-local:%Y-%m-%dT%H:%M:%S.000Z " + commit);
    std::vector<std::string> f;
    size_t start = 0;
    for (size_t nul; (nul = fields.find('\0', start)) != std::string::npos; start = nul + 1) {
      f.push_back(fields.substr(start, nul - start));
    }
    f.push_back(trim(fields.substr(start)));
    json parents = json::array();
    for (size_t p = 0; p + 40 <= f[4].size(); p += 41) parents.push_back(f[4].substr(p, 40));
    // %B adds a newline after the raw message; the event drops the message's final one.
    std::string message = run(s().g() + "log -1 --format=%B " + commit);
    message.pop_back();
    if (!message.empty() && message.back() == '\n') message.pop_back();
    return json{{"id", commit},
                {"message", message},
                {"messageTruncated", false},
                {"timestamp", f[5]},
                {"author", {{"name", f[0]}, {"email", f[1]}}},
                {"committer", {{"name", f[2]}, {"email", f[3]}}},
                {"parents", parents}};
  }
  // What `git log --first-parent` lists from `after`, down to (not including) `before`, at most n.
  json gitFirstParent(const std::string& after, const std::string& before, int n) {
    json out = json::array();
    const std::string range = before == kZero ? after : before + ".." + after;
    std::istringstream list(run(s().g() + "rev-list --first-parent -n " + std::to_string(n) + " " + range));
    for (std::string commit; std::getline(list, commit);) out.push_back(gitCommit(commit));
    return out;
  }

  static Source* source_;
};
Source* PushedWalkTest::source_ = nullptr;

TEST_F(PushedWalkTest, ANewBranchListsTwentyCountsTwentyOneAndSaysItTruncated) {
  const json p = payload("refs/heads/main", kZero, id("c25"));
  EXPECT_EQ(p["ref"], "refs/heads/main");
  EXPECT_EQ(p["before"], kZero);
  EXPECT_EQ(p["after"], id("c25"));
  EXPECT_EQ(p["commits"], gitFirstParent(id("c25"), kZero, 20));
  EXPECT_EQ(p["commits"][0]["message"], "commit 25\n\nbody of 25");
  EXPECT_EQ(p["commits"][0]["timestamp"], formatIsoTimestamp((1700000000 + 25 * 60) * 1000ll));
  EXPECT_EQ(p["totalCommitsCount"], 21) << "counting stops at 21";
  EXPECT_EQ(p["commitsTruncated"], true);
}

TEST_F(PushedWalkTest, ExactlyTwentyNewCommitsAreNotTruncatedAndTwentyOneAre) {
  json p = payload("refs/heads/main", id("c5"), id("c25"));
  EXPECT_EQ(p["commits"], gitFirstParent(id("c25"), id("c5"), 100));
  EXPECT_EQ(p["commits"].size(), 20u);
  EXPECT_EQ(p["totalCommitsCount"], 20);
  EXPECT_EQ(p["commitsTruncated"], false);
  p = payload("refs/heads/main", id("c4"), id("c25"));
  EXPECT_EQ(p["commits"].size(), 20u);
  EXPECT_EQ(p["totalCommitsCount"], 21);
  EXPECT_EQ(p["commitsTruncated"], true);
}

TEST_F(PushedWalkTest, AFastForwardListsOnlyTheNewCommitsNewestFirst) {
  const json p = payload("refs/heads/main", id("c22"), id("c25"));
  EXPECT_EQ(p["commits"], gitFirstParent(id("c25"), id("c22"), 100));
  EXPECT_EQ(p["commits"].size(), 3u);
  EXPECT_EQ(p["commits"][2]["id"], id("c23"));
  EXPECT_EQ(p["totalCommitsCount"], 3);
  EXPECT_EQ(p["commitsTruncated"], false);
}

TEST_F(PushedWalkTest, AForcePushListsHistoryDownToTheRoot) {
  // `before` is not on the new first-parent chain: the walk runs to the root.
  const json p = payload("refs/heads/main", id("c25"), id("f1"));
  EXPECT_EQ(p["commits"], gitFirstParent(id("f1"), kZero, 100));
  EXPECT_EQ(p["commits"].size(), 3u);
  EXPECT_EQ(p["commits"][2]["parents"], json::array());
  EXPECT_EQ(p["totalCommitsCount"], 3);
}

TEST_F(PushedWalkTest, AMergeOntoBeforeListsOnlyTheMerge) {
  const json p = payload("refs/heads/main", id("c25"), id("merge"));
  ASSERT_EQ(p["commits"].size(), 1u);
  EXPECT_EQ(p["commits"][0], gitCommit(id("merge")));
  EXPECT_EQ(p["commits"][0]["parents"], json::array({id("c25"), id("t1")}));
  EXPECT_EQ(p["totalCommitsCount"], 1);
}

TEST_F(PushedWalkTest, TagsOtherRefsAndDeletionsListNothing) {
  const json empty = json::array();
  for (const auto& [ref, before, after] : std::vector<std::tuple<std::string, std::string, std::string>>{
           {"refs/tags/light", kZero, id("c25")},
           {"refs/tags/v1", kZero, id("v1")},       // an annotated tag: `after` is the tag object
           {"refs/notes/x", kZero, id("c25")},
           {"refs/heads/main", id("c25"), kZero},   // a deletion
           {"refs/heads/at-a-tag", kZero, id("v1")},  // a branch at a tag object: not a commit
           {"HEAD", kZero, id("c25")},
       }) {
    const json p = payload(ref, before, after);
    EXPECT_EQ(p["before"], before) << ref;
    EXPECT_EQ(p["after"], after) << ref;
    EXPECT_EQ(p["commits"], empty) << ref;
    EXPECT_EQ(p["totalCommitsCount"], 0) << ref;
    EXPECT_EQ(p["commitsTruncated"], false) << ref;
  }
  EXPECT_NE(id("v1"), id("c25"));
}

TEST_F(PushedWalkTest, MessagesAreCutAtFourThousandNinetySixCharactersAsJavaScriptCountsThem) {
  const json p = payload("refs/heads/raw", id("c25"), id("odd"));
  ASSERT_EQ(p["commits"].size(), 3u);
  const json& odd = p["commits"][0];
  // Ill-formed bytes show as U+FFFD; nothing to remove at the end; the time is capped at year 9999.
  EXPECT_EQ(odd["message"], "bad \xEF\xBF\xBD\xEF\xBF\xBD end");
  EXPECT_EQ(odd["messageTruncated"], false);
  EXPECT_EQ(odd["timestamp"], "9999-12-31T23:59:59.000Z");
  EXPECT_EQ(odd["author"], json({{"name", "Raw Author"}, {"email", "raw@example.com"}}));
  EXPECT_EQ(odd["committer"], json({{"name", "Raw Committer"}, {"email", "rawc@example.com"}}));
  EXPECT_EQ(odd["parents"], json::array({id("exact")}));

  const json& exact = p["commits"][1];
  std::string wide;
  for (int i = 0; i < 4096; ++i) wide += "\xC3\xA9";
  EXPECT_EQ(exact["message"], wide) << "4,096 characters (8,192 bytes) are kept whole";
  EXPECT_EQ(exact["messageTruncated"], false);

  const json& astral = p["commits"][2];
  EXPECT_EQ(astral["message"], std::string(4095, 'a')) << "the emoji would be units 4,096 and 4,097";
  EXPECT_EQ(astral["messageTruncated"], true);
  EXPECT_EQ(astral["timestamp"], "2023-11-14T22:46:40.000Z");
}

TEST_F(PushedWalkTest, AMissingCommitEndsTheWalkWithoutFailing) {
  // A store holding only c24 and c25 (what `c23..c25` needs): c23 is missing.
  testing::ServerRepo partial;
  const std::string pack = s().dir.path + "/partial.pack";
  run("printf '%s\\n^%s\\n' " + id("c25") + " " + id("c23") + " | " + s().g() +
      "pack-objects --revs --stdout > " + quote(pack));
  partial.ingest(testing::readFile(pack));
  const json p = payload("refs/heads/main", kZero, id("c25"), &partial.ctx);
  ASSERT_EQ(p["commits"].size(), 2u);
  EXPECT_EQ(p["commits"][0]["id"], id("c25"));
  EXPECT_EQ(p["commits"][1]["id"], id("c24"));
  EXPECT_EQ(p["totalCommitsCount"], 2);
  // A ref at a commit the store lacks altogether: an empty list, no error.
  const json none = payload("refs/heads/main", kZero, id("c3"), &partial.ctx);
  EXPECT_EQ(none["commits"], json::array());
  EXPECT_EQ(none["totalCommitsCount"], 0);
}

TEST_F(PushedWalkTest, TheWalkStopsAtTheRepositorysShallowBoundary) {
  testing::ServerRepo shallow;
  const std::string pack = s().dir.path + "/shallow.pack";
  run("printf '%s\\n^%s\\n' " + id("c25") + " " + id("c19") + " | " + s().g() +
      "pack-objects --revs --stdout > " + quote(pack));
  shallow.ingest(testing::readFile(pack));
  WriteBatch batch;
  shallow.ctx.shallows().stage(batch, {oid(id("c20"))});
  shallow.store.commit(batch);
  const json p = payload("refs/heads/main", kZero, id("c25"), &shallow.ctx);
  ASSERT_EQ(p["commits"].size(), 6u) << "c25 down to the shallow c20, listed with its parent id";
  EXPECT_EQ(p["commits"][5]["id"], id("c20"));
  EXPECT_EQ(p["commits"][5]["parents"], json::array({id("c19")}));
  EXPECT_EQ(p["totalCommitsCount"], 6);
}

// ---- Text bounds.

TEST(RepoEventText, MessagesLoseOneFinalNewlineAndAreCutBetweenCharacters) {
  EXPECT_EQ(eventMessage("subject\n\nbody\n\n").text, "subject\n\nbody\n");
  EXPECT_EQ(eventMessage("").text, "");
  const std::string a4096(4096, 'a');
  EXPECT_FALSE(eventMessage(a4096 + "\n").truncated);
  const EventMessage longer = eventMessage(a4096 + "b\n");
  EXPECT_EQ(longer.text, a4096);
  EXPECT_TRUE(longer.truncated);
  // A three-byte character is one unit; a four-byte one is two (a surrogate pair).
  EXPECT_EQ(utf16PrefixBytes("\xE2\x9C\x93\xE2\x9C\x93", 1), 3u);
  EXPECT_EQ(utf16PrefixBytes("\xF0\x9F\x98\x80", 1), 0u);
  EXPECT_EQ(utf16PrefixBytes("\xF0\x9F\x98\x80", 2), 4u);
  EXPECT_EQ(utf16PrefixBytes("x\xFF\xFEy", 3), 3u) << "an ill-formed byte is one unit";
  EXPECT_EQ(utf16PrefixBytes("\xE2\x9C", 5), 2u) << "a truncated sequence: one unit per byte";
  EXPECT_EQ(utf16PrefixBytes("abc", 0), 0u);
  EXPECT_TRUE(isValidUtf8("\xF0\x9F\x98\x80 \xC3\xA9"));
  EXPECT_FALSE(isValidUtf8("\xED\xA0\x80"));
}

// ---- The queue.

RepoEvent sized(const std::string& repoName, size_t payloadBytes) {
  return RepoEvent{RepoEventKind::Cloned, "default", repoName, std::string(payloadBytes, ' '), 0};
}

TEST(RepoEventQueue, PastItsCountTheOldestEventsGoAndAreCounted) {
  RepoEventQueue queue(3, 1 << 20);
  for (int i = 0; i < 5; ++i) queue.push(sized("r" + std::to_string(i), 2));
  EXPECT_EQ(queue.size(), 3u);
  EXPECT_EQ(queue.dropped(), 2u);
  const auto taken = queue.take();
  ASSERT_EQ(taken.size(), 3u);
  EXPECT_EQ(taken[0].repoName, "r2");
  EXPECT_EQ(taken[2].repoName, "r4");
  EXPECT_EQ(queue.size(), 0u);
  EXPECT_EQ(queue.bytes(), 0u);
  EXPECT_TRUE(queue.take().empty());
}

TEST(RepoEventQueue, PastItsBytesTheOldestEventsGo) {
  RepoEventQueue queue(100, 1000);
  for (int i = 0; i < 10; ++i) queue.push(sized("r" + std::to_string(i), 198));  // 198 + 2 + 7 bytes each
  EXPECT_LE(queue.bytes(), 1000u);
  EXPECT_EQ(queue.size(), 4u);
  EXPECT_EQ(queue.dropped(), 6u);
  queue.push(sized("huge", 5000));
  EXPECT_EQ(queue.size(), 4u) << "an event over the whole budget is dropped itself";
  EXPECT_EQ(queue.dropped(), 7u);
  EXPECT_EQ(queue.take().back().repoName, "r9");
}

// ---- What the service queues.

json taken(ArtifactsService& service) {
  json out = json::array();
  for (const auto& e : service.events().take()) out.push_back(json::parse(repoEventJson(e)));
  return out;
}

json source(const std::string& type, const std::string& repoName) {
  return json{{"type", type}, {"namespace", "default"}, {"repoName", repoName}};
}

std::string iso(int64_t ms) { return formatIsoTimestamp(ms); }

TEST(RepoEventsService, CreateQueuesCreatedThenItsInitialTokensTokenCreated) {
  testing::TestNamespace ns;
  CreateRepoOptions options;
  options.description = "a description";
  options.defaultBranch = "trunk";
  const CreatedRepo created = ns.service.create("repo", options);
  const json events = taken(ns.service);
  const std::string now = iso(ns.host.nowMs());
  ASSERT_EQ(events.size(), 2u) << events.dump();
  EXPECT_EQ(events[0], json({{"type", "cf.artifacts.repo.created"},
                             {"source", source("artifacts", "repo")},
                             {"payload",
                              {{"repoId", created.record.id},
                               {"defaultBranch", "trunk"},
                               {"description", "a description"},
                               {"readOnly", false},
                               {"createdAt", now},
                               {"updatedAt", now},
                               {"lastPushAt", nullptr}}},
                             {"eventTimestamp", now}}));
  const auto tokens = ns.service.listTokens("repo", created.record.id);
  ASSERT_EQ(tokens.size(), 1u);
  EXPECT_EQ(events[1], json({{"type", "cf.artifacts.repo.token.created"},
                             {"source", source("artifacts.repo", "repo")},
                             {"payload",
                              {{"tokenId", tokens[0].id},
                               {"scope", "write"},
                               {"expiresAt", iso(ns.host.nowMs() + 86400000)}}},
                             {"eventTimestamp", now}}));
  EXPECT_EQ(taken(ns.service), json::array()) << "taken once";
  EXPECT_THROW(ns.service.create("repo", {}), ArtifactsError);
  EXPECT_EQ(taken(ns.service), json::array()) << "a refused call queues nothing";
}

TEST(RepoEventsService, TokenCreatedForEveryMintAndTokenRevokedOnlyWhenThisCallRevoked) {
  testing::TestNamespace ns;
  const std::string id = ns.service.create("Repo", {}).record.id;
  taken(ns.service);
  ns.host.advanceMs(1000);
  const MintedToken read = ns.service.createToken("Repo", id, TokenScope::Read, 3600);
  ns.service.listTokens("Repo", id);
  EXPECT_TRUE(ns.service.revokeToken("Repo", id, read.plaintext));  // by its text: the event names its id
  EXPECT_FALSE(ns.service.revokeToken("Repo", id, read.record.id));
  EXPECT_FALSE(ns.service.revokeToken("Repo", id, "zzzzzzzzzzzzzzzz"));
  const std::string now = iso(ns.host.nowMs());
  EXPECT_EQ(taken(ns.service),
            json::array({{{"type", "cf.artifacts.repo.token.created"},
                          {"source", source("artifacts.repo", "Repo")},
                          {"payload", {{"tokenId", read.record.id}, {"scope", "read"}, {"expiresAt", iso(ns.host.nowMs() + 3600000)}}},
                          {"eventTimestamp", now}},
                         {{"type", "cf.artifacts.repo.token.revoked"},
                          {"source", source("artifacts.repo", "Repo")},
                          {"payload", {{"tokenId", read.record.id}}},
                          {"eventTimestamp", now}}}));
  EXPECT_THROW(ns.service.createToken("Repo", id, TokenScope::Read, 1), ArtifactsError);
  EXPECT_EQ(taken(ns.service), json::array());
}

CommitRequest oneFile(const std::string& message) {
  CommitRequest request;
  request.message = message;
  request.author = CommitIdentity{"Agent", "agent@example.com", 1700000000, 60};
  request.files.push_back(FileChange{"README.md", stringToBytes("# hi " + message + "\n"), std::nullopt});
  return request;
}

TEST(RepoEventsService, TheCommitApiQueuesPushedAndDeleteQueuesDeletedFromTheRecordItRemoved) {
  testing::TestNamespace ns;
  const CreatedRepo repo = ns.service.create("repo", {});
  taken(ns.service);
  ns.host.advanceMs(5000);
  CommitRequest first = oneFile("first");
  const CommitOutcome one = ns.service.commit("repo", repo.record.id, first);
  CommitRequest second = oneFile("second");
  const CommitOutcome two = ns.service.commit("repo", repo.record.id, second);
  const json events = taken(ns.service);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1]["type"], "cf.artifacts.repo.pushed");
  EXPECT_EQ(events[1]["source"], source("artifacts.repo", "repo"));
  const json person = {{"name", "Agent"}, {"email", "agent@example.com"}};
  EXPECT_EQ(events[1]["payload"],
            json({{"ref", "refs/heads/main"},
                  {"before", one.update.after.hex()},
                  {"after", two.update.after.hex()},
                  {"commits",
                   {{{"id", two.update.after.hex()},
                     {"message", "second"},
                     {"messageTruncated", false},
                     {"timestamp", "2023-11-14T22:13:20.000Z"},
                     {"author", person},
                     {"committer", person},
                     {"parents", {one.update.after.hex()}}}}},
                  {"totalCommitsCount", 1},
                  {"commitsTruncated", false}}));
  EXPECT_EQ(events[0]["payload"]["before"], kZero) << "the first commit creates the branch";

  const RepoRecord before = ns.service.get("repo");
  ASSERT_TRUE(before.lastPushAtMs);
  ns.host.advanceMs(1000);
  EXPECT_TRUE(ns.service.remove("repo"));
  EXPECT_FALSE(ns.service.remove("repo"));
  EXPECT_EQ(taken(ns.service), json::array({{{"type", "cf.artifacts.repo.deleted"},
                                              {"source", source("artifacts", "repo")},
                                              {"payload",
                                               {{"repoId", repo.record.id},
                                                {"defaultBranch", "main"},
                                                {"description", nullptr},
                                                {"readOnly", false},
                                                {"createdAt", iso(before.createdAtMs)},
                                                {"updatedAt", iso(before.updatedAtMs)},
                                                {"lastPushAt", iso(*before.lastPushAtMs)}}},
                                              {"eventTimestamp", iso(ns.host.nowMs())}}}));
  // A repo still being made was never announced: its removal is not either.
  ns.service.beginRepo("busy", {}, RepoStatus::Importing, std::nullopt);
  taken(ns.service);
  EXPECT_TRUE(ns.service.remove("busy"));
  EXPECT_EQ(taken(ns.service), json::array());
}

TEST(RepoEventsService, AForkQueuesForkedWithTheParentAsSourceThenItsTokenCreated) {
  testing::TestNamespace ns;
  const CreatedRepo parent = ns.service.create("parent", {});
  CommitRequest request = oneFile("first");
  ns.service.commit("parent", parent.record.id, request);
  taken(ns.service);
  ForkOptions options;
  options.description = "my fork";
  options.readOnly = true;
  ForkJob job(ns.service, "parent", parent.record.id, "child", options);
  while (!job.step(1)) {
  }
  const RepoRecord& fork = job.result().created.record;
  const std::string now = iso(ns.host.nowMs());
  const json events = taken(ns.service);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0], json({{"type", "cf.artifacts.repo.forked"},
                             {"source", source("artifacts", "parent")},
                             {"payload",
                              {{"namespace", "default"},
                               {"repoName", "child"},
                               {"repoId", fork.id},
                               {"defaultBranch", "main"},
                               {"description", "my fork"},
                               {"readOnly", true},
                               {"createdAt", now},
                               {"updatedAt", now},
                               {"lastPushAt", nullptr}}},
                             {"eventTimestamp", now}}));
  EXPECT_EQ(events[1]["type"], "cf.artifacts.repo.token.created");
  EXPECT_EQ(events[1]["source"], source("artifacts.repo", "child"));
  EXPECT_EQ(events[1]["payload"]["tokenId"], ns.service.listTokens("child", fork.id).at(0).id);

  // A fork that fails queues nothing.
  EXPECT_THROW(ForkJob(ns.service, "parent", parent.record.id, "child", {}), ArtifactsError);
  EXPECT_EQ(taken(ns.service), json::array());
}

TEST(RepoEventsService, ImportedCarriesTheCreatedFieldsTheSourceUrlAndTheBranch) {
  RepoRecord record;
  record.id = "0tvugavnogssnwzk";
  record.name = "hello";
  record.defaultBranch = "master";
  record.createdAtMs = record.updatedAtMs = 1779119626833;
  const RepoEvent event = repoImportedEvent("default", record, "https://example.com/o/hello", "master", 1779119627000);
  EXPECT_EQ(json::parse(repoEventJson(event)),
            json({{"type", "cf.artifacts.repo.imported"},
                  {"source", source("artifacts", "hello")},
                  {"payload",
                   {{"repoId", "0tvugavnogssnwzk"},
                    {"defaultBranch", "master"},
                    {"description", nullptr},
                    {"readOnly", false},
                    {"createdAt", "2026-05-18T15:53:46.833Z"},
                    {"updatedAt", "2026-05-18T15:53:46.833Z"},
                    {"lastPushAt", nullptr},
                    {"sourceUrl", "https://example.com/o/hello"},
                    {"branch", "master"}}},
                  {"eventTimestamp", "2026-05-18T15:53:47.000Z"}}));
}

// ---- Git requests, through the session as a host drives it.

struct GitCall {
  int status;
  std::string body;
};

GitCall gitRequest(ArtifactsService& service, const std::string& token, const std::string& method,
                   const std::string& path, const std::string& query, const std::string& body, bool v2) {
  GitHttpRequest request;
  request.method = method;
  request.path = "/git/default/repo.git/" + path;
  request.query = query;
  request.headers["authorization"] = "Bearer " + token;
  if (v2) request.headers["git-protocol"] = "version=2";
  if (method == "POST") request.headers["content-type"] = "application/x-" + path + "-request";
  GitHttpSession session(service, request);
  session.write(reinterpret_cast<const uint8_t*>(body.data()), body.size());
  const int status = session.finish().status;
  std::string out;
  for (Bytes chunk; session.read(chunk); chunk.clear()) out.append(chunk.begin(), chunk.end());
  return GitCall{status, out};
}

std::string pkts(const std::vector<std::string>& lines, bool delimAfterFirst = false) {
  std::string out;
  for (size_t i = 0; i < lines.size(); ++i) {
    git::appendPkt(out, lines[i] + "\n");
    if (delimAfterFirst && i == 0) out += "0001";
  }
  return out + "0000";
}

TEST(RepoEventsService, OnlyUploadPackRequestsThatSendAPackAreClonedOrFetched) {
  testing::TestNamespace ns;
  const CreatedRepo repo = ns.service.create("repo", {});
  CommitRequest first = oneFile("first");
  const std::string c1 = ns.service.commit("repo", repo.record.id, first).update.after.hex();
  CommitRequest second = oneFile("second");
  const std::string c2 = ns.service.commit("repo", repo.record.id, second).update.after.hex();
  taken(ns.service);
  auto types = [&] {
    std::vector<std::string> out;
    for (const auto& e : taken(ns.service)) out.push_back(e["type"].get<std::string>() + " " + e["source"]["repoName"].get<std::string>());
    return out;
  };
  using Types = std::vector<std::string>;
  const std::string& token = repo.token;

  EXPECT_EQ(gitRequest(ns.service, token, "GET", "info/refs", "?service=git-upload-pack", "", false).status, 200);
  EXPECT_EQ(gitRequest(ns.service, token, "GET", "info/refs", "?service=git-upload-pack", "", true).status, 200);
  EXPECT_EQ(gitRequest(ns.service, token, "POST", "git-upload-pack", "", pkts({"command=ls-refs"}), true).status, 200);
  EXPECT_EQ(gitRequest(ns.service, token, "POST", "git-upload-pack", "", "0000", false).status, 200);
  EXPECT_EQ(types(), Types{}) << "advertisements, ls-refs and probes send no pack";

  // v2: a negotiation round (no done) sends acknowledgments only; with done, a pack.
  gitRequest(ns.service, token, "POST", "git-upload-pack", "", pkts({"command=fetch", "want " + c2, "have " + c1}, true), true);
  EXPECT_EQ(types(), Types{});
  const GitCall clone = gitRequest(ns.service, token, "POST", "git-upload-pack", "",
                                   pkts({"command=fetch", "want " + c2, "done"}, true), true);
  EXPECT_NE(clone.body.find("packfile"), std::string::npos);
  EXPECT_EQ(types(), Types{"cf.artifacts.repo.cloned repo"});
  gitRequest(ns.service, token, "POST", "git-upload-pack", "",
             pkts({"command=fetch", "want " + c2, "have " + c1, "done"}, true), true);
  EXPECT_EQ(types(), Types{"cf.artifacts.repo.fetched repo"});

  // v0: the same.
  std::string v0round;
  git::appendPkt(v0round, "want " + c2 + " multi_ack_detailed side-band-64k\n");
  v0round += "0000";
  git::appendPkt(v0round, "have " + c1 + "\n");
  v0round += "0000";
  const GitCall round = gitRequest(ns.service, token, "POST", "git-upload-pack", "", v0round, false);
  EXPECT_NE(round.body.find("ACK " + c1 + " common"), std::string::npos) << round.body;
  EXPECT_EQ(types(), Types{}) << "a stateless negotiation round";
  std::string v0clone;
  git::appendPkt(v0clone, "want " + c2 + " side-band-64k\n");
  v0clone += "0000";
  git::appendPkt(v0clone, "done\n");
  gitRequest(ns.service, token, "POST", "git-upload-pack", "", v0clone, false);
  EXPECT_EQ(types(), Types{"cf.artifacts.repo.cloned repo"});
  std::string v0fetch;
  git::appendPkt(v0fetch, "want " + c2 + " side-band-64k\n");
  v0fetch += "0000";
  git::appendPkt(v0fetch, "have " + c1 + "\n");
  git::appendPkt(v0fetch, "done\n");
  gitRequest(ns.service, token, "POST", "git-upload-pack", "", v0fetch, false);
  EXPECT_EQ(types(), Types{"cf.artifacts.repo.fetched repo"});
  // An unknown want is an ERR, not a pack.
  gitRequest(ns.service, token, "POST", "git-upload-pack", "", pkts({"command=fetch", "want " + std::string(40, 'a'), "done"}, true), true);
  EXPECT_EQ(types(), Types{});
}

TEST(RepoEventsService, AReceivePackRequestQueuesOnePushedEventPerUpdatedRef) {
  testing::TestNamespace ns;
  const CreatedRepo repo = ns.service.create("repo", {});
  CommitRequest first = oneFile("first");
  const std::string c1 = ns.service.commit("repo", repo.record.id, first).update.after.hex();
  CommitRequest onTopic = oneFile("topic");
  onTopic.branch = "topic";
  ns.service.commit("repo", repo.record.id, onTopic);
  taken(ns.service);
  // Deletes need no pack: the push is its command list. The stale one moves nothing.
  std::string body;
  git::appendPkt(body, c1 + " " + kZero + " refs/heads/main" + std::string(1, '\0') + "report-status delete-refs\n");
  git::appendPkt(body, c1 + " " + kZero + " refs/heads/topic\n");
  git::appendPkt(body, c1 + " " + kZero + " refs/heads/missing\n");
  body += "0000";
  const GitCall push = gitRequest(ns.service, repo.token, "POST", "git-receive-pack", "", body, false);
  EXPECT_NE(push.body.find("ok refs/heads/main"), std::string::npos) << push.body;
  EXPECT_NE(push.body.find("ng refs/heads/topic"), std::string::npos) << push.body;
  const json events = taken(ns.service);
  ASSERT_EQ(events.size(), 1u) << events.dump();
  EXPECT_EQ(events[0]["type"], "cf.artifacts.repo.pushed");
  EXPECT_EQ(events[0]["payload"], json({{"ref", "refs/heads/main"},
                                        {"before", c1},
                                        {"after", kZero},
                                        {"commits", json::array()},
                                        {"totalCommitsCount", 0},
                                        {"commitsTruncated", false}}));
}

// Branches b0..b<n-1> at `commit`, written straight to the repo's store.
void setBranches(testing::TestNamespace& ns, const std::string& repoId, const std::string& commit, size_t n) {
  git::RepoContext ctx(ns.service.repo(repoId).store());
  WriteBatch batch;
  for (size_t i = 0; i < n; ++i) ctx.refs().stage(batch, "refs/heads/b" + std::to_string(i), oid(commit));
  ctx.store().commit(batch);
}

// A receive-pack request deleting branches b0..b<n-1> (at `commit`): one command per ref, no pack.
std::string deleteBranchesRequest(const std::string& commit, size_t n) {
  std::string body;
  for (size_t i = 0; i < n; ++i) {
    git::appendPkt(body, commit + " " + kZero + " refs/heads/b" + std::to_string(i) +
                             (i ? std::string() : std::string(1, '\0') + "report-status delete-refs") + "\n");
  }
  return body + "0000";
}

TEST(RepoEventsService, APushOfMoreRefsThanTheQueueHoldsBuildsOnlyWhatItHolds) {
  testing::TestNamespace ns;
  const CreatedRepo repo = ns.service.create("repo", {});
  CommitRequest first = oneFile("first");
  const std::string c1 = ns.service.commit("repo", repo.record.id, first).update.after.hex();
  const size_t refs = kMaxQueuedEvents + 5;
  setBranches(ns, repo.record.id, c1, refs);
  taken(ns.service);
  gitRequest(ns.service, repo.token, "POST", "git-receive-pack", "", deleteBranchesRequest(c1, refs), false);
  EXPECT_EQ(ns.service.events().dropped(), 5u) << "the refs past the queue's bound are counted, not built";
  const auto events = ns.service.events().take();
  ASSERT_EQ(events.size(), kMaxQueuedEvents);
  EXPECT_EQ(json::parse(events.front().payloadJson)["ref"], "refs/heads/b0") << "the first refs, in command order";
  EXPECT_EQ(json::parse(events.back().payloadJson)["ref"], "refs/heads/b999");
}

TEST(RepoEventsService, AHostThatWantsNoEventsGetsNoneBuilt) {
  testing::TestNamespace ns;
  ns.service.events().setWanted(false);
  const CreatedRepo repo = ns.service.create("repo", {});
  ns.service.createToken("repo", repo.record.id, TokenScope::Read, 60);
  CommitRequest first = oneFile("first");
  const std::string c1 = ns.service.commit("repo", repo.record.id, first).update.after.hex();
  std::string body;
  git::appendPkt(body, c1 + " " + kZero + " refs/heads/main" + std::string(1, '\0') + "report-status delete-refs\n");
  body += "0000";
  const GitCall push = gitRequest(ns.service, repo.token, "POST", "git-receive-pack", "", body, false);
  EXPECT_NE(push.body.find("ok refs/heads/main"), std::string::npos) << push.body;
  EXPECT_EQ(ns.service.events().size(), 0u);
  // Past the queue's bound: no event is built, none is counted dropped.
  const size_t refs = kMaxQueuedEvents + 5;
  setBranches(ns, repo.record.id, c1, refs);
  gitRequest(ns.service, repo.token, "POST", "git-receive-pack", "", deleteBranchesRequest(c1, refs), false);
  EXPECT_EQ(ns.service.events().size(), 0u);
  EXPECT_EQ(ns.service.events().dropped(), 0u) << "not built is not dropped";
  ns.service.events().setWanted(true);
  ns.service.createToken("repo", repo.record.id, TokenScope::Read, 60);
  EXPECT_EQ(ns.service.events().size(), 1u);
}

TEST(RepoEventsService, AHostThatNeverDrainsKeepsAtMostTheQueuesBound) {
  testing::TestNamespace ns;
  const std::string id = ns.service.create("repo", {}).record.id;
  for (size_t i = 0; i < kMaxQueuedEvents + 10; ++i) ns.service.createToken("repo", id, TokenScope::Read, 60);
  EXPECT_EQ(ns.service.events().size(), kMaxQueuedEvents);
  EXPECT_EQ(ns.service.events().dropped(), 12u) << "created, the initial token and 10 of the mints";
  const auto events = ns.service.events().take();
  EXPECT_EQ(events.back().kind, RepoEventKind::TokenCreated);
}

}  // namespace
}  // namespace oa
