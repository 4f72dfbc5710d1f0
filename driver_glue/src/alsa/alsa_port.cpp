// A sound device as an extension port: the phone's hook and keys driven by a
// technician, the port's ticks driven by the capture device.

#include "ivrd/driver/alsa_port.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "ivrd/dsp/tone_zone.hpp"

#include "alsa_device.hpp"

namespace ivrd::driver {
namespace {

using detail::AlsaPcm;

// A warbled tone: closer to a bell than a steady tone, and unlike any
// call-progress tone, so nobody mistakes it for ringback.
const dsp::ToneDefinition& ring_sound() {
  static const dsp::ToneDefinition definition = [] {
    auto parsed = dsp::parse_tone_description("1200*20");
    if (!parsed) throw std::logic_error("the ring sound's description does not parse");
    return *parsed;
  }();
  return definition;
}

int16_t saturate(int32_t value) noexcept {
  return static_cast<int16_t>(std::clamp<int32_t>(value, INT16_MIN, INT16_MAX));
}

}  // namespace

dsp::DtmfToneSpec AlsaConfig::default_key_tone() {
  dsp::DtmfToneSpec spec;
  spec.level_dbm0 = -8.0f;
  spec.on_ms = 100.0f;
  spec.off_ms = 100.0f;
  return spec;
}

std::optional<std::string> AlsaConfig::validate() const {
  std::string problems;
  const auto problem = [&](const std::string& text) {
    if (!problems.empty()) problems += '\n';
    problems += text;
  };
  if (playback_device.empty()) problem("playback_device: no device named");
  if (capture_device.empty()) problem("capture_device: no device named");
  if (latency_ms < 20 || latency_ms > 2000) problem("latency_ms: must be 20 to 2000");
  if (prefill_ms > latency_ms) problem("prefill_ms: must not exceed latency_ms");
  if (rx_flash_ms == 0) problem("rx_flash_ms: must be positive");
  if (flash_ms == 0 || flash_ms >= rx_flash_ms) {
    problem("flash_ms: must be positive and shorter than rx_flash_ms");
  }
  if (queue_blocks == 0) problem("queue_blocks: must be positive");
  // The DTMF detector takes 40 ms tones and 40 ms pauses (Q.24).
  if (key_tone.on_ms < 40.0f || key_tone.off_ms < 40.0f) {
    problem("key_tone: tones and pauses must last at least 40 ms");
  }
  if (dsp::dtmf_digit_index(hook_key) >= 0 || dsp::dtmf_digit_index(flash_key) >= 0) {
    problem("hook_key, flash_key: must not be DTMF keys");
  }
  if (hook_key == flash_key) problem("hook_key, flash_key: must differ");
  if (problems.empty()) return std::nullopt;
  return problems;
}

std::string caller_id_display_text(const dsp::CallerIdMessage& message) {
  const std::string number = message.number.str();
  const std::string name = message.name.str();
  if (!name.empty() && !number.empty()) return name + " <" + number + ">";
  if (!number.empty()) return number;
  if (!name.empty()) return name;
  switch (message.absence) {
    case dsp::CallerIdAbsence::private_number: return "private number";
    case dsp::CallerIdAbsence::out_of_area: return "out of area";
    case dsp::CallerIdAbsence::none: break;
  }
  return "unknown caller";
}

AlsaPhone::AlsaPhone(std::string name, const AlsaConfig& config)
    : name_(std::move(name)),
      config_(config),
      hook_events_(ms_to_samples(config.rx_flash_ms)),
      ring_sound_(ring_sound(), config.ring_level_dbm0),
      queues_(config.queue_blocks) {
  if (auto problems = config_.validate()) throw std::invalid_argument(*problems);
  playback_ = std::make_unique<AlsaPcm>(config_.playback_device, AlsaPcm::Direction::playback,
                                        config_.alsa_conf, config_.latency_ms);
  capture_ = std::make_unique<AlsaPcm>(config_.capture_device, AlsaPcm::Direction::capture,
                                       config_.alsa_conf, config_.latency_ms);
  const std::vector<int16_t> prefill(ms_to_samples(config_.prefill_ms), 0);
  play(prefill);
}

AlsaPhone::~AlsaPhone() = default;

std::optional<Block> AlsaPhone::read() noexcept { return queues_.read(); }

bool AlsaPhone::write(std::span<const int16_t, kBlockSamples> block) noexcept {
  return queues_.write(block);
}

std::optional<LineEvent> AlsaPhone::next_event() noexcept { return queues_.next_event(); }

void AlsaPhone::fail(std::string_view problem) const {
  throw LineError(name_, std::string(problem));
}

void AlsaPhone::emit(LineEventKind kind, uint64_t sample) { queues_.emit(kind, sample); }

void AlsaPhone::answer() { fail("cannot answer an extension port (ring it instead)"); }
void AlsaPhone::seize() { fail("cannot seize an extension port"); }
void AlsaPhone::hang_up() { fail("cannot hang up an extension port (the phone does)"); }
void AlsaPhone::flash() { fail("cannot flash an extension port (the phone does)"); }
void AlsaPhone::dial_pulse(std::string_view) { fail("cannot pulse dial on an extension port"); }

void AlsaPhone::dial_dtmf(std::string_view digits) {
  if (auto problem = dtmf_dialling_problem(digits)) fail(*problem);
  if (!off_hook_) fail("cannot dial: the phone is on-hook");
  if (!dialer_.idle() || dtmf_done_at_) fail("cannot dial: still dialling the previous digits");
  dialer_.queue(digits, dtmf_dialling_spec());
}

void AlsaPhone::ring(const RingRequest& request) {
  if (off_hook_) fail("cannot ring: the phone is off-hook");
  if (ringing_) fail("cannot ring: already ringing");
  try {
    ring_cadence_ = request.cadence.samples();
  } catch (const std::invalid_argument& error) {
    fail(error.what());
  }
  ring_segment_ = 0;
  ring_segment_position_ = 0;
  ring_sound_.reset();
  display_.reset();
  if (request.caller_id) display_ = caller_id_display_text(*request.caller_id);
  ringing_ = true;
  emit(LineEventKind::ringer_on, now_);
}

void AlsaPhone::stop_ringing() {
  if (!ringing_) fail("cannot stop ringing: not ringing");
  ringing_ = false;
  emit(LineEventKind::ringer_off, now_);
}

bool AlsaPhone::handle_key(char key) noexcept {
  if (key == config_.hook_key) return off_hook_ ? put_down() : pick_up();
  if (key == config_.flash_key) return hook_flash();
  if (dsp::dtmf_digit_index(key) >= 0) return press(std::string_view(&key, 1));
  return false;
}

bool AlsaPhone::pick_up() noexcept {
  if (off_hook_ || failure_) return false;
  flash_return_at_.reset();
  phone_hook(true, now_);
  return true;
}

bool AlsaPhone::put_down() noexcept {
  if (!off_hook_ || failure_) return false;
  phone_hook(false, now_);
  return true;
}

bool AlsaPhone::hook_flash() noexcept {
  if (!off_hook_ || failure_) return false;
  phone_hook(false, now_);
  flash_return_at_ = now_ + ms_to_samples(config_.flash_ms);
  return true;
}

bool AlsaPhone::press(std::string_view keys) noexcept {
  if (!off_hook_ || failure_ || keys.empty()) return false;
  for (char key : keys) {
    if (dsp::dtmf_digit_index(key) < 0) return false;
  }
  return keys_.queue(keys, config_.key_tone) == keys.size();
}

void AlsaPhone::phone_hook(bool up, uint64_t sample) noexcept {
  off_hook_ = up;
  const auto event = hook_events_.moved(up, sample);
  if (event) emit(*event, sample);
  if (!up) {
    keys_.clear();
    return;
  }
  // Ring trip: lifting the handset stops the ringing at once.
  ringing_ = false;
}

void AlsaPhone::device_failed(const std::string& why) noexcept {
  if (failure_) return;
  failure_ = why;
  emit(LineEventKind::alarm, now_);
}

void AlsaPhone::play(std::span<const int16_t> pcm) noexcept {
  if (failure_) return;
  playback_pending_.insert(playback_pending_.end(), pcm.begin(), pcm.end());
  size_t done = 0;
  while (done < playback_pending_.size()) {
    const long n =
        playback_->write(playback_pending_.data() + done, playback_pending_.size() - done);
    if (n < 0) {
      device_failed("alsa device '" + playback_->device() +
                    "': playback failed: " + alsa_category().message(static_cast<int>(-n)));
      return;
    }
    if (n == 0) break;
    done += static_cast<size_t>(n);
  }
  playback_pending_.erase(playback_pending_.begin(),
                          playback_pending_.begin() + static_cast<std::ptrdiff_t>(done));
  // A device that stopped taking audio must not make the port hoard it:
  // beyond one buffer, the oldest audio is dropped.
  const size_t limit = std::max<size_t>(playback_->buffer_frames(), kBlockSamples);
  if (playback_pending_.size() > limit) {
    playback_pending_.erase(playback_pending_.begin(),
                            playback_pending_.end() - static_cast<std::ptrdiff_t>(limit));
  }
}

size_t AlsaPhone::service(size_t max_blocks) noexcept {
  if (failure_) return 0;
  // Only what the device holds now: an unpaced device (ALSA's null) always
  // has more, and service() must return.
  const long ready = capture_->available();
  if (ready < 0) {
    device_failed("alsa device '" + capture_->device() +
                  "': capture failed: " + alsa_category().message(static_cast<int>(-ready)));
    return 0;
  }
  size_t budget = static_cast<size_t>(ready);
  size_t made = 0;
  while (made < max_blocks && budget > 0) {
    const size_t wanted = std::min(kBlockSamples - capture_fill_, budget);
    const long n = capture_->read(capture_block_.data() + capture_fill_, wanted);
    if (n < 0) {
      device_failed("alsa device '" + capture_->device() +
                    "': capture failed: " + alsa_category().message(static_cast<int>(-n)));
      break;
    }
    if (n == 0) break;
    budget -= static_cast<size_t>(n);
    capture_fill_ += static_cast<size_t>(n);
    if (capture_fill_ < kBlockSamples) continue;
    capture_fill_ = 0;
    run_tick(capture_block_);
    ++made;
    if (failure_) break;
  }
  return made;
}

void AlsaPhone::run_tick(const Block& microphone) noexcept {
  Block tx = queues_.take_transmit();
  if (!dialer_.idle()) {
    const size_t n = dialer_.tx(tx);
    if (dialer_.idle()) dtmf_done_at_ = now_ + n;
  }
  Block keys{};
  if (off_hook_ && !keys_.idle()) keys_.tx(keys);
  Block rx{};
  Block out{};
  for (size_t i = 0; i < kBlockSamples; ++i) {
    const uint64_t sample = now_ + i;
    if (flash_return_at_ && *flash_return_at_ == sample) {
      flash_return_at_.reset();
      phone_hook(true, sample);
    }
    if (hook_events_.on_hook_due(sample)) emit(LineEventKind::on_hook, sample);
    if (dtmf_done_at_ && *dtmf_done_at_ == sample) {
      dtmf_done_at_.reset();
      emit(LineEventKind::dial_complete, sample);
    }
    if (ringing_) {
      if (ring_segment_position_ == ring_cadence_[ring_segment_]) {
        ring_segment_ = (ring_segment_ + 1) % ring_cadence_.size();
        ring_segment_position_ = 0;
        const bool on = ring_segment_ % 2 == 0;
        if (on) ring_sound_.reset();
        emit(on ? LineEventKind::ringer_on : LineEventKind::ringer_off, sample);
      }
      ++ring_segment_position_;
    }
    if (off_hook_) {
      rx[i] = saturate(int32_t{microphone[i]} + keys[i]);
      out[i] = tx[i];
    } else if (ringer_on()) {
      ring_sound_.tx(std::span<int16_t>(&out[i], 1));
    }
  }
  now_ += kBlockSamples;
  queues_.receive(rx);
  play(out);
}

size_t AlsaPhone::xruns() const noexcept { return playback_->xruns() + capture_->xruns(); }

std::vector<pollfd> AlsaPhone::poll_descriptors() const { return capture_->poll_descriptors(); }

}  // namespace ivrd::driver
