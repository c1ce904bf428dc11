#pragma once
// Small helpers shared by the provision sources (not part of the public API).

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "livefire/status.h"

namespace livefire::provision {

uint64_t Fnv1a(std::string_view s);
std::string XmlEscape(std::string_view s);
std::string Base64Encode(std::string_view bytes);
Result<std::string> Base64Decode(std::string_view text);

// Text of the first <name> or <prefix:name> element in xml ("" when absent).
std::string ElementText(std::string_view xml, std::string_view name);

// Runs argv (PATH searched) with extra environment variables, waits, and
// returns its combined stdout+stderr; non-zero exit is an error naming it.
Result<std::string> RunCommand(const std::vector<std::string>& argv,
                               const std::map<std::string, std::string>& env = {});

// True when a TCP connection to address:port opens within `timeout`.
bool TcpConnects(const std::string& address, int port, std::chrono::milliseconds timeout);

}  // namespace livefire::provision
