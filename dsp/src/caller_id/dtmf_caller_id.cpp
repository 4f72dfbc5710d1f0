// DTMF caller ID: start digit, number or absence code, end digit.

#include "ivrd/dsp/caller_id.hpp"

namespace ivrd::dsp::detail {
namespace {

// Digits of one message follow each other within tens of milliseconds; a
// longer silence ends whatever was being gathered.
constexpr uint64_t kMaxGapSamples = 8000;

}  // namespace

bool DtmfCallerIdAssembler::add(const DtmfEvent& event, CallerIdMessage* out) noexcept {
  if (event.kind != DtmfEventKind::end) return false;
  const char digit = event.digit;
  const uint64_t end = event.start_sample + event.duration_samples;
  if (active_ && event.start_sample > last_end_ + kMaxGapSamples) active_ = false;
  if (digit == 'A' || digit == 'B' || digit == 'D') {
    active_ = true;
    digits_.clear();
    digits_.push_back(digit);
    start_sample_ = event.start_sample;
    last_end_ = end;
    return false;
  }
  if (!active_) return false;
  last_end_ = end;
  if (digit != 'C' && digit != '#') {
    if ((digit < '0' || digit > '9') || !digits_.push_back(digit)) active_ = false;
    return false;
  }
  active_ = false;

  CallerIdMessage message;
  message.format = CallerIdFormat::dtmf;
  message.start_sample = start_sample_;
  message.end_sample = end;
  const std::string_view text = digits_.view();
  const char lead = text[0];
  const std::string_view body = text.substr(1);
  message.valid = !body.empty();
  if (lead == 'B') {
    if (body == "00") {
      message.absence = CallerIdAbsence::out_of_area;
    } else if (body == "10") {
      message.absence = CallerIdAbsence::private_number;
    } else {
      message.valid = false;
    }
  } else if (lead == 'D' && body.size() == 1) {
    // "D1C" private, "D2C"/"D3C" unavailable.
    if (body == "1") {
      message.absence = CallerIdAbsence::private_number;
    } else if (body == "2" || body == "3") {
      message.absence = CallerIdAbsence::out_of_area;
    } else {
      message.valid = false;
    }
  } else if (message.valid) {
    message.number.assign(body);
  }
  *out = message;
  return true;
}

}  // namespace ivrd::dsp::detail
