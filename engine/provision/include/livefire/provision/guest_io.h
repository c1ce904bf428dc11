#pragma once
// The guest-I/O backend of a live range: exec and files through the guest
// agent (Provisioner), HTTP from the host to the node's address in the team's
// copy.

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "livefire/guest/guest_io.h"
#include "livefire/ids.h"
#include "livefire/topology/plan.h"

namespace livefire::provision {

class Provisioner;

// Runs requests on a live range: exec and files through the guest agent
// (Provisioner), HTTP from the host to the node's address in the
// team's copy. A bounded pool of worker threads; Submit queues.
class ProvisionerGuestIo : public guest::GuestIo {
 public:
  ProvisionerGuestIo(Provisioner& provisioner, ExerciseId exercise,
                     const topology::RangePlan& plan, int workers = 4);
  ~ProvisionerGuestIo() override;
  void Submit(guest::GuestRequest request) override;

 private:
  void Work();
  guest::GuestReply Handle(const guest::GuestRequest& r);

  Provisioner& prov_;
  ExerciseId exercise_;
  const topology::RangePlan& plan_;
  std::mutex qmu_;
  std::condition_variable qcv_;
  std::deque<guest::GuestRequest> queue_;
  bool stop_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace livefire::provision
