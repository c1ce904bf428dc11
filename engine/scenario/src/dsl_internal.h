#pragma once
// Shared by the DSL's source files (internal to the scenario component):
// dsl.cc records declarations and walks them, dsl_reader.cc reads one Lua
// table field by field, dsl_topology.cc and dsl_exercise.cc turn the records
// into the model.

#include <fmt/format.h>

#include <initializer_list>
#include <lua.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "dsl.h"
#include "livefire/time.h"

namespace livefire::scenario::dsl {

// Whether the value at idx is a DSL record (has the records' metatable).
bool IsRecord(lua_State* L, int idx);
// Raw t[key] as a string ("" unless a string) or an int (0 unless a number).
std::string RawString(lua_State* L, int table, const char* key);
int RawInt(lua_State* L, int table, const char* key);
// A value for a message: 'text', a number, or its type name.
std::string Describe(lua_State* L, int idx);

// Collects diagnostics for one file.
struct Sink {
  std::string file;
  std::vector<Diagnostic>* diags;
  void Add(int line, std::string msg) const { diags->push_back({{file, line}, std::move(msg)}); }
};

// Reads fields of one Lua table, reporting wrong types and, in Finish(),
// every field nobody asked for (typos, with a suggestion).
class Reader {
 public:
  Reader(lua_State* L, int table, std::string what, int line, const Sink& sink)
      : L_(L), t_(lua_absindex(L, table)), what_(std::move(what)), line_(line), sink_(sink) {
    lua_checkstack(L, 20);
  }

  const std::string& what() const { return what_; }
  int line() const { return line_; }
  void Error(std::string msg) const { sink_.Add(line_, fmt::format("{}: {}", what_, msg)); }

  // Pushes t[key] (raw) and returns its type; marks the key as known.
  int Push(const char* key);

  bool Has(const char* key);

  std::optional<std::string> Str(const char* key);
  void Str(const char* key, std::string* out);
  std::string RequiredStr(const char* key);

  std::optional<double> Num(const char* key);
  void Num(const char* key, double* out);

  std::optional<int64_t> Int(const char* key);
  void Int(const char* key, int* out);

  std::optional<bool> Bool(const char* key);
  void Bool(const char* key, bool* out);

  // A duration: a string such as "1h30m"/"00:05:00", or a number of seconds.
  std::optional<Duration> Dur(const char* key);
  void Dur(const char* key, Duration* out);

  // A string or a list of strings.
  std::vector<std::string> StrList(const char* key);

  // For an enum given as a string among `allowed`.
  std::optional<std::string> OneOf(const char* key, const std::vector<std::string>& allowed);
  // The same, mapped to the value paired with the name.
  template <typename T>
  std::optional<T> Enum(const char* key,
                        std::initializer_list<std::pair<std::string_view, T>> values) {
    std::vector<std::string> names;
    for (const auto& [name, value] : values) names.emplace_back(name);
    auto got = OneOf(key, names);
    if (!got) return std::nullopt;
    for (const auto& [name, value] : values) {
      if (*got == name) return value;
    }
    return std::nullopt;
  }

  // Whether the field holds a function (type errors are reported).
  bool Fn(const char* key);

  // Pushes a nested table field and returns its index, or 0 (nothing pushed)
  // when absent or not a table (reported).
  int PushTable(const char* key);

  // Reports unknown string keys and, unless allow_items, array items.
  void Finish(bool allow_items = false);

 private:
  void TypeError(const char* key, std::string_view expected);

  lua_State* L_;
  int t_;
  std::string what_;
  int line_;
  const Sink& sink_;
  std::set<std::string, std::less<>> known_;
};

// Walks the recorded declarations into the model, one *Decl per kind.
struct Walker {
  lua_State* L;
  Sink sink;
  model::Scenario* s;
  const FunctionSink& fn_sink;
  std::set<const void*> visited;
  bool saw_scenario = false;
  bool saw_scoring = false;
  bool saw_sim_policy = false;
  int sim_policy_line = 0;

  model::SourceLoc Loc(int line) const { return {sink.file, line}; }

  // ---- dsl.cc: the walk -----------------------------------------------------
  // Record at `rec` -> body index (pushed) or 0 (error reported).
  int PushBody(int rec, const std::string& what, int line);
  void Walk();

  // ---- dsl_exercise.cc ------------------------------------------------------
  void ScoreboardField(Reader& r, model::Metadata& m);
  void MetaDecl(Reader& r);
  void TeamDecl(Reader& r, const std::string& name);
  void ScoringDecl(Reader& r);
  void ObjectiveDecl(Reader& r, const std::string& name);
  void InjectDecl(Reader& r, const std::string& name);
  // sim_policy { red = function(view) ... end }: `livefire sim --policy
  // red=lua` (docs/simulation.md); the function goes to fn_sink.
  void SimPolicyDecl(Reader& r);

  // ---- dsl_topology.cc ------------------------------------------------------
  void NetworkDecl(Reader& r, const std::string& name);
  // ports: 80 | "80" | "8000-8080" | {80, 443, "8000-8080"}; one rule per range.
  void RuleDecl(Reader& r, const std::string& action);
  bool ParsePortItem(Reader& r, const char* key, int idx, std::pair<int, int>* out);
  void ReadPorts(Reader& r, const char* key, std::vector<std::pair<int, int>>* out);
  void NodeDecl(Reader& r, const std::string& name, int body);
  // mode: 420 (decimal) or "0644" (octal text).
  void ReadMode(Reader& r, int* mode);
  model::Service ServiceDecl(Reader& r, const std::string& node, const std::string& name, int line);
  // The attack-model fields of a vuln: effect, gives, needs, yields, credential.
  void VulnModel(Reader& r, model::Vulnerability* v);
};

}  // namespace livefire::scenario::dsl
