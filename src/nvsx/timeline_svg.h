#pragma once

#include <string>

#include "nvsx/run_store.h"

namespace nvsx::op {

// A run's timeline as a standalone SVG document: one row per stage, a bar
// from its start to its end coloured by result, its duration beside it, and
// the run's header (runbook, node and alias, result, total time).
std::string RenderTimelineSvg(const RunRecord& run);

}  // namespace nvsx::op
