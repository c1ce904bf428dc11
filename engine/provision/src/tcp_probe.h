#pragma once
// The readiness probe of guest services, seen from the host.

#include <chrono>
#include <string>

namespace livefire::provision {

// True when a TCP connection to address:port opens within `timeout`.
bool TcpConnects(const std::string& address, int port, std::chrono::milliseconds timeout);

}  // namespace livefire::provision
