#include "redirector/fcgi_protocol.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace waymark {
namespace {

using Pairs = std::vector<std::pair<std::string, std::string>>;

std::string Record(uint8_t type, uint16_t id, const std::string& content,
                   uint8_t padding = 0) {
  std::string r;
  AppendRecord(type, id, content, &r);
  r[6] = static_cast<char>(padding);
  return r + std::string(padding, '\xee');
}

std::string Begin(uint16_t id, bool keep_conn = true,
                  uint16_t role = fcgi::kResponder) {
  std::string body = {static_cast<char>(role >> 8),
                      static_cast<char>(role & 0xff),
                      static_cast<char>(keep_conn ? fcgi::kKeepConn : 0),
                      0,
                      0,
                      0,
                      0,
                      0};
  return Record(fcgi::kBeginRequest, id, body);
}

std::string PairBlock(const Pairs& pairs) {
  std::string block;
  for (const auto& [n, v] : pairs) AppendNameValuePair(n, v, &block);
  return block;
}

// A whole request: BEGIN_REQUEST, the parameters in records of at most
// `chunk` bytes (padded to 8), the empty PARAMS, STDIN, the empty STDIN.
std::string Request(uint16_t id, const Pairs& pairs, bool keep_conn = true,
                    size_t chunk = 1000, const std::string& body = "") {
  std::string out = Begin(id, keep_conn);
  std::string block = PairBlock(pairs);
  for (size_t i = 0; i < block.size(); i += chunk) {
    std::string part = block.substr(i, chunk);
    out += Record(fcgi::kParams, id, part, (8 - part.size() % 8) % 8);
  }
  out += Record(fcgi::kParams, id, "");
  if (!body.empty()) out += Record(fcgi::kStdin, id, body, 3);
  return out + Record(fcgi::kStdin, id, "");
}

struct Seen {
  std::vector<FcgiParser::Result> results;
  std::vector<Pairs> requests;
  std::vector<bool> keep;
  std::string replies;
  std::string error;
};

// Feeds `chunks` in turn, answering nothing, and notes what came out.
Seen FeedAll(const std::vector<std::string>& chunks,
             FcgiParser::Limits limits = {}) {
  FcgiParser parser(limits);
  Seen seen;
  for (const std::string& chunk : chunks) {
    std::string_view in = chunk;
    while (!in.empty()) {
      size_t used = 0;
      FcgiParser::Result r = parser.Feed(in, &used, &seen.replies);
      in.remove_prefix(used);
      if (r == FcgiParser::Result::kNeedMore) {
        EXPECT_TRUE(in.empty());
        continue;
      }
      seen.results.push_back(r);
      if (r == FcgiParser::Result::kError) {
        seen.error = parser.error();
        return seen;
      }
      seen.keep.push_back(parser.keep_conn());
      if (r == FcgiParser::Result::kRequest) {
        Pairs p;
        for (const FcgiParam& param : parser.request().params)
          p.emplace_back(std::string(param.name), std::string(param.value));
        seen.requests.push_back(p);
      }
    }
  }
  return seen;
}

const Pairs kNginxParams = {
    {"REQUEST_METHOD", "GET"},
    {"REQUEST_URI", "/releases/a%20b.deb?x"},
    {"DOCUMENT_URI", "/releases/a b.deb"},
    {"QUERY_STRING", ""},
    {"REMOTE_ADDR", "20.10.0.5"},
    {"HTTP_HOST", "repo.example.org"},
    // Lengths of 128 and over take four bytes.
    {std::string(130, 'N'), std::string(60000, 'v')},
};

TEST(FcgiProtocol, RecordsAreWrittenAsTheSpecificationSays) {
  std::string r;
  AppendRecord(fcgi::kStdout, 0x1234, "abc", &r);
  EXPECT_EQ(r, std::string("\x01\x06\x12\x34\x00\x03\x00\x00"
                           "abc",
                           11));
  r.clear();
  AppendEndRequest(7, 0x01020304, fcgi::kCantMpxConn, &r);
  EXPECT_EQ(r, std::string("\x01\x03\x00\x07\x00\x08\x00\x00"
                           "\x01\x02\x03\x04\x01\x00\x00\x00",
                           16));
  r.clear();
  AppendNameValuePair("AB", std::string(200, 'x'), &r);
  EXPECT_EQ(r.substr(0, 7), std::string("\x02\x80\x00\x00\xc8"
                                        "AB",
                                        7));
  EXPECT_EQ(r.size(), 7u + 200);
}

TEST(FcgiProtocol, AWholeRequestGivesItsParametersInOrder) {
  std::string stream = Request(1, kNginxParams, true, 65535, "ignored body");
  Seen seen = FeedAll({stream});
  ASSERT_EQ(seen.results,
            std::vector<FcgiParser::Result>{FcgiParser::Result::kRequest})
      << seen.error;
  EXPECT_EQ(seen.requests[0], kNginxParams);
  EXPECT_TRUE(seen.keep[0]);
  EXPECT_EQ(seen.replies, "");
}

TEST(FcgiProtocol, ASplitAtEveryByteGivesTheSameRequests) {
  // Two requests back to back, the parameters in records of 7 bytes, with
  // padding, a body, and a management record between them.
  const Pairs small = {{"REQUEST_METHOD", "HEAD"}, {"REQUEST_URI", "/x"}};
  std::string stream =
      Request(1, small, true, 7, "body") +
      Record(fcgi::kGetValues, 0, PairBlock({{"FCGI_MPXS_CONNS", ""}}), 5) +
      Request(2, kNginxParams, false, 4096);
  Seen whole = FeedAll({stream});
  ASSERT_EQ(whole.requests.size(), 2u) << whole.error;
  EXPECT_EQ(whole.requests[0], small);
  EXPECT_EQ(whole.requests[1], kNginxParams);
  EXPECT_EQ(whole.keep, (std::vector<bool>{true, false}));
  // Every split point, for the part with the small records (the large
  // parameter makes the stream long: its middle is split more sparsely).
  for (size_t at = 0; at <= stream.size();
       at += at < 2000 || at > stream.size() - 2000 ? 1 : 997) {
    Seen split = FeedAll({stream.substr(0, at), stream.substr(at)});
    ASSERT_EQ(split.requests, whole.requests) << "split at " << at;
    ASSERT_EQ(split.keep, whole.keep) << "split at " << at;
    ASSERT_EQ(split.replies, whole.replies) << "split at " << at;
  }
  // One byte at a time.
  std::vector<std::string> bytes;
  for (char c : stream.substr(0, 3000)) bytes.emplace_back(1, c);
  bytes.push_back(stream.substr(3000));
  Seen trickled = FeedAll(bytes);
  EXPECT_EQ(trickled.requests, whole.requests);
  EXPECT_EQ(trickled.replies, whole.replies);
}

TEST(FcgiProtocol, IdleOnlyBetweenRequests) {
  FcgiParser parser({});
  std::string replies;
  EXPECT_TRUE(parser.idle());
  std::string stream = Request(1, {{"A", "b"}});
  size_t used;
  EXPECT_EQ(parser.Feed(stream.substr(0, 3), &used, &replies),
            FcgiParser::Result::kNeedMore);
  EXPECT_FALSE(parser.idle()) << "half a header";
  EXPECT_EQ(parser.Feed(stream.substr(3, 20), &used, &replies),
            FcgiParser::Result::kNeedMore);
  EXPECT_FALSE(parser.idle()) << "a request begun";
  EXPECT_EQ(parser.Feed(stream.substr(23), &used, &replies),
            FcgiParser::Result::kRequest);
  EXPECT_TRUE(parser.idle());
}

TEST(FcgiProtocol, ASecondRequestOnTheConnectionIsRefused) {
  std::string stream =
      Begin(1) + Begin(2) + Record(fcgi::kParams, 2, PairBlock({{"X", "y"}})) +
      Record(fcgi::kParams, 1, PairBlock({{"A", "b"}})) +
      Record(fcgi::kParams, 1, "") + Record(fcgi::kStdin, 1, "");
  Seen seen = FeedAll({stream});
  EXPECT_EQ(seen.requests, (std::vector<Pairs>{{{"A", "b"}}})) << seen.error;
  std::string refused;
  AppendEndRequest(2, 0, fcgi::kCantMpxConn, &refused);
  EXPECT_EQ(seen.replies, refused);
}

TEST(FcgiProtocol, OtherRolesAndAbortedRequestsEndWithoutAnAnswer) {
  Seen seen = FeedAll({Begin(3, false, 2 /* Authorizer */)});
  EXPECT_EQ(seen.results,
            std::vector<FcgiParser::Result>{FcgiParser::Result::kEnded});
  EXPECT_EQ(seen.keep, std::vector<bool>{false});
  std::string want;
  AppendEndRequest(3, 0, fcgi::kUnknownRole, &want);
  EXPECT_EQ(seen.replies, want);

  seen =
      FeedAll({Begin(4) + Record(fcgi::kParams, 4, PairBlock({{"A", ""}})) +
               Record(fcgi::kAbortRequest, 4, "") + Request(5, {{"B", "c"}})});
  EXPECT_EQ(seen.results,
            (std::vector<FcgiParser::Result>{FcgiParser::Result::kEnded,
                                             FcgiParser::Result::kRequest}));
  EXPECT_EQ(seen.requests, (std::vector<Pairs>{{{"B", "c"}}}));
  want.clear();
  AppendEndRequest(4, 0, fcgi::kRequestComplete, &want);
  EXPECT_EQ(seen.replies, want);
}

TEST(FcgiProtocol, ManagementRecordsAreAnswered) {
  FcgiParser::Limits limits;
  limits.max_conns = 77;
  Seen seen = FeedAll({Record(fcgi::kGetValues, 0,
                              PairBlock({{"FCGI_MAX_CONNS", ""},
                                         {"FCGI_OTHER", ""},
                                         {"FCGI_MPXS_CONNS", ""}})) +
                       Record(42, 0, "whatever")},
                      limits);
  EXPECT_TRUE(seen.results.empty()) << seen.error;
  std::string want;
  AppendRecord(fcgi::kGetValuesResult, 0,
               PairBlock({{"FCGI_MAX_CONNS", "77"}, {"FCGI_MPXS_CONNS", "0"}}),
               &want);
  AppendRecord(fcgi::kUnknownType, 0, std::string("\x2a\0\0\0\0\0\0\0", 8),
               &want);
  EXPECT_EQ(seen.replies, want);
}

TEST(FcgiProtocol, WhatIsNotFastCgiIsAnError) {
  const struct {
    std::string input;
    std::string error;
  } kBad[] = {
      {"GET / HTTP/1.1\r\n\r\n", "not FastCGI version 1 (version byte 71)"},
      {std::string("\x02\x01\x00\x01\x00\x08\x00\x00", 8),
       "not FastCGI version 1 (version byte 2)"},
      {std::string("\x00\x01\x00\x01\x00\x08\x00\x00", 8),
       "not FastCGI version 1 (version byte 0)"},
      {Record(fcgi::kBeginRequest, 1, "1234567"), "BEGIN_REQUEST of 7 bytes"},
      {Record(fcgi::kStdout, 1, "x"), "record type 6 sent to an application"},
      {Record(fcgi::kEndRequest, 1, "12345678"),
       "record type 3 sent to an application"},
      {Record(99, 1, ""), "record type 99 sent to an application"},
      {Begin(1) + Record(fcgi::kBeginRequest, 1, std::string(8, '\0')),
       "BEGIN_REQUEST for a request in progress"},
      {Begin(1) + Record(fcgi::kStdin, 1, ""),
       "STDIN before the end of PARAMS"},
      {Begin(1) + Record(fcgi::kParams, 1, "") + Record(fcgi::kParams, 1, "x"),
       "PARAMS after the end of the stream"},
      // A name of 5 bytes with 2 there; a 4-byte length cut short.
      {Begin(1) +
           Record(fcgi::kParams, 1,
                  std::string("\x05\x01"
                              "ab",
                              4)) +
           Record(fcgi::kParams, 1, ""),
       "a name-value pair runs past the end of its stream"},
      {Begin(1) + Record(fcgi::kParams, 1, std::string("\x80\x00", 2)) +
           Record(fcgi::kParams, 1, ""),
       "a name-value pair runs past the end of its stream"},
      // 2^31 - 1 bytes announced.
      {Begin(1) +
           Record(fcgi::kParams, 1, std::string("\xff\xff\xff\xff\x00", 5)) +
           Record(fcgi::kParams, 1, ""),
       "a name-value pair runs past the end of its stream"},
      {Record(fcgi::kGetValues, 0, "\x09"),
       "GET_VALUES: a name-value pair runs past the end of its stream"},
  };
  for (const auto& bad : kBad) {
    Seen seen = FeedAll({bad.input});
    ASSERT_FALSE(seen.results.empty()) << bad.error;
    EXPECT_EQ(seen.results.back(), FcgiParser::Result::kError) << bad.error;
    EXPECT_EQ(seen.error, bad.error);
    EXPECT_TRUE(seen.requests.empty()) << bad.error;
  }
}

TEST(FcgiProtocol, ParametersAreBounded) {
  FcgiParser::Limits limits;
  limits.max_param_bytes = 1000;
  limits.max_params = 3;
  Seen seen =
      FeedAll({Request(1, {{"A", std::string(990, 'x')}}, true, 500)}, limits);
  EXPECT_EQ(seen.requests.size(), 1u) << seen.error;
  // Refused as soon as the record that passes the limit is announced.
  seen = FeedAll({Begin(1) + Record(fcgi::kParams, 1, std::string(600, 'x')) +
                  Record(fcgi::kParams, 1, std::string(401, 'x')).substr(0, 8)},
                 limits);
  EXPECT_EQ(seen.error, "parameters over 1000 bytes");
  seen = FeedAll({Request(1, {{"A", ""}, {"B", ""}, {"C", ""}, {"D", ""}})},
                 limits);
  EXPECT_EQ(seen.error, "more than 3 parameters");
}

TEST(FcgiProtocol, AResponseIsFramedInRecordsOfAtMost65535Bytes) {
  std::string body(200000, 'b');
  std::string out;
  AppendResponse(9, body, &out);
  // Read the records back.
  std::string stdout_text;
  std::vector<std::pair<int, size_t>> records;  // type, length
  size_t pos = 0;
  while (pos + 8 <= out.size()) {
    const auto* h = reinterpret_cast<const unsigned char*>(out.data() + pos);
    ASSERT_EQ(h[0], 1);
    ASSERT_EQ((h[2] << 8) | h[3], 9);
    size_t len = (h[4] << 8) | h[5];
    records.emplace_back(h[1], len);
    if (h[1] == fcgi::kStdout) stdout_text += out.substr(pos + 8, len);
    pos += 8 + len + h[6];
  }
  EXPECT_EQ(pos, out.size());
  EXPECT_EQ(stdout_text, body);
  EXPECT_EQ(records, (std::vector<std::pair<int, size_t>>{
                         {fcgi::kStdout, 65535},
                         {fcgi::kStdout, 65535},
                         {fcgi::kStdout, 65535},
                         {fcgi::kStdout, 200000 - 3 * 65535},
                         {fcgi::kStdout, 0},
                         {fcgi::kEndRequest, 8}}));
}

}  // namespace
}  // namespace waymark
