// G.711 A-law and µ-law: the library against an independent reference built
// from the standard's tables, the standard's fixed points, and every SIMD
// variant against the scalar functions.

#include "ivrd/dsp/g711.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "ivrd/dsp/isa.hpp"
#include "ivrd/test_support/rng.hpp"
#include "ivrd/test_support/seed.hpp"

namespace {

using ivrd::dsp::alaw_to_linear;
using ivrd::dsp::G711Law;
using ivrd::dsp::Isa;
using ivrd::dsp::isa_name;
using ivrd::dsp::linear_to_alaw;
using ivrd::dsp::linear_to_ulaw;
using ivrd::dsp::ulaw_to_linear;

// ---------------------------------------------------------------------------
// Reference, written from G.711's description and deliberately unlike the
// library (which uses bit manipulation and tables): each law is a list of
// segment end points; a segment holds 16 equal intervals, the encoder finds
// the segment and interval holding the magnitude, the decoder returns the
// interval's mid-point.
//
// Digital input follows ITU-T G.191: the 16-bit sample keeps its top 14
// (µ-law) or 13 (A-law) bits, and a negative sample is one's complemented
// before truncation (magnitude of x < 0 is (-x - 1) >> k), so -1 lands in the
// smallest negative interval, not the positive one.
// ---------------------------------------------------------------------------

// µ-law, Table 2/G.711, 14-bit units (full scale 8159). Segment s has steps of
// 2^(s+1); its intervals start at end - 16 * step. Segment 0 thus starts at -1:
// its first interval [-1, 1) is the half-width one around 0.
constexpr std::array<int, 8> kUlawSegmentEnd = {31, 95, 223, 479, 991, 2015, 4063, 8159};

int ulaw_step(int segment) { return 2 << segment; }
int ulaw_first(int segment) { return kUlawSegmentEnd[segment] - 16 * ulaw_step(segment); }

uint8_t reference_ulaw_encode(int16_t x) {
  const bool negative = x < 0;
  const int magnitude = (negative ? -(x + 1) : int{x}) >> 2;
  int segment = 0;
  while (segment < 7 && magnitude >= kUlawSegmentEnd[segment]) ++segment;
  // Magnitudes beyond 8159 clip to the last interval.
  const int interval = std::min((magnitude - ulaw_first(segment)) / ulaw_step(segment), 15);
  // Transmitted: sign 1 for positive, then segment and interval inverted.
  const int inverted = 0x7F & ~((segment << 4) | interval);
  return static_cast<uint8_t>((negative ? 0x00 : 0x80) | inverted);
}

int16_t reference_ulaw_decode(uint8_t code) {
  const int bits = 0x7F & ~code;
  const int segment = bits >> 4;
  const int interval = bits & 0xF;
  const int mid = ulaw_first(segment) + interval * ulaw_step(segment) + ulaw_step(segment) / 2;
  return static_cast<int16_t>((code & 0x80) != 0 ? 4 * mid : -4 * mid);
}

// A-law, Table 1/G.711, 13-bit units (full scale 4096). Segment s ends at
// 32 << s; segments 0 and 1 have steps of 2, segment s >= 2 steps of 2^s.
int alaw_end(int segment) { return 32 << segment; }
int alaw_step(int segment) { return segment == 0 ? 2 : 1 << segment; }
int alaw_first(int segment) { return alaw_end(segment) - 16 * alaw_step(segment); }

uint8_t reference_alaw_encode(int16_t x) {
  const bool negative = x < 0;
  const int magnitude = (negative ? -(x + 1) : int{x}) >> 3;
  int segment = 0;
  while (segment < 7 && magnitude >= alaw_end(segment)) ++segment;
  const int interval = std::min((magnitude - alaw_first(segment)) / alaw_step(segment), 15);
  // Transmitted: sign 1 for positive, then the even bits inverted.
  const int plain = (negative ? 0x00 : 0x80) | (segment << 4) | interval;
  return static_cast<uint8_t>(plain ^ 0x55);
}

int16_t reference_alaw_decode(uint8_t code) {
  const int plain = code ^ 0x55;
  const int segment = (plain >> 4) & 7;
  const int interval = plain & 0xF;
  const int mid = alaw_first(segment) + interval * alaw_step(segment) + alaw_step(segment) / 2;
  return static_cast<int16_t>((plain & 0x80) != 0 ? 8 * mid : -8 * mid);
}

// Quantisation step (16-bit units) of the interval a code stands for.
int ulaw_step_16bit(uint8_t code) { return 4 * ulaw_step((0x7F & ~code) >> 4); }
int alaw_step_16bit(uint8_t code) { return 8 * alaw_step(((code ^ 0x55) >> 4) & 7); }

std::string hex(int value) {
  char text[16];
  std::snprintf(text, sizeof text, "0x%02X", static_cast<unsigned>(value));
  return text;
}

std::vector<int16_t> every_sample() {
  std::vector<int16_t> samples(65536);
  for (int i = 0; i < 65536; ++i) {
    samples[static_cast<std::size_t>(i)] = static_cast<int16_t>(i - 32768);
  }
  return samples;
}

std::vector<uint8_t> every_code() {
  std::vector<uint8_t> codes(256);
  for (int i = 0; i < 256; ++i) codes[static_cast<std::size_t>(i)] = static_cast<uint8_t>(i);
  return codes;
}

// Counts mismatches; reports the first few as failed checks (not 65,536).
class MismatchLog {
 public:
  void add(const std::string& what) {
    if (++count_ <= 5) FAIL_CHECK(what);
  }
  int count() const { return count_; }

