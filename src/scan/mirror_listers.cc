#include "scan/mirror_listers.h"

#include <curl/curl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "core/net/curl_handle.h"
#include "core/strings.h"
#include "core/subprocess.h"
#include "core/url.h"
#include "scan/listing_walk.h"
#include "version.h"  // build/gen, from the Makefile's VERSION

namespace waymark {

namespace {

using Clock = std::chrono::steady_clock;

long long MsLeft(const ListLimits& l) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(l.deadline -
                                                               Clock::now())
      .count();
}

constexpr size_t kMaxLine = 16384;

}  // namespace

void ListStats::Reject(const std::string& why) {
  ++rejected;
  if (reject_samples.size() < 5) reject_samples.push_back(why);
}

const char kListingTimedOut[] = "listing took longer than scan.timeout";

Status ListStats::Count(const ListLimits& limits) {
  if (++entries > limits.max_entries)
    return Status::IOError("listing has more than scan.max_entries (" +
                           std::to_string(limits.max_entries) + ") entries");
  // The deadline holds while a long answer is taken apart too, not only
  // while waiting for the mirror; a clock read per 1024 entries is free.
  if (entries % 1024 == 0 &&
      std::chrono::steady_clock::now() >= limits.deadline)
    return Status::IOError(kListingTimedOut);
  return Status::OK();
}

void InitListers() { curl_global_init(CURL_GLOBAL_DEFAULT); }

// ---------------------------------------------------------------------------
// rsync

namespace {

// Splits rsync --list-only output into lines (bounded length), parses each
// and feeds the sink; shared by the live listing and --listing FILE.
class RsyncLineReader {
 public:
  RsyncLineReader(const ListLimits& limits, const ListSink& sink,
                  ListStats* stats)
      : limits_(limits), sink_(sink), stats_(stats) {}

  Status Feed(const char* buf, size_t got) {
    for (size_t k = 0; k < got; ++k) {
      char c = buf[k];
      if (c != '\n') {
        if (skipping_) continue;
        line_ += c;
        if (line_.size() > kMaxLine) {
          stats_->Reject("line longer than 16 KiB");
          line_.clear();
          skipping_ = true;
        }
        continue;
      }
      if (skipping_) {
        skipping_ = false;
        continue;
      }
      Status s = Line();
      if (!s.ok()) return s;
    }
    return Status::OK();
  }

  // The last line may lack its newline.
  Status Finish() { return line_.empty() ? Status::OK() : Line(); }

 private:
  Status Line() {
    ListingEntry e;
    std::string why;
    ParseResult pr = ParseRsyncLine(line_, &e, &why);
    line_.clear();
    if (pr == ParseResult::kReject) {
      stats_->Reject(why);
    } else if (pr == ParseResult::kEntry) {
      Status s = stats_->Count(limits_);
      if (!s.ok()) return s;
      if (sink_.entry) sink_.entry(e);
      if (sink_.progress && stats_->entries % 10000 == 0)
        sink_.progress(*stats_);
    }
    return Status::OK();
  }

  const ListLimits& limits_;
  const ListSink& sink_;
  ListStats* stats_;
  std::string line_;
  bool skipping_ = false;
};

}  // namespace

