#include "redirector/handler.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "core/model/file_bitmaps.h"
#include "core/store/migrations.h"
#include "tests/harness/mirror_status.h"

namespace waymark {
namespace {

// An inventory in memory that can be told to fail like a lost database.
// Tests that change `holders` or `files` bump the counters as the
// database's triggers would. `files` is what the master's index is built
// from (HandlerTest::Index()).
class FakeInventory : public InventorySource {
 public:
  Status LoadState(ReplicaState* out, int* version) override {
    if (down) return Status::Database("connection lost");
    *out = replica;
    *version = schema_version;
    return Status::OK();
  }
  Status LoadMirrors(std::vector<MirrorStatus>* out,
                     InventoryGens* gens) override {
    ++mirror_loads;
    if (down) return Status::Database("connection lost");
    if (mirrors_fail)
      return Status::Database(
          "cannot read mirror health: column \"trace_lag\" does not exist");
    *out = mirrors;
    gens->files = files_gen;
    gens->mirrors.clear();
    for (const auto& m : mirrors) gens->mirrors[m.mirror.id] = mirror_gen;
    return Status::OK();
  }
  Status LoadBitmaps(int mirror_id, std::vector<std::string>* chunks) override {
    ++bitmap_loads;
    if (down) return Status::Database("connection lost");
    chunks->clear();
    for (int file_id : holders[mirror_id]) {
      size_t chunk = file_id / kFilesPerChunk;
      if (chunks->size() <= chunk) chunks->resize(chunk + 1);
      if ((*chunks)[chunk].empty())
        (*chunks)[chunk].assign(kFilesPerChunk / 8, '\0');
      int bit = file_id % kFilesPerChunk;
      (*chunks)[chunk][bit >> 3] =
          static_cast<char>((*chunks)[chunk][bit >> 3] | (1 << (bit & 7)));
    }
    return Status::OK();
  }
  Status LoadFileDetails(int file_id, FileDetails* out) override {
    ++detail_loads;
    if (down) return Status::Database("connection lost");
    auto it = details.find(file_id);
    if (it == details.end()) return Status::NotFound("no");
    *out = it->second;
    return Status::OK();
  }
  Status LoadRepositoryReport(RepositoryReport* out) override {
    ++report_loads;
    if (down) return Status::Database("connection lost");
    *out = report;
    return Status::OK();
  }
  int loads() const {
    return mirror_loads + bitmap_loads + detail_loads + report_loads;
  }
  std::map<int, FileDetails> details;
  RepositoryReport report;
  std::vector<MirrorStatus> mirrors;
  std::map<std::string, FileRecord> files;  // path or alias -> record
  std::map<int, std::vector<int>> holders;  // mirror id -> file ids
  long long files_gen = 1, mirror_gen = 1;
  // LoadMirrors() fails as when a newer schema changed what it reads.
  bool mirrors_fail = false;
  ReplicaState replica;  // a primary
  int schema_version = 1;
  bool down = false;
  int mirror_loads = 0, bitmap_loads = 0, detail_loads = 0, report_loads = 0;
};

class HandlerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(GeoIp::Open({}, "/var/lib/location/database.db", &geoip_).ok());
    MirrorStatus m = test::UpMirror(1, "fra1", "DE", "EU");
    m.trace_lag = 10;
    inv_.mirrors = {m};
    FileRecord r;
    r.id = 9007;  // chunk 1
    r.path = "releases/a.deb";
    r.size = 100;
    inv_.files["releases/a.deb"] = r;
    inv_.holders[1] = {9007};
    HandlerOptions o;
    ASSERT_TRUE(
        ParseFallbacks({"https://origin.example.org/master/"}, &o.fallbacks)
            .ok());
    handler_ = MakeHandler(o);
  }
  // The index the master would build from inv_.files now.
  std::shared_ptr<const FileIndex> Index() {
    auto index = std::make_shared<FileIndex>();
    for (const auto& [path, r] : inv_.files)
      if (path == r.path) index->AddFile(r.id, r.path, r.size, "");
    for (const auto& [path, r] : inv_.files)
      if (path != r.path) index->AddAlias(path, r.id);
    index->Finish();
    index->gen = inv_.files_gen;
    return index;
  }
  // A handler as a worker has it: with the index (unless `with_index` is
  // false) and after its first refresh.
  std::unique_ptr<Handler> MakeHandler(HandlerOptions o,
                                       bool with_index = true) {
    if (with_index && !o.index) o.index = Index();
    auto h = std::make_unique<Handler>(
        o, geoip_.get(), &inv_, [] { return 0.0; }, [this] { return now_; });
    h->inventory().RunDue(now_);
    return h;
  }
  // What the worker's refresh thread does at now_.
  void Refresh() { handler_->inventory().RunDue(now_); }
  Response Get(const std::string& uri, const std::string& method = "GET") {
    return Get(handler_.get(), uri, method);
  }
  Response Get(Handler* h, const std::string& uri,
               const std::string& method = "GET") {
    RequestInfo req;
    req.method = method;
    req.uri = uri.substr(0, uri.find('?'));
    if (uri.find('?') != std::string::npos)
      req.query = uri.substr(uri.find('?') + 1);
    req.remote_addr = "198.51.100.7";
    req.host = "repo.example.org";
    return h->Handle(req);
  }

