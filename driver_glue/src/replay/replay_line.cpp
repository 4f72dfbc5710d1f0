// A trunk port whose caller is a capture file: ringing, the connected call
// and the recording of what the appliance sends.

#include "ivrd/driver/replay_line.hpp"

#include <algorithm>
#include <numeric>
#include <stdexcept>
#include <system_error>

namespace ivrd::driver {
namespace {

constexpr uint64_t kCallerIdAfterRing = ms_to_samples(kCallerIdAfterRingMs);

bool same_file(const std::filesystem::path& a, const std::filesystem::path& b) {
  std::error_code error_a, error_b;
  const auto canonical_a = std::filesystem::weakly_canonical(a, error_a);
  const auto canonical_b = std::filesystem::weakly_canonical(b, error_b);
  return !error_a && !error_b && canonical_a == canonical_b;
}

// The capture's format, which the transmit file is written in, unless one
// format was forced for both.
AudioFormat transmit_format_for(const ReplayConfig& config, const Capture& capture) {
  if (config.format) return *config.format;
  const AudioFormat named = resolve_audio_format(config.transmit);
  if (named != capture.format) {
    throw AudioFileError(config.transmit.string(),
                         "names a " + std::string(audio_format_name(named)) +
                             " file, but the transmit file is written in the capture's format (" +
                             std::string(audio_format_name(capture.format)) + ")");
  }
  return named;
}

}  // namespace

dsp::CallerIdMessage caller_id_for_number(std::string_view number, dsp::CallerIdFormat format) {
  const bool digits =
      std::all_of(number.begin(), number.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (number.empty() || number.size() > 20 || !digits) {
    throw std::invalid_argument("caller ID number '" + std::string(number) +
                                "': must be 1 to 20 digits 0-9");
  }
  dsp::CallerIdMessage message;
  message.format = format;
  message.number = number;
  return message;
}

std::string_view replay_state_name(ReplayState state) noexcept {
  switch (state) {
    case ReplayState::ringing: return "ringing";
    case ReplayState::connected: return "connected";
    case ReplayState::caller_gone: return "caller_gone";
    case ReplayState::appliance_hung_up: return "appliance_hung_up";
    case ReplayState::unanswered: return "unanswered";
  }
  return "unknown";
}

ReplayLine::ReplayLine(std::string name, const ReplayConfig& config)
    : name_(std::move(name)), config_(config), queues_(config.queue_blocks) {
  if (config_.max_ring_cycles == 0) {
    throw std::invalid_argument("a replay caller must ring at least one cycle");
  }
  config_.cadence.validate();
  // The transmit file's name is checked before the capture is read, so a
  // typo in it is reported without waiting for a large capture.
  if (config_.format) {
    resolve_audio_format(config_.transmit, config_.format);
  } else {
    resolve_audio_format(config_.transmit);
  }
  if (same_file(config_.capture, config_.transmit)) {
    throw AudioFileError(config_.transmit.string(),
                         "is the capture itself: the transmit file would overwrite it");
  }
  capture_ = read_capture(config_.capture, config_.format);
  transmit_format_ = transmit_format_for(config_, capture_);
  transmitted_.assign(capture_.samples.size(), 0);
  cadence_ = config_.cadence.samples();
  if (config_.caller_id) caller_id_audio_ = dsp::caller_id_audio(*config_.caller_id);
  if (config_.start == ReplayStart::answered) {
    off_hook_ = true;
    connect();
  }
}

std::optional<Block> ReplayLine::read() noexcept { return queues_.read(); }

bool ReplayLine::write(std::span<const int16_t, kBlockSamples> block) noexcept {
  return queues_.write(block);
}

std::optional<LineEvent> ReplayLine::next_event() noexcept { return queues_.next_event(); }

void ReplayLine::fail(std::string_view problem) const {
  throw LineError(name_, std::string(problem));
}

void ReplayLine::emit(LineEventKind kind, uint64_t sample) { queues_.emit(kind, sample); }

void ReplayLine::answer() {
  if (off_hook_) fail("cannot answer: the line is already off-hook");
  if (!alerting()) fail("cannot answer: the line is not ringing");
  off_hook_ = true;
  connect();
}

void ReplayLine::seize() {
  if (off_hook_) fail("cannot seize: the line is already off-hook");
  fail("cannot seize a replay line: its far end is a recorded caller, there is no one to dial");
}

void ReplayLine::hang_up() {
  if (!off_hook_) fail("cannot hang up: the line is already on-hook");
  off_hook_ = false;
  if (state_ == ReplayState::connected) state_ = ReplayState::appliance_hung_up;
  flash_left_ = 0;
  dialer_.clear();
  dtmf_done_at_.reset();
  queues_.clear_transmit();
}

void ReplayLine::flash() {
  if (!off_hook_) fail("cannot flash: the line is on-hook");
  if (flash_left_ > 0) fail("cannot flash: a flash is already in progress");
  flash_left_ = ms_to_samples(config_.flash_ms);
}

void ReplayLine::dial_dtmf(std::string_view digits) {
  if (auto problem = dtmf_dialling_problem(digits)) fail(*problem);
  if (!off_hook_) fail("cannot dial: the line is on-hook");
  if (dialling()) fail("cannot dial: still dialling the previous digits");
  dialer_.queue(digits, dtmf_dialling_spec());
}

void ReplayLine::dial_pulse(std::string_view) {
  fail("cannot pulse dial on a replay line: its far end is a recording, which decodes no pulses");
}

void ReplayLine::ring(const RingRequest&) {
  fail("cannot ring a trunk port (only the exchange rings it)");
}

void ReplayLine::stop_ringing() { fail("cannot stop ringing a trunk port"); }

void ReplayLine::connect() noexcept {
  // The exchange trips the ringing: a ring still in its trailer ends here.
  voltage_ = false;
  ring_off_at_.reset();
  state_ = ReplayState::connected;
  connected_at_ = now_;
}

int16_t ReplayLine::ringing_sample(uint64_t sample) {
  const uint64_t t = ring_position_++;
  const uint64_t cycle = std::accumulate(cadence_.begin(), cadence_.end(), uint64_t{0});
  if (t >= cycle * config_.max_ring_cycles) {
    state_ = ReplayState::unanswered;
    return 0;
  }
  uint64_t within = t % cycle;
  size_t segment = 0;
  while (within >= cadence_[segment]) within -= cadence_[segment++];
  const bool on = segment % 2 == 0;
  if (on != voltage_) {
    voltage_ = on;
    if (on) {
      // Voltage back within the trailer is the same ring continuing.
      if (ring_off_at_) {
        ring_off_at_.reset();
      } else {
        emit(LineEventKind::ring_begin, sample);
      }
    } else if (config_.ring_trailer_ms == 0) {
      emit(LineEventKind::ring_off_hook, sample);
    } else {
      ring_off_at_ = sample + ms_to_samples(config_.ring_trailer_ms);
    }
  }
  const uint64_t fsk_start = cadence_[0] + kCallerIdAfterRing;
  if (t >= fsk_start && t - fsk_start < caller_id_audio_.size()) {
    return caller_id_audio_[t - fsk_start];
  }
  return 0;
}

int16_t ReplayLine::connected_sample(uint64_t sample, int16_t tx) {
  const uint64_t position = sample - *connected_at_;
  if (position >= capture_.samples.size()) {
    emit(LineEventKind::on_hook, sample);
    state_ = ReplayState::caller_gone;
    return 0;
  }
  transmitted_[position] = flash_left_ > 0 ? int16_t{0} : tx;
  return capture_.samples[position];
}

void ReplayLine::tick() noexcept {
  Block tx = queues_.take_transmit();
  if (!dialer_.idle()) {
    const size_t n = dialer_.tx(tx);
    if (dialer_.idle()) dtmf_done_at_ = now_ + n;
  }
  Block rx{};
  for (size_t i = 0; i < kBlockSamples; ++i) {
    const uint64_t sample = now_ + i;
    if (ring_off_at_ && *ring_off_at_ == sample) {
      ring_off_at_.reset();
      emit(LineEventKind::ring_off_hook, sample);
    }
    if (dtmf_done_at_ && *dtmf_done_at_ == sample) {
      dtmf_done_at_.reset();
      emit(LineEventKind::dial_complete, sample);
    }
    if (state_ == ReplayState::ringing) {
      rx[i] = ringing_sample(sample);
    } else if (state_ == ReplayState::connected) {
      rx[i] = connected_sample(sample, tx[i]);
    }
    if (flash_left_ > 0) --flash_left_;
  }
  now_ += kBlockSamples;
  queues_.receive(rx);
}

void ReplayLine::save_transmit() const {
  write_capture(config_.transmit, transmitted_, transmit_format_);
}

}  // namespace ivrd::driver
