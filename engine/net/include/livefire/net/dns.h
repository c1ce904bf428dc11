#pragma once
// DNS A-record queries against one given server (c-ares), for DNS checks.

#include <string>
#include <vector>

#include "livefire/status.h"
#include "livefire/time.h"

namespace livefire::net {

struct DnsAnswer {
  std::string rcode;                   // "NOERROR", "NXDOMAIN", "SERVFAIL", ...
  std::vector<std::string> addresses;  // A records, dotted quads, in answer order
};

// Queries `name` (type A, class IN, recursion desired) at server:port over
// UDP, bounded by timeout. A negative answer (NXDOMAIN, ...) is a value with
// its rcode. Errors: InvalidArgument (bad name or server), DeadlineExceeded
// (no answer), Unavailable (refused), DataLoss (malformed response).
Result<DnsAnswer> DnsQueryA(const std::string& server, int port, const std::string& name,
                            Duration timeout);

}  // namespace livefire::net
