// What one redirector request costs inside a worker, without nginx or
// FastCGI: the Handler answering plain downloads (GeoIP look-up, index
// look-up, selection among 50 mirrors, the 302 with its headers, the
// download count) for Zipf-popular files and clients all over the world, as
// tests/bench/zipf-clients.lua sends them. Run by
// tests/bench/redirector-throughput next to the end-to-end figures, so a
// change to the request path can be measured without the noise of the
// whole stack. The inventory is built in memory like the end-to-end
// benchmark's SQL seed (50 mirrors in 10 countries, each missing about 4% of
// the files).
//
// Usage: handler_bench --mmdb FILE [--files N] [--requests N]
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <random>
#include <string>
#include <vector>

#include "core/geo/geoip.h"
#include "core/model/file_bitmaps.h"
#include "redirector/handler.h"

namespace waymark {
namespace {

class MemoryInventory : public InventorySource {
 public:
  Status LoadState(ReplicaState* out, int* version) override {
    *out = ReplicaState();  // a primary
    *version = 1;
    return Status::OK();
  }
  Status LoadMirrors(std::vector<MirrorStatus>* out,
                     InventoryGens* gens) override {
    *out = mirrors;
    gens->files = 1;
    gens->mirrors.clear();
    for (const auto& m : mirrors) gens->mirrors[m.mirror.id] = 1;
    return Status::OK();
  }
  Status LoadBitmaps(int mirror_id, std::vector<std::string>* chunks) override {
    *chunks = bitmaps[static_cast<size_t>(mirror_id)];
    return Status::OK();
  }
  Status LoadFileDetails(int, FileDetails*) override {
    return Status::NotFound("no");
  }
  Status LoadRepositoryReport(RepositoryReport*) override {
    return Status::NotFound("no");
  }
  std::vector<MirrorStatus> mirrors;
  std::vector<std::vector<std::string>> bitmaps;  // by mirror id
};

int Run(int argc, char** argv) {
  std::string mmdb;
  int files = 100000;
  long requests = 1000000;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--mmdb"))
      mmdb = argv[i + 1];
    else if (!std::strcmp(argv[i], "--files"))
      files = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--requests"))
      requests = std::atol(argv[i + 1]);
  }
  if (mmdb.empty() || files <= 0 || requests <= 0) {
    std::fprintf(
        stderr,
        "usage: handler_bench --mmdb FILE [--files N] [--requests N]\n");
    return 2;
  }
  std::unique_ptr<GeoIp> geoip;
  Status s = GeoIp::Open({mmdb}, "", &geoip);
  if (!s.ok()) {
    std::fprintf(stderr, "%s\n", s.message().c_str());
    return 1;
  }

  std::mt19937_64 rng(42);
  std::uniform_real_distribution<double> u01(0, 1);
  static const char* kCountries[] = {"DE", "US", "SG", "BR", "AU",
                                     "ZA", "FR", "JP", "CA", "NL"};
  static const char* kContinents[] = {"EU", "NA", "AS", "SA", "OC",
                                      "AF", "EU", "AS", "NA", "EU"};
  static const double kLat[] = {50.1,  37.8, 1.35, -23.5, -33.9,
                                -26.2, 48.9, 35.7, 43.7,  52.4};
  static const double kLon[] = {8.7,  -122.4, 103.8, -46.6, 151.2,
                                28.0, 2.35,   139.7, -79.4, 4.9};
  MemoryInventory inv;
  inv.bitmaps.resize(51);
  for (int i = 1; i <= 50; ++i) {
    MirrorStatus st;
    Mirror& m = st.mirror;
    m.id = i;
    m.name = "m" + std::to_string(i);
    m.http_url = "http://m" + std::to_string(i) + ".example.org/pub/";
    m.https_url = "https://m" + std::to_string(i) + ".example.org/pub/";
    m.country = kCountries[i % 10];
    m.continent = kContinents[i % 10];
    m.asn = 64500 + i;
    m.latitude = kLat[i % 10] + (i % 7) * 0.3;
    m.longitude = kLon[i % 10] + (i % 5) * 0.3;
    m.weight = 50 + (i * 37) % 200;
    m.enabled = true;
    st.http_v4 = st.http_v6 = st.https_v4 = st.https_v6 = Health::kUp;
    st.trace_lag = 30;
    inv.mirrors.push_back(st);
    for (int f = 0; f < files; ++f)
      if (u01(rng) >= 0.04) SetFileBit(&inv.bitmaps[static_cast<size_t>(i)], f);
  }
  auto index = std::make_shared<FileIndex>();
  std::string sha(32, '\x5a');
  for (int f = 0; f < files; ++f)
    index->AddFile(f, "pool/f" + std::to_string(f) + ".deb", 1000000 + f, sha);
  index->Finish();
  index->gen = 1;

