// Caller ID receivers side by side: ivrd's CallerIdReceiver and spandsp's
// adsi_rx (ADSI_STANDARD_CLASS for Bell 202, ADSI_STANDARD_CLIP for V.23),
// on the same MDMF messages (date, 15-digit number, 13-character name) made
// with ivrd's encoder, swept over level, white-noise SNR and tone offset,
// every signal through a mu-law line. A message counts when it is delivered
// with every byte right. ivrd also reports messages whose checksum failed
// (valid = false, no number); "wrong" counts messages reported as valid
// with other content than was sent.
//
//   ivrd_callerid_bench [trials per point, default 50]

#include <spandsp.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "ivrd/dsp/caller_id.hpp"
#include "ivrd/test_support/g711_line.hpp"
#include "ivrd/test_support/noise.hpp"

namespace {

using namespace ivrd;

struct Point {
  float level_dbm0 = -20.0f;
  double snr_db = 100.0;  // 100: no noise
  float offset = 0.0f;
};

struct Score {
  int right = 0;
  int invalid = 0;  // reported with valid = false (ours only)
  int wrong = 0;    // reported as valid, but not what was sent
};

dsp::CallerIdMessage message(dsp::CallerIdFormat format) {
  dsp::CallerIdMessage m;
  m.format = format;
  m.datetime = "12251030";
  m.number = "441234567890123";
  m.name = "Jurgen Muller";
  return m;
}

std::vector<int16_t> line_signal(const dsp::CallerIdMessage& m, const Point& p, uint64_t seed) {
  dsp::CallerIdAudioOptions options;
  options.level_dbm0 = p.level_dbm0;
  options.frequency_offset = p.offset;
  const auto audio = dsp::caller_id_audio(m, options);
  std::vector<int16_t> pcm(1600, 0);
  pcm.insert(pcm.end(), audio.begin(), audio.end());
  pcm.resize(pcm.size() + 1600, 0);
  if (p.snr_db < 99.0) {
    pcm = test_support::add_at_snr(pcm, p.level_dbm0,
                                   test_support::white_noise(pcm.size(), -20.0, seed), p.snr_db);
  }
  return test_support::g711_round_trip(pcm);
}

struct SpandspResult {
  std::vector<uint8_t> expected;  // type, length, body (no checksum)
  Score* score;
};

void spandsp_message(void* user_data, const uint8_t* msg, int len) {
  auto* result = static_cast<SpandspResult*>(user_data);
  if (len < 0) return;  // status reports, not messages
  const std::vector<uint8_t> got(msg, msg + len);
  const bool right = got.size() >= result->expected.size() &&
                     std::equal(result->expected.begin(), result->expected.end(), got.begin());
  (right ? result->score->right : result->score->wrong)++;
}

void run(dsp::CallerIdFormat format, const Point& p, int trials, Score& ours, Score& theirs) {
  const dsp::CallerIdMessage sent = message(format);
  std::vector<uint8_t> bytes = dsp::caller_id_bytes(sent);
  bytes.pop_back();
  const int standard =
      format == dsp::CallerIdFormat::bell202_mdmf ? ADSI_STANDARD_CLASS : ADSI_STANDARD_CLIP;
  for (int trial = 0; trial < trials; ++trial) {
    const auto pcm = line_signal(sent, p, 1000 + static_cast<uint64_t>(trial));
    dsp::CallerIdReceiver receiver;
    auto sink = [&](const dsp::CallerIdMessage& got) {
      const bool right = got.valid && got.format == sent.format && got.number == sent.number &&
                         got.name == sent.name && got.datetime == sent.datetime;
      if (!got.valid) {
        ++ours.invalid;
      } else {
        (right ? ours.right : ours.wrong)++;
      }
    };
    SpandspResult result{bytes, &theirs};
    adsi_rx_state_t* state = adsi_rx_init(nullptr, standard, spandsp_message, &result);
    for (size_t at = 0; at < pcm.size(); at += 160) {
      const size_t n = std::min<size_t>(160, pcm.size() - at);
      receiver.rx(std::span<const int16_t>(pcm.data() + at, n), sink);
      adsi_rx(state, pcm.data() + at, static_cast<int>(n));
    }
    receiver.flush(sink);
    adsi_rx_free(state);
  }
}

void row(const char* label, dsp::CallerIdFormat format, const Point& p, int trials) {
  Score ours, theirs;
  run(format, p, trials, ours, theirs);
  std::printf("%-28s %6.1f %% (%d not valid, %d wrong)   %6.1f %% (%d wrong)\n", label,
              100.0 * ours.right / trials, ours.invalid, ours.wrong, 100.0 * theirs.right / trials,
              theirs.wrong);
}

}  // namespace

int main(int argc, char** argv) {
  const int trials = argc > 1 ? std::atoi(argv[1]) : 50;
  std::printf("messages decoded right, %d per point (mu-law line)\n", trials);
  for (dsp::CallerIdFormat format :
       {dsp::CallerIdFormat::bell202_mdmf, dsp::CallerIdFormat::v23_mdmf}) {
    std::printf("\n%-28s %-22s %s\n", std::string(dsp::caller_id_format_name(format)).c_str(),
                "ivrd", "spandsp adsi_rx");
    for (float level : {-5.0f, -20.0f, -30.0f, -35.0f, -40.0f, -43.0f, -46.0f}) {
      const std::string label = "level " + std::to_string(static_cast<int>(level)) + " dBm0";
      row(label.c_str(), format, {level, 100.0, 0.0f}, trials);
    }
    for (double snr : {20.0, 15.0, 12.0, 10.0, 8.0, 6.0}) {
      const std::string label = "SNR " + std::to_string(static_cast<int>(snr)) + " dB, -25 dBm0";
      row(label.c_str(), format, {-25.0f, snr, 0.0f}, trials);
    }
    for (float offset : {-0.03f, -0.01f, 0.01f, 0.03f}) {
      char label[64];
      std::snprintf(label, sizeof label, "offset %+.0f %%, 20 dB SNR", offset * 100.0f);
      row(label, format, {-20.0f, 20.0, offset}, trials);
    }
  }
}
