#include "livefire/net/address.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/asio/ip/address_v4.hpp>
#include <boost/asio/ip/network_v4.hpp>
#include <boost/system/error_code.hpp>

namespace livefire::net {

namespace ip = boost::asio::ip;

namespace {
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// The strict shape asio (inet_pton) does not promise on every libc: four
// decimal fields of 1..3 digits without leading zeros.
bool DottedQuadShape(std::string_view s) {
  int fields = 0;
  size_t i = 0;
  while (true) {
    size_t start = i;
    while (i < s.size() && IsDigit(s[i])) ++i;
    size_t len = i - start;
    if (len == 0 || len > 3 || (len > 1 && s[start] == '0')) return false;
    ++fields;
    if (i == s.size()) return fields == 4;
    if (s[i] != '.' || fields == 4) return false;
    ++i;
  }
}
}  // namespace

std::string Ipv4::ToString() const { return ip::address_v4(value).to_string(); }

std::string Cidr::ToString() const { return fmt::format("{}/{}", Ipv4{base}.ToString(), prefix); }

Result<Ipv4> ParseIpv4(std::string_view text) {
  if (!DottedQuadShape(text)) {
    return Status::InvalidArgument("not an IPv4 address (a.b.c.d, decimal, no leading zeros)");
  }
  boost::system::error_code ec;
  ip::address_v4 a = ip::make_address_v4(std::string(text), ec);
  if (ec) return Status::InvalidArgument("not an IPv4 address (octets are 0..255)");
  return Ipv4{a.to_uint()};
}

Result<Cidr> ParseCidr(std::string_view text) {
  size_t slash = text.find('/');
  if (slash == std::string_view::npos) return Status::InvalidArgument("missing /prefix");
  auto address = ParseIpv4(text.substr(0, slash));
  if (!address.ok()) return address.status();
  std::string_view p = text.substr(slash + 1);
  if (p.empty() || p.size() > 2 || !std::all_of(p.begin(), p.end(), IsDigit) ||
      (p.size() > 1 && p[0] == '0')) {
    return Status::InvalidArgument("the prefix must be a number 0..32");
  }
  int prefix = (p[0] - '0') * (p.size() == 2 ? 10 : 1) + (p.size() == 2 ? p[1] - '0' : 0);
  if (prefix > 32) return Status::InvalidArgument("the prefix must be 0..32");
  ip::network_v4 n =
      ip::make_network_v4(ip::address_v4(address->value), static_cast<unsigned short>(prefix));
  Cidr c{n.network().to_uint(), prefix};
  if (c.base != address->value) {
    return Status::InvalidArgument(
        fmt::format("host bits are set (did you mean {}?)", c.ToString()));
  }
  return c;
}

Result<Cidr> NetworkOf(Ipv4 address, int prefix) {
  if (prefix < 0 || prefix > 32) return Status::InvalidArgument("the prefix must be 0..32");
  ip::network_v4 n =
      ip::make_network_v4(ip::address_v4(address.value), static_cast<unsigned short>(prefix));
  return Cidr{n.network().to_uint(), prefix};
}

}  // namespace livefire::net
