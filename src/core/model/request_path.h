// The path of a download request, as nginx passes it in DOCUMENT_URI, made
// into an inventory path or rejected. Pure code; the redirector answers 400
// for every rejection.
#ifndef WAYMARK_CORE_MODEL_REQUEST_PATH_H_
#define WAYMARK_CORE_MODEL_REQUEST_PATH_H_

#include <string>

#include "core/status.h"

namespace waymark {

constexpr size_t kMaxRequestPath = 4096;

// Decodes %XX escapes and checks the result: no '.' or '..' segment, no NUL
// or control bytes, no invalid escape, at most kMaxRequestPath bytes (before
// and after decoding). On success *path is relative (no leading '/'), with
// repeated slashes collapsed. A one-line reason otherwise.
Status ParseRequestPath(const std::string& uri, std::string* path);

}  // namespace waymark

#endif  // WAYMARK_CORE_MODEL_REQUEST_PATH_H_
