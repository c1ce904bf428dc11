#pragma once
// What the panels (one file each: view_*.cc) share: colours, formatting
// helpers and each panel's entry point, drawn by DrawControlRoom (views.cc).

#include <string>

#include "views.h"

namespace livefire::gui::panel {

ImU32 StateColor(NodeState s);
ImVec4 ToVec4(ImU32 c);
const char* OutcomeLabel(const InjectRow& r);
// Outcomes by meaning for the white cell (TimelineModel's Tone).
ImU32 ToneColor(Tone t);
std::string Clock(SimTime t);
// Appends to the control panel's log (newest first, at most 200 lines).
void Log(UiState& ui, std::string line);
// A 10-colour palette for plot lines, stable per team index.
ImU32 PlotColor(size_t i);

void DrawHeader(ExerciseModel& model, UiState& ui);
void DrawTopology(ExerciseModel& model, UiState& ui);
void DrawScoreboard(ExerciseModel& model, UiState& ui);
// injects: the inject table instead of the event list.
void DrawTimeline(ExerciseModel& model, UiState& ui, bool injects);
void DrawControl(ExerciseModel& model, UiState& ui, ControlWorker* control);
void DrawNodeDetails(ExerciseModel& model, UiState& ui);

}  // namespace livefire::gui::panel
