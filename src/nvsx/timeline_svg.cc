#include "nvsx/timeline_svg.h"

#include <algorithm>

#include "absl/strings/str_format.h"
#include "core/duration.h"
#include "core/str_cat.h"
#include "core/time_format.h"
#include "nvsx/node_alias.h"

namespace nvsx::op {
namespace {

constexpr int kWidth = 900;
constexpr int kLabelWidth = 140;
constexpr int kBarArea = 620;
constexpr int kRowHeight = 26;
constexpr int kTop = 64;

std::string Escape(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

const char* Colour(const std::string& result) {
  if (result == "pass") return "#2e7d32";
  if (result == "fail") return "#c62828";
  return "#9e9e9e";
}

}  // namespace

std::string RenderTimelineSvg(const RunRecord& run) {
  const absl::Time end = std::max(run.ended, run.started);
  const double total_ms = std::max(1.0, absl::ToDoubleMilliseconds(end - run.started));
  const int height = kTop + static_cast<int>(run.stages.size()) * kRowHeight + 24;
  std::string svg = absl::StrFormat(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
      "font-family=\"sans-serif\" font-size=\"13\">\n"
      "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n",
      kWidth, height);
  core::StrAppend(&svg, "<text x=\"12\" y=\"24\" font-size=\"16\" font-weight=\"bold\">",
                  Escape(run.runbook), " on ", Escape(NodeWithAlias(run.node)), "</text>\n");
  core::StrAppend(&svg, "<text x=\"12\" y=\"44\">run ", Escape(run.id), " · ",
                  Escape(run.result.empty() ? "running" : run.result), " in ",
                  core::DurationString(end - run.started), " · started ",
                  core::FormatTimestampMillis(run.started), "</text>\n");
  int row = 0;
  for (const StageRecord& stage : run.stages) {
    const int y = kTop + row++ * kRowHeight;
    const double from = absl::ToDoubleMilliseconds(stage.started - run.started) / total_ms;
    const absl::Time stage_end = std::max(stage.ended, stage.started);
    const double to = absl::ToDoubleMilliseconds(stage_end - run.started) / total_ms;
    const int x = kLabelWidth + static_cast<int>(from * kBarArea);
    const int width = std::max(2, static_cast<int>((to - from) * kBarArea));
    core::StrAppend(
        &svg, absl::StrFormat("<text x=\"12\" y=\"%d\">%s</text>\n", y + 16, Escape(stage.stage)));
    core::StrAppend(&svg,
                    absl::StrFormat("<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"18\" "
                                    "fill=\"%s\"><title>%s</title></rect>\n",
                                    x, y + 3, width, Colour(stage.result),
                                    Escape(stage.reason.empty() ? stage.result : stage.reason)));
    core::StrAppend(
        &svg,
        absl::StrFormat(
            "<text x=\"%d\" y=\"%d\" fill=\"#333\">%s</text>\n", x + width + 6, y + 16,
            Escape(stage.result == "skip" ? std::string("skipped")
                                          : core::DurationString(stage_end - stage.started))));
  }
  svg += "</svg>\n";
  return svg;
}

}  // namespace nvsx::op