  std::unique_ptr<GeoIp> geoip_;
  FakeInventory inv_;
  std::unique_ptr<Handler> handler_;
  time_t now_ = 1000;
};

TEST_F(HandlerTest, BadRequestsAndRedirect) {
  EXPECT_EQ(Get("/releases/a.deb", "POST").status, 405);
  EXPECT_EQ(Get("/releases/a.deb", "PUT").Header("Allow"), "GET, HEAD");
  EXPECT_EQ(Get("/releases/../a.deb").status, 400);
  EXPECT_EQ(Get("/releases/a%0a.deb").status, 400);
  EXPECT_EQ(Get("/releases/nothing.deb").status, 404);
  Response r = Get("/releases/a.deb");
  EXPECT_EQ(r.status, 302);
  EXPECT_EQ(r.Header("Location"), "http://fra1.example.org/releases/a.deb");
  EXPECT_EQ(r.Header("X-Waymark-Mirror"), "fra1; tier=world");
  EXPECT_EQ(Get("/releases/a.deb", "HEAD").status, 302);
}

// Requests read only the snapshot the refresh work published; a change
// arrives with the next round, every refresh_seconds.
TEST_F(HandlerTest, StateChangesArriveWithTheNextRoundAndRequestsNeverQuery) {
  EXPECT_EQ(Get("/releases/a.deb").status, 302);
  inv_.mirrors[0].mirror.enabled = false;
  now_ += 4;
  Refresh();
  EXPECT_EQ(Get("/releases/a.deb").Header("X-Waymark-Mirror"),
            "fra1; tier=world")
      << "within 5 s the snapshot may still hold the old state";
  now_ += 1;
  EXPECT_EQ(Get("/releases/a.deb").Header("X-Waymark-Mirror"),
            "fra1; tier=world")
      << "requests do not refresh";
  Refresh();
  Response r = Get("/releases/a.deb");
  EXPECT_EQ(r.Header("Location"),
            "https://origin.example.org/master/releases/a.deb");
  EXPECT_EQ(r.Header("X-Waymark-Mirror"),
            "fallback; reason=no candidate mirror");
  int loads = inv_.loads();
  for (const char* uri :
       {"/releases/a.deb", "/releases/other.deb", "/releases/a.deb?json",
        "/releases/a.deb?sha1", "/releases/a.deb/mirrorlist", "/mirrorstats",
        "/mirrorstats?json", "/releases/a.deb.meta4"})
    for (int i = 0; i < 20; ++i) Get(uri);
  EXPECT_EQ(inv_.loads(), loads) << "no query on a request's path";
}

TEST_F(HandlerTest, DatabaseOutageKeepsAnswering) {
  EXPECT_EQ(Get("/releases/a.deb").status, 302);
  inv_.down = true;
  now_ += 60;
  Refresh();
  Response r = Get("/releases/a.deb");
  EXPECT_EQ(r.status, 302);
  EXPECT_EQ(r.Header("Location"), "http://fra1.example.org/releases/a.deb")
      << "from the index and the last snapshot";
  r = Get("/releases/other.deb");
  EXPECT_EQ(r.status, 302)
      << "unknown file while the database is away: the fallback, not a 500";
  EXPECT_EQ(r.Header("X-Waymark-Mirror"),
            "fallback; reason=inventory unavailable");
  inv_.down = false;
  now_ += 60;
  Refresh();
  EXPECT_EQ(Get("/releases/other.deb").status, 404)
      << "back, and the truth again";
}

// A refresh stuck in a query (a stalled server) fails nothing, but after
// twice the refresh interval the worker no longer vouches for what it has.
TEST_F(HandlerTest, AnOverdueRefreshCountsAsAnOutage) {
  EXPECT_EQ(Get("/releases/other.deb").status, 404);
  now_ += 11;
  EXPECT_EQ(Get("/releases/other.deb").status, 404);
  now_ += 1;
  EXPECT_EQ(Get("/releases/other.deb").Header("X-Waymark-Mirror"),
            "fallback; reason=inventory unavailable");
  EXPECT_EQ(Get("/releases/a.deb").status, 302);
  EXPECT_NE(Get("/releases/a.deb/mirrorlist")
                .body.find("Possibly out of date: this server cannot read its "
                           "database now; what it shows is as of 1970-01-01 "
                           "00:16:40 UTC."),
            std::string::npos);
}

TEST_F(HandlerTest, NoFallbackMeans503) {
  inv_.mirrors[0].mirror.enabled = false;
  std::unique_ptr<Handler> h = MakeHandler(HandlerOptions());
  Response r = Get(h.get(), "/releases/a.deb");
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.Header("Retry-After"), "60");
}

