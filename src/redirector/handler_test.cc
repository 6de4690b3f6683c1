#include "redirector/handler.h"

#include <gtest/gtest.h>

#include <map>

namespace waymark {
namespace {

// An inventory in memory that can be told to fail like a lost database.
class FakeInventory : public InventorySource {
 public:
  Status LoadMirrors(std::vector<MirrorStatus>* out) override {
    ++mirror_loads;
    if (down) return Status::Database("connection lost");
    *out = mirrors;
    return Status::OK();
  }
  Status LoadFile(const std::string& path, FileRecord* record, FileFacts* facts) override {
    ++file_loads;
    if (down) return Status::Database("connection lost");
    auto it = files.find(path);
    if (it == files.end()) return Status::NotFound("no");
    *record = it->second.first;
    *facts = it->second.second;
    return Status::OK();
  }
  std::vector<MirrorStatus> mirrors;
  std::map<std::string, std::pair<FileRecord, FileFacts>> files;
  bool down = false;
  int mirror_loads = 0, file_loads = 0;
};

class HandlerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(GeoIp::Open({}, "/var/lib/location/database.db", &geoip_).ok());
    MirrorStatus m;
    m.mirror.id = 1;
    m.mirror.name = "fra1";
    m.mirror.country = "DE";
    m.mirror.continent = "EU";
    m.mirror.http_url = "http://fra1.example.org/";
    m.mirror.https_url = "https://fra1.example.org/";
    m.mirror.enabled = true;
    m.http_v4 = m.http_v6 = m.https_v4 = m.https_v6 = Health::kUp;
    m.trace_lag = 10;
    inv_.mirrors = {m};
    FileRecord r;
    r.id = 7;
    r.path = "releases/a.deb";
    r.size = 100;
    FileFacts f;
    f.size = 100;
    f.holders = {1};
    inv_.files["releases/a.deb"] = {r, f};
    HandlerOptions o;
    ASSERT_TRUE(ParseFallbacks({"https://origin.example.org/master/"}, &o.fallbacks).ok());
    o.file_cache_entries = 2;
    handler_ = std::make_unique<Handler>(o, geoip_.get(), &inv_, [] { return 0.0; },
                                         [this] { return now_; });
  }
  Response Get(const std::string& uri, const std::string& method = "GET") {
    RequestInfo req;
    req.method = method;
    req.uri = uri;
    req.remote_addr = "198.51.100.7";
    req.host = "repo.example.org";
    return handler_->Handle(req);
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

TEST_F(HandlerTest, StateChangesArriveWithinTheRefreshInterval) {
  EXPECT_EQ(Get("/releases/a.deb").status, 302);
  inv_.mirrors[0].mirror.enabled = false;
  now_ += 4;
  EXPECT_EQ(Get("/releases/a.deb").Header("X-Waymark-Mirror"), "fra1; tier=world")
      << "within 5 s the snapshot may still hold the old state";
  now_ += 1;
  Response r = Get("/releases/a.deb");
  EXPECT_EQ(r.Header("Location"), "https://origin.example.org/master/releases/a.deb");
  EXPECT_EQ(r.Header("X-Waymark-Mirror"), "fallback; reason=no candidate mirror");
  int loads = inv_.mirror_loads;
  for (int i = 0; i < 100; ++i) Get("/releases/a.deb");
  EXPECT_EQ(inv_.mirror_loads, loads) << "no query per request";
}

TEST_F(HandlerTest, DatabaseOutageKeepsAnswering) {
  EXPECT_EQ(Get("/releases/a.deb").status, 302);
  inv_.down = true;
  now_ += 60;
  Response r = Get("/releases/a.deb");
  EXPECT_EQ(r.status, 302);
  EXPECT_EQ(r.Header("Location"), "http://fra1.example.org/releases/a.deb") << "from the cache";
  r = Get("/releases/other.deb");
  EXPECT_EQ(r.status, 302) << "unknown file while the database is away: the fallback, not a 500";
  EXPECT_EQ(r.Header("X-Waymark-Mirror"), "fallback; reason=inventory unavailable");
  inv_.down = false;
  now_ += 60;
  EXPECT_EQ(Get("/releases/other.deb").status, 404) << "back, and the truth again";
}

TEST_F(HandlerTest, NoFallbackMeans503AndTheCacheIsBounded) {
  HandlerOptions o;
  o.file_cache_entries = 2;
  Handler h(o, geoip_.get(), &inv_, [] { return 0.0; }, [this] { return now_; });
  inv_.mirrors[0].mirror.enabled = false;
  RequestInfo req;
  req.method = "GET";
  req.uri = "/releases/a.deb";
  Response r = h.Handle(req);
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.Header("Retry-After"), "60");
  for (const char* p : {"/x1", "/x2", "/x3", "/releases/a.deb"}) {
    req.uri = p;
    h.Handle(req);
  }
  int before = inv_.file_loads;
  req.uri = "/x1";
  h.Handle(req);
  EXPECT_EQ(inv_.file_loads, before + 1) << "evicted: only 2 entries are kept";
  req.uri = "/releases/a.deb";
  h.Handle(req);
  EXPECT_EQ(inv_.file_loads, before + 1) << "recent entries stay";
}

TEST_F(HandlerTest, TheOriginServesSmallFilesAndWhatNoMirrorCan) {
  HandlerOptions o;
  o.local_location = "/_origin/";
  o.min_size = 101;
  Handler h(o, geoip_.get(), &inv_, [] { return 0.0; }, [this] { return now_; });
  RequestInfo req;
  req.method = "GET";
  req.uri = "/releases/a.deb";
  Response r = h.Handle(req);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("X-Accel-Redirect"), "/_origin/releases/a.deb");
  EXPECT_EQ(r.Header("X-Waymark-Mirror"), "origin; reason=small file");

  // At or above the size the mirror is chosen...
  o.min_size = 100;
  Handler big(o, geoip_.get(), &inv_, [] { return 0.0; }, [this] { return now_; });
  EXPECT_EQ(big.Handle(req).status, 302);
  // ... unless none can serve and there is no fallback: then the origin.
  inv_.mirrors[0].mirror.enabled = false;
  Handler none(o, geoip_.get(), &inv_, [] { return 0.0; }, [this] { return now_; });
  r = none.Handle(req);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("X-Accel-Redirect"), "/_origin/releases/a.deb");
  EXPECT_EQ(r.Header("X-Waymark-Mirror"), "origin; reason=no candidate mirror");
}

TEST_F(HandlerTest, AliasesAreServedUnderTheirTargetsName) {
  FileRecord r = inv_.files["releases/a.deb"].first;
  inv_.files["releases/latest.deb"] = {r, inv_.files["releases/a.deb"].second};
  EXPECT_EQ(Get("/releases/latest.deb").Header("Location"), "http://fra1.example.org/releases/a.deb");
  EXPECT_EQ(Get("/releases/a%20b.deb").status, 404);
}

}  // namespace
}  // namespace waymark