  HandlerOptions options;
  options.index = index;
  options.fallbacks = {};
  options.local_location = "/_origin/";
  Metrics metrics{};
  options.metrics = &metrics;
  std::vector<char> recent_memory(RecentDownloads::BytesFor(65536) + 64);
  void* aligned = recent_memory.data() +
                  (64 - reinterpret_cast<uintptr_t>(recent_memory.data()) % 64);
  RecentDownloads recent(aligned, 65536, true);
  options.recent = &recent;
  time_t now = time(nullptr);
  // Counts go to a writer thread as in a worker (its work is not this
  // thread's CPU time, as it is not the worker loop's); the batches it
  // would write are made and dropped.
  StatsWriter::Callbacks cb;
  cb.write = [](const CountsBatch&, bool*) { return Status::OK(); };
  StatsWriter writer(std::move(cb), 5);
  options.writer = &writer;
  Handler handler(
      options, geoip.get(), &inv, [&] { return u01(rng); },
      [&] { return now; });

  // The requests, drawn before the clock starts: Zipf (exponent 1) ranks
  // spread over the id space, addresses all over IPv4.
  std::vector<double> cdf(static_cast<size_t>(files));
  double sum = 0;
  for (int k = 1; k <= files; ++k)
    cdf[static_cast<size_t>(k - 1)] = (sum += 1.0 / k);
  const size_t kDistinct = 200000;
  std::vector<RequestInfo> reqs(kDistinct);
  for (auto& r : reqs) {
    double x = u01(rng) * sum;
    long rank = std::lower_bound(cdf.begin(), cdf.end(), x) - cdf.begin() + 1;
    long id = (rank * 7919) % files;
    r.method = "GET";
    r.uri = "/pool/f" + std::to_string(id) + ".deb";
    unsigned a = 1 + static_cast<unsigned>(u01(rng) * 223);
    if (a == 10 || a == 127) ++a;
    r.remote_addr = std::to_string(a) + "." + std::to_string(rng() % 256) +
                    "." + std::to_string(rng() % 256) + "." +
                    std::to_string(1 + rng() % 254);
    r.host = "origin.example.org";
    r.accept = "*/*";
  }

  // The refresh work a worker's thread does: mirrors and bitmaps.
  handler.inventory().RunDue(now);
  // Warm up, then measure.
  size_t redirects = 0, bytes = 0;
  for (size_t i = 0; i < 1000; ++i) handler.Handle(reqs[i % kDistinct]);
  // CPU time of this thread: on a shared machine, time spent waiting for
  // the CPU is not the handler's.
  auto cpu = [] {
    timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) +
           static_cast<double>(ts.tv_nsec) / 1e9;
  };
  std::string out;  // reused, as a worker does
  double t0 = cpu();
  for (long i = 0; i < requests; ++i) {
    const RequestInfo& r = reqs[static_cast<size_t>(i) % kDistinct];
    Response resp = handler.Handle(r);
    resp.SerializeTo(false, &out);
    bytes += out.size();
    if (resp.status == 302) ++redirects;
    if ((i & 1023) == 0) {
      now = time(nullptr);
      handler.Tick();
    }
  }
  double secs = cpu() - t0;
  if (redirects != static_cast<size_t>(requests)) {
    std::fprintf(stderr, "only %zu of %ld answers were redirects\n", redirects,
                 requests);
    return 1;
  }
  std::printf(
      "handler: %.2f us per plain download (%d files x 50 mirrors, %ld "
      "requests, "
      "%.0f bytes per answer, CPU time of one core)\n",
      secs * 1e6 / static_cast<double>(requests), files, requests,
      static_cast<double>(bytes) / static_cast<double>(requests));
  return 0;
}

}  // namespace
}  // namespace waymark

int main(int argc, char** argv) { return waymark::Run(argc, argv); }
