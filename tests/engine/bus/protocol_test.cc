#include "livefire/bus/protocol.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "livefire/testing/files.h"

namespace livefire::bus {
namespace {

TEST(Protocol, DecodesASubmitReportAndNormalisesObservedAt) {
  auto r = DecodeRequest(
      R"({"v":1,"type":"submit_report","id":"b1-9","team":"blue1","client":"gui","node":"portal",)"
      R"("technique":"T1190","observed_at":"01:20:05","description":"SQLi","extra":1})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->type, RequestType::kSubmitReport);
  EXPECT_EQ(r->id, "b1-9");
  EXPECT_EQ(r->team, "blue1");
  EXPECT_EQ(r->client, "gui");
  EXPECT_EQ(r->args["node"], "portal");
  EXPECT_EQ(r->args["observed_at_ns"], int64_t{4805} * 1'000'000'000);
  EXPECT_FALSE(r->args.contains("extra"));  // unknown fields are dropped
}

TEST(Protocol, EveryTypeRoundTripsThroughEncodeRequest) {
  const char* inputs[] = {
      R"({"v":1,"type":"pause","id":"1","reason":"lunch"})",
      R"({"v":1,"type":"resume","id":"2"})",
      R"({"v":1,"type":"speed","id":"3","speed":4})",
      R"({"v":1,"type":"fire_inject","id":"4","inject":"wave2"})",
      R"({"v":1,"type":"status","id":"5"})",
      R"({"v":1,"type":"submit_report","id":"6","team":"blue1","node":"n","technique":"T1",)"
      R"("observed_at":12,"description":"d"})",
      R"({"v":1,"type":"submit_finding","id":"7","team":"red","node":"n","vulnerability":"v",)"
      R"("evidence":"e"})",
      R"({"v":1,"type":"submit_flag","id":"8","team":"red","flag":"LF{x}"})",
      R"({"v":1,"type":"grade","id":"9","team":"blue1","rubric":"r","points":2,"target_seq":3})",
      R"({"v":1,"type":"grade","id":"10","team":"blue1","rubric":"50","inject":"press"})",
      R"({"v":1,"type":"submit_response","id":"11","team":"blue1","inject":"press","text":"t"})",
      R"({"v":1,"type":"review_finding","id":"12","target_seq":4,"accepted":true,)"
      R"("severity":"high"})",
      R"({"v":1,"type":"scoreboard","id":"13","mode":"frozen","at":"2h"})",
      R"({"v":1,"type":"scoreboard","id":"14","mode":"hidden"})",
      R"({"v":1,"type":"events","id":"15","from_seq":7,"limit":100})",
      R"({"v":1,"type":"plan","id":"16"})",
      R"({"v":1,"type":"message","id":"17","to":"all","text":"Lunch at 12:00"})",
  };
  for (const char* in : inputs) {
    auto r = DecodeRequest(in);
    ASSERT_TRUE(r.ok()) << in << ": " << r.status().ToString();
    auto again = DecodeRequest(EncodeRequest(*r));
    ASSERT_TRUE(again.ok()) << EncodeRequest(*r);
    EXPECT_EQ(again->type, r->type);
    EXPECT_EQ(again->id, r->id);
    EXPECT_EQ(again->team, r->team);
    EXPECT_EQ(again->args, r->args) << in;
  }
}

struct Bad {
  std::string input;
  std::string_view code;
  std::string mentions;
};

TEST(Protocol, RejectsBadRequestsWithCodeAndField) {
  std::vector<Bad> cases = {
      {"not json", errors::kBadJson, "JSON"},
      {"[1]", errors::kBadJson, "object"},
      {R"({"type":"status","id":"x"})", errors::kBadRequest, "'v'"},
      {R"({"v":"1","type":"status","id":"x"})", errors::kBadRequest, "'v'"},
      {R"({"v":2,"type":"status","id":"x"})", errors::kUnsupportedVersion, "2"},
      {R"({"v":1,"type":"status"})", errors::kBadRequest, "'id'"},
      {R"({"v":1,"type":"status","id":""})", errors::kBadRequest, "'id'"},
      {R"({"v":1,"type":"status","id":")" + std::string(65, 'x') + "\"}", errors::kBadRequest,
       "'id'"},
      {R"({"v":1,"type":"reboot","id":"x"})", errors::kUnknownType, "reboot"},
      {R"({"v":1,"type":7,"id":"x"})", errors::kBadRequest, "'type'"},
      {R"({"v":1,"type":"speed","id":"x"})", errors::kBadRequest, "'speed'"},
      {R"({"v":1,"type":"speed","id":"x","speed":0})", errors::kBadRequest, "'speed'"},
      {R"({"v":1,"type":"speed","id":"x","speed":1e9})", errors::kBadRequest, "'speed'"},
      {R"({"v":1,"type":"fire_inject","id":"x","inject":""})", errors::kBadRequest, "'inject'"},
      {R"({"v":1,"type":"submit_flag","id":"x","flag":"f"})", errors::kBadRequest, "'team'"},
      {R"({"v":1,"type":"submit_flag","id":"x","team":"Blue 1","flag":"f"})", errors::kBadRequest,
       "team"},
      {R"({"v":1,"type":"submit_report","id":"x","team":"b","node":"n","technique":"t",)"
       R"("observed_at":"later","description":"d"})",
       errors::kBadRequest, "'observed_at'"},
      {R"({"v":1,"type":"submit_report","id":"x","team":"b","node":"n","technique":"t",)"
       R"("observed_at":-5,"description":"d"})",
       errors::kBadRequest, "'observed_at'"},
      {R"({"v":1,"type":"grade","id":"x","team":"b","rubric":"r","points":"ten"})",
       errors::kBadRequest, "'points'"},
      {R"({"v":1,"type":"grade","id":"x","team":"b","rubric":"r","points":1,"target_seq":0})",
       errors::kBadRequest, "'target_seq'"},
      // A negative grade would be scored as a positive one: refused.
      {R"({"v":1,"type":"grade","id":"x","team":"b","rubric":"r","points":-1000,"target_seq":2})",
       errors::kBadRequest, "'points'"},
      // A grade names what it grades: exactly one of a submission or a task.
      {R"({"v":1,"type":"grade","id":"x","team":"b","rubric":"r","points":1})", errors::kBadRequest,
       "exactly one"},
      {R"({"v":1,"type":"grade","id":"x","team":"b","rubric":"r","target_seq":2,"inject":"i"})",
       errors::kBadRequest, "exactly one"},
      {R"({"v":1,"type":"submit_response","id":"x","team":"b","inject":"i"})", errors::kBadRequest,
       "'text'"},
      {R"({"v":1,"type":"submit_response","id":"x","inject":"i","text":"t"})", errors::kBadRequest,
       "'team'"},
      {"{\"v\":1,\"type\":\"submit_flag\",\"id\":\"x\",\"team\":\"red\\u0007\",\"flag\":\"f\"}",
       errors::kBadRequest, "team"},
      {R"({"v":1,"type":"review_finding","id":"x","target_seq":4})", errors::kBadRequest,
       "'accepted'"},
      {R"({"v":1,"type":"review_finding","id":"x","target_seq":4,"accepted":true,"severity":"x"})",
       errors::kBadRequest, "'severity'"},
      {std::string(40, '[') + std::string(40, ']'), errors::kTooLarge, "deeper"},
      {std::string(kMaxMessageBytes + 1, ' '), errors::kTooLarge, "limit"},
  };
  for (const Bad& c : cases) {
    auto r = DecodeRequest(c.input);
    ASSERT_FALSE(r.ok()) << c.input.substr(0, 80);
    EXPECT_EQ(ProtocolErrorCode(r.status()), c.code)
        << c.input.substr(0, 80) << " -> " << r.status().ToString();
    EXPECT_NE(r.status().message().find(c.mentions), std::string::npos)
        << c.input.substr(0, 80) << " -> " << r.status().message();
  }
}

TEST(Protocol, ScoreboardModeAndFreezeTime) {
  auto frozen = DecodeRequest(R"({"v":1,"type":"scoreboard","id":"s","mode":"frozen","at":"2h"})");
  ASSERT_TRUE(frozen.ok()) << frozen.status().ToString();
  EXPECT_EQ(frozen->type, RequestType::kScoreboard);
  EXPECT_EQ(frozen->args["at_ns"], int64_t{7200} * 1'000'000'000);
  auto now = DecodeRequest(R"({"v":1,"type":"scoreboard","id":"s","mode":"frozen"})");
  ASSERT_TRUE(now.ok());
  EXPECT_FALSE(now->args.contains("at_ns"));  // the engine's clock
  for (const char* bad : {R"({"v":1,"type":"scoreboard","id":"s"})",
                          R"({"v":1,"type":"scoreboard","id":"s","mode":"paused"})",
                          R"({"v":1,"type":"scoreboard","id":"s","mode":"live","at":"1h"})",
                          R"({"v":1,"type":"scoreboard","id":"s","mode":"frozen","at":"soon"})",
                          R"({"v":1,"type":"scoreboard","id":"s","mode":"frozen","at":-5})"}) {
    auto r = DecodeRequest(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(ProtocolErrorCode(r.status()), errors::kBadRequest) << bad;
    EXPECT_NE(r.status().message().find("scoreboard"), std::string::npos) << r.status().message();
  }
}

TEST(Protocol, ConsoleNamesItsActionNodeAndCopy) {
  auto encoded = [](Request r) {
    r.id = "c1";
    return EncodeRequest(r);
  };
  auto open = DecodeRequest(encoded(MakeConsoleRequest("open", "blue1", "web")));
  ASSERT_TRUE(open.ok()) << open.status().ToString();
  EXPECT_EQ(open->type, RequestType::kConsole);
  EXPECT_EQ(open->args["action"], "open");
  EXPECT_EQ(open->args["node"], "web");
  EXPECT_EQ(open->args["copy"], "blue1");
  auto shared = DecodeRequest(encoded(MakeConsoleRequest("end", "", "attacker", "why")));
  ASSERT_TRUE(shared.ok());
  EXPECT_FALSE(shared->args.contains("copy"));  // the shared zone
  EXPECT_EQ(shared->args["reason"], "why");
  for (const char* bad : {R"({"v":1,"type":"console","id":"c","node":"web"})",
                          R"({"v":1,"type":"console","id":"c","action":"steal","node":"web"})",
                          R"({"v":1,"type":"console","id":"c","action":"open"})",
                          R"({"v":1,"type":"console","id":"c","action":"open","node":7})"}) {
    auto r = DecodeRequest(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(ProtocolErrorCode(r.status()), errors::kBadRequest) << bad;
    EXPECT_NE(r.status().message().find("console"), std::string::npos) << r.status().message();
  }
}

TEST(Protocol, MessageNeedsARecipientAndATextOfAtMostFourKiB) {
  auto ok = DecodeRequest(R"({"v":1,"type":"message","id":"m","to":"blue1","text":"hi"})");
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->type, RequestType::kMessage);
  EXPECT_EQ(ok->args["to"], "blue1");
  EXPECT_EQ(ok->args["text"], "hi");
  const std::string long_text = std::string(R"({"v":1,"type":"message","id":"m","to":"all","text":")") +
                                std::string(4097, 'x') + "\"}";
  for (const std::string& bad :
       {std::string(R"({"v":1,"type":"message","id":"m","text":"hi"})"),
        std::string(R"({"v":1,"type":"message","id":"m","to":"all"})"),
        std::string(R"({"v":1,"type":"message","id":"m","to":"all","text":""})"),
        std::string(R"({"v":1,"type":"message","id":"m","to":3,"text":"hi"})"), long_text}) {
    auto r = DecodeRequest(bad);
    ASSERT_FALSE(r.ok()) << bad.substr(0, 80);
    EXPECT_EQ(ProtocolErrorCode(r.status()), errors::kBadRequest);
    EXPECT_TRUE(r.status().message().starts_with("message: ")) << r.status().message();
  }
}

TEST(Protocol, DepthCountIgnoresBracketsInStrings) {
  std::string text(100, '[');
  auto r =
      DecodeRequest(R"({"v":1,"type":"submit_flag","id":"x","team":"red","flag":")" + text + "\"}");
  EXPECT_TRUE(r.ok()) << r.status().ToString();
}

TEST(Protocol, BestEffortIdEchoesOnlySaneIds) {
  EXPECT_EQ(BestEffortId(R"({"v":9,"id":"abc"})"), "abc");
  EXPECT_EQ(BestEffortId(R"({"id":5})"), "");
  EXPECT_EQ(BestEffortId("nope"), "");
}

TEST(Protocol, RepliesEncodeAndDecode) {
  auto ok = DecodeReply(EncodeOkReply("a1", {{"state", "running"}, {"ok", "spoofed"}}));
  ASSERT_TRUE(ok.ok());
  EXPECT_TRUE(ok->ok);
  EXPECT_EQ(ok->id, "a1");
  EXPECT_EQ(ok->body["state"], "running");
  auto err = DecodeReply(EncodeErrorReply("a2", errors::kRejected, "paused already"));
  ASSERT_TRUE(err.ok());
  EXPECT_FALSE(err->ok);
  EXPECT_EQ(err->error_code, "rejected");
  EXPECT_EQ(err->error_message, "paused already");
  EXPECT_FALSE(
      DecodeReply(R"({"v":1,"id":"x","ok":false,"error":{"code":3}})")->error_code.empty());
  EXPECT_FALSE(DecodeReply("{}").ok());
}

TEST(Protocol, TopicUsesStarForExerciseWideEvents) {
  EXPECT_EQ(Topic("lf-1", "", "exercise.started"), "lf-1/*/exercise.started");
  EXPECT_EQ(Topic("lf-1", "blue1", "check.result"), "lf-1/blue1/check.result");
}

// Runs the fuzzer's seed corpus (and anything the fuzzer added to it) through
// the decoder in every CI run: valid_* must decode, invalid_* must not, and
// whatever decodes must survive EncodeRequest -> DecodeRequest.
TEST(Protocol, FuzzCorpusDecodesAsLabelled) {
  namespace fs = std::filesystem;
  fs::path dir = fs::path(LIVEFIRE_SOURCE_DIR) / "tests/fuzz/corpus/decode_request";
  int files = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    std::string name = entry.path().filename().string();
    auto r = DecodeRequest(testsupport::ReadFile(entry.path()));
    if (name.starts_with("valid_")) {
      EXPECT_TRUE(r.ok()) << name << ": " << r.status().ToString();
    }
    if (name.starts_with("invalid_")) {
      EXPECT_FALSE(r.ok()) << name;
    }
    if (r.ok()) {
      auto again = DecodeRequest(EncodeRequest(*r));
      ASSERT_TRUE(again.ok()) << name;
      EXPECT_EQ(again->args, r->args) << name;
    } else {
      EXPECT_NE(ProtocolErrorCode(r.status()), errors::kInternal) << name;
    }
    ++files;
  }
  EXPECT_GE(files, 20);
}

}  // namespace
}  // namespace livefire::bus

namespace livefire::bus {
namespace {

// What a builder's request looks like on the wire (without v and id).
nlohmann::json Wire(Request r) {
  r.id = "t-1";
  nlohmann::json j = nlohmann::json::parse(EncodeRequest(r));
  j.erase("v");
  j.erase("id");
  return j;
}

TEST(Protocol, RequestBuildersSendTheDocumentedFields) {
  using nlohmann::json;
  EXPECT_EQ(Wire(MakeStatusRequest()), json({{"type", "status"}}));
  EXPECT_EQ(Wire(MakePauseRequest()), json({{"type", "pause"}}));
  EXPECT_EQ(Wire(MakePauseRequest("lunch")), json({{"type", "pause"}, {"reason", "lunch"}}));
  EXPECT_EQ(Wire(MakeResumeRequest()), json({{"type", "resume"}}));
  EXPECT_EQ(Wire(MakeSpeedRequest(60)), json({{"type", "speed"}, {"speed", 60.0}}));
  EXPECT_EQ(Wire(MakeStopRequest("done")), json({{"type", "stop"}, {"reason", "done"}}));
  EXPECT_EQ(Wire(MakeFireInjectRequest("wave2")),
            json({{"type", "fire_inject"}, {"inject", "wave2"}}));
  EXPECT_EQ(Wire(MakeFireInjectRequest("wave2", "blue1")),
            json({{"type", "fire_inject"}, {"inject", "wave2"}, {"team", "blue1"}}));
  EXPECT_EQ(Wire(MakeSubmitReportRequest("blue1", {"portal", "T1190", "", "SQLi"})),
            json({{"type", "submit_report"},
                  {"team", "blue1"},
                  {"node", "portal"},
                  {"technique", "T1190"},
                  {"description", "SQLi"}}));
  EXPECT_EQ(Wire(MakeSubmitReportRequest("blue1", {"portal", "T1190", "01:20:05", "SQLi"}))
                .value("observed_at", ""),
            "01:20:05");
  EXPECT_EQ(Wire(MakeSubmitFindingRequest("red1", {"web", "CVE-1", "log", "blue2"})),
            json({{"type", "submit_finding"},
                  {"team", "red1"},
                  {"node", "web"},
                  {"vulnerability", "CVE-1"},
                  {"evidence", "log"},
                  {"against", "blue2"}}));
  EXPECT_EQ(Wire(MakeSubmitFlagRequest("red1", "LF{x}")),
            json({{"type", "submit_flag"}, {"team", "red1"}, {"flag", "LF{x}"}}));
  EXPECT_EQ(Wire(MakeGradeRequest("blue1", {"50", std::nullopt, "", 0, "press"})),
            json({{"type", "grade"}, {"team", "blue1"}, {"rubric", "50"}, {"inject", "press"}}));
  EXPECT_EQ(Wire(MakeSubmitResponseRequest("blue1", "press", "statement sent")),
            json({{"type", "submit_response"},
                  {"team", "blue1"},
                  {"inject", "press"},
                  {"text", "statement sent"}}));
  EXPECT_EQ(Wire(MakeReviewFindingRequest({9, true, "high", ""})), json({{"type", "review_finding"},
                                                                         {"target_seq", 9},
                                                                         {"accepted", true},
                                                                         {"severity", "high"}}));
  EXPECT_EQ(Wire(MakeGradeRequest("blue1", {"100", 20, "good", 7})), json({{"type", "grade"},
                                                                           {"team", "blue1"},
                                                                           {"rubric", "100"},
                                                                           {"points", 20.0},
                                                                           {"comment", "good"},
                                                                           {"target_seq", 7}}));
  EXPECT_EQ(Wire(MakeRevertReadyRequest("blue1", "web", "lf-x-blue1-web")),
            json({{"type", "revert"},
                  {"team", "blue1"},
                  {"node", "web"},
                  {"ready", true},
                  {"domain", "lf-x-blue1-web"}}));
}

TEST(Protocol, BuiltRequestsPassTheEnginesDecoder) {
  std::vector<Request> built = {
      MakeStatusRequest(),
      MakePauseRequest("lunch"),
      MakeResumeRequest(),
      MakeSpeedRequest(2),
      MakeStopRequest(),
      MakeFireInjectRequest("wave2", "blue1"),
      MakeSubmitReportRequest("blue1", {"portal", "T1190", "01:20:05", "SQLi"}),
      MakeSubmitFindingRequest("red1", {"web", "CVE-1", "log", ""}),
      MakeSubmitFlagRequest("red1", "LF{x}", "blue1"),
      MakeGradeRequest("blue1", {"0", 5, "late", 3}),
      MakeGradeRequest("blue1", {"50", std::nullopt, "", 0, "press"}),
      MakeSubmitResponseRequest("blue1", "press", "statement"),
      MakeReviewFindingRequest({4, false, "", "not a weakness"}),
      MakeRevertRequest("blue1", "web", "white", "cleanup"),
      MakeRevertReadyRequest("blue1", "web", "lf-x-blue1-web"),
      MakeScoreboardRequest("frozen", "01:30:00"),
      MakeScoreboardRequest("live"),
      MakeEventsRequest(1, 50),
      MakePlanRequest(),
      MakeConsoleRequest("close", "blue1", "web", "the viewer left"),
      MakeMessageRequest("blue1", "Switch to the backup line"),
  };
  for (Request r : built) {
    r.id = "t-2";
    const std::string wire = EncodeRequest(r);
    auto decoded = DecodeRequest(wire);
    ASSERT_TRUE(decoded.ok()) << wire << ": " << decoded.status().ToString();
    EXPECT_EQ(decoded->type, r.type) << wire;
    EXPECT_EQ(decoded->team, r.team) << wire;
  }
}

}  // namespace
}  // namespace livefire::bus