// The child's output is read as it comes, line by line, so memory stays
// bounded whatever the listing's size; the child is killed (Subprocess's
// destructor) when a limit is hit.
Status ListRsync(const std::string& url, const ListLimits& limits,
                 const ListSink& sink, ListStats* stats) {
  BaseUrl u;
  Status s = ParseBaseUrl(url, "rsync", "rsync URL", &u);
  if (!s.ok()) return s;
  std::string password = u.password;
  u.password.clear();
  std::string target = u.ToString();  // user@host, never the password
  SubprocessOptions o;
  o.argv = {"rsync",
            "--list-only",
            "--recursive",
            "--no-human-readable",
            "--no-motd",
            "--timeout=" + std::to_string(limits.io_timeout_s),
            "--contimeout=" + std::to_string(limits.connect_timeout_s),
            target};
  o.env = {"TZ=UTC", "LC_ALL=C", "RSYNC_PASSWORD=" + password};
  o.capture_output = true;
  o.new_process_group = true;
  std::unique_ptr<Subprocess> child;
  s = Subprocess::Start(o, &child);
  if (!s.ok()) return Status::IOError("cannot run rsync: " + s.message());

  std::string err_tail;
  RsyncLineReader reader(limits, sink, stats);
  Status failure;
  auto last_data = Clock::now();
  int out_fd = child->stdout_fd(), err_fd = child->stderr_fd();
  char buf[65536];
  while (out_fd >= 0 || err_fd >= 0) {
    long long left = MsLeft(limits);
    if (left <= 0) {
      failure = Status::IOError(kListingTimedOut);
      break;
    }
    if (Clock::now() - last_data >
        std::chrono::seconds(limits.io_timeout_s + 5)) {
      failure = Status::IOError("no data from the mirror for " +
                                std::to_string(limits.io_timeout_s) + " s");
      break;
    }
    pollfd fds[2];
    int n = 0;
    if (out_fd >= 0) fds[n++] = {out_fd, POLLIN, 0};
    if (err_fd >= 0) fds[n++] = {err_fd, POLLIN, 0};
    int r = poll(fds, n, static_cast<int>(std::min<long long>(left, 1000)));
    if (r < 0 && errno != EINTR) {
      failure = Status::IOError(std::string("poll: ") + strerror(errno));
      break;
    }
    for (int i = 0; i < n; ++i) {
      if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      ssize_t got = read(fds[i].fd, buf, sizeof buf);
      if (got <= 0) {
        if (fds[i].fd == out_fd)
          out_fd = -1;
        else
          err_fd = -1;
        continue;
      }
      last_data = Clock::now();
      if (fds[i].fd == err_fd) {
        err_tail.append(buf, got);
        if (err_tail.size() > 4096) err_tail.erase(0, err_tail.size() - 4096);
        continue;
      }
      failure = reader.Feed(buf, static_cast<size_t>(got));
      if (!failure.ok()) break;
    }
    if (!failure.ok()) break;
  }
  if (failure.ok()) failure = reader.Finish();
  if (!failure.ok()) return failure;  // the child is killed with `child`
  int code = -1;
  s = child->Wait(
      std::max<long long>(1000, std::min<long long>(MsLeft(limits), 30000)),
      &code);
  if (!s.ok()) return Status::IOError("rsync did not exit: " + s.message());
  if (code != 0) {
    // The most telling line of rsync's stderr: the daemon's own "@ERROR:"
    // (auth failed, unknown module) or a connection failure, else the
    // last line rsync printed.
    std::string why;
    for (const auto& l : Split(err_tail, '\n')) {
      std::string_view t = Trim(l);
      if (StartsWith(t, "@ERROR") ||
          StartsWith(t, "rsync: [Receiver] failed to connect") ||
          StartsWith(t, "rsync: failed to connect")) {
        why = std::string(t);
        break;
      }
      if (!t.empty()) why = std::string(t);
    }
    if (!password.empty()) {
      for (size_t p; (p = why.find(password)) != std::string::npos;)
        why.replace(p, password.size(), "***");
    }
    return Status::IOError("rsync exited with status " + std::to_string(code) +
                           (why.empty() ? "" : ": " + Printable(why)));
  }
  return Status::OK();
}

Status ListRsyncFile(const std::string& path, const ListLimits& limits,
                     const ListSink& sink, ListStats* stats) {
  std::unique_ptr<FILE, int (*)(FILE*)> f(fopen(path.c_str(), "rb"), fclose);
  if (!f)
    return Status::IOError("cannot open '" + Printable(path) +
                           "': " + strerror(errno));
  RsyncLineReader reader(limits, sink, stats);
  char buf[65536];
  size_t got;
  while ((got = fread(buf, 1, sizeof buf, f.get())) > 0) {
    if (MsLeft(limits) <= 0) return Status::IOError(kListingTimedOut);
    Status s = reader.Feed(buf, got);
    if (!s.ok()) return s;
  }
  if (ferror(f.get()))
    return Status::IOError("cannot read '" + Printable(path) + "'");
  return reader.Finish();
}

