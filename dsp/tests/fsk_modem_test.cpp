// The 1200 baud FSK modem on its own: characters both ways for Bell 202 and
// V.23, the exact bit clock, the mark frequency measurement that tells the
// two modems apart, and the same characters whatever the block sizes.

#include "ivrd/dsp/fsk_modem.hpp"

#include <cmath>
#include <vector>

#include <catch2/catch.hpp>

#include "ivrd/test_support/g711_line.hpp"
#include "ivrd/test_support/levels.hpp"
#include "ivrd/test_support/noise.hpp"
#include "ivrd/test_support/seed.hpp"

using namespace ivrd::dsp;
namespace support = ivrd::test_support;

namespace {

std::vector<int16_t> modulate(FskModem modem, const std::vector<uint8_t>& bytes,
                              float level_dbm0 = -13.0f, float offset = 0.0f) {
  FskModulator modulator(modem, level_dbm0, offset);
  modulator.queue_mark(40);
  modulator.queue_bytes(bytes);
  modulator.queue_mark(4);
  std::vector<int16_t> pcm(400, 0);
  const size_t lead = pcm.size();
  pcm.resize(lead + modulator.pending_samples() + 400, 0);
  modulator.tx(std::span<int16_t>(pcm).subspan(lead));
  return pcm;
}

std::vector<FskCharacter> demodulate(FskModem modem, std::span<const int16_t> pcm,
                                     size_t block = 160) {
  FskDemodulator demodulator(modem);
  std::vector<FskCharacter> found;
  for (size_t at = 0; at < pcm.size(); at += block) {
    demodulator.rx(pcm.subspan(at, std::min(block, pcm.size() - at)),
                   [&](const FskCharacter& c) { found.push_back(c); });
  }
  return found;
}

std::vector<uint8_t> values(const std::vector<FskCharacter>& found) {
  std::vector<uint8_t> out;
  for (const FskCharacter& c : found) out.push_back(c.value);
  return out;
}

std::vector<uint8_t> every_byte() {
  std::vector<uint8_t> bytes(256);
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<uint8_t>(i * 37 + 11);
  return bytes;
}

}  // namespace

TEST_CASE("the modulator keeps 1200 baud exactly and sends at the level asked", "[fsk]") {
  for (FskModem modem : {FskModem::bell202, FskModem::v23}) {
    FskModulator modulator(modem, -20.0f);
    REQUIRE(modulator.queue_mark(1200));
    // 1200 bits at 1200 baud: one second, 8000 samples.
    CHECK(modulator.pending_samples() == 8000);
    std::vector<int16_t> pcm(8100);
    CHECK(modulator.tx(pcm) == 8000);
    CHECK(modulator.idle());
    CHECK(pcm[8050] == 0);
    CHECK(support::level_dbm0(std::span<const int16_t>(pcm).first(8000)) ==
          Approx(-20.0).margin(0.05));
  }
  FskModulator modulator(FskModem::bell202);
  CHECK(modulator.queue_byte(0x55));
  CHECK(modulator.pending_samples() == 67);  // 10 bits: 66.7 samples
  CHECK_FALSE(modulator.queue_mark(FskModulator::kQueueBits));
}

TEST_CASE("every byte value goes through both modems, 8N1 LSB first", "[fsk]") {
  const std::vector<uint8_t> bytes = every_byte();
  for (FskModem modem : {FskModem::bell202, FskModem::v23}) {
    INFO(fsk_modem_name(modem));
    const auto found = demodulate(modem, modulate(modem, bytes));
    CHECK(values(found) == bytes);
    for (const FskCharacter& c : found) CHECK(c.framed);
    REQUIRE(found.size() == bytes.size());
    CHECK(found[0].mark_bits_before >= 35);
    CHECK(found[1].mark_bits_before == 0);
    // Back to back characters: 10 bits = 66.7 samples apart.
    CHECK(static_cast<double>(found[100].start_sample - found[0].start_sample) ==
          Approx(100 * 8000.0 / 120.0).margin(2.0));
    // Start of the first start bit: 400 samples of silence, 40 mark bits.
    CHECK(static_cast<double>(found[0].start_sample) == Approx(400 + 40 * 20.0 / 3.0).margin(3.0));
  }
}

