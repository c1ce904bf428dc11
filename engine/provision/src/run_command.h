#pragma once
// Host commands the libvirt backend runs (qemu-img, the template build script).

#include <map>
#include <string>
#include <vector>

#include "livefire/status.h"

namespace livefire::provision {

// Runs argv (PATH searched) with extra environment variables, waits, and
// returns its combined stdout+stderr; non-zero exit is an error naming it.
Result<std::string> RunCommand(const std::vector<std::string>& argv,
                               const std::map<std::string, std::string>& env = {});

}  // namespace livefire::provision
