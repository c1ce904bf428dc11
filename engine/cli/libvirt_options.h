#pragma once
// The range commands' (up, down, exec, revert, snapshot, ls, run) way to the
// libvirt range: the --uri option and the provisioner it opens on the CLI's
// state dir.

#include <memory>
#include <string>

#include "cli.h"
#include "livefire/provision/libvirt.h"

namespace livefire::cli {

// --uri, defaulting to provision::DefaultLibvirtUri().
void AddUriOption(CLI::App* cmd, std::string& uri);

// build_script: vm-templates/build.sh, run for missing templates ("" = never).
Result<std::unique_ptr<provision::LibvirtProvisioner>> OpenProvisioner(
    const Context& ctx, const std::string& uri, const std::string& build_script = "");

}  // namespace livefire::cli