TEST_F(HandlerTest, TheOriginServesSmallFilesAndWhatNoMirrorCan) {
  HandlerOptions o;
  o.local_location = "/_origin/";
  o.min_size = 101;
  std::unique_ptr<Handler> h = MakeHandler(o);
  Response r = Get(h.get(), "/releases/a.deb");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("X-Accel-Redirect"), "/_origin/releases/a.deb");
  EXPECT_EQ(r.Header("X-Waymark-Mirror"), "origin; reason=small file");

  // At or above the size the mirror is chosen...
  o.min_size = 100;
  std::unique_ptr<Handler> big = MakeHandler(o);
  EXPECT_EQ(Get(big.get(), "/releases/a.deb").status, 302);
  // ... unless none can serve and there is no fallback: then the origin.
  inv_.mirrors[0].mirror.enabled = false;
  std::unique_ptr<Handler> none = MakeHandler(o);
  r = Get(none.get(), "/releases/a.deb");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("X-Accel-Redirect"), "/_origin/releases/a.deb");
  EXPECT_EQ(r.Header("X-Waymark-Mirror"), "origin; reason=no candidate mirror");
}

// A repository with releases/in.deb, a link to it and a link out of it,
// removed with the test.
class RepositoryDir {
 public:
  RepositoryDir() {
    char tmpl[] = "/tmp/waymark-handler-test-XXXXXX";
    EXPECT_NE(mkdtemp(tmpl), nullptr);
    top_ = tmpl;
    root_ = top_ + "/repo";
    EXPECT_EQ(mkdir(root_.c_str(), 0755), 0);
    EXPECT_EQ(mkdir((root_ + "/releases").c_str(), 0755), 0);
    std::ofstream(root_ + "/releases/in.deb") << "in";
    std::ofstream(top_ + "/secret.deb") << "secret";
    EXPECT_EQ(symlink((top_ + "/secret.deb").c_str(),
                      (root_ + "/releases/out.deb").c_str()),
              0);
    EXPECT_EQ(symlink("in.deb", (root_ + "/releases/alias.deb").c_str()), 0);
  }
  ~RepositoryDir() {
    std::error_code ec;
    std::filesystem::remove_all(top_, ec);
  }
  const std::string& root() const { return root_; }

 private:
  std::string top_, root_;
};

// With the database away and no index (it was away since the start),
// nginx is sent only to a regular file that stays in the repository once
// links are resolved; anything else is a 503, not an X-Accel-Redirect.
TEST_F(HandlerTest, WithoutInventoryOnlyFilesInTheRepositoryGoToTheOrigin) {
  RepositoryDir repo;
  HandlerOptions o;
  o.local_location = "/_origin/";
  o.repository_root = repo.root();
  inv_.down = true;
  std::unique_ptr<Handler> h = MakeHandler(o, false);
  Response r = Get(h.get(), "/releases/in.deb");
  EXPECT_EQ(r.Header("X-Accel-Redirect"), "/_origin/releases/in.deb");
  EXPECT_EQ(r.Header("X-Waymark-Mirror"),
            "origin; reason=inventory unavailable");
  EXPECT_EQ(Get(h.get(), "/releases/alias.deb").Header("X-Accel-Redirect"),
            "/_origin/releases/alias.deb")
      << "a link inside the repository";
  for (const char* uri :
       {"/releases/out.deb", "/releases/missing.deb", "/releases"}) {
    r = Get(h.get(), uri);
    EXPECT_EQ(r.status, 503) << uri;
    EXPECT_EQ(r.Header("X-Accel-Redirect"), "") << uri;
  }
}

// A scan added a file: until the master's new index is in, the worker
// sees the files counter move and serves what is really in the repository
// from the origin, without asking the database; the rest stays a 404.
TEST_F(HandlerTest, FilesNewerThanTheIndexAreServedByTheOrigin) {
  RepositoryDir repo;
  HandlerOptions o;
  o.local_location = "/_origin/";
  o.repository_root = repo.root();
  std::unique_ptr<Handler> h = MakeHandler(o);
  EXPECT_EQ(Get(h.get(), "/releases/in.deb").status, 404)
      << "the index is complete: what it lacks is not in the inventory";
  inv_.files_gen++;
  now_ += 5;
  h->inventory().RunDue(now_);
  int loads = inv_.loads();
  Response r = Get(h.get(), "/releases/in.deb");
  EXPECT_EQ(r.Header("X-Accel-Redirect"), "/_origin/releases/in.deb");
  EXPECT_EQ(r.Header("X-Waymark-Mirror"), "origin; reason=not indexed yet");
  EXPECT_EQ(Get(h.get(), "/releases/in.deb?sha256").status, 503);
  for (const char* uri : {"/releases/out.deb", "/releases/missing.deb"})
    EXPECT_EQ(Get(h.get(), uri).status, 404) << uri;
  EXPECT_EQ(Get(h.get(), "/releases/a.deb").status, 302) << "indexed";
  EXPECT_EQ(inv_.loads(), loads);
}

TEST_F(HandlerTest, AliasesAreServedUnderTheirTargetsName) {
  inv_.files["releases/latest.deb"] = inv_.files["releases/a.deb"];
  std::unique_ptr<Handler> h = MakeHandler(HandlerOptions());
  EXPECT_EQ(Get(h.get(), "/releases/latest.deb").Header("Location"),
            "http://fra1.example.org/releases/a.deb");
  EXPECT_EQ(Get(h.get(), "/releases/a%20b.deb").status, 404);
}

