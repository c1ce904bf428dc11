#include <gtest/gtest.h>

#include <random>

#include "livefire/gui/exercise_model.h"
#include "livefire/gui/glyphs.h"
#include "livefire/gui/sample.h"
#include "livefire/scoring/replay.h"
#include "livefire/scoring/scoreboard.h"

namespace livefire::gui {
namespace {

Event Ev(int64_t seq, int64_t t_s, std::string team, std::string_view kind, nlohmann::json p) {
  Event e;
  e.seq = seq;
  e.time = SimTime::FromNanos(t_s * 1'000'000'000);
  e.team = std::move(team);
  e.kind = std::string(kind);
  e.payload = std::move(p);
  return e;
}

// ---- topology ------------------------------------------------------------------

TEST(TopologyModel, NodeStateFollowsReadyChecksCompromiseAndRevert) {
  TopologyModel m;
  m.SetPlan(MakeSamplePlan(2, 7));
  const int web = m.Find("blue1", "web01");
  ASSERT_GE(web, 0);
  auto state = [&] { return m.nodes()[web].state; };
  EXPECT_EQ(state(), NodeState::kUnknown);
  m.Apply(Ev(1, 0, "blue1", kinds::kRangeNodeReady, {{"node", "web01"}, {"domain", "blue1.web01"}}));
  EXPECT_EQ(state(), NodeState::kUp);
  m.Apply(Ev(2, 60, "blue1", kinds::kCheckResult,
             {{"node", "web01"}, {"service", "http"}, {"status", "down"}, {"latency_ms", 3000},
              {"detail", "timeout"}}));
  EXPECT_EQ(state(), NodeState::kDown);
  EXPECT_EQ(m.nodes()[web].state_since, SimTime::FromNanos(60'000'000'000));
  m.Apply(Ev(3, 120, "blue1", kinds::kCheckResult,
             {{"node", "web01"}, {"service", "http"}, {"status", "up"}, {"latency_ms", 4}}));
  EXPECT_EQ(state(), NodeState::kUp);
  m.Apply(Ev(4, 130, "blue1", kinds::kObjectiveReached,
             {{"node", "web01"}, {"objective", "deface"}, {"kind", "deface"}}));
  EXPECT_EQ(state(), NodeState::kCompromised);
  // A defaced portal still answers: the compromise stays visible.
  m.Apply(Ev(5, 180, "blue1", kinds::kCheckResult,
             {{"node", "web01"}, {"service", "http"}, {"status", "up"}, {"latency_ms", 4}}));
  EXPECT_EQ(state(), NodeState::kCompromised);
  m.Apply(Ev(6, 200, "blue1", kinds::kRangeNodeReverted,
             {{"node", "web01"}, {"by", "white"}, {"reason", "restore"}}));
  EXPECT_EQ(state(), NodeState::kReverted);
  m.Apply(Ev(7, 240, "blue1", kinds::kCheckResult,
             {{"node", "web01"}, {"service", "http"}, {"status", "up"}, {"latency_ms", 4}}));
  EXPECT_EQ(state(), NodeState::kUp);
  EXPECT_EQ(m.nodes()[web].compromises, 1);
  EXPECT_EQ(m.nodes()[web].recent_events.size(), 7u);
  // The same node name in another team's copy is untouched.
  EXPECT_EQ(m.nodes()[m.Find("blue2", "web01")].state, NodeState::kUnknown);
}

TEST(TopologyModel, EventsAboutTheRedZoneFindTheSharedNode) {
  TopologyModel m;
  m.SetPlan(MakeSamplePlan(2, 4));
  const int shared = m.Find("", "attacker");
  ASSERT_GE(shared, 0);
  EXPECT_EQ(m.Find("blue2", "attacker"), shared);
  EXPECT_EQ(m.Find("blue1", "no-such-node"), -1);
  EXPECT_FALSE(m.Apply(Ev(1, 0, "blue1", kinds::kCheckResult, {{"node", "ghost"}})));
  EXPECT_FALSE(m.Apply(Ev(2, 0, "blue1", kinds::kExercisePaused, {{"by", "white"}})));
}

TEST(TopologyModel, LayoutIsDeterministicAndNothingOverlaps) {
  const ExercisePlan plan = MakeSamplePlan(9, 23);
  TopologyModel a, b;
  a.SetPlan(plan);
  b.SetPlan(plan);
  ASSERT_EQ(a.nodes().size(), plan.plan.domains.size());
  for (size_t i = 0; i < a.nodes().size(); ++i) {
    EXPECT_EQ(a.nodes()[i].key, b.nodes()[i].key);
    EXPECT_EQ(a.nodes()[i].rect.x, b.nodes()[i].rect.x);
    EXPECT_EQ(a.nodes()[i].rect.y, b.nodes()[i].rect.y);
  }
  const auto& nodes = a.nodes();
  for (size_t i = 0; i < nodes.size(); ++i) {
    for (size_t j = i + 1; j < nodes.size(); ++j) {
      ASSERT_FALSE(nodes[i].rect.Intersects(nodes[j].rect)) << nodes[i].key << " / " << nodes[j].key;
    }
  }
  const auto& bands = a.bands();
  ASSERT_EQ(bands.size(), 10u);  // shared zone + 9 teams
  EXPECT_EQ(bands[0].team, "");
  for (size_t i = 0; i < bands.size(); ++i) {
    for (size_t j = i + 1; j < bands.size(); ++j) {
      ASSERT_FALSE(bands[i].rect.Intersects(bands[j].rect)) << i << " / " << j;
    }
    // Bands are sorted by y (culling relies on it) and hold their nodes.
    if (i > 0) {
      EXPECT_LE(bands[i - 1].rect.y, bands[i].rect.y);
    }
    for (int n = bands[i].first_node; n < bands[i].end_node; ++n) {
      const Rect& r = nodes[n].rect;
      EXPECT_TRUE(r.x >= bands[i].rect.x && r.right() <= bands[i].rect.right() &&
                  r.y >= bands[i].rect.y && r.bottom() <= bands[i].rect.bottom())
          << nodes[n].key;
      EXPECT_EQ(nodes[n].team, bands[i].team);
    }
  }
  // A node sits under its network's header, inside that column.
  const int srv = a.Find("blue3", "srv02");
  ASSERT_GE(srv, 0);
  const NetworkView& net = a.networks()[nodes[srv].networks.at(0)];
  EXPECT_EQ(net.key, "blue3.internal");
  EXPECT_GE(nodes[srv].rect.y, net.header.bottom());
  EXPECT_TRUE(nodes[srv].rect.x >= net.column.x && nodes[srv].rect.right() <= net.column.right());
  // Routers reach every network of their team and the shared one.
  const NodeView& router = nodes[a.Find("blue3", "lf-router")];
  EXPECT_TRUE(router.is_router);
  EXPECT_EQ(router.networks.size(), 4u);
}

TEST(TopologyModel, VisibleMatchesBruteForceAndHitTestFindsTheNode) {
  TopologyModel m;
  m.SetPlan(MakeSamplePlan(30, 17));
  std::mt19937_64 rng(7);
  const Rect bounds = m.bounds();
  std::vector<int> got;
  for (int k = 0; k < 200; ++k) {
    Rect view{static_cast<float>(rng() % static_cast<uint64_t>(bounds.w)),
              static_cast<float>(rng() % static_cast<uint64_t>(bounds.h)),
              static_cast<float>(50 + rng() % 1500), static_cast<float>(50 + rng() % 1000)};
    m.Visible(view, &got);
    std::vector<int> want;
    for (int i = 0; i < static_cast<int>(m.nodes().size()); ++i) {
      if (m.nodes()[i].rect.Intersects(view)) want.push_back(i);
    }
    std::sort(got.begin(), got.end());
    ASSERT_EQ(got, want) << "view " << view.x << "," << view.y;
  }
  const NodeView& n = m.nodes()[m.Find("blue17", "adm03")];
  EXPECT_EQ(m.HitTest(n.rect.x + 3, n.rect.y + 3), m.Find("blue17", "adm03"));
  EXPECT_EQ(m.HitTest(-100, -100), -1);
}

// ---- timeline ------------------------------------------------------------------

TimelineModel SampleTimeline() {
  TimelineModel t;
  int64_t s = 1;
  t.Apply(Ev(s++, 0, "", kinds::kExerciseCreated, {{"title", "Diễn tập"}}));
  t.Apply(Ev(s++, 1, "blue1", kinds::kInjectArmed,
             {{"inject", "exploit-cgi"}, {"side", "red"}, {"at_ns", int64_t{300'000'000'000}}}));
  t.Apply(Ev(s++, 1, "blue2", kinds::kInjectArmed,
             {{"inject", "exploit-cgi"}, {"side", "red"}, {"at_ns", int64_t{300'000'000'000}}}));
  t.Apply(Ev(s++, 310, "blue1", kinds::kInjectFired, {{"inject", "exploit-cgi"}, {"side", "red"}}));
  t.Apply(Ev(s++, 312, "blue1", kinds::kRedAction,
             {{"node", "dvc"}, {"technique", "T1190"}, {"inject", "exploit-cgi"}, {"detail", "x"}}));
  t.Apply(Ev(s++, 315, "blue1", kinds::kInjectOutcome,
             {{"inject", "exploit-cgi"}, {"outcome", "success"}, {"reason", "ok"}, {"points", 10}}));
  t.Apply(Ev(s++, 300, "blue2", kinds::kInjectSkipped,
             {{"inject", "exploit-cgi"}, {"reason", "condition false"}}));
  t.Apply(Ev(s++, 320, "blue1", kinds::kCheckResult,
             {{"node", "dvc"}, {"service", "http"}, {"status", "up"}}));
  t.Apply(Ev(s++, 400, "blue1", kinds::kSubmissionReport,
             {{"node", "dvc"}, {"technique", "T1059.004"}, {"observed_at", 1}, {"description", "shell"}}));
  return t;
}

TEST(TimelineModel, FiltersByTeamKindPrefixAndTechnique) {
  TimelineModel t = SampleTimeline();
  auto seqs = [&](const TimelineFilter& f) {
    std::vector<int64_t> out;
    for (int i : t.Filtered(f)) out.push_back(t.rows()[i].seq);
    return out;
  };
  EXPECT_EQ(seqs({}).size(), 9u);
  EXPECT_EQ(seqs({.team = "*"}), (std::vector<int64_t>{1}));
  EXPECT_EQ(seqs({.team = "blue2"}), (std::vector<int64_t>{3, 7}));
  EXPECT_EQ(seqs({.kind = "inject."}), (std::vector<int64_t>{2, 3, 4, 6, 7}));
  EXPECT_EQ(seqs({.kind = "inject.fired"}), (std::vector<int64_t>{4}));
  // Inject events carry their inject's technique, learned from red.action
  // even when they came before it.
  EXPECT_EQ(seqs({.team = "blue1", .technique = "T1190"}), (std::vector<int64_t>{2, 4, 5, 6}));
  // A technique matches its sub-techniques, not other ids sharing a prefix.
  EXPECT_EQ(seqs({.technique = "T1059"}), (std::vector<int64_t>{9}));
  EXPECT_TRUE(seqs({.technique = "T105"}).empty());
  EXPECT_EQ(seqs({.hide_checks = true}).size(), 8u);
  EXPECT_EQ(seqs({.text = "shell"}), (std::vector<int64_t>{9}));
  EXPECT_EQ(t.techniques(), (std::set<std::string>{"T1059.004", "T1190"}));
}

TEST(TimelineModel, IncrementalFilterSeesNewRows) {
  TimelineModel t = SampleTimeline();
  TimelineFilter f{.team = "blue1", .kind = "check."};
  EXPECT_EQ(t.Filtered(f).size(), 1u);
  t.Apply(Ev(10, 500, "blue1", kinds::kCheckResult, {{"node", "dvc"}, {"service", "http"}, {"status", "down"}}));
  t.Apply(Ev(11, 500, "blue2", kinds::kCheckResult, {{"node", "dvc"}, {"service", "http"}, {"status", "up"}}));
  ASSERT_EQ(t.Filtered(f).size(), 2u);
  EXPECT_EQ(t.rows()[t.Filtered(f).back()].seq, 10);
  EXPECT_NE(t.rows()[t.Filtered(f).back()].summary.find("down"), std::string::npos);
}

TEST(TimelineModel, InjectRowsSetPlanAgainstWhatFired) {
  TimelineModel t = SampleTimeline();
  ASSERT_EQ(t.injects().size(), 2u);
  const InjectRow& a = t.injects()[0];
  EXPECT_EQ(a.team, "blue1");
  EXPECT_EQ(a.side, "red");
  EXPECT_EQ(a.technique, "T1190");
  ASSERT_TRUE(a.planned && a.fired && a.Drift());
  EXPECT_EQ(*a.Drift(), Duration::Seconds(10));
  EXPECT_EQ(a.outcome, "success");
  EXPECT_EQ(a.points, 10);
  const InjectRow& b = t.injects()[1];
  EXPECT_EQ(b.team, "blue2");
  EXPECT_FALSE(b.fired.has_value());
  EXPECT_FALSE(b.Drift().has_value());
  EXPECT_EQ(b.outcome, "skipped");
  EXPECT_EQ(b.reason, "condition false");
  EXPECT_EQ(t.InjectNames(), (std::vector<std::string>{"exploit-cgi"}));
}

// Issue #13 item 7: the timeline prints numbers without float noise, colours
// outcomes by what they mean, and shows a `when` inject's condition.
TEST(TimelineModel, NumbersHaveNoFloatNoise) {
  EXPECT_EQ(FormatNumber(0.8999999999999999), "0.9");
  EXPECT_EQ(FormatNumber(66.25), "66.25");
  EXPECT_EQ(FormatNumber(50), "50");
  EXPECT_EQ(FormatNumber(-2.0000000001), "-2");
  EXPECT_EQ(FormatNumber(-0.001), "0");
  const std::string changed = TimelineModel::Summarize(Ev(9, 60, "blue1", kinds::kScoreChanged,
                                                          {{"total", 0.8999999999999999},
                                                           {"delta", -0.30000000000000004},
                                                           {"reason", "r"},
                                                           {"cause_seq", 8}}));
  EXPECT_EQ(changed, "total 0.9 (-0.3) r");
  EXPECT_EQ(TimelineModel::Summarize(Ev(10, 60, "blue1", kinds::kPenalty,
                                        {{"kind", "roe"}, {"points", 2.5}, {"reason", "x"}})),
            "penalty roe 2.5: x");
}

TEST(TimelineModel, OutcomesAreColouredByMeaning) {
  EXPECT_EQ(OutcomeTone("red", "success"), Tone::kBad);
  EXPECT_EQ(OutcomeTone("red", "failure"), Tone::kGood);
  EXPECT_EQ(OutcomeTone("blue", "success"), Tone::kGood);
  EXPECT_EQ(OutcomeTone("white", "failure"), Tone::kBad);
  EXPECT_EQ(OutcomeTone("red", "error"), Tone::kError);
  EXPECT_EQ(OutcomeTone("blue", "skipped"), Tone::kSkipped);
  EXPECT_EQ(OutcomeTone("blue", "refused"), Tone::kBad);
  EXPECT_EQ(OutcomeTone("red", ""), Tone::kPending);
  TimelineModel t;
  t.Apply(Ev(1, 0, "blue1", kinds::kInjectFired, {{"inject", "patch"}, {"side", "blue"}}));
  // The outcome event may not repeat the side: the inject's is used.
  t.Apply(Ev(2, 5, "blue1", kinds::kInjectOutcome,
             {{"inject", "patch"}, {"outcome", "success"}, {"reason", "ok"}, {"points", 0}}));
  t.Apply(Ev(3, 6, "blue1", kinds::kCheckResult,
             {{"service", "http"},
              {"node", "web"},
              {"status", "down"},
              {"latency_ms", 1},
              {"detail", "refused"}}));
  ASSERT_EQ(t.rows().size(), 3u);
  EXPECT_EQ(t.rows()[1].tone, Tone::kGood) << "a blue inject that succeeded";
  EXPECT_EQ(t.rows()[2].tone, Tone::kBad);
  EXPECT_EQ(t.injects()[0].tone(), Tone::kGood);
  EXPECT_EQ(ToneName(Tone::kError), "error");
}

TEST(TimelineModel, WhenTriggeredInjectsShowTheirCondition) {
  TimelineModel t;
  t.Apply(Ev(1, 0, "blue1", kinds::kInjectFired,
             {{"inject", "detect-cgi-abuse"},
              {"side", "blue"},
              {"trigger", "when"},
              {"condition", "Watch the CGI log for shell metacharacters"},
              {"poll", "1m"}}));
  t.Apply(Ev(2, 0, "blue1", kinds::kInjectFired, {{"inject", "press"}, {"side", "white"}}));
  ASSERT_EQ(t.injects().size(), 2u);
  EXPECT_EQ(t.injects()[0].PlannedLabel(),
            "when: Watch the CGI log for shell metacharacters (checked every 1m)");
  EXPECT_EQ(t.injects()[1].PlannedLabel(), "manual");
  EXPECT_NE(t.rows()[0].summary.find("when: Watch the CGI log"), std::string::npos)
      << t.rows()[0].summary;
}

TEST(Glyphs, TheFontRangesCoverVietnameseAndPunctuation) {
  char32_t missing = 0;
  EXPECT_TRUE(GlyphsCover("Diễn tập — “ứng cứu” sự cố ’24… – Ơn, Ưu, đ, ₫ → −", &missing))
      << std::hex << static_cast<uint32_t>(missing);
  EXPECT_TRUE(GlyphsCover(
      "Trường Đại học Bách khoa Hà Nội: ạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ"));
  EXPECT_FALSE(GlyphsCover("日本", &missing));
  EXPECT_EQ(missing, U'日');
  EXPECT_FALSE(GlyphsCover("\xff", &missing));
  EXPECT_EQ(missing, 0xFFFDu);
}

// ---- scoreboard ----------------------------------------------------------------

// What ReplayLog scores the sample log with (it records no config).
scoring::ReplayOptions SampleReplayOptions(const ExercisePlan& plan) {
  scoring::ScoringConfig cfg;
  cfg.blue_teams = plan.plan.blue_teams;
  cfg.red_teams = {"red1"};
  return {.fallback_config = cfg};
}

TEST(ScoreboardModel, ReplayShowsReplayLogsBoardAndSorts) {
  const ExercisePlan plan = MakeSamplePlan(6, 10);
  SampleOptions so;
  so.compromise_fraction = 0.5;
  const std::vector<Event> events = MakeSampleEvents(plan, so);
  ScoreboardModel m;
  m.SetFallbackTeams({}, {"red1"});
  for (const auto& e : events) m.Apply(e);
  EXPECT_TRUE(m.Rows({}).empty());  // log events alone score nothing
  ASSERT_TRUE(m.LoadReplay(events).ok());
  EXPECT_TRUE(m.replayed());
  EXPECT_FALSE(m.has_config_from_log());

  // Exactly ReplayLog's board: the numbers `livefire status` prints.
  auto replay = scoring::ReplayLog(events, SampleReplayOptions(plan));
  ASSERT_TRUE(replay.ok()) << replay.status().ToString();
  EXPECT_EQ(scoring::ToJson(m.board()), scoring::ToJson(replay->board));
  const scoring::Scoreboard& board = replay->board;
  std::vector<ScoreRow> rows = m.Rows({});
  ASSERT_EQ(rows.size(), board.blue.size() + board.red.size());
  for (size_t i = 0; i < board.blue.size(); ++i) {
    EXPECT_EQ(rows[i].team, board.blue[i].score.team);
    EXPECT_EQ(rows[i].rank, static_cast<int>(i) + 1);
    EXPECT_EQ(rows[i].total, board.blue[i].score.total);
    EXPECT_EQ(rows[i].category, board.blue[i].score.category);
  }
  // The sample log moves scores (else this test would prove little).
  EXPECT_TRUE(std::any_of(rows.begin(), rows.end(), [](const ScoreRow& r) { return r.total != 0; }));
  // Sorting: totals descending; team names ascending; a category.
  auto by_total = m.Rows({.column = ScoreColumn::kTotal, .descending = true});
  for (size_t i = 1; i < by_total.size(); ++i) {
    if (by_total[i].role == by_total[i - 1].role) {
      EXPECT_GE(by_total[i - 1].total, by_total[i].total);
    }
  }
  auto by_team = m.Rows({.column = ScoreColumn::kTeam});
  EXPECT_EQ(by_team.front().team, "blue1");
  EXPECT_EQ(by_team[1].team, "blue2");
  const int avail = static_cast<int>(scoring::Category::kAvailability);
  auto by_avail = m.Rows({.column = ScoreColumn::kCategory, .category = avail});
  for (size_t i = 1; i < by_avail.size(); ++i) {
    if (by_avail[i].role != by_avail[i - 1].role) continue;
    EXPECT_LE(by_avail[i - 1].category[avail], by_avail[i].category[avail]);
    // Ties keep the engine's rank order.
    if (by_avail[i - 1].category[avail] == by_avail[i].category[avail]) {
      EXPECT_LT(by_avail[i - 1].rank, by_avail[i].rank);
    }
  }
  // History starts at 0 and ends at each team's current total.
  for (const auto& r : rows) {
    const auto& h = m.History(r.team);
    ASSERT_FALSE(h.empty()) << r.team;
    EXPECT_EQ(h.front().t_s, 0) << r.team;
    EXPECT_DOUBLE_EQ(h.back().total, r.total) << r.team;
  }
}

TEST(ScoreboardModel, ShowsThePublishedScoreboardsNumbers) {
  // A board as scoring/live publishes it, with numbers no fold of this log
  // could give: the GUI must show the engine's, not its own.
  scoring::Scores scores;
  scores.last_seq = 42;
  scores.time = SimTime::FromNanos(90'000'000'000);
  scores.teams["blue1"] = {
      .team = "blue1", .role = "blue", .category = {10, 0, 5, 2, -1}, .total = 12.5};
  scores.teams["blue2"] = {
      .team = "blue2", .role = "blue", .category = {20, -3, 0, 0, 0}, .total = 33.25};
  scores.teams["red1"] = {.team = "red1", .role = "red", .category = {0, 7, 0, 0, 0}, .total = 7};
  model::ScoringWeights weights;
  const scoring::Scoreboard published = scoring::MakeScoreboard(scores, weights);

  ExerciseModel m;
  ASSERT_TRUE(m.Apply(Ev(1, 0, "", kinds::kExerciseCreated, {{"blue_teams", {"blue1", "blue2"}}})));
  Event msg = Ev(0, 90, "", kPublishedScoreboard, scoring::ToJson(published));
  EXPECT_TRUE(m.Apply(msg));
  EXPECT_EQ(m.last_seq(), 1);  // not a log event: no seq, no gap, no timeline row
  EXPECT_EQ(m.gaps(), 0);
  EXPECT_EQ(m.applied(), 1);
  const ScoreboardModel& sb = m.scoreboard();
  ASSERT_TRUE(sb.has_board());
  EXPECT_FALSE(sb.replayed());
  EXPECT_EQ(sb.board().seq, 42);
  EXPECT_EQ(sb.board().time, scores.time);
  std::vector<ScoreRow> rows = sb.Rows({});
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].team, "blue2");
  EXPECT_EQ(rows[0].rank, 1);
  EXPECT_EQ(rows[0].total, 33.25);
  EXPECT_EQ(rows[0].category, (std::array<double, scoring::kCategoryCount>{20, -3, 0, 0, 0}));
  EXPECT_EQ(rows[1].team, "blue1");
  EXPECT_EQ(rows[1].total, 12.5);
  EXPECT_EQ(rows[2].team, "red1");
  EXPECT_EQ(rows[2].role, "red");
  EXPECT_EQ(rows[2].total, 7);
  EXPECT_EQ(sb.Teams(), (std::vector<std::string>{"blue1", "blue2", "red1"}));
  EXPECT_EQ(scoring::ToJson(sb.board()), scoring::ToJson(published));

  // The engine's recorded totals draw the history.
  m.Apply(Ev(2, 95, "blue1", kinds::kScoreChanged,
             {{"total", 14.0}, {"delta", 1.5}, {"reason", "x"}, {"cause_seq", 2}}));
  ASSERT_FALSE(sb.History("blue1").empty());
  EXPECT_EQ(sb.History("blue1").back().t_s, 95);
  EXPECT_EQ(sb.History("blue1").back().total, 14.0);

  // An older board arriving late is ignored; a malformed one changes nothing.
  scores.last_seq = 40;
  scores.teams["blue1"].total = 99;
  EXPECT_TRUE(m.Apply(Ev(0, 80, "", kPublishedScoreboard,
                         scoring::ToJson(scoring::MakeScoreboard(scores, weights)))));
  EXPECT_EQ(sb.board().seq, 42);
  EXPECT_EQ(sb.Rows({})[1].total, 12.5);
  EXPECT_FALSE(m.Apply(Ev(0, 99, "", kPublishedScoreboard, {{"seq", "x"}})));
  EXPECT_EQ(sb.board().seq, 42);
  EXPECT_FALSE(sb.warnings().empty());
  // Other derived messages are not the scoreboard's.
  EXPECT_FALSE(m.Apply(Ev(0, 99, "", "something.else", {{"seq", 50}})));
  EXPECT_EQ(sb.board().seq, 42);
}

TEST(ScoreboardModel, ReplayTakesTeamsFromExerciseCreatedWhenTheLogHasNoConfig) {
  ScoreboardModel m;
  ASSERT_TRUE(m.LoadReplay({Ev(1, 0, "", kinds::kExerciseCreated,
                               {{"title", "x"}, {"blue_teams", {"b1", "b2"}}})})
                  .ok());
  EXPECT_FALSE(m.has_config_from_log());
  EXPECT_EQ(m.Teams(), (std::vector<std::string>{"b1", "b2"}));
  EXPECT_EQ(m.Rows({}).size(), 2u);
}

TEST(ExerciseModel, ReplayModeScoreboardEqualsReplayLog) {
  const ExercisePlan plan = MakeSamplePlan(3, 6);
  SampleOptions so;
  so.compromise_fraction = 0.5;
  const std::vector<Event> events = MakeSampleEvents(plan, so);
  ExerciseModel m;
  m.SetPlan(plan);
  m.scoreboard().SetFallbackTeams(plan.plan.blue_teams, {"red1"});
  for (const auto& e : events) m.Apply(e);
  ASSERT_TRUE(m.scoreboard().LoadReplay(events).ok());
  auto replay = scoring::ReplayLog(events, SampleReplayOptions(plan));
  ASSERT_TRUE(replay.ok()) << replay.status().ToString();
  EXPECT_EQ(scoring::ToJson(m.scoreboard().board()), scoring::ToJson(replay->board));
  EXPECT_EQ(m.scoreboard().board().seq, events.back().seq);
  // A board published late by a still-running engine for an older seq does
  // not replace the replayed one.
  Event stale = Ev(0, 1, "", kPublishedScoreboard, scoring::ToJson(replay->board));
  stale.payload["seq"] = 1;
  m.Apply(stale);
  EXPECT_EQ(scoring::ToJson(m.scoreboard().board()), scoring::ToJson(replay->board));
}

// ---- exercise --------------------------------------------------------------------

TEST(ExerciseModel, DropsDuplicatesCountsGapsAndTracksTheHeader) {
  ExerciseModel m;
  m.SetPlan(MakeSamplePlan(2, 4));
  EXPECT_TRUE(m.Apply(Ev(1, 0, "", kinds::kExerciseCreated,
                         {{"title", "Diễn tập thực chiến"}, {"duration_ns", int64_t{3'600'000'000'000}},
                          {"blue_teams", {"blue1", "blue2"}}})));
  EXPECT_TRUE(m.Apply(Ev(2, 1, "", kinds::kExerciseStarted, {{"speed", 2}})));
  EXPECT_FALSE(m.Apply(Ev(2, 1, "", kinds::kExerciseStarted, {{"speed", 2}})));  // duplicate
  EXPECT_TRUE(m.Apply(Ev(4, 9, "", kinds::kExercisePaused, {{"by", "white"}})));  // gap: 3 missing
  EXPECT_EQ(m.gaps(), 1);
  EXPECT_EQ(m.applied(), 3);
  EXPECT_TRUE(m.header().paused);
  EXPECT_EQ(m.header().speed, 2);
  EXPECT_EQ(m.header().title, "Diễn tập thực chiến");
  EXPECT_EQ(m.header().duration, Duration::Hours(1));
  m.Apply(Ev(5, 10, "", kinds::kExerciseResumed, {{"by", "white"}}));
  m.Apply(Ev(6, 20, "blue1", kinds::kSubmissionReport,
             {{"node", "web01"}, {"technique", "T1190"}, {"observed_at", 1}, {"description", "d"}}));
  m.Apply(Ev(7, 30, "blue1", kinds::kGradeGiven,
             {{"target_seq", 6}, {"rubric", "50"}, {"points", 100}, {"grader", "white"}}));
  m.Apply(Ev(8, 40, "", kinds::kExerciseEnded, {{"reason", "duration"}}));
  EXPECT_FALSE(m.header().paused);
  EXPECT_TRUE(m.header().ended);
  EXPECT_EQ(m.header().now, SimTime::FromNanos(40'000'000'000));
  ASSERT_EQ(m.submissions().size(), 1u);
  EXPECT_EQ(m.submissions()[0].grades, (std::vector<int>{50}));
  EXPECT_EQ(m.timeline().rows().size(), 7u);
}

TEST(Sample, EventsAreValidOrderedAndDeterministic) {
  const ExercisePlan plan = MakeSamplePlan(3, 9);
  auto a = MakeSampleEvents(plan, {});
  auto b = MakeSampleEvents(plan, {});
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    ASSERT_EQ(a[i].seq, static_cast<int64_t>(i) + 1);
    ASSERT_EQ(CanonicalJson(a[i]), CanonicalJson(b[i]));
    ASSERT_TRUE(ValidateEvent(a[i]).ok()) << a[i].kind << ": " << ValidateEvent(a[i]).ToString();
    if (i > 0) {
      ASSERT_LE(a[i - 1].time, a[i].time) << a[i].kind;
    }
  }
}

}  // namespace
}  // namespace livefire::gui
