#pragma once
// The team view of a blue account (`livefire-gui --connect ... --credential
// FILE` with a blue credential): its own score and the ledger behind it,
// its reports and their grades, its open white-cell tasks, and a report
// form. Derived only from what the engine sends that account: its feed and
// `events` pages (own team's events and exercise-wide ones) and its status
// reply (open tasks, the scoreboard as the white cell shows it).

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "livefire/bus/protocol.h"
#include "livefire/event.h"
#include "livefire/status.h"

namespace livefire::gui {

struct LedgerLine {
  int64_t seq = 0;
  SimTime time;
  double delta = 0;
  double total = 0;  // after this change
  std::string reason;
  int64_t cause_seq = 0;
};

struct TeamSubmission {
  int64_t seq = 0;
  SimTime time;
  std::string kind;         // submission.report / submission.response
  std::string summary;      // "T1190 on portal" / the task answered
  std::string by;           // the account that filed it
  std::vector<int> grades;  // rubric bands (0/50/100) the white cell gave
};

struct TeamTask {
  std::string inject;
  SimTime fired;
  SimTime due;  // 0 = no deadline
  bool responded = false;
  bool graded = false;
};

class TeamModel {
 public:
  explicit TeamModel(std::string team) : team_(std::move(team)) {}

  // An event of the account's feed or an `events` page, in seq order; a
  // duplicate (seq <= last_seq(), as when the feed repeats a page) is
  // skipped. Another team's event is ignored (the engine sends none).
  void Apply(const Event& e);
  // The status reply: open tasks, the board as shown, the clock.
  void ApplyStatus(const nlohmann::json& status);

  const std::string& team() const { return team_; }
  int64_t last_seq() const { return last_seq_; }
  double total() const { return total_; }
  const std::vector<LedgerLine>& ledger() const { return ledger_; }
  const std::vector<TeamSubmission>& submissions() const { return submissions_; }
  // Tasks not yet responded to, earliest deadline first.
  std::vector<TeamTask> OpenTasks() const;
  const std::vector<TeamTask>& tasks() const { return tasks_; }
  // The team's rank and the number of blue teams on the board as shown;
  // nullopt when the white cell hides it.
  std::optional<std::pair<int, int>> rank() const { return rank_; }
  const std::string& board_mode() const { return board_mode_; }  // live / frozen / hidden
  SimTime now() const { return now_; }
  bool paused() const { return paused_; }
  bool ended() const { return ended_; }

 private:
  std::string team_;
  int64_t last_seq_ = 0;
  double total_ = 0;
  std::vector<LedgerLine> ledger_;
  std::vector<TeamSubmission> submissions_;
  std::vector<TeamTask> tasks_;
  std::optional<std::pair<int, int>> rank_;
  std::string board_mode_ = "live";
  SimTime now_;
  bool paused_ = false;
  bool ended_ = false;
};

// The team view's report form.
struct ReportForm {
  std::string node;
  std::string technique;    // ATT&CK id: T1190 or T1059.004
  std::string observed_at;  // exercise time ("01:20:05"); "" = now
  std::string description;
};
// The submit_report request for the form, or InvalidArgument naming the
// field to fix (the engine would refuse it too, but the team sees it at once).
Result<bus::Request> MakeReportRequest(const std::string& team, const ReportForm& form);
// The answer to a white-cell task.
Result<bus::Request> MakeTaskResponseRequest(const std::string& team, const std::string& inject,
                                             const std::string& text);

}  // namespace livefire::gui