// ---------------------------------------------------------------------------
// HTTP and FTP (libcurl)

namespace {

struct Body {
  std::string data;
  size_t max = 0;
  bool too_big = false;
};

size_t WriteBody(char* p, size_t size, size_t n, void* user) {
  Body* b = static_cast<Body*>(user);
  size_t len = size * n;
  if (b->data.size() + len > b->max) {
    b->too_big = true;
    return 0;  // aborts the transfer
  }
  b->data.append(p, len);
  return len;
}

void CommonOptions(CURL* c, const ListLimits& l) {
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT,
                   static_cast<long>(l.connect_timeout_s));
  // A server that drips bytes: below 1 byte/s for io_timeout is an error,
  // and the deadline bounds every request.
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME,
                   static_cast<long>(l.io_timeout_s));
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c, CURLOPT_USERAGENT, "waymark-scan/" WAYMARK_VERSION);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https,ftp");
}

// One GET/LIST of `url` into `body`; the error message never holds the URL.
Status Fetch(CURL* c, const std::string& url, const ListLimits& l, Body* body,
             long* code) {
  long long left = MsLeft(l);
  if (left <= 0) return Status::IOError(kListingTimedOut);
  body->data.clear();
  body->too_big = false;
  body->max = l.max_page_bytes;
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, WriteBody);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, body);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(left));
  CURLcode rc = curl_easy_perform(c);
  if (body->too_big)
    return Status::IOError("an answer larger than " +
                           std::to_string(l.max_page_bytes >> 20) + " MiB");
  if (rc == CURLE_OPERATION_TIMEDOUT && MsLeft(l) <= 0)
    return Status::IOError(kListingTimedOut);
  if (rc != CURLE_OK) return Status::IOError(curl_easy_strerror(rc));
  *code = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, code);
  return Status::OK();
}

}  // namespace

Status ListHttp(const std::string& url, const ListLimits& limits,
                const ListSink& sink, ListStats* stats) {
  BaseUrl u;
  Status s = ParseBaseUrl(url, StartsWith(url, "https:") ? "https" : "http",
                          "HTTP URL", &u);
  if (!s.ok()) return s;
  std::string base = u.ToString();
  CurlEasy c = NewCurlEasy();
  if (!c) return Status::IOError("cannot set up libcurl");
  CommonOptions(c.get(), limits);
  ListingWalk walk(limits, stats);
  Body body;
  std::vector<ListingEntry> inexact;
  std::string dir;
  int depth = 0;
  while (walk.Next(&dir, &depth)) {
    long code = 0;
    std::string page_url = base + EncodePath(dir.empty() ? "" : dir + "/");
    ++stats->requests;
    s = Fetch(c.get(), page_url, limits, &body, &code);
    if (!s.ok())
      return Status::IOError("'/" + Printable(dir) + "': " + s.message());
    if (code != 200)
      return Status::IOError("'/" + Printable(dir) + "': HTTP status " +
                             std::to_string(code));
    s = walk.CheckMemory(body.data.size());
    if (!s.ok()) return s;
    HtmlIndex page = ParseHtmlIndex(body.data);
    if (MsLeft(limits) <= 0) return Status::IOError(kListingTimedOut);
    for (size_t i = 0; i < page.rejected; ++i)
      stats->Reject(i < page.reject_reasons.size() ? page.reject_reasons[i]
                                                   : "bad link");
    for (auto& e : page.entries) {
      bool admitted = false;
      s = walk.Admit(dir, depth, &e, &admitted);
      if (!s.ok()) return s;
      if (!admitted) continue;
      if (e.type != EntryType::kDirectory && !e.size_exact) {
        if (sink.wants_exact_size && sink.wants_exact_size(e))
          inexact.push_back(e);
        continue;
      }
      if (sink.entry) sink.entry(e);
    }
    if (sink.progress) sink.progress(*stats);
  }
  // Sizes like "4.2M" (Apache, lighttpd, nginx without exact sizes): ask
  // for the exact size of the files that could be the inventory's.
  curl_easy_setopt(c.get(), CURLOPT_NOBODY, 1L);
  curl_easy_setopt(c.get(), CURLOPT_FILETIME, 1L);
  for (auto& e : inexact) {
    long code = 0;
    ++stats->requests;
    s = Fetch(c.get(), base + EncodePath(e.path), limits, &body, &code);
    if (!s.ok())
      return Status::IOError("HEAD '/" + Printable(e.path) +
                             "': " + s.message());
    curl_off_t len = -1, t = -1;
    curl_easy_getinfo(c.get(), CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &len);
    curl_easy_getinfo(c.get(), CURLINFO_FILETIME_T, &t);
    if (code != 200 || len < 0) continue;  // not there after all
    e.size = len;
    e.size_exact = true;
    if (t >= 0) {
      e.mtime = t;
      e.mtime_slack = 1;
    }
    if (sink.entry) sink.entry(e);
  }
  return Status::OK();
}

