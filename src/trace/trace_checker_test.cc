#include "trace/trace_checker.h"

#include <gtest/gtest.h>

namespace waymark {
namespace {

constexpr long long kNow = 1795074768;

FetchResult Answer(long status, std::string body = "", long long length = -1) {
  FetchResult r;
  r.error = FetchResult::Error::kNone;
  r.status = status;
  r.body = std::move(body);
  r.content_length = length;
  r.latency_ms = 12;
  return r;
}

FetchResult Broken(FetchResult::Error e, std::string message) {
  FetchResult r;
  r.error = e;
  r.message = std::move(message);
  r.latency_ms = 2000;
  return r;
}

TEST(TraceCheckerTest, TraceAnswers) {
  FetchResult redirect = Answer(302);
  redirect.redirect_url = "http://elsewhere.example/x/mirrorsync";
  FetchResult weird = Broken(FetchResult::Error::kOther, "Weird server reply");
  struct Case {
    FetchResult answer;
    std::string reason;  // public; "" ok
    std::string detail;  // the admin's; "" none
    std::optional<long long> time;
  };
  const Case cases[] = {
      {Answer(200, "1795074700\n"), "", "", 1795074700},
      {Answer(200, "Thu Nov 19 07:52:48 UTC 2026\n"), "", "", 1795074768},
      {Answer(200, std::to_string(kNow + 60)), "", "", kNow + 60},
      {Answer(200, std::to_string(kNow + 61)),
       "trace file is 61 s in the future", "", std::nullopt},
      {Answer(200, " \n"), "empty trace file", "bad trace: empty trace file",
       std::nullopt},
      // The body's bytes are the detail's alone.
      {Answer(200, "<html>password=hunter2"), "not a trace file",
       "bad trace: not a trace file: '<html>password=hunter2'", std::nullopt},
      {Answer(404, "1795074700"), "HTTP 404", "", std::nullopt},
      {Answer(500, "internal secret"), "HTTP 500", "", std::nullopt},
      {Answer(204), "HTTP 204", "", std::nullopt},
      {redirect, "HTTP 302 redirect not followed",
       "redirect (HTTP 302) to http://elsewhere.example/x/mirrorsync but the "
       "mirror may not redirect",
       std::nullopt},
      {Broken(FetchResult::Error::kRefused, "connection refused"),
       "connection refused", "", std::nullopt},
      {Broken(FetchResult::Error::kTimeout, "timeout after 5 s"),
       "timeout after 5 s", "", std::nullopt},
      {Broken(FetchResult::Error::kTls,
              "TLS error: SSL certificate problem: self-signed certificate"),
       "TLS error",
       "TLS error: SSL certificate problem: self-signed certificate",
       std::nullopt},
      {Broken(FetchResult::Error::kTooLarge, "answer larger than 65536 bytes"),
       "answer larger than 65536 bytes", "", std::nullopt},
      {Broken(FetchResult::Error::kOther,
              "redirected to a special-purpose address (10.0.0.1), not "
              "connected"),
       "redirect not followed",
       "redirected to a special-purpose address (10.0.0.1), not connected",
       std::nullopt},
      {Broken(FetchResult::Error::kOther, "cannot connect: No route to host"),
       "cannot connect", "cannot connect: No route to host", std::nullopt},
      {weird, "transfer failed", "Weird server reply", std::nullopt},
  };
  for (const Case& c : cases) {
    std::optional<long long> time;
    CheckResult r = EvaluateTraceAnswer(c.answer, kNow, &time);
    EXPECT_EQ(r.kind == CheckResult::Kind::kOk ? "" : r.reason, c.reason)
        << c.answer.body;
    EXPECT_EQ(r.detail, c.detail) << c.answer.body;
    EXPECT_EQ(r.kind, c.reason.empty() ? CheckResult::Kind::kOk
                                       : CheckResult::Kind::kFailed);
    EXPECT_EQ(time, c.time) << c.answer.body;
    EXPECT_EQ(r.latency_ms, c.answer.latency_ms);
  }
}

TEST(TraceCheckerTest, ProbeAnswers) {
  const ProbeFile file{"pool/c d.deb", 3};
  FetchResult moved = Answer(301);
  moved.redirect_url = "http://x/";
  struct Case {
    FetchResult answer;
    std::string reason, detail;
  };
  const Case cases[] = {
      {Answer(200, "", 3), "", ""},
      {Answer(200, "", -1), "",
       ""},  // no Content-Length: nothing to contradict
      {Answer(404), "lying mirror: pool/c d.deb is missing (HTTP 404)", ""},
      {Answer(410), "lying mirror: pool/c d.deb is missing (HTTP 410)", ""},
      {Answer(200, "", 4),
       "lying mirror: pool/c d.deb has Content-Length 4, the inventory says 3",
       ""},
      {Answer(200, "", 0),
       "lying mirror: pool/c d.deb has Content-Length 0, the inventory says 3",
       ""},
      {Answer(403), "probe of pool/c d.deb: HTTP 403", ""},
      {moved, "probe of pool/c d.deb: HTTP 301 redirect not followed",
       "probe of pool/c d.deb: redirect (HTTP 301) to http://x/ but the mirror "
       "may not redirect"},
      {Broken(FetchResult::Error::kTimeout, "timeout after 5 s"),
       "probe of pool/c d.deb: timeout after 5 s", ""},
      {Broken(FetchResult::Error::kTls, "TLS error: bad"),
       "probe of pool/c d.deb: TLS error",
       "probe of pool/c d.deb: TLS error: bad"},
  };
  for (const Case& c : cases) {
    std::string detail = "left over";
    EXPECT_EQ(EvaluateProbeAnswer(c.answer, file, &detail), c.reason)
        << c.answer.status;
    EXPECT_EQ(detail, c.detail) << c.answer.status;
  }
  // A hostile path from the inventory stays one printable line.
  std::string detail;
  EXPECT_EQ(EvaluateProbeAnswer(Answer(404), {"a\nb", 1}, &detail),
            "lying mirror: a\\x0Ab is missing (HTTP 404)");
}

TEST(TraceCheckerTest, FamilyNotOffered) {
  // resolve failed (this family, the other) -> not offered
  EXPECT_TRUE(FamilyNotOffered(true, false));  // no AAAA record, say
  EXPECT_FALSE(
      FamilyNotOffered(true, true));  // the name does not resolve at all
  EXPECT_FALSE(FamilyNotOffered(false, true));
  EXPECT_FALSE(FamilyNotOffered(false, false));
}

}  // namespace
}  // namespace waymark
