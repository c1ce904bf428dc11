#include <cstdlib>

#include "livefire/provision/libvirt.h"

namespace livefire::provision {

std::string DefaultLibvirtUri() {
  if (const char* u = std::getenv("LIVEFIRE_LIBVIRT_URI"); u && *u) return u;
  return "qemu:///system";
}

}  // namespace livefire::provision
