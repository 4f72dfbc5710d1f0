// Caller ID: the message layer (SDMF, MDMF, checksum, absence, ISO 8859-1
// names), and the receiver on audio: both modems and both formats over the
// level range, noise, tone offsets and G.711, messages in the middle of
// other audio, any block size, no false messages in speech, noise or music,
// and DTMF caller ID.
//
// How far down it goes (bench/callerid_bench.cpp, docs/callerid.md): every
// 40-byte MDMF message from -5 to -44 dBm0; at 10 dB SNR 100 % (Bell 202) and
// 99 % (V.23), at 8 dB 99.5 % and 94.5 %, at 6 dB 81 % and 72 %; tone offsets
// up to +-3 %. The tests below hold the receiver to a margin inside that.

#include "ivrd/dsp/caller_id.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "ivrd/dsp/dtmf_generator.hpp"
#include "ivrd/test_support/g711_line.hpp"
#include "ivrd/test_support/levels.hpp"
#include "ivrd/test_support/music.hpp"
#include "ivrd/test_support/noise.hpp"
#include "ivrd/test_support/seed.hpp"
#include "ivrd/test_support/speech.hpp"
#include "ivrd/test_support/speech_like_noise.hpp"

using namespace ivrd::dsp;
namespace support = ivrd::test_support;

