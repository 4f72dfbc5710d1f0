#include "ivrd/ivr/sim_calls.hpp"

#include "ivrd/driver/extension_port.hpp"

namespace ivrd::ivr {

dsp::CallerIdFormat caller_id_format_for_zone(std::string_view zone_code) noexcept {
  return zone_code == "us" || zone_code == "ca" || zone_code == "us-old"
             ? dsp::CallerIdFormat::bell202_mdmf
             : dsp::CallerIdFormat::v23_mdmf;
}

driver::SimCaller& ring_like_exchange(driver::SimCaller& caller, const dsp::ToneZone& zone,
                                      std::string_view number, std::string_view name) {
  const driver::RingCadence cadence = driver::zone_ring_cadence(zone);
  if (number.empty()) return caller.ring(cadence);
  dsp::CallerIdMessage message;
  message.format = caller_id_format_for_zone(zone.code);
  message.number = number;
  if (!name.empty()) message.name = name;
  return caller.ring(cadence, message, driver::CallerIdTiming::between_first_and_second_ring);
}

}  // namespace ivrd::ivr
