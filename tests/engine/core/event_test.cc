#include "livefire/event.h"

#include <gtest/gtest.h>

#include <set>

namespace livefire {
namespace {

Event Sample() {
  Event e;
  e.seq = 7;
  e.time = SimTime::FromNanos(1'500'000'000);
  e.wall_ns = 1'763'712'000'000'000'000;
  e.team = "blue1";
  e.kind = std::string(kinds::kCheckResult);
  e.payload = {{"service", "portal-http"}, {"node", "portal"}, {"status", "down"},
               {"latency_ms", 12.5}, {"detail", "Kết nối bị từ chối"}};
  e.hash = "ab";
  return e;
}

TEST(Event, CanonicalJsonHasSortedKeysAndKeepsUtf8) {
  EXPECT_EQ(CanonicalJson(Sample()),
            "{\"hash\":\"ab\",\"kind\":\"check.result\",\"payload\":{\"detail\":\"Kết nối bị từ "
            "chối\",\"latency_ms\":12.5,\"node\":\"portal\",\"service\":\"portal-http\","
            "\"status\":\"down\"},\"seq\":7,\"team\":\"blue1\",\"time_ns\":1500000000,"
            "\"wall_ns\":1763712000000000000}");
}

TEST(Event, CanonicalJsonWithoutHashOmitsIt) {
  std::string s = CanonicalJson(Sample(), /*with_hash=*/false);
  EXPECT_EQ(s.find("\"hash\""), std::string::npos);
  EXPECT_EQ(s.rfind("{\"kind\":", 0), 0u);
}

TEST(Event, CanonicalJsonIsIndependentOfInsertionOrder) {
  Event a = Sample(), b = Sample();
  b.payload = nlohmann::json::object();
  b.payload["status"] = "down";
  b.payload["detail"] = "Kết nối bị từ chối";
  b.payload["service"] = "portal-http";
  b.payload["latency_ms"] = 12.5;
  b.payload["node"] = "portal";
  EXPECT_EQ(CanonicalJson(a), CanonicalJson(b));
}

TEST(Event, InvalidUtf8IsReplacedNotThrown) {
  Event e = Sample();
  e.payload["detail"] = std::string("bad \xff byte");
  std::string s = CanonicalJson(e);
  EXPECT_NE(s.find("bad \xEF\xBF\xBD byte"), std::string::npos) << s;
}

TEST(Event, RoundTripsThroughJson) {
  Event e = Sample();
  auto back = EventFromJson(CanonicalJson(e));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->seq, e.seq);
  EXPECT_EQ(back->time, e.time);
  EXPECT_EQ(back->wall_ns, e.wall_ns);
  EXPECT_EQ(back->team, e.team);
  EXPECT_EQ(back->kind, e.kind);
  EXPECT_EQ(back->payload, e.payload);
  EXPECT_EQ(back->hash, e.hash);
  EXPECT_EQ(CanonicalJson(*back), CanonicalJson(e));
}

TEST(Event, FromJsonNamesTheBadField) {
  auto r = EventFromJson(R"({"seq":"x","time_ns":0,"team":"","kind":"a","payload":{}})");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("'seq'"), std::string::npos) << r.status().message();
  r = EventFromJson(R"({"seq":1,"time_ns":0,"team":"","kind":"a","payload":[]})");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("'payload'"), std::string::npos);
  EXPECT_FALSE(EventFromJson("{nope").ok());
}

TEST(Event, ValidateChecksCatalogueFields) {
  EXPECT_TRUE(ValidateEvent(Sample()).ok());
  Event e = Sample();
  e.payload.erase("latency_ms");
  Status s = ValidateEvent(e);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("latency_ms"), std::string::npos) << s.message();

  e = Sample();
  e.payload["status"] = "sideways";
  EXPECT_FALSE(ValidateEvent(e).ok());

  e = Sample();
  e.kind = "no.such.kind";
  EXPECT_NE(ValidateEvent(e).message().find("unknown event kind"), std::string::npos);

  e = Sample();
  e.team = "Blue 1";
  EXPECT_FALSE(ValidateEvent(e).ok());

  Event c;
  c.kind = "control.pause";
  c.payload = {{"id", "1"}, {"client", "gui"}, {"request", {{"type", "pause"}}}};
  EXPECT_TRUE(ValidateEvent(c).ok()) << ValidateEvent(c).ToString();
}

TEST(Event, CatalogueListsEveryKindOnce) {
  std::set<std::string_view> seen;
  for (const auto& spec : EventCatalogue()) EXPECT_TRUE(seen.insert(spec.kind).second) << spec.kind;
  EXPECT_TRUE(seen.count(kinds::kSubmissionReport));
  EXPECT_TRUE(seen.count(kinds::kPenalty));
}

}  // namespace
}  // namespace livefire
