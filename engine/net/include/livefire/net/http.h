#pragma once
// HTTP from the host to range addresses (libcurl).

#include <string>
#include <utility>
#include <vector>

#include "livefire/status.h"
#include "livefire/time.h"

namespace livefire::net {

// Bodies are capped: enough for a page match, bounded so a service
// streaming garbage cannot grow memory.
constexpr size_t kMaxHttpBody = size_t{1} << 20;

struct HttpRequest {
  std::string address;  // numeric IPv4/IPv6 address
  int port = 80;
  std::string path = "/";
  std::string host;  // Host header; empty = the address
  std::vector<std::pair<std::string, std::string>> headers;
  Duration timeout = Duration::Seconds(5);
};

struct HttpResponse {
  int status = 0;
  std::string body;  // at most kMaxHttpBody bytes
  bool truncated = false;
};

// Errors: InvalidArgument (bad address, port or path), Unavailable (refused,
// reset), DeadlineExceeded (no complete answer in time), DataLoss (not HTTP).
// Messages start with "http://address:port/path: ".
Result<HttpResponse> HttpGet(const HttpRequest& request);
Result<HttpResponse> HttpGet(const std::string& address, int port, const std::string& path,
                             Duration timeout);

}  // namespace livefire::net