TEST_F(HandlerTest, RescansArriveByCounters) {
  EXPECT_EQ(Get("/releases/a.deb").status, 302);
  int bitmaps = inv_.bitmap_loads;
  for (int i = 0; i < 3; ++i) {
    now_ += 60;  // rounds of refresh with nothing changed: no reloads
    Refresh();
    EXPECT_EQ(Get("/releases/a.deb").status, 302);
  }
  EXPECT_EQ(inv_.bitmap_loads, bitmaps);

  // fra1 is rescanned and lost the file: its bitmaps are reloaded.
  inv_.holders[1] = {};
  inv_.mirror_gen++;
  now_ += 5;
  Refresh();
  EXPECT_EQ(Get("/releases/a.deb").Header("X-Waymark-Mirror"),
            "fallback; reason=no candidate mirror");
  EXPECT_GT(inv_.bitmap_loads, bitmaps);
  // A failed round keeps the last bitmaps, and is tried again in full.
  inv_.holders[1] = {9007};
  inv_.mirror_gen++;
  inv_.down = true;
  now_ += 5;
  Refresh();
  EXPECT_EQ(Get("/releases/a.deb").Header("X-Waymark-Mirror"),
            "fallback; reason=no candidate mirror");
  inv_.down = false;
  now_ += 5;
  Refresh();
  EXPECT_EQ(Get("/releases/a.deb").Header("X-Waymark-Mirror"),
            "fra1; tier=world");
}

// The rare outputs' details are loaded by the refresh work when a request
// first asks for them; that request is answered without them and says so.
TEST_F(HandlerTest, DetailsAreLoadedOffTheRequestPathAndCached) {
  FileDetails d;
  d.mtime = "2026-11-01 10:00:00";
  d.sha1_hex = std::string(40, 'a');
  d.md5_hex = std::string(32, 'b');
  inv_.details[9007] = d;
  Response r = Get("/releases/a.deb?sha1");
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.body, "this hash is being looked up; try again shortly\n");
  EXPECT_NE(Get("/releases/a.deb/mirrorlist")
                .body.find("being looked up; reload the page in a moment"),
            std::string::npos);
  EXPECT_EQ(inv_.detail_loads, 0);
  Refresh();
  EXPECT_EQ(inv_.detail_loads, 1) << "once, however often it was asked for";
  EXPECT_EQ(Get("/releases/a.deb?sha1").body,
            std::string(40, 'a') + "  a.deb\n");
  EXPECT_EQ(Get("/releases/a.deb?md5").body,
            std::string(32, 'b') + "  a.deb\n");
  Response page = Get("/releases/a.deb/mirrorlist");
  EXPECT_NE(page.body.find("2026-11-01 10:00:00 UTC"), std::string::npos);
  EXPECT_NE(page.body.find("Data as of 1970-01-01 00:16:40 UTC."),
            std::string::npos);
  now_ += 5;
  Refresh();
  EXPECT_EQ(inv_.detail_loads, 1) << "cached";
  // A file changed: the files counter moves and the cache is dropped.
  inv_.details[9007].sha1_hex = std::string(40, 'c');
  inv_.files_gen++;
  now_ += 5;
  Refresh();
  EXPECT_EQ(Get("/releases/a.deb?sha1").status, 503);
  Refresh();
  EXPECT_EQ(Get("/releases/a.deb?sha1").body,
            std::string(40, 'c') + "  a.deb\n");
}

// /mirrorstats: the report is computed by the refresh work at most once
// per refresh interval, and only while someone asks for it.
TEST_F(HandlerTest, MirrorStatsAreComputedOncePerRoundWhileAskedFor) {
  inv_.report.files = 1;
  Response r = Get("/mirrorstats");
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("being computed"), std::string::npos) << r.body;
  EXPECT_EQ(inv_.report_loads, 0);
  Refresh();
  EXPECT_EQ(inv_.report_loads, 1);
  for (int i = 0; i < 10; ++i) {
    r = Get("/mirrorstats");
    EXPECT_NE(r.body.find("the repository holds 1 files (as of 1970-01-01 "
                          "00:16:40 UTC)"),
              std::string::npos)
        << r.body;
  }
  inv_.report.files = 2;
  now_ += 4;
  Refresh();
  EXPECT_EQ(inv_.report_loads, 1) << "not within the refresh interval";
  now_ += 1;
  Refresh();
  EXPECT_EQ(inv_.report_loads, 1) << "nobody asked since";
  EXPECT_EQ(
      nlohmann::json::parse(Get("/mirrorstats?json").body)["repository_files"],
      1)
      << "the last one meanwhile";
  Refresh();
  EXPECT_EQ(inv_.report_loads, 2);
  EXPECT_EQ(
      nlohmann::json::parse(Get("/mirrorstats?json").body)["repository_files"],
      2);
  // The database goes away: the last report, marked as possibly stale.
  inv_.down = true;
  now_ += 5;
  Refresh();
  r = Get("/mirrorstats");
  EXPECT_NE(r.body.find("The database is unavailable: states are as this "
                        "server last saw them at 1970-01-01 00:16:45 UTC"),
            std::string::npos)
      << r.body;
  EXPECT_NE(r.body.find("the repository holds 2 files"), std::string::npos);
  EXPECT_EQ(nlohmann::json::parse(
                Get("/mirrorstats?json").body)["data_possibly_stale"],
            true);
}

