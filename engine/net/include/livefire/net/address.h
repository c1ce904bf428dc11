#pragma once
// IPv4 addresses and CIDR blocks with one set of parsing rules for every
// caller (scenario validation, the range plan, the firewall, checks).
//
// Rules: dotted quad of four decimal octets 0..255, no leading zeros ("010"
// could mean octal to other tools), no whitespace; a CIDR is "address/prefix"
// with a decimal prefix 0..32 and no host bits set. Size policies (a scenario
// network must be /8../30, say) are the caller's business, not parsing.

#include <cstdint>
#include <string>
#include <string_view>

#include "livefire/status.h"

namespace livefire::net {

struct Ipv4 {
  uint32_t value = 0;  // host byte order
  std::string ToString() const;
  friend auto operator<=>(const Ipv4&, const Ipv4&) = default;
};

struct Cidr {
  uint32_t base = 0;  // the network address, host byte order
  int prefix = 32;

  uint32_t mask() const { return prefix == 0 ? 0 : ~uint32_t{0} << (32 - prefix); }
  uint64_t size() const { return uint64_t{1} << (32 - prefix); }
  uint32_t first() const { return base; }
  uint32_t last() const { return base | ~mask(); }
  bool Contains(uint32_t a) const { return (a & mask()) == base; }
  bool Contains(Ipv4 a) const { return Contains(a.value); }
  bool Contains(const Cidr& o) const { return o.prefix >= prefix && Contains(o.base); }
  bool Overlaps(const Cidr& o) const { return base <= o.last() && o.base <= last(); }
  // The n-th address of the block (0 is the network address); n < size().
  Ipv4 Nth(uint64_t n) const { return Ipv4{static_cast<uint32_t>(base + n)}; }
  // "a.b.c.d/p".
  std::string ToString() const;
  friend auto operator<=>(const Cidr&, const Cidr&) = default;
};

// InvalidArgument (message without the input, so callers can prefix it).
Result<Ipv4> ParseIpv4(std::string_view text);
// InvalidArgument; for host bits set the message names the network address:
// "host bits are set (did you mean 10.1.2.0/24?)".
Result<Cidr> ParseCidr(std::string_view text);

// The block of `prefix` (0..32) that contains `address` (host bits cleared):
// for an interface address and its prefix. InvalidArgument for a bad prefix.
Result<Cidr> NetworkOf(Ipv4 address, int prefix);

// True when `base` is the first address of a block of `prefix`.
inline bool IsAligned(uint32_t base, int prefix) {
  return prefix >= 32 || (base & ~(prefix == 0 ? 0 : ~uint32_t{0} << (32 - prefix))) == 0;
}

}  // namespace livefire::net
