#pragma once
// The options `livefire portal` and `livefire run --portal` share, and the
// one way both start the portal and tell the white cell where it is.

#include <memory>
#include <string>

#include "cli.h"
#include "livefire/ids.h"
#include "livefire/portal/portal.h"
#include "livefire/topology/plan.h"

namespace livefire::cli {

struct PortalArgs {
  std::string cert;  // PEM files; both empty = the exercise's self-signed pair
  std::string key;
  bool public_scoreboard = false;
};

void AddPortalOptions(CLI::App* cmd, PortalArgs& a);

// Starts the portal on listen (ADDR:PORT) in front of the engine's CURVE
// control endpoint ("" = the one `run --listen` recorded) and prints its
// address and certificate fingerprint on ctx.err.
Result<std::unique_ptr<portal::Portal>> StartPortal(Context& ctx, const ExerciseId& id,
                                                    const std::string& listen,
                                                    const std::string& control_endpoint,
                                                    const topology::RangePlan& plan,
                                                    const std::string& libvirt_uri,
                                                    const PortalArgs& a);

}  // namespace livefire::cli