// A node whose view is past redirector.max_inventory_age (a standby whose
// replay is paused, a database that does not answer) no longer trusts
// mirror checks older than that: the fallback serves; it says so in the
// log (once a minute), on its pages and in its metrics, and recovers when
// its view is current again. A primary is unaffected by old checks.
TEST_F(HandlerTest, AStaleViewStopsTrustingOldChecksAndSaysSo) {
  auto metrics = std::make_unique<Metrics>();
  metrics->Reset();
  std::vector<std::string> logged;
  HandlerOptions o;
  ASSERT_TRUE(
      ParseFallbacks({"https://origin.example.org/master/"}, &o.fallbacks)
          .ok());
  o.metrics = metrics.get();
  o.node = "edge1";
  o.max_inventory_age = 60;
  o.log = [&](const std::string& m) { logged.push_back(m); };
  inv_.mirrors[0].checked_at = 1;  // long ago
  handler_ = MakeHandler(o);
  auto json = [&](const std::string& uri) {
    return nlohmann::json::parse(Get(uri).body);
  };
  auto metric = [&](const std::string& name) {
    std::string text = "\n" + Get("/mirrorstats?metrics").body;
    size_t at = text.find("\n" + name + " ");
    if (at == std::string::npos) return std::string("none");
    at += name.size() + 2;
    return text.substr(at, text.find('\n', at) - at);
  };
  const std::string fra1 = "http://fra1.example.org/releases/a.deb";
  EXPECT_EQ(Get("/releases/a.deb").Header("Location"), fra1)
      << "a primary trusts old checks";
  EXPECT_EQ(metric("waymark_inventory_age_seconds"), "0.0");
  EXPECT_EQ(metric("waymark_inventory_stale"), "0");
  EXPECT_NE(Get("/mirrorstats?metrics")
                .body.find("waymark_node_info{node=\"edge1\"} 1\n"),
            std::string::npos);

  // A standby that streams and has it all: current.
  inv_.replica.standby = inv_.replica.streaming = true;
  now_ += 5;
  Refresh();
  EXPECT_EQ(Get("/releases/a.deb").Header("Location"), fra1);
  EXPECT_EQ(json("/mirrorstats?json")["view"], "hot standby, streaming");

  // Replay paused 90 s ago: stale.
  inv_.replica.replay_paused = true;
  inv_.replica.age_seconds = 90;
  now_ += 5;
  Refresh();
  Response r = Get("/releases/a.deb");
  EXPECT_EQ(r.Header("Location"),
            "https://origin.example.org/master/releases/a.deb");
  EXPECT_EQ(r.Header("X-Waymark-Mirror"),
            "fallback; reason=no candidate mirror");
  auto list = json("/releases/a.deb?json");
  ASSERT_EQ(list["excluded"].size(), 1u) << list.dump();
  EXPECT_EQ(list["excluded"][0]["reason"],
            "health not trusted: its last check is older than "
            "redirector.max_inventory_age, as is this node's inventory");
  EXPECT_EQ(list["node"], "edge1");
  EXPECT_EQ(list["inventory_age_seconds"], 90.0);
  EXPECT_EQ(list["inventory_stale"], true);
  auto stats = json("/mirrorstats?json");
  EXPECT_EQ(stats["node"], "edge1");
  EXPECT_EQ(stats["view"], "hot standby, replay paused");
  EXPECT_EQ(stats["inventory_age_seconds"], 90.0);
  EXPECT_EQ(stats["inventory_stale"], true);
  EXPECT_EQ(stats["max_inventory_age_seconds"], 60);
  EXPECT_NE(
      Get("/mirrorstats")
          .body.find("<p class=\"down node stale\">Node <strong>edge1</strong> "
                     "(hot standby, replay paused): inventory 90 s old, "
                     "past redirector.max_inventory_age (60 s): STALE."),
      std::string::npos);
  EXPECT_EQ(metric("waymark_inventory_age_seconds"), "90.0");
  EXPECT_EQ(metric("waymark_inventory_stale"), "1");
  ASSERT_EQ(logged.size(), 1u);
  EXPECT_EQ(logged[0],
            "STALE INVENTORY: it is 90 s old, past "
            "redirector.max_inventory_age (60 s): hot standby, replay "
            "paused; mirrors whose last check is older than that are not "
            "chosen, fallbacks serve instead");
  // A check as recent as the limit allows is trusted.
  inv_.mirrors[0].checked_at = now_ + 5 - 60;
  inv_.mirror_gen++;
  now_ += 5;
  Refresh();
  EXPECT_EQ(Get("/releases/a.deb").Header("Location"), fra1);
  EXPECT_EQ(logged.size(), 1u) << "once a minute";
  inv_.mirrors[0].checked_at = 1;
  for (int i = 0; i < 12; ++i) {
    now_ += 5;
    Refresh();
  }
  EXPECT_EQ(Get("/releases/a.deb").Header("X-Waymark-Mirror"),
            "fallback; reason=no candidate mirror");
  ASSERT_EQ(logged.size(), 2u) << "again a minute later";

  // Resumed: current again, and said so once.
  inv_.replica.replay_paused = false;
  inv_.replica.age_seconds = 0;
  now_ += 5;
  Refresh();
  EXPECT_EQ(Get("/releases/a.deb").Header("Location"), fra1);
  ASSERT_EQ(logged.size(), 3u);
  EXPECT_EQ(logged[2],
            "inventory current again: 0 s old (hot standby, streaming); "
            "mirrors are chosen by their health as before");
  EXPECT_EQ(json("/mirrorstats?json")["inventory_stale"], false);

  // The database does not answer: the view ages from the last refresh.
  inv_.down = true;
  now_ += 5;
  Refresh();
  EXPECT_EQ(Get("/releases/a.deb").Header("Location"), fra1);
  EXPECT_EQ(metric("waymark_inventory_age_seconds"), "5.0");
  now_ += 56;
  EXPECT_EQ(metric("waymark_inventory_age_seconds"), "61.0");
  EXPECT_EQ(Get("/releases/a.deb").Header("X-Waymark-Mirror"),
            "fallback; reason=no candidate mirror");
  Refresh();
  ASSERT_EQ(logged.size(), 5u) << "the failure, then the staleness";
  EXPECT_EQ(logged[4],
            "STALE INVENTORY: it is 61 s old, past "
            "redirector.max_inventory_age (60 s): the database does not "
            "answer; mirrors whose last check is older than that are not "
            "chosen, fallbacks serve instead");
}

