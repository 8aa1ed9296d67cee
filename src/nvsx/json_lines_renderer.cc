#include "nvsx/run_renderer.h"

namespace nvsx::op {

void JsonLinesRenderer::OnEvent(const RunEvent& event) {
  const std::string line =
      RunEventToJson(event).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::fprintf(out_, "%s\n", line.c_str());
  std::fflush(out_);
}

}  // namespace nvsx::op