namespace {

constexpr std::array<CallerIdFormat, 4> kFskFormats{
    CallerIdFormat::bell202_sdmf, CallerIdFormat::bell202_mdmf, CallerIdFormat::v23_sdmf,
    CallerIdFormat::v23_mdmf};

std::vector<uint8_t> hex(std::string_view text) {
  std::vector<uint8_t> out;
  for (size_t i = 0; i + 1 < text.size(); i += 3) {
    out.push_back(static_cast<uint8_t>(std::stoi(std::string(text.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

bool is_sdmf(CallerIdFormat format) {
  return format == CallerIdFormat::bell202_sdmf || format == CallerIdFormat::v23_sdmf;
}

CallerIdMessage sample_message(CallerIdFormat format) {
  CallerIdMessage message;
  message.format = format;
  message.datetime = "12251030";
  message.number = "441234567890123";  // 15 digits
  if (!is_sdmf(format)) message.name = "Åsa Müller-Lüdenscheidt";
  return message;
}

// What the receiver reports for the message sent.
void check_same(const CallerIdMessage& got, const CallerIdMessage& sent) {
  CHECK(caller_id_format_name(got.format) == caller_id_format_name(sent.format));
  CHECK(got.valid);
  CHECK(got.number.view() == sent.number.view());
  CHECK(got.name.view() == sent.name.view());
  CHECK(got.datetime.view() == sent.datetime.view());
  CHECK(got.absence == sent.absence);
  CHECK(got.name_absence == sent.name_absence);
}

std::vector<int16_t> padded(const std::vector<int16_t>& signal, size_t lead = 2000,
                            size_t tail = 2000) {
  std::vector<int16_t> pcm(lead, 0);
  pcm.insert(pcm.end(), signal.begin(), signal.end());
  pcm.resize(pcm.size() + tail, 0);
  return pcm;
}

std::vector<CallerIdMessage> receive(std::span<const int16_t> pcm, size_t block = 160,
                                     const CallerIdReceiverConfig& config = {}) {
  CallerIdReceiver receiver(config);
  std::vector<CallerIdMessage> found;
  auto sink = [&](const CallerIdMessage& message) { found.push_back(message); };
  for (size_t at = 0; at < pcm.size(); at += block) {
    receiver.rx(pcm.subspan(at, std::min(block, pcm.size() - at)), sink);
  }
  receiver.flush(sink);
  std::stable_sort(found.begin(), found.end(),
                   [](const auto& a, const auto& b) { return a.start_sample < b.start_sample; });
  return found;
}

void report(const char* material, const std::vector<CallerIdMessage>& found) {
  for (const CallerIdMessage& m : found) {
    WARN(material << ": false message " << caller_id_format_name(m.format) << " valid " << m.valid
                  << " number '" << m.number.view() << "' at " << m.start_sample / 8 << " ms");
  }
}

}  // namespace

// --- Message layer ----------------------------------------------------------

TEST_CASE("SDMF bytes as in the Bellcore example, and back", "[callerid]") {
  const auto example = hex("04 12 30 39 33 30 31 32 32 34 36 30 39 35 35 35 31 32 31 32 51");
  const auto message = parse_caller_id_bytes(example, FskModem::bell202);
  REQUIRE(message);
  CHECK(message->valid);
  CHECK(message->format == CallerIdFormat::bell202_sdmf);
  CHECK(message->datetime.view() == "09301224");
  CHECK(message->number.view() == "6095551212");
  CHECK(caller_id_bytes(*message) == example);

  // The example of a blocked call as it is usually quoted ends in 0x12, a
  // wrong checksum; the right one is 0x0E.
  const auto blocked = hex("04 09 30 39 33 30 31 32 32 34 50 0E");
  const auto private_call = parse_caller_id_bytes(blocked, FskModem::bell202);
  REQUIRE(private_call);
  CHECK(private_call->valid);
  CHECK(private_call->absence == CallerIdAbsence::private_number);
  CHECK(private_call->number.empty());
  CHECK(caller_id_bytes(*private_call) == blocked);
}

TEST_CASE("MDMF bytes as in the Bellcore example: date, name, number", "[callerid]") {
  // As usually quoted but for the checksum (0x84, not 0x7D).
  const auto example = hex(
      "80 20 01 08 30 33 32 34 30 39 30 32 07 08 4A 4F 48 4E 20 44 4F 45 02 0A 38 30 30 35 35 35 "
      "31 32 31 32 84");
  const auto message = parse_caller_id_bytes(example, FskModem::v23);
  REQUIRE(message);
  CHECK(message->valid);
  CHECK(message->format == CallerIdFormat::v23_mdmf);
  CHECK(message->datetime.view() == "03240902");
  CHECK(message->name.view() == "JOHN DOE");
  CHECK(message->number.view() == "8005551212");
  // Encoded again (in the order date, number, name), it parses the same.
  const auto again = parse_caller_id_bytes(caller_id_bytes(*message), FskModem::v23);
  REQUIRE(again);
  check_same(*again, *message);
}

TEST_CASE("the checksum makes all bytes add up to zero", "[callerid]") {
  for (CallerIdFormat format : kFskFormats) {
    const auto bytes = caller_id_bytes(sample_message(format));
    unsigned sum = 0;
    for (uint8_t b : bytes) sum += b;
    CHECK(sum % 256 == 0);
    CHECK(bytes[1] + 3u == bytes.size());
  }
}

TEST_CASE("a corrupted byte is reported invalid, never with its number", "[callerid]") {
  for (CallerIdFormat format : kFskFormats) {
    const auto bytes = caller_id_bytes(sample_message(format));
    for (size_t i = 2; i < bytes.size(); ++i) {
      for (int flip : {0x01, 0x10, 0x80}) {
        auto corrupted = bytes;
        corrupted[i] = static_cast<uint8_t>(corrupted[i] ^ flip);
        const auto message = parse_caller_id_bytes(corrupted, FskModem::bell202);
        INFO("byte " << i << " flip " << flip);
        REQUIRE(message);
        CHECK_FALSE(message->valid);
        CHECK(message->number.empty());
        CHECK(message->name.empty());
        CHECK(message->datetime.empty());
        CHECK(message->absence == CallerIdAbsence::none);
      }
    }
  }
  // A wrong type or a length that does not match is not a message at all.
  auto bytes = caller_id_bytes(sample_message(CallerIdFormat::bell202_mdmf));
  bytes[0] = 0x81;
  CHECK_FALSE(parse_caller_id_bytes(bytes, FskModem::bell202));
  bytes = caller_id_bytes(sample_message(CallerIdFormat::bell202_mdmf));
  bytes.pop_back();
  CHECK_FALSE(parse_caller_id_bytes(bytes, FskModem::bell202));
}

TEST_CASE("absence reasons: 'O' out of area, 'P' private, in SDMF and MDMF", "[callerid]") {
  for (CallerIdFormat format : kFskFormats) {
    for (CallerIdAbsence absence :
         {CallerIdAbsence::out_of_area, CallerIdAbsence::private_number}) {
      CallerIdMessage message = sample_message(format);
      message.number.clear();
      message.absence = absence;
      if (!is_sdmf(format)) {
        message.name.clear();
        message.name_absence = absence;
      }
      const auto bytes = caller_id_bytes(message);
      CHECK(std::count(bytes.begin(), bytes.end(),
                       absence == CallerIdAbsence::private_number ? 'P' : 'O') >= 1);
      const auto parsed = parse_caller_id_bytes(bytes, FskModem::v23);
      REQUIRE(parsed);
      CHECK(parsed->valid);
      CHECK(parsed->absence == absence);
      CHECK(parsed->name_absence == message.name_absence);
      CHECK(parsed->number.empty());
    }
  }
  CHECK(caller_id_absence_name(CallerIdAbsence::private_number) == "private");
  CHECK(caller_id_absence_name(CallerIdAbsence::out_of_area) == "out_of_area");
}

TEST_CASE("names are ISO 8859-1 on the line and UTF-8 in messages", "[callerid]") {
  CHECK(utf8_to_latin1("Åsa Müller") == "\xC5sa M\xFCller");
  CHECK(latin1_to_utf8("\xC5sa M\xFCller \xFF") == "Åsa Müller ÿ");
  CHECK(utf8_to_latin1("€ 5 ☎") == "? 5 ?");
  CHECK(utf8_to_latin1(std::string("a\xC3", 2)) == "a?");
  std::string every;
  for (int c = 0x20; c <= 0xFF; ++c) every.push_back(static_cast<char>(c));
  CHECK(utf8_to_latin1(latin1_to_utf8(every)) == every);

  CallerIdMessage message = sample_message(CallerIdFormat::v23_mdmf);
  message.name = latin1_to_utf8(every.substr(0x60));  // 0x80..0xFF, 160 bytes of UTF-8 fit
  const auto parsed = parse_caller_id_bytes(caller_id_bytes(message), FskModem::v23);
  REQUIRE(parsed);
  CHECK(parsed->valid);
  CHECK(parsed->name.view() == message.name.view());
}

TEST_CASE("MDMF: unknown parameters are skipped, broken ones make it invalid", "[callerid]") {
  // Call type (0x11) and called number (0x03) before the number.
  std::vector<uint8_t> bytes{0x80, 0,   0x11, 1, 0x01, 0x03, 3,   '1',
                             '2',  '3', 0x02, 4, '5',  '5',  '5', '1'};
  bytes[1] = static_cast<uint8_t>(bytes.size() - 2);
  unsigned sum = 0;
  for (uint8_t b : bytes) sum += b;
  bytes.push_back(static_cast<uint8_t>(256 - sum % 256));
  auto parsed = parse_caller_id_bytes(bytes, FskModem::v23);
  REQUIRE(parsed);
  CHECK(parsed->valid);
  CHECK(parsed->number.view() == "5551");

  // A parameter running past the end, with a right checksum.
  std::vector<uint8_t> broken{0x80, 4, 0x02, 9, '1', '2'};
  sum = 0;
  for (uint8_t b : broken) sum += b;
  broken.push_back(static_cast<uint8_t>(256 - sum % 256));
  parsed = parse_caller_id_bytes(broken, FskModem::v23);
  REQUIRE(parsed);
  CHECK_FALSE(parsed->valid);
  CHECK(parsed->number.empty());
}

// --- The receiver on audio ---------------------------------------------------

TEST_CASE("round trip, both modems and formats, -5 to -40 dBm0, mu-law and A-law", "[callerid]") {
  for (CallerIdFormat format : kFskFormats) {
    const CallerIdMessage sent = sample_message(format);
    for (G711Law law : {G711Law::ulaw, G711Law::alaw}) {
      for (float level = -5.0f; level >= -40.0f; level -= 5.0f) {
        INFO(caller_id_format_name(format)
             << " at " << level << " dBm0 " << (law == G711Law::ulaw ? "mu-law" : "A-law"));
        CallerIdAudioOptions options;
        options.level_dbm0 = level;
        const auto pcm = support::g711_round_trip(padded(caller_id_audio(sent, options)), law);
        const auto found = receive(pcm);
        REQUIRE(found.size() == 1);
        check_same(found[0], sent);
        // Start: where the channel seizure begins, after 2000 samples of silence.
        CHECK(static_cast<double>(found[0].start_sample) == Approx(2000).margin(40));
        CHECK(found[0].end_sample > found[0].start_sample);
      }
    }
  }
}

TEST_CASE("20 dB SNR at -5, -20 and -35 dBm0 with tone offsets of +-1 %", "[callerid]") {
  const support::Seed seed("caller id 20 dB");
  uint64_t trial = 0;
  for (CallerIdFormat format : kFskFormats) {
    const CallerIdMessage sent = sample_message(format);
    for (float level : {-5.0f, -20.0f, -35.0f}) {
      for (float offset : {-0.01f, 0.0f, 0.01f}) {
        INFO(caller_id_format_name(format) << " at " << level << " dBm0, offset " << offset);
        CallerIdAudioOptions options;
        options.level_dbm0 = level;
        options.frequency_offset = offset;
        auto pcm = padded(caller_id_audio(sent, options));
        pcm = support::add_at_snr(
            pcm, level,
            support::white_noise(pcm.size(), -20.0, seed.derive(std::to_string(++trial))), 20.0);
        const auto found = receive(support::g711_round_trip(pcm));
        REQUIRE(found.size() == 1);
        check_same(found[0], sent);
      }
    }
  }
}

TEST_CASE("10 dB SNR: nearly every message, and never a wrong number", "[callerid]") {
  const support::Seed seed("caller id 10 dB");
  for (CallerIdFormat format : {CallerIdFormat::bell202_mdmf, CallerIdFormat::v23_mdmf}) {
    const CallerIdMessage sent = sample_message(format);
    int right = 0;
    constexpr int kTrials = 20;
    for (int trial = 0; trial < kTrials; ++trial) {
      CallerIdAudioOptions options;
      options.level_dbm0 = -25.0f;
      options.frequency_offset = 0.01f * static_cast<float>(trial % 3 - 1);
      auto pcm = padded(caller_id_audio(sent, options));
      pcm = support::add_at_snr(
          pcm, -25.0, support::white_noise(pcm.size(), -20.0, seed.derive(std::to_string(trial))),
          10.0);
      for (const CallerIdMessage& got : receive(pcm)) {
        if (got.valid) {
          check_same(got, sent);
          ++right;
        } else {
          CHECK(got.number.empty());
        }
      }
    }
    INFO(caller_id_format_name(format));
    CHECK(right >= kTrials - 2);
  }
}

TEST_CASE("a corrupted checksum on the line gives valid = false and no number", "[callerid]") {
  for (CallerIdFormat format : kFskFormats) {
    auto bytes = caller_id_bytes(sample_message(format));
    bytes.back() = static_cast<uint8_t>(bytes.back() + 1);
    const FskModem modem =
        format == CallerIdFormat::bell202_sdmf || format == CallerIdFormat::bell202_mdmf
            ? FskModem::bell202
            : FskModem::v23;
    const auto found = receive(padded(caller_id_fsk_audio(bytes, modem)));
    INFO(caller_id_format_name(format));
    REQUIRE(found.size() == 1);
    CHECK(found[0].format == format);
    CHECK_FALSE(found[0].valid);
    CHECK(found[0].number.empty());
    CHECK(found[0].name.empty());
    CHECK(found[0].datetime.empty());
  }
}

TEST_CASE("a missing or short channel seizure and a short mark are tolerated", "[callerid]") {
  for (CallerIdFormat format : kFskFormats) {
    const CallerIdMessage sent = sample_message(format);
    for (int seizure : {0, 30}) {
      for (int mark : {12, 55}) {
        INFO(caller_id_format_name(format) << " seizure " << seizure << " mark " << mark);
        CallerIdAudioOptions options;
        options.seizure_bits = seizure;
        options.mark_bits = mark;
        const auto found = receive(padded(caller_id_audio(sent, options)));
        REQUIRE(found.size() == 1);
        check_same(found[0], sent);
      }
    }
  }
}

TEST_CASE("messages between rings and in the middle of speech-like audio", "[callerid]") {
  const support::Seed seed("caller id in audio");
  // A first ring's silence, a Bell 202 message, talk, a V.23 message with an
  // absent number, more talk, a DTMF caller ID, silence.
  CallerIdMessage first = sample_message(CallerIdFormat::bell202_mdmf);
  CallerIdMessage second = sample_message(CallerIdFormat::v23_mdmf);
  second.number.clear();
  second.absence = CallerIdAbsence::private_number;
  CallerIdMessage third;
  third.format = CallerIdFormat::dtmf;
  third.number = "0612345678";
  CallerIdAudioOptions options;
  options.level_dbm0 = -18.0f;

  std::vector<int16_t> pcm(8000, 0);
  std::vector<size_t> starts;
  auto append = [&](const std::vector<int16_t>& part) {
    pcm.insert(pcm.end(), part.begin(), part.end());
  };
  starts.push_back(pcm.size());
  append(caller_id_audio(first, options));
  append(support::speech_like_noise(8000 * 2, -15.0, seed.derive("talk 1")));
  starts.push_back(pcm.size());
  append(caller_id_audio(second, options));
  append(std::vector<int16_t>(800, 0));
  append(support::speech_like_noise(8000 * 2, -15.0, seed.derive("talk 2")));
  starts.push_back(pcm.size());
  append(caller_id_audio(third, options));
  append(std::vector<int16_t>(8000, 0));
  support::g711_round_trip_in_place(pcm, G711Law::alaw);

  const auto found = receive(pcm);
  REQUIRE(found.size() == 3);
  check_same(found[0], first);
  check_same(found[1], second);
  check_same(found[2], third);
  // Within 10 ms where silence comes before; the DTMF message follows the
  // talk directly, and the digit detector may place its start up to 20 ms
  // into what the talk's last syllable blurs.
  CHECK(static_cast<double>(found[0].start_sample) == Approx(starts[0]).margin(80));
  CHECK(static_cast<double>(found[1].start_sample) == Approx(starts[1]).margin(80));
  CHECK(static_cast<double>(found[2].start_sample) == Approx(starts[2]).margin(160));
}

TEST_CASE("the same messages at the same samples for blocks of 1, 7 and 160 samples",
          "[callerid]") {
  const support::Seed seed("caller id blocks");
  std::vector<int16_t> pcm(1000, 0);
  for (CallerIdFormat format : {CallerIdFormat::v23_mdmf, CallerIdFormat::bell202_sdmf,
                                CallerIdFormat::dtmf, CallerIdFormat::bell202_mdmf}) {
    CallerIdMessage message = sample_message(format);
    const auto audio = caller_id_audio(message, {});
    pcm.insert(pcm.end(), audio.begin(), audio.end());
    pcm.resize(pcm.size() + 3000, 0);
  }
  pcm = support::add_at_snr(pcm, -13.0, support::white_noise(pcm.size(), -30.0, seed), 25.0);
  const auto reference = receive(pcm, 160);
  REQUIRE(reference.size() == 4);
  for (size_t block : {1u, 7u, 4000u}) {
    INFO("block " << block);
    const auto found = receive(pcm, block);
    REQUIRE(found.size() == reference.size());
    for (size_t i = 0; i < found.size(); ++i) {
      check_same(found[i], reference[i]);
      CHECK(found[i].start_sample == reference[i].start_sample);
      CHECK(found[i].end_sample == reference[i].end_sample);
    }
  }
}

TEST_CASE("only the enabled paths report", "[callerid]") {
  const auto bell = padded(caller_id_audio(sample_message(CallerIdFormat::bell202_mdmf)));
  CallerIdReceiverConfig config;
  config.bell202 = false;
  // The V.23 demodulator decodes Bell 202 too, but its mark is 8 % off:
  // not taken for V.23.
  CHECK(receive(bell, 160, config).empty());
  config = {};
  config.v23 = false;
  CHECK(receive(bell, 160, config).size() == 1);
}

// --- DTMF caller ID ------------------------------------------------------------

TEST_CASE("DTMF caller ID: number, absence codes, at -5 to -30 dBm0", "[callerid][dtmf]") {
  CallerIdMessage number;
  number.format = CallerIdFormat::dtmf;
  number.number = "441234567890123";
  CHECK(caller_id_dtmf_digits(number) == "A441234567890123C");
  CallerIdMessage hidden = number;
  hidden.number.clear();
  hidden.absence = CallerIdAbsence::private_number;
  CHECK(caller_id_dtmf_digits(hidden) == "B10C");
  CallerIdMessage unavailable = hidden;
  unavailable.absence = CallerIdAbsence::out_of_area;
  CHECK(caller_id_dtmf_digits(unavailable) == "B00C");

  for (const CallerIdMessage& sent : {number, hidden, unavailable}) {
    for (float level : {-5.0f, -18.0f, -30.0f}) {
      INFO(caller_id_dtmf_digits(sent) << " at " << level);
      CallerIdAudioOptions options;
      options.level_dbm0 = level;
      const auto found = receive(support::g711_round_trip(padded(caller_id_audio(sent, options))));
      REQUIRE(found.size() == 1);
      check_same(found[0], sent);
      CHECK(static_cast<double>(found[0].start_sample) == Approx(2000).margin(40));
    }
  }
}

TEST_CASE("DTMF caller ID: 'D' start and codes, '#' end, incomplete sequences",
          "[callerid][dtmf]") {
  auto digits_audio = [](std::string_view digits, float gap_ms = 60.0f) {
    DtmfGenerator generator;
    DtmfToneSpec spec;
    spec.on_ms = 60.0f;
    spec.off_ms = gap_ms;
    generator.queue(digits, spec);
    std::vector<int16_t> pcm(16000 + digits.size() * 1000, 0);
    generator.tx(std::span<int16_t>(pcm).subspan(2000));
    return pcm;
  };
  auto found = receive(digits_audio("D0612345678#"));
  REQUIRE(found.size() == 1);
  CHECK(found[0].valid);
  CHECK(found[0].number.view() == "0612345678");

  found = receive(digits_audio("D1C"));
  REQUIRE(found.size() == 1);
  CHECK(found[0].absence == CallerIdAbsence::private_number);

  // Unknown absence code and an empty number: reported, not valid.
  found = receive(digits_audio("B77C"));
  REQUIRE(found.size() == 1);
  CHECK_FALSE(found[0].valid);
  CHECK(found[0].number.empty());
  found = receive(digits_audio("AC"));
  REQUIRE(found.size() == 1);
  CHECK_FALSE(found[0].valid);

  // No end digit, no start digit, or a pause of more than a second: nothing.
  CHECK(receive(digits_audio("A0612345678")).empty());
  CHECK(receive(digits_audio("0612345678C")).empty());
  CHECK(receive(digits_audio("A06C", 1500.0f)).empty());
  // Ordinary dialled digits are not caller ID.
  CHECK(receive(digits_audio("0612345678#*")).empty());
}

// --- No false messages ----------------------------------------------------------

TEST_CASE("no messages in white noise at any level", "[callerid][talkoff]") {
  const support::Seed seed("caller id white noise");
  for (double level : {-10.0, -25.0, -40.0}) {
    const auto noise = support::white_noise(8000 * 20, level, seed.derive(std::to_string(level)));
    const auto found = receive(noise, 160);
    report("white noise", found);
    CHECK(found.empty());
  }
}

TEST_CASE("no messages in noise inside the FSK band", "[callerid][talkoff]") {
  // White noise band-limited to about 1000..2300 Hz: passes the carrier
  // detector, so only the message structure stands in the way.
  const support::Seed seed("caller id band noise");
  const auto white = support::white_noise(8000 * 30, -10.0, seed);
  std::vector<int16_t> band(white.size());
  // A two-pole resonator at 1650 Hz, about 1 kHz wide, with zeros at DC
  // and 4 kHz.
  const double r = 0.67, w = 2.0 * std::numbers::pi * 1650.0 / 8000.0;
  double y1 = 0, y2 = 0;
  for (size_t i = 0; i < white.size(); ++i) {
    const double x = white[i];
    const double y = x - (i >= 2 ? white[i - 2] : 0) + 2 * r * std::cos(w) * y1 - r * r * y2;
    y2 = y1;
    y1 = y;
    band[i] = support::to_int16(0.5 * y);
  }
  const auto found = receive(band);
  report("band noise", found);
  CHECK(found.empty());
}

TEST_CASE("no messages in speech-like noise and music", "[callerid][talkoff]") {
  const support::Seed seed("caller id talk-off");
  auto babble = support::speech_like_noise(8000 * 30, -12.0, seed.derive("babble"));
  support::g711_round_trip_in_place(babble);
  auto found = receive(babble);
  report("speech-like noise", found);
  CHECK(found.empty());

  auto music = support::music_on_hold(8000 * 30, seed.derive("music"));
  support::g711_round_trip_in_place(music);
  found = receive(music);
  report("music", found);
  CHECK(found.empty());
}

TEST_CASE("no messages in speech", "[callerid][talkoff]") {
  std::string reason;
  if (!support::speech_available(&reason)) {
    WARN("speech synthesis unavailable, caller ID talk-off on speech not run: " << reason);
    return;
  }
  const support::Seed seed("caller id speech");
  support::Speech speech = support::speech_corpus(30.0, seed);
  REQUIRE(speech.ok());
  support::g711_round_trip_in_place(speech.pcm);
  const auto found = receive(speech.pcm);
  report("speech", found);
  CHECK(found.empty());
}