// Without a fallback (nor the origin through local_location) to send them
// to, a stale node's clients still get the mirrors by their last known
// health, rather than a 503.
TEST_F(HandlerTest, AStaleViewWithoutFallbackKeepsTheMirrors) {
  std::vector<std::string> logged;
  HandlerOptions o;
  o.max_inventory_age = 60;
  o.log = [&](const std::string& m) { logged.push_back(m); };
  inv_.replica.standby = true;
  inv_.replica.age_seconds = 600;
  handler_ = MakeHandler(o);
  EXPECT_EQ(Get("/releases/a.deb").Header("Location"),
            "http://fra1.example.org/releases/a.deb");
  ASSERT_EQ(logged.size(), 1u);
  EXPECT_NE(logged[0].find("no fallback is set (redirector.fallback, "
                           "redirector.local_location), so mirrors are still "
                           "chosen by their last known health"),
            std::string::npos)
      << logged[0];
}

// A schema newer than this binary knows: said once, and the node serves
// from what it understands; when its queries fail, the failure says why.
TEST_F(HandlerTest, ANewerSchemaIsSaidOnceAndNamedWhenQueriesFail) {
  std::vector<std::string> logged;
  HandlerOptions o;
  o.log = [&](const std::string& m) { logged.push_back(m); };
  inv_.schema_version = 9999;
  handler_ = MakeHandler(o);
  for (int i = 0; i < 3; ++i) {
    now_ += 5;
    Refresh();
  }
  EXPECT_EQ(Get("/releases/a.deb").status, 302);
  const std::string known = std::to_string(LatestSchemaVersion());
  ASSERT_EQ(logged.size(), 1u);
  EXPECT_EQ(logged[0],
            "the database's schema is version 9999, newer than this "
            "waymark-redirector knows (" +
                known +
                "): it serves from what it understands while its queries "
                "work; upgrade waymark on this node");
  inv_.mirrors_fail = true;
  for (int i = 0; i < 3; ++i) {
    now_ += 5;
    Refresh();
  }
  EXPECT_EQ(Get("/releases/a.deb").status, 302) << "from what it has";
  ASSERT_EQ(logged.size(), 2u) << "once per outage";
  EXPECT_EQ(logged[1],
            "inventory refresh failed (the database's schema is version "
            "9999, newer than this waymark-redirector knows (" +
                known +
                "), and its queries fail (cannot read mirror health: column "
                "\"trace_lag\" does not exist); upgrade waymark on this "
                "node); answering from what this worker has");
}

// Takes batches as the StatsWriter does, and "writes" them at once into
// `written`. `busy` plays a writer still holding an earlier batch (writing
// it, or waiting to retry while the database is away): then it takes none.
// (The writer's own retries are tested in stats_writer_test.cc.)
struct SyncSink : CountsSink {
  bool TryHandOver(DownloadCounts* counts) override {
    if (busy) return false;
    DownloadCounts::Map batch;
    counts->SwapOut(&batch);
    ++handovers;
    for (const auto& [key, n] : batch) written[key] += n;
    return true;
  }
  long long Finish(DownloadCounts* counts, int /*timeout_ms*/) override {
    ++finishes;
    if (busy) return held + counts->downloads();
    TryHandOver(counts);
    return 0;
  }
  bool idle() const override { return !busy; }
  long long pending() const override { return busy ? held : 0; }

