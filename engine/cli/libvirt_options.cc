#include "libvirt_options.h"

namespace livefire::cli {

void AddUriOption(CLI::App* cmd, std::string& uri) {
  uri = provision::DefaultLibvirtUri();
  cmd->add_option("--uri", uri, "libvirt connection URI (env LIVEFIRE_LIBVIRT_URI)")
      ->capture_default_str();
}

Result<std::unique_ptr<provision::LibvirtProvisioner>> OpenProvisioner(
    const Context& ctx, const std::string& uri, const std::string& build_script) {
  provision::LibvirtConfig c;
  c.uri = uri;
  c.state_dir = ctx.state_dir;
  c.templates_dir = ctx.state_dir + "/templates";  // where build.sh writes
  c.build_script = build_script;
  return provision::LibvirtProvisioner::Open(std::move(c));
}

}  // namespace livefire::cli
