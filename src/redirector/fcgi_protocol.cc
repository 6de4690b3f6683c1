#include "redirector/fcgi_protocol.h"

#include <algorithm>
#include <cstring>

namespace waymark {

namespace {

// A name or value length: one byte below 128, else four with the high bit
// set (31 bits). False when `block` ends first.
bool ReadLength(std::string_view block, size_t* pos, size_t* length) {
  if (*pos >= block.size()) return false;
  auto b = [&](size_t i) {
    return static_cast<size_t>(static_cast<unsigned char>(block[*pos + i]));
  };
  if (b(0) < 0x80) {
    *length = b(0);
    *pos += 1;
    return true;
  }
  if (block.size() - *pos < 4) return false;
  *length = ((b(0) & 0x7f) << 24) | (b(1) << 16) | (b(2) << 8) | b(3);
  *pos += 4;
  return true;
}

void AppendLength(size_t n, std::string* out) {
  if (n < 0x80) {
    out->push_back(static_cast<char>(n));
    return;
  }
  out->push_back(static_cast<char>(0x80 | ((n >> 24) & 0x7f)));
  out->push_back(static_cast<char>((n >> 16) & 0xff));
  out->push_back(static_cast<char>((n >> 8) & 0xff));
  out->push_back(static_cast<char>(n & 0xff));
}

void AppendHeader(uint8_t type, uint16_t id, size_t length, std::string* out) {
  const char h[fcgi::kHeaderSize] = {static_cast<char>(fcgi::kVersion1),
                                     static_cast<char>(type),
                                     static_cast<char>(id >> 8),
                                     static_cast<char>(id & 0xff),
                                     static_cast<char>(length >> 8),
                                     static_cast<char>(length & 0xff),
                                     0,
                                     0};
  out->append(h, sizeof h);
}

}  // namespace

bool ParseNameValuePairs(std::string_view block, size_t max_pairs,
                         std::vector<FcgiParam>* out, std::string* why) {
  size_t pos = 0, pairs = 0;
  while (pos < block.size()) {
    size_t name_length, value_length;
    if (!ReadLength(block, &pos, &name_length) ||
        !ReadLength(block, &pos, &value_length) ||
        name_length > block.size() - pos ||
        value_length > block.size() - pos - name_length) {
      *why = "a name-value pair runs past the end of its stream";
      return false;
    }
    if (++pairs > max_pairs) {
      *why = "more than " + std::to_string(max_pairs) + " parameters";
      return false;
    }
    FcgiParam p;
    p.name = block.substr(pos, name_length);
    p.value = block.substr(pos + name_length, value_length);
    out->push_back(p);
    pos += name_length + value_length;
  }
  return true;
}

void AppendNameValuePair(std::string_view name, std::string_view value,
                         std::string* out) {
  AppendLength(name.size(), out);
  AppendLength(value.size(), out);
  out->append(name.data(), name.size());
  out->append(value.data(), value.size());
}

void AppendRecord(uint8_t type, uint16_t id, std::string_view content,
                  std::string* out) {
  AppendHeader(type, id, content.size(), out);
  out->append(content.data(), content.size());
}

void AppendEndRequest(uint16_t id, uint32_t app_status, uint8_t protocol_status,
                      std::string* out) {
  const char body[8] = {static_cast<char>(app_status >> 24),
                        static_cast<char>((app_status >> 16) & 0xff),
                        static_cast<char>((app_status >> 8) & 0xff),
                        static_cast<char>(app_status & 0xff),
                        static_cast<char>(protocol_status),
                        0,
                        0,
                        0};
  AppendRecord(fcgi::kEndRequest, id, std::string_view(body, sizeof body), out);
}

void AppendResponse(uint16_t id, std::string_view cgi_response,
                    std::string* out) {
  // One allocation at most: the records' headers are 8 bytes each.
  out->reserve(
      out->size() + cgi_response.size() +
      (cgi_response.size() / fcgi::kMaxContent + 3) * fcgi::kHeaderSize + 8);
  while (!cgi_response.empty()) {
    size_t n = std::min(cgi_response.size(), fcgi::kMaxContent);
    AppendRecord(fcgi::kStdout, id, cgi_response.substr(0, n), out);
    cgi_response.remove_prefix(n);
  }
  AppendHeader(fcgi::kStdout, id, 0, out);
  AppendEndRequest(id, 0, fcgi::kRequestComplete, out);
}

FcgiParser::Result FcgiParser::Fail(std::string why) {
  error_ = std::move(why);
  return Result::kError;
}

FcgiParser::Result FcgiParser::Feed(std::string_view in, size_t* used,
                                    std::string* replies) {
  size_t pos = 0;
  Result r = Result::kNeedMore;
  // Each pass reads what it can of one record; a zero-length record ends
  // within the pass that completes its header.
  while (pos < in.size() && r == Result::kNeedMore) {
    if (state_ == State::kHeader) {
      size_t take = std::min(fcgi::kHeaderSize - header_len_, in.size() - pos);
      std::memcpy(header_ + header_len_, in.data() + pos, take);
      header_len_ += take;
      pos += take;
      if (header_len_ < fcgi::kHeaderSize) break;
      header_len_ = 0;
      r = StartRecord();
      if (r != Result::kNeedMore) break;
    }
    if (state_ == State::kContent) {
      size_t take = std::min(content_left_, in.size() - pos);
      if (sink_ == Sink::kSmall) {
        small_.append(in.data() + pos, take);
      } else if (sink_ == Sink::kParams) {
        param_block_.append(in.data() + pos, take);
      }
      pos += take;
      content_left_ -= take;
      if (content_left_ > 0) break;
      state_ = State::kPadding;
    }
    if (state_ == State::kPadding) {
      size_t take = std::min(padding_left_, in.size() - pos);
      pos += take;
      padding_left_ -= take;
      if (padding_left_ > 0) break;
      state_ = State::kHeader;
      r = EndRecord(replies);
    }
  }
  *used = pos;
  return r;
}

FcgiParser::Result FcgiParser::StartRecord() {
  const unsigned char* h = header_;
  if (h[0] != fcgi::kVersion1)
    return Fail("not FastCGI version 1 (version byte " + std::to_string(h[0]) +
                ")");
  type_ = h[1];
  id_ = static_cast<uint16_t>((h[2] << 8) | h[3]);
  content_length_ = content_left_ = (static_cast<size_t>(h[4]) << 8) | h[5];
  padding_left_ = h[6];
  sink_ = Sink::kDiscard;
  small_.clear();
  state_ = State::kContent;
  if (id_ == 0) {
    // Management records: only GET_VALUES' content is read.
    if (type_ == fcgi::kGetValues) sink_ = Sink::kSmall;
    return Result::kNeedMore;
  }
  switch (type_) {
    case fcgi::kBeginRequest:
      if (content_length_ != 8)
        return Fail("BEGIN_REQUEST of " + std::to_string(content_length_) +
                    " bytes");
      sink_ = Sink::kSmall;
      break;
    case fcgi::kParams:
      if (active_ && id_ == request_.id) {
        if (params_done_) return Fail("PARAMS after the end of the stream");
        if (param_block_.size() + content_length_ > limits_.max_param_bytes)
          return Fail("parameters over " +
                      std::to_string(limits_.max_param_bytes) + " bytes");
        sink_ = Sink::kParams;
      }
      break;
    case fcgi::kStdin:
      if (active_ && id_ == request_.id && !params_done_)
        return Fail("STDIN before the end of PARAMS");
      break;
    case fcgi::kAbortRequest:
    case fcgi::kData:
      break;
    default:
      return Fail("record type " + std::to_string(type_) +
                  " sent to an application");
  }
  return Result::kNeedMore;
}

FcgiParser::Result FcgiParser::EndRecord(std::string* replies) {
  if (id_ == 0) {
    if (type_ != fcgi::kGetValues) {
      const char body[8] = {static_cast<char>(type_), 0, 0, 0, 0, 0, 0, 0};
      AppendRecord(fcgi::kUnknownType, 0, std::string_view(body, sizeof body),
                   replies);
      return Result::kNeedMore;
    }
    std::vector<FcgiParam> asked;
    std::string why;
    if (!ParseNameValuePairs(small_, limits_.max_params, &asked, &why))
      return Fail("GET_VALUES: " + why);
    std::string result;
    const std::string conns = std::to_string(limits_.max_conns);
    for (const FcgiParam& p : asked) {
      if (p.name == "FCGI_MAX_CONNS" || p.name == "FCGI_MAX_REQS") {
        AppendNameValuePair(p.name, conns, &result);
      } else if (p.name == "FCGI_MPXS_CONNS") {
        AppendNameValuePair(p.name, "0", &result);
      }
    }
    AppendRecord(fcgi::kGetValuesResult, 0, result.substr(0, fcgi::kMaxContent),
                 replies);
    return Result::kNeedMore;
  }
  const bool current = active_ && id_ == request_.id;
  switch (type_) {
    case fcgi::kBeginRequest: {
      if (current) return Fail("BEGIN_REQUEST for a request in progress");
      if (active_) {
        // One request at a time: the other one goes on.
        AppendEndRequest(id_, 0, fcgi::kCantMpxConn, replies);
        return Result::kNeedMore;
      }
      const auto* b = reinterpret_cast<const unsigned char*>(small_.data());
      const uint16_t role = static_cast<uint16_t>((b[0] << 8) | b[1]);
      request_.id = id_;
      request_.keep_conn = (b[2] & fcgi::kKeepConn) != 0;
      request_.params.clear();
      if (role != fcgi::kResponder) {
        AppendEndRequest(id_, 0, fcgi::kUnknownRole, replies);
        return Result::kEnded;
      }
      active_ = true;
      params_done_ = false;
      param_block_.clear();
      return Result::kNeedMore;
    }
    case fcgi::kParams:
      if (!current || content_length_ > 0) return Result::kNeedMore;
      params_done_ = true;
      if (!ParseNameValuePairs(param_block_, limits_.max_params,
                               &request_.params, &error_))
        return Result::kError;
      return Result::kNeedMore;
    case fcgi::kStdin:
      if (!current || content_length_ > 0) return Result::kNeedMore;
      active_ = false;
      return Result::kRequest;
    case fcgi::kAbortRequest:
      if (!current) return Result::kNeedMore;
      active_ = false;
      AppendEndRequest(id_, 0, fcgi::kRequestComplete, replies);
      return Result::kEnded;
    default:  // DATA: not for a Responder
      return Result::kNeedMore;
  }
}

}  // namespace waymark