 private:
  int count_ = 0;
};

// ---------------------------------------------------------------------------
// The library against the reference, every input.
// ---------------------------------------------------------------------------

TEST_CASE("µ-law decodes all 256 codes as G.711 Table 2 specifies", "[g711]") {
  MismatchLog log;
  for (int c = 0; c < 256; ++c) {
    const auto code = static_cast<uint8_t>(c);
    if (ulaw_to_linear(code) != reference_ulaw_decode(code)) {
      log.add("code " + hex(c) + ": library " + std::to_string(ulaw_to_linear(code)) +
              ", reference " + std::to_string(reference_ulaw_decode(code)));
    }
  }
  CHECK(log.count() == 0);
}

TEST_CASE("A-law decodes all 256 codes as G.711 Table 1 specifies", "[g711]") {
  MismatchLog log;
  for (int c = 0; c < 256; ++c) {
    const auto code = static_cast<uint8_t>(c);
    if (alaw_to_linear(code) != reference_alaw_decode(code)) {
      log.add("code " + hex(c) + ": library " + std::to_string(alaw_to_linear(code)) +
              ", reference " + std::to_string(reference_alaw_decode(code)));
    }
  }
  CHECK(log.count() == 0);
}

TEST_CASE("µ-law encodes all 65,536 samples as G.711 Table 2 on the top 14 bits (G.191)",
          "[g711]") {
  MismatchLog log;
  for (const int16_t x : every_sample()) {
    if (linear_to_ulaw(x) != reference_ulaw_encode(x)) {
      log.add("sample " + std::to_string(x) + ": library " + hex(linear_to_ulaw(x)) +
              ", reference " + hex(reference_ulaw_encode(x)));
    }
  }
  CHECK(log.count() == 0);
}

TEST_CASE("A-law encodes all 65,536 samples as G.711 Table 1 on the top 13 bits (G.191)",
          "[g711]") {
  MismatchLog log;
  for (const int16_t x : every_sample()) {
    if (linear_to_alaw(x) != reference_alaw_encode(x)) {
      log.add("sample " + std::to_string(x) + ": library " + hex(linear_to_alaw(x)) +
              ", reference " + hex(reference_alaw_encode(x)));
    }
  }
  CHECK(log.count() == 0);
}

// ---------------------------------------------------------------------------
// Fixed points of the standard.
// ---------------------------------------------------------------------------

TEST_CASE("µ-law: 0 encodes to 0xFF; 0xFF and negative zero 0x7F decode to 0 (G.711 Table 2)",
          "[g711]") {
  CHECK(linear_to_ulaw(0) == 0xFF);
  CHECK(ulaw_to_linear(0xFF) == 0);
  CHECK(ulaw_to_linear(0x7F) == 0);
  // The smallest non-zero outputs: ±2 in 14-bit units.
  CHECK(ulaw_to_linear(0xFE) == 8);
  CHECK(ulaw_to_linear(0x7E) == -8);
  // First interval of the second segment: 33 in 14-bit units.
  CHECK(ulaw_to_linear(0xEF) == 132);
  // Samples -1..-4 are below zero by less than one 14-bit step: negative zero.
  CHECK(linear_to_ulaw(-1) == 0x7F);
  CHECK(linear_to_ulaw(-4) == 0x7F);
  CHECK(linear_to_ulaw(3) == 0xFF);
}

TEST_CASE("A-law inverts the even bits: 0 encodes to 0xD5, 0xD5 decodes to +8 (G.711 Table 1)",
          "[g711]") {
  CHECK(linear_to_alaw(0) == 0xD5);
  CHECK(linear_to_alaw(-1) == 0x55);
  CHECK(alaw_to_linear(0xD5) == 8);
  CHECK(alaw_to_linear(0x55) == -8);
  // Second interval of segment 0 (3 in 13-bit units), first of segment 1 (33).
  CHECK(alaw_to_linear(0xD4) == 24);
  CHECK(alaw_to_linear(0xC5) == 264);
  // A-law has no zero output: the smallest magnitude is half a step.
  for (int c = 0; c < 256; ++c) CHECK(alaw_to_linear(static_cast<uint8_t>(c)) != 0);
}

TEST_CASE("full scale decodes to µ-law ±32124 and A-law ±32256, and larger samples clip to it",
          "[g711]") {
  CHECK(ulaw_to_linear(0x80) == 32124);
  CHECK(ulaw_to_linear(0x00) == -32124);
  CHECK(alaw_to_linear(0xAA) == 32256);
  CHECK(alaw_to_linear(0x2A) == -32256);
  CHECK(linear_to_ulaw(32767) == 0x80);
  CHECK(linear_to_ulaw(-32768) == 0x00);
  CHECK(linear_to_alaw(32767) == 0xAA);
  CHECK(linear_to_alaw(-32768) == 0x2A);
  int ulaw_max = 0;
  int alaw_max = 0;
  for (int c = 0; c < 256; ++c) {
    ulaw_max = std::max(ulaw_max, std::abs(int{ulaw_to_linear(static_cast<uint8_t>(c))}));
    alaw_max = std::max(alaw_max, std::abs(int{alaw_to_linear(static_cast<uint8_t>(c))}));
  }
  CHECK(ulaw_max == 32124);
  CHECK(alaw_max == 32256);
}

TEST_CASE("encoding a decoded code gives the code back, except µ-law negative zero 0x7F -> 0xFF",
          "[g711]") {
  MismatchLog log;
  for (int c = 0; c < 256; ++c) {
    const auto code = static_cast<uint8_t>(c);
    const uint8_t ulaw_back = linear_to_ulaw(ulaw_to_linear(code));
    const uint8_t ulaw_expected = code == 0x7F ? 0xFF : code;
    if (ulaw_back != ulaw_expected) log.add("µ-law " + hex(c) + " came back as " + hex(ulaw_back));
    const uint8_t alaw_back = linear_to_alaw(alaw_to_linear(code));
    if (alaw_back != code) log.add("A-law " + hex(c) + " came back as " + hex(alaw_back));
  }
  CHECK(log.count() == 0);
}

TEST_CASE("both laws are odd: flipping the sign bit negates the decoded value", "[g711]") {
  for (int c = 0; c < 256; ++c) {
    const auto code = static_cast<uint8_t>(c);
    const auto flipped = static_cast<uint8_t>(c ^ 0x80);
    CHECK(ulaw_to_linear(flipped) == -ulaw_to_linear(code));
    CHECK(alaw_to_linear(flipped) == -alaw_to_linear(code));
  }
}

TEST_CASE("decode(encode(x)) never decreases with x and stays within one quantisation step of x",
          "[g711]") {
  MismatchLog log;
  int previous_ulaw = -32768;
  int previous_alaw = -32768;
  for (const int16_t x : every_sample()) {
    const uint8_t ulaw = linear_to_ulaw(x);
    const uint8_t alaw = linear_to_alaw(x);
    const int ulaw_out = ulaw_to_linear(ulaw);
    const int alaw_out = alaw_to_linear(alaw);
    if (ulaw_out < previous_ulaw) log.add("µ-law decreases at " + std::to_string(x));
    if (alaw_out < previous_alaw) log.add("A-law decreases at " + std::to_string(x));
    if (std::abs(ulaw_out - x) > ulaw_step_16bit(ulaw)) {
      log.add("µ-law error at " + std::to_string(x) + ": " + std::to_string(ulaw_out));
    }
    if (std::abs(alaw_out - x) > alaw_step_16bit(alaw)) {
      log.add("A-law error at " + std::to_string(x) + ": " + std::to_string(alaw_out));
    }
    previous_ulaw = ulaw_out;
    previous_alaw = alaw_out;
  }
  CHECK(log.count() == 0);
}

// ---------------------------------------------------------------------------
// Bulk conversion: every instruction set equals the scalar functions.
// ---------------------------------------------------------------------------

uint8_t encode_one(G711Law law, int16_t x) {
  return law == G711Law::ulaw ? linear_to_ulaw(x) : linear_to_alaw(x);
}

int16_t decode_one(G711Law law, uint8_t code) {
  return law == G711Law::ulaw ? ulaw_to_linear(code) : alaw_to_linear(code);
}

const char* law_name(G711Law law) { return law == G711Law::ulaw ? "µ-law" : "A-law"; }

TEST_CASE("every instruction set converts all 256 codes and 65,536 samples as scalar does",
          "[g711][simd]") {
  const std::vector<int16_t> samples = every_sample();
  const std::vector<uint8_t> codes = every_code();
  for (const Isa isa : ivrd::dsp::supported_isas()) {
    for (const G711Law law : {G711Law::ulaw, G711Law::alaw}) {
      DYNAMIC_SECTION(isa_name(isa) << ", " << law_name(law)) {
        MismatchLog log;
        std::vector<int16_t> decoded(codes.size());
        ivrd::dsp::g711_decode(law, codes, decoded, isa);
        for (std::size_t i = 0; i < codes.size(); ++i) {
          if (decoded[i] != decode_one(law, codes[i])) {
            log.add("decode " + hex(codes[i]) + " gave " + std::to_string(decoded[i]));
          }
        }
        std::vector<uint8_t> encoded(samples.size());
        ivrd::dsp::g711_encode(law, samples, encoded, isa);
        for (std::size_t i = 0; i < samples.size(); ++i) {
          if (encoded[i] != encode_one(law, samples[i])) {
            log.add("encode " + std::to_string(samples[i]) + " gave " + hex(encoded[i]));
          }
        }
        CHECK(log.count() == 0);
      }
    }
  }
}

// Random samples with extra weight on the small and the extreme ones, where
// segment and sign handling differ most.
int16_t random_sample(ivrd::test_support::Rng& rng) {
  switch (rng.uniform_int(0, 3)) {
    case 0: return static_cast<int16_t>(rng.uniform_int(-80, 80));
    case 1: return static_cast<int16_t>(rng.uniform_int(-32768, -32000));
    case 2: return static_cast<int16_t>(rng.uniform_int(32000, 32767));
    default: return static_cast<int16_t>(rng.uniform_int(-32768, 32767));
  }
}

// Lengths around every block size the kernels use (8, 16, 32) and their tails,
// input and output each offset by 0..3 elements; guard values around the
// output catch any write outside [out, out + n).
TEST_CASE("every instruction set matches scalar at awkward lengths and unaligned buffers",
          "[g711][simd]") {
  const ivrd::test_support::Seed seed("g711 awkward lengths");
  INFO("SEED=" << seed.value());
  ivrd::test_support::Rng rng(seed.derive("buffers"));

  constexpr std::size_t kMax = 1024;
  constexpr std::size_t kSlack = 8;  // room for offsets and guards
  std::vector<uint8_t> codes(kMax + kSlack);
  std::vector<int16_t> samples(kMax + kSlack);
  for (auto& c : codes) c = static_cast<uint8_t>(rng.uniform_int(0, 255));
  for (auto& x : samples) x = random_sample(rng);

  constexpr uint8_t kByteGuard = 0xA5;
  constexpr int16_t kSampleGuard = 0x5A5A;
  const std::size_t lengths[] = {0,  1,  2,  7,  8,  9,  15, 16, 23,  24,  31,
                                 32, 33, 47, 48, 57, 63, 64, 65, 160, 161, 1024};

  for (const Isa isa : ivrd::dsp::supported_isas()) {
    for (const G711Law law : {G711Law::ulaw, G711Law::alaw}) {
      DYNAMIC_SECTION(isa_name(isa) << ", " << law_name(law)) {
        MismatchLog log;
        for (const std::size_t n : lengths) {
          for (std::size_t in_offset = 0; in_offset < 4; ++in_offset) {
            for (std::size_t out_offset = 0; out_offset < 4; ++out_offset) {
              const std::string where =
                  std::string(isa_name(isa)) + " " + law_name(law) + " n=" + std::to_string(n) +
                  " in+" + std::to_string(in_offset) + " out+" + std::to_string(out_offset);

              std::vector<int16_t> decoded(kMax + kSlack, kSampleGuard);
              ivrd::dsp::g711_decode(law, std::span(codes).subspan(in_offset, n),
                                     std::span(decoded).subspan(out_offset, n), isa);
              for (std::size_t i = 0; i < decoded.size(); ++i) {
                const bool inside = i >= out_offset && i < out_offset + n;
                const int16_t expected =
                    inside ? decode_one(law, codes[in_offset + i - out_offset]) : kSampleGuard;
                if (decoded[i] != expected) {
                  log.add(where + ": decode wrote " + std::to_string(decoded[i]) + " at " +
                          std::to_string(i) + ", expected " + std::to_string(expected));
                }
              }

              std::vector<uint8_t> encoded(kMax + kSlack, kByteGuard);
              ivrd::dsp::g711_encode(law, std::span(samples).subspan(in_offset, n),
                                     std::span(encoded).subspan(out_offset, n), isa);
              for (std::size_t i = 0; i < encoded.size(); ++i) {
                const bool inside = i >= out_offset && i < out_offset + n;
                const uint8_t expected =
                    inside ? encode_one(law, samples[in_offset + i - out_offset]) : kByteGuard;
                if (encoded[i] != expected) {
                  log.add(where + ": encode wrote " + hex(encoded[i]) + " at " + std::to_string(i) +
                          ", expected " + hex(expected));
                }
              }
            }
          }
        }
        CHECK(log.count() == 0);
      }
    }
  }
}

TEST_CASE("bulk calls without an Isa use the active one (IVRD_ISA) and match scalar",
          "[g711][simd]") {
  INFO("active ISA: " << isa_name(ivrd::dsp::active_isa()));
  const std::vector<int16_t> samples = every_sample();
  for (const G711Law law : {G711Law::ulaw, G711Law::alaw}) {
    std::vector<uint8_t> encoded(samples.size());
    ivrd::dsp::g711_encode(law, samples, encoded);
    std::vector<int16_t> decoded(samples.size());
    ivrd::dsp::g711_decode(law, encoded, decoded);
    MismatchLog log;
    for (std::size_t i = 0; i < samples.size(); ++i) {
      if (encoded[i] != encode_one(law, samples[i]) || decoded[i] != decode_one(law, encoded[i])) {
        log.add(std::string(law_name(law)) + " differs at sample " + std::to_string(samples[i]));
      }
    }
    CHECK(log.count() == 0);
  }
}

TEST_CASE("an instruction set the CPU lacks falls back to one it has and still converts exactly",
          "[g711][simd]") {
  const std::vector<int16_t> samples = every_sample();
  for (const Isa isa : {Isa::scalar, Isa::sse41, Isa::avx2, Isa::avx512}) {
    DYNAMIC_SECTION(isa_name(isa)) {
      std::vector<uint8_t> encoded(samples.size());
      ivrd::dsp::g711_encode(G711Law::ulaw, samples, encoded, isa);
      std::vector<int16_t> decoded(samples.size());
      ivrd::dsp::g711_decode(G711Law::ulaw, encoded, decoded, isa);
      MismatchLog log;
      for (std::size_t i = 0; i < samples.size(); ++i) {
        if (decoded[i] != ulaw_to_linear(linear_to_ulaw(samples[i]))) {
          log.add("round trip of " + std::to_string(samples[i]) + " gave " +
                  std::to_string(decoded[i]));
        }
      }
      CHECK(log.count() == 0);
    }
  }
}

}  // namespace
