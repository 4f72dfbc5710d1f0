#pragma once
// Placing calls on the simulated card as a tone zone's exchange would: the
// one way `ivrd --demo-call`, `ivrctl sim call` and `ivr-replay call` ring a
// simulated trunk port, and the caller ID format the appliance itself sends
// to its extension ports.

#include <string_view>

#include "ivrd/driver/sim_card.hpp"
#include "ivrd/dsp/caller_id.hpp"
#include "ivrd/dsp/tone_zone.hpp"

namespace ivrd::ivr {

// North American zones ("us", "ca", "us-old") send caller ID as Bell 202
// MDMF, the others as V.23 MDMF (ETSI EN 300 659, BT SIN 227).
dsp::CallerIdFormat caller_id_format_for_zone(std::string_view zone_code) noexcept;

// Appends a ring step to `caller` (a simulated trunk port's far end): the
// zone's ringing cadence (driver::zone_ring_cadence) and, when `number` is
// not empty, caller ID with `name` in the zone's format between the first and
// second ring. Returns `caller` for the steps that follow.
driver::SimCaller& ring_like_exchange(driver::SimCaller& caller, const dsp::ToneZone& zone,
                                      std::string_view number, std::string_view name = {});

}  // namespace ivrd::ivr
