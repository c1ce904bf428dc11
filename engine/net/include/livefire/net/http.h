#pragma once
// HTTP from the host to range addresses.

#include <string>

#include "livefire/status.h"
#include "livefire/time.h"

namespace livefire::net {

// A minimal HTTP/1.0 GET from the host (used by ctx.http and by deface
// verification). Bounded by `timeout`; the body is capped at 1 MiB.
struct HttpResponse {
  int status = 0;
  std::string body;
};
Result<HttpResponse> HttpGet(const std::string& address, int port, const std::string& path,
                             Duration timeout);

}  // namespace livefire::net
