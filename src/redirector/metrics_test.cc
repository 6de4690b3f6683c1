#include "redirector/metrics.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <utility>

namespace waymark {
namespace {

std::string Line(const std::string& text, const std::string& start) {
  size_t at = text.find("\n" + start);
  if (at == std::string::npos) return "";
  size_t end = text.find('\n', at + 1);
  return text.substr(at + 1, end - at - 1);
}

TEST(MetricsTest, RequestDurationsFormAPrometheusHistogram) {
  auto m = std::make_unique<Metrics>();
  m->Reset();
  m->ObserveDuration(10'000);   // 10 us
  m->ObserveDuration(25'000);   // exactly on the first bound: counted in it
  m->ObserveDuration(25'001);   // just over it
  m->ObserveDuration(700'000);  // 0.7 ms
  m->ObserveDuration(3'000'000'000);  // 3 s, over the last bound
  std::string text = PrometheusText(*m);
  EXPECT_NE(text.find("# TYPE waymark_request_duration_seconds histogram\n"),
            std::string::npos);
  // Cumulative: each bucket counts everything at or under its bound.
  const std::pair<const char*, int> expected[] = {{"2.5e-05", 2}, {"5e-05", 3},
                                                  {"0.0005", 3},  {"0.001", 4},
                                                  {"1", 4},       {"+Inf", 5}};
  for (const auto& [le, n] : expected) {
    std::string name =
        std::string("waymark_request_duration_seconds_bucket{le=\"") + le +
        "\"}";
    EXPECT_EQ(Line(text, name), name + " " + std::to_string(n));
  }
  EXPECT_EQ(Line(text, "waymark_request_duration_seconds_count"),
            "waymark_request_duration_seconds_count 5");
  EXPECT_EQ(Line(text, "waymark_request_duration_seconds_sum"),
            "waymark_request_duration_seconds_sum 3.000760001");
  // One line per bucket, +Inf the last.
  int lines = 0;
  size_t last = 0;
  for (size_t at = text.find("_bucket{le="); at != std::string::npos;
       at = text.find("_bucket{le=", at + 1)) {
    ++lines;
    last = at;
  }
  EXPECT_EQ(lines, kDurationBuckets);
  EXPECT_EQ(text.compare(last, 17, "_bucket{le=\"+Inf\""), 0);

  m->Reset();
  text = PrometheusText(*m);
  EXPECT_EQ(Line(text, "waymark_request_duration_seconds_count"),
            "waymark_request_duration_seconds_count 0");
  EXPECT_EQ(Line(text, "waymark_request_duration_seconds_sum"),
            "waymark_request_duration_seconds_sum 0.000000000");
}

TEST(MetricsTest, NodeLinesNameTheNodeAndTheAgeOfItsView) {
  std::string text = "\n" + NodeMetricsText("fra-\"edge\"\\1", 12.34, true);
  EXPECT_EQ(Line(text, "waymark_node_info{"),
            "waymark_node_info{node=\"fra-\\\"edge\\\"\\\\1\"} 1");
  EXPECT_EQ(Line(text, "waymark_inventory_age_seconds "),
            "waymark_inventory_age_seconds 12.3");
  EXPECT_EQ(Line(text, "waymark_inventory_stale "),
            "waymark_inventory_stale 1");
  EXPECT_NE(text.find("# TYPE waymark_inventory_age_seconds gauge\n"),
            std::string::npos);
  text = "\n" + NodeMetricsText("n", -1, false);
  EXPECT_EQ(Line(text, "waymark_inventory_age_seconds "),
            "waymark_inventory_age_seconds +Inf")
      << "unknown";
  EXPECT_EQ(Line(text, "waymark_inventory_stale "),
            "waymark_inventory_stale 0");
}

}  // namespace
}  // namespace waymark
