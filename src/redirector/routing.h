// Which output a request asks for, from its path, query and Accept header.
// Pure code, table-tested in routing_test.cc.
//
//   /PATH                       302 (or JSON/Metalink by Accept, in auto mode)
//   /PATH.meta4, /PATH?metalink Metalink v4 (RFC 5854)
//   /PATH/mirrorlist, ?mirrorlist   HTML mirror list
//   /PATH?json, /PATH/mirrorlist?json  the mirror list as JSON
//   /PATH?sha256 ?sha1 ?md5     "<hex>  <basename>\n"
//   /mirrorstats, /X/mirrorstats, ?mirrorstats   mirror statistics page
//   /mirrorstats?json           mirror statistics as JSON
//   any redirector URL ?metrics  Prometheus text
//   ?fromip=ADDR                the mirror list, JSON or Metalink as ADDR gets
//   it
// Unknown query keys are ignored (cache busters stay a plain redirect).
#ifndef WAYMARK_REDIRECTOR_ROUTING_H_
#define WAYMARK_REDIRECTOR_ROUTING_H_

#include <string>

#include "core/status.h"

namespace waymark {

enum class Output {
  kRedirect,
  kMirrorList,
  kJson,
  kMetalink,
  kSha256,
  kSha1,
  kMd5,
  kMirrorStats,
  kMirrorStatsJson,
  kMetrics,
};

const char* OutputName(Output o);  // "redirect", "mirrorlist", ...

// redirector.output: "auto" lets the Accept header choose JSON or Metalink;
// "redirect" answers plain requests with the 302 whatever they accept.
enum class OutputMode { kAuto, kRedirect };
bool ParseOutputMode(const std::string& text, OutputMode* out);

struct Route {
  Output output = Output::kRedirect;
  std::string uri;      // the file's URI, still percent-encoded, suffix removed
  std::string from_ip;  // ?fromip=, decoded; "" when absent
};

// kInvalidArgument for a bad ?fromip value's encoding.
Status RouteRequest(const std::string& uri, const std::string& query,
                    const std::string& accept, OutputMode mode, Route* out);

}  // namespace waymark

#endif  // WAYMARK_REDIRECTOR_ROUTING_H_