  bool busy = false;
  long long held = 0;  // downloads in the batch a busy writer holds
  int handovers = 0, finishes = 0;
  std::map<DownloadKey, long long> written;
};

TEST_F(HandlerTest, CountsRedirectedGetsAndFlushesInBatches) {
  std::vector<char> memory(RecentDownloads::BytesFor(64));
  RecentDownloads recent(memory.data(), 64, true);
  auto metrics = std::make_unique<Metrics>();
  metrics->Reset();
  std::vector<std::string> logged;
  SyncSink sink;
  HandlerOptions o;
  ASSERT_TRUE(
      ParseFallbacks({"https://origin.example.org/master/"}, &o.fallbacks)
          .ok());
  o.recent = &recent;
  o.metrics = metrics.get();
  o.writer = &sink;
  o.worker_slot = 3;
  o.stats_flush_interval = 5;
  // Room for two keys, not three: a key's fixed cost is a few hundred
  // bytes, its paths' heap blocks (where they do not fit in place) tens.
  o.stats_max_pending_bytes =
      3 * DownloadCounts::EntryBytes(
              {"2024-10-04", "releases/a.deb", 1, "--"}) -
      1;
  o.same_download_window = 3;
  o.log = [&](const std::string& m) { logged.push_back(m); };
  // An index from before new.deb and other.deb left the inventory (gen 0:
  // behind the inventory's counter, which has moved since).
  auto index = std::make_shared<FileIndex>();
  index->AddFile(9007, "releases/a.deb", 100, "");
  index->AddFile(9008, "releases/new.deb", 100, "");
  index->AddFile(9009, "releases/other.deb", 100, "");
  index->Finish();
  o.index = index;
  now_ = 86400 * 20000;  // 2024-10-04
  Handler h(
      o, geoip_.get(), &inv_, [] { return 0.0; }, [this] { return now_; });
  h.inventory().RunDue(now_);
  auto get = [&](const std::string& uri, const std::string& method,
                 const std::string& range, const std::string& ip) {
    RequestInfo req;
    req.method = method;
    req.uri = uri.substr(0, uri.find('?'));
    if (uri.find('?') != std::string::npos)
      req.query = uri.substr(uri.find('?') + 1);
    req.remote_addr = ip;
    req.range = range;
    return h.Handle(req);
  };
  EXPECT_EQ(get("/releases/a.deb", "GET", "", "198.51.100.7").status, 302);
  EXPECT_EQ(get("/releases/a.deb", "GET", "", "198.51.100.7").status, 302);
  EXPECT_EQ(get("/releases/a.deb", "HEAD", "", "198.51.100.7").status, 302);
  EXPECT_EQ(get("/releases/a.deb", "GET", "bytes=0-9", "198.51.100.7").status,
            302);
  EXPECT_EQ(get("/releases/a.deb", "GET", "bytes=10-19", "198.51.100.7").status,
            302);
  EXPECT_EQ(get("/releases/a.deb", "GET", "bytes=0-9", "198.51.100.8").status,
            302);
  EXPECT_EQ(get("/releases/a.deb?json", "GET", "", "198.51.100.8").status, 200);
  EXPECT_EQ(get("/releases/nothing.deb", "GET", "", "198.51.100.8").status,
            404);
  EXPECT_EQ(h.pending_downloads(), 1u) << "one key: (day, a.deb, fra1, --)";
  EXPECT_EQ(metrics->stats_pending[3].load(), 3)
      << "two GETs and the other client's range";
  h.Tick();
  EXPECT_EQ(sink.handovers, 0) << "the interval counts from the worker's start";
  now_ += 5;
  h.Tick();
  EXPECT_EQ(sink.handovers, 1);
  DownloadKey key{"2024-10-04", "releases/a.deb", 1, "--"};
  EXPECT_EQ(sink.written[key], 3);
  EXPECT_EQ(h.pending_downloads(), 0u);
  // The window has passed: a range request counts again.
  now_ += 4;
  get("/releases/a.deb", "GET", "bytes=20-29", "198.51.100.7");
  h.Tick();
  EXPECT_EQ(sink.handovers, 1) << "not due for 5 s";
  now_ += 1;
  h.Tick();
  EXPECT_EQ(sink.handovers, 2);
  EXPECT_EQ(sink.written[key], 4);

  // The database goes away: the writer keeps a batch of 7 it cannot write,
  // new counts wait here (mirror 0 for the fallback), and the bound of 2
  // entries drops what does not fit.
  inv_.down = true;
  sink.busy = true;
  sink.held = 7;
  now_ += 5;
  get("/releases/a.deb", "GET", "", "198.51.100.7");  // the last snapshot: fra1
  h.Tick();
  EXPECT_EQ(sink.handovers, 2) << "the writer is busy";
  EXPECT_EQ(metrics->stats_pending[3].load(), 1 + 7)
      << "the writer's batch counts as pending";
  // A path the index does not know is sent to the fallback (the worker's
  // snapshot is overdue by now) but is no download: junk never takes room
  // from real counts.
  for (const char* junk : {"/releases/junk.deb", "/releases/%ff%fe.deb"}) {
    EXPECT_EQ(get(junk, "GET", "", "198.51.100.7").Header("X-Waymark-Mirror"),
              "fallback; reason=inventory unavailable");
  }
  EXPECT_EQ(h.pending_downloads(), 1u);
  // new.deb, gone from the inventory, is still in the stale index: a
  // download, sent to the fallback as no mirror holds it.
  EXPECT_EQ(get("/releases/new.deb", "GET", "", "198.51.100.7")
                .Header("X-Waymark-Mirror"),
            "fallback; reason=no candidate mirror");
  EXPECT_EQ(get("/releases/other.deb", "GET", "", "198.51.100.7").status, 302);
  EXPECT_EQ(h.pending_downloads(), 2u);
  EXPECT_EQ(metrics->stats_pending[3].load(), 2 + 7);
  EXPECT_TRUE(logged.empty()) << logged[0];
  h.Tick();
  ASSERT_EQ(logged.size(), 1u);
  EXPECT_EQ(logged[0],
            "dropped 1 download counts: more than "
            "redirector.stats_max_pending_bytes waited while the primary was "
            "away (1 in all)");
  get("/releases/other.deb", "GET", "", "198.51.100.7");
  h.Tick();
  EXPECT_EQ(logged.size(), 1u) << "drops are logged once per flush interval";
  // The writer is done with its batch: the next Tick hands over.
  inv_.down = false;
  sink.busy = false;
  h.Tick();
  EXPECT_EQ(sink.handovers, 3);
  EXPECT_EQ(sink.written[key], 5);
  EXPECT_EQ(
      sink.written[(DownloadKey{"2024-10-04", "releases/new.deb", 0, "--"})],
      1);
  EXPECT_EQ(sink.written.count(
                (DownloadKey{"2024-10-04", "releases/other.deb", 0, "--"})),
            0u);
  EXPECT_EQ(metrics->stats_dropped.load(), 2u)
      << "other.deb did not fit, twice";
  EXPECT_EQ(h.pending_downloads(), 0u);
  EXPECT_EQ(metrics->stats_pending[3].load(), 0);

  // A stopping worker hands over what waits, once, however recent.
  get("/releases/a.deb", "GET", "", "198.51.100.9");
  h.Tick(true);
  EXPECT_EQ(sink.finishes, 1);
  EXPECT_EQ(sink.written[key], 6);
  ASSERT_EQ(logged.size(), 2u);
  EXPECT_EQ(logged[1],
            "dropped 1 download counts: more than "
            "redirector.stats_max_pending_bytes waited while the primary was "
            "away (2 in all)")
      << "the last drops, logged on the way out";

  std::string text = PrometheusText(*metrics);
  EXPECT_NE(
      text.find("waymark_requests_total{status=\"302\",tier=\"world\"} 9\n"),
      std::string::npos)
      << text;
  EXPECT_NE(
      text.find("waymark_requests_total{status=\"302\",tier=\"fallback\"} 5\n"),
      std::string::npos)
      << text;
  EXPECT_NE(
      text.find("waymark_requests_total{status=\"200\",tier=\"none\"} 1\n"),
      std::string::npos)
      << text;
  EXPECT_NE(
      text.find("waymark_requests_total{status=\"404\",tier=\"none\"} 1\n"),
      std::string::npos);
  EXPECT_NE(text.find("waymark_stats_dropped_total 2\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("waymark_fallbacks_total 5\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("waymark_downloads_counted_total 7\n"), std::string::npos)
      << text;
  EXPECT_NE(
      text.find(
          "# TYPE waymark_stats_pending gauge\nwaymark_stats_pending 0\n"),
      std::string::npos);
  EXPECT_EQ(get("/releases/a.deb?metrics", "GET", "", "1.2.3.4")
                .Header("Content-Type"),
            "text/plain; version=0.0.4; charset=utf-8");
}

TEST(RecentDownloads, RemembersWithinTheWindowAndForgetsTheOldest) {
  std::vector<char> memory(RecentDownloads::BytesFor(8));
  RecentDownloads r(memory.data(), 8, true);
  EXPECT_FALSE(r.SeenWithin("a", "f", 100, 10));
  EXPECT_TRUE(r.SeenWithin("a", "f", 105, 10));
  EXPECT_TRUE(r.SeenWithin("a", "f", 114, 10))
      << "each request extends the window";
  EXPECT_FALSE(r.SeenWithin("a", "f", 125, 10));
  EXPECT_FALSE(r.SeenWithin("b", "f", 125, 10));
  EXPECT_FALSE(r.SeenWithin("a", "g", 125, 10));
  // Fill the table: the oldest entries go first, the newest stay.
  for (int i = 0; i < 20; ++i)
    r.SeenWithin("c" + std::to_string(i), "f", 200 + i, 1000);
  EXPECT_TRUE(r.SeenWithin("c19", "f", 230, 1000));
  EXPECT_FALSE(r.SeenWithin("a", "f", 230, 1000));
}

}  // namespace
}  // namespace waymark
