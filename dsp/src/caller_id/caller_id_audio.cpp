// Caller ID messages to audio: FSK through FskModulator, DTMF digits through
// DtmfGenerator.

#include "ivrd/dsp/caller_id.hpp"
#include "ivrd/dsp/dtmf_generator.hpp"

namespace ivrd::dsp {
namespace {

std::string_view dtmf_absence_code(CallerIdAbsence absence) {
  return absence == CallerIdAbsence::private_number ? "10" : "00";
}

}  // namespace

std::string caller_id_dtmf_digits(const CallerIdMessage& message) {
  // Appended piece by piece: GCC 12 warns falsely (-Wrestrict) on
  // "literal" + std::string at -O3.
  std::string digits;
  if (message.absence != CallerIdAbsence::none) {
    digits.append("B").append(dtmf_absence_code(message.absence));
  } else {
    digits.append("A").append(message.number.str());
  }
  digits.append("C");
  return digits;
}

std::vector<int16_t> caller_id_fsk_audio(std::span<const uint8_t> bytes, FskModem modem,
                                         const CallerIdAudioOptions& options) {
  const bool bell = modem == FskModem::bell202;
  const int seizure = options.seizure_bits >= 0 ? options.seizure_bits : (bell ? 300 : 96);
  const int mark = options.mark_bits >= 0 ? options.mark_bits : (bell ? 180 : 80);
  FskModulator modulator(modem, options.level_dbm0, options.frequency_offset);
  modulator.queue_seizure(static_cast<size_t>(seizure));
  modulator.queue_mark(static_cast<size_t>(mark));
  modulator.queue_bytes(bytes);
  modulator.queue_mark(
      static_cast<size_t>(options.trailing_mark_bits > 0 ? options.trailing_mark_bits : 0));
  std::vector<int16_t> out(modulator.pending_samples());
  modulator.tx(out);
  return out;
}

std::vector<int16_t> caller_id_audio(const CallerIdMessage& message,
                                     const CallerIdAudioOptions& options) {
  if (message.format == CallerIdFormat::dtmf) {
    DtmfGenerator generator;
    DtmfToneSpec spec;
    spec.level_dbm0 = options.level_dbm0;
    spec.low_offset = spec.high_offset = options.frequency_offset;
    spec.on_ms = options.dtmf_on_ms;
    spec.off_ms = options.dtmf_off_ms;
    const std::string digits = caller_id_dtmf_digits(message);
    generator.queue(digits, spec);
    std::vector<int16_t> out;
    std::array<int16_t, 160> block{};
    while (!generator.idle()) {
      const size_t n = generator.tx(block);
      out.insert(out.end(), block.begin(), block.begin() + static_cast<std::ptrdiff_t>(n));
    }
    return out;
  }
  const FskModem modem = message.format == CallerIdFormat::bell202_sdmf ||
                                 message.format == CallerIdFormat::bell202_mdmf
                             ? FskModem::bell202
                             : FskModem::v23;
  const std::vector<uint8_t> bytes = caller_id_bytes(message);
  return caller_id_fsk_audio(bytes, modem, options);
}

}  // namespace ivrd::dsp
