#include "host_capacity.h"

#include "livefire/topology/capacity.h"

namespace livefire::cli {

bool IsLocalUri(const std::string& uri) {
  auto at = uri.find("://");
  return at == std::string::npos || uri.compare(at, 4, ":///") == 0;
}

Status CheckHostCapacity(const Context& ctx, const topology::RangePlan& plan,
                         const templates::Catalog& catalog, std::ostream& note) {
  topology::CapacityRule rule;
  rule.overhead_mb_by_template = catalog.QemuOverheads();
  topology::ProcHostCapacity here;
  const topology::HostCapacitySource& source =
      ctx.host_capacity != nullptr ? *ctx.host_capacity : here;
  LF_ASSIGN_OR_RETURN(topology::HostCapacity host, source.Read());
  note << topology::FormatCapacity(plan, host, rule) << "\n";
  return topology::CheckCapacity(plan, host, rule);
}

}  // namespace livefire::cli
