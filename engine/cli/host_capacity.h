#pragma once
// `plan` and `up`: whether the host the range boots on can hold it, checked
// before anything boots (topology/capacity.h has the rule).
#include <ostream>
#include <string>

#include "cli.h"
#include "livefire/status.h"
#include "livefire/templates/catalog.h"
#include "livefire/topology/plan.h"

namespace livefire::cli {

// True when a libvirt URI runs its domains on this host ("qemu:///system",
// "test:///default"); a remote one ("qemu+ssh://host/system") is not ours
// to measure.
bool IsLocalUri(const std::string& uri);

// Prints the capacity line to `note` and returns ResourceExhausted, with the
// numbers, when the host (ctx.host_capacity, or this host) cannot hold the
// plan; each template's own qemu overhead (its manifest) counts.
Status CheckHostCapacity(const Context& ctx, const topology::RangePlan& plan,
                         const templates::Catalog& catalog, std::ostream& note);

}  // namespace livefire::cli