Status ListFtp(const std::string& url, const ListLimits& limits,
               const ListSink& sink, ListStats* stats) {
  BaseUrl u;
  Status s = ParseBaseUrl(url, "ftp", "FTP URL", &u);
  if (!s.ok()) return s;
  std::string base = u.ToString();
  CurlEasy c = NewCurlEasy();
  if (!c) return Status::IOError("cannot set up libcurl");
  CommonOptions(c.get(), limits);
  curl_easy_setopt(c.get(), CURLOPT_FTP_USE_EPSV, 1L);
  ListingWalk walk(limits, stats);
  Body body;
  bool mlsd = true;
  long long now = std::chrono::duration_cast<std::chrono::seconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
  std::string dir;
  int depth = 0;
  while (walk.Next(&dir, &depth)) {
    std::string dir_url = base + EncodePath(dir.empty() ? "" : dir + "/");
    long code = 0;
    ++stats->requests;
    if (mlsd) {
      curl_easy_setopt(c.get(), CURLOPT_CUSTOMREQUEST, "MLSD");
      s = Fetch(c.get(), dir_url, limits, &body, &code);
      // Servers without MLSD answer 500/502: LIST from now on.
      if (!s.ok() && dir.empty()) {
        mlsd = false;
        curl_easy_setopt(c.get(), CURLOPT_CUSTOMREQUEST, nullptr);
        ++stats->requests;
        s = Fetch(c.get(), dir_url, limits, &body, &code);
      }
    } else {
      s = Fetch(c.get(), dir_url, limits, &body, &code);
    }
    if (!s.ok())
      return Status::IOError("'/" + Printable(dir) + "': " + s.message());
    s = walk.CheckMemory(body.data.size());
    if (!s.ok()) return s;
    for (const auto& line : Split(body.data, '\n')) {
      if (line.size() > kMaxLine) {
        stats->Reject("line longer than 16 KiB");
        continue;
      }
      ListingEntry e;
      std::string why;
      ParseResult pr = mlsd ? ParseMlsdLine(line, &e, &why)
                            : ParseFtpListLine(line, now, &e, &why);
      if (pr == ParseResult::kReject) {
        stats->Reject(why);
        continue;
      }
      if (pr != ParseResult::kEntry) continue;
      bool admitted = false;
      s = walk.Admit(dir, depth, &e, &admitted);
      if (!s.ok()) return s;
      if (!admitted) continue;
      if (sink.entry) sink.entry(e);
    }
    if (sink.progress) sink.progress(*stats);
  }
  return Status::OK();
}

}  // namespace waymark
