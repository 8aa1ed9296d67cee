#include "provider/gpu_status_builder.h"

#include "absl/strings/ascii.h"
#include "google/protobuf/util/time_util.h"
#include "health/recommended_action.h"

namespace nvsx::provider {

std::string GpuName(const nvml::GpuInfo& gpu) { return absl::AsciiStrToLower(gpu.uuid); }

v1::Gpu BuildGpu(const nvml::GpuInfo& gpu) {
  v1::Gpu out;
  out.mutable_metadata()->set_name(GpuName(gpu));
  v1::GpuSpec* spec = out.mutable_spec();
  spec->set_uuid(gpu.uuid);
  spec->set_index(gpu.index);
  spec->set_pci_bus_id(gpu.pci_bus_id);
  spec->set_model(gpu.model);
  spec->set_memory_total_bytes(gpu.memory_total_bytes);
  return out;
}

v1::GpuStatus BuildGpuStatus(const health::GpuHealth& health, const nvml::GpuSample& sample,
                             std::span<const nvml::XidEvent> recent_xids) {
  v1::GpuStatus status;
  for (const health::HealthCondition& condition : health.conditions) {
    v1::Condition* out = status.add_conditions();
    out->set_type(condition.type);
    out->set_status(condition.status);
    out->set_reason(condition.reason);
    out->set_message(condition.message);
  }
  status.set_recommended_action(
      std::string(health::RecommendedActionName(health.recommended_action)));
  for (const nvml::XidEvent& xid : recent_xids) {
    v1::XidRecord* record = status.add_recent_xids();
    record->set_code(xid.xid);
    *record->mutable_time() =
        google::protobuf::util::TimeUtil::NanosecondsToTimestamp(absl::ToUnixNanos(xid.time));
  }
  if (sample.ecc) {
    v1::EccCounts* ecc = status.mutable_ecc();
    ecc->set_volatile_single_bit(sample.ecc->volatile_sbe);
    ecc->set_volatile_double_bit(sample.ecc->volatile_dbe);
    ecc->set_aggregate_single_bit(sample.ecc->aggregate_sbe);
    ecc->set_aggregate_double_bit(sample.ecc->aggregate_dbe);
  }
  if (sample.remapped_rows) {
    v1::EccCounts* ecc = status.mutable_ecc();
    ecc->set_remapped_rows_pending(sample.remapped_rows->pending ? 1 : 0);
    ecc->set_remapped_rows_failed(sample.remapped_rows->failure ? 1 : 0);
  }
  if (sample.temperature_c) status.set_temperature_celsius(*sample.temperature_c);
  for (size_t link = 0; link < sample.nvlink_up.size(); ++link) {
    v1::NvLinkState* state = status.add_nvlinks();
    state->set_link(static_cast<uint32_t>(link));
    state->set_up(sample.nvlink_up[link]);
  }
  for (const std::string& reason : sample.throttle_names) status.add_throttle_reasons(reason);
  return status;
}

}  // namespace nvsx::provider
