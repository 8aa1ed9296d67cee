#include "nvsx/run_renderer.h"

#include <utility>

namespace nvsx::op {

TeeRenderer::TeeRenderer(std::vector<RunRenderer*> renderers) : renderers_(std::move(renderers)) {}

void TeeRenderer::OnEvent(const RunEvent& event) {
  for (RunRenderer* renderer : renderers_) renderer->OnEvent(event);
}

void TeeRenderer::Tick(absl::Time now) {
  for (RunRenderer* renderer : renderers_) renderer->Tick(now);
}

}  // namespace nvsx::op