TEST_CASE("a character without its stop bit is reported as not framed", "[fsk]") {
  FskModulator modulator(FskModem::v23, -13.0f);
  modulator.queue_mark(40);
  // Start bit, eight data bits of 1 (0xFF), then space where the stop bit
  // should be, then mark again.
  modulator.queue_seizure(1);  // one 0 bit: the start bit
  modulator.queue_mark(8);
  modulator.queue_seizure(1);  // the missing stop bit
  modulator.queue_mark(20);
  std::vector<int16_t> pcm(modulator.pending_samples() + 200, 0);
  modulator.tx(pcm);
  const auto found = demodulate(FskModem::v23, pcm);
  REQUIRE_FALSE(found.empty());
  CHECK(found[0].value == 0xFF);
  CHECK_FALSE(found[0].framed);
}

TEST_CASE("levels from -5 to -40 dBm0, after mu-law and A-law", "[fsk]") {
  const std::vector<uint8_t> bytes = every_byte();
  for (FskModem modem : {FskModem::bell202, FskModem::v23}) {
    for (G711Law law : {G711Law::ulaw, G711Law::alaw}) {
      for (float level = -5.0f; level >= -40.0f; level -= 5.0f) {
        INFO(fsk_modem_name(modem)
             << " at " << level << " dBm0, " << (law == G711Law::ulaw ? "mu-law" : "A-law"));
        const auto pcm = support::g711_round_trip(modulate(modem, bytes, level), law);
        CHECK(values(demodulate(modem, pcm)) == bytes);
      }
    }
  }
}

TEST_CASE("below the carrier floor nothing is decoded", "[fsk]") {
  const auto pcm = modulate(FskModem::bell202, every_byte(), -50.0f);
  CHECK(demodulate(FskModem::bell202, pcm).empty());
}

TEST_CASE("tone offsets of +-1.5 % and 20 dB SNR leave every byte right", "[fsk]") {
  const support::Seed seed("fsk offsets");
  const std::vector<uint8_t> bytes = every_byte();
  for (FskModem modem : {FskModem::bell202, FskModem::v23}) {
    for (float offset : {-0.015f, -0.01f, 0.01f, 0.015f}) {
      INFO(fsk_modem_name(modem) << " offset " << offset);
      auto pcm = modulate(modem, bytes, -20.0f, offset);
      pcm = support::add_at_snr(pcm, -20.0, support::white_noise(pcm.size(), -30.0, seed), 20.0);
      // The noise after the signal may add a stray character of its own.
      auto found = values(demodulate(modem, pcm));
      REQUIRE(found.size() >= bytes.size());
      found.resize(bytes.size());
      CHECK(found == bytes);
    }
  }
}

TEST_CASE("the mark's measured frequency tells Bell 202 from V.23", "[fsk]") {
  for (float offset : {-0.01f, 0.0f, 0.01f}) {
    for (FskModem sent : {FskModem::bell202, FskModem::v23}) {
      const auto pcm = modulate(sent, {0x80}, -20.0f, offset);
      for (FskModem heard : {FskModem::bell202, FskModem::v23}) {
        INFO("sent " << fsk_modem_name(sent) << " heard as " << fsk_modem_name(heard) << " offset "
                     << offset);
        const auto found = demodulate(heard, pcm);
        REQUIRE(found.size() == 1);
        const float sent_mark = fsk_modem_params(sent).mark_hz * (1.0f + offset);
        const float expected = sent_mark / fsk_modem_params(heard).mark_hz - 1.0f;
        CHECK(found[0].mark_error == Approx(expected).margin(0.006));
      }
    }
  }
}

TEST_CASE("the same characters at the same samples whatever the block sizes", "[fsk]") {
  const support::Seed seed("fsk blocks");
  for (FskModem modem : {FskModem::bell202, FskModem::v23}) {
    auto pcm = modulate(modem, every_byte(), -25.0f);
    pcm = support::add_at_snr(pcm, -25.0, support::white_noise(pcm.size(), -30.0, seed), 15.0);
    const auto reference = demodulate(modem, pcm, 160);
    for (size_t block : {1u, 7u, 13u, 1000u}) {
      const auto found = demodulate(modem, pcm, block);
      REQUIRE(found.size() == reference.size());
      for (size_t i = 0; i < found.size(); ++i) {
        CHECK(found[i].value == reference[i].value);
        CHECK(found[i].start_sample == reference[i].start_sample);
        CHECK(found[i].end_sample == reference[i].end_sample);
      }
    }
  }
}
