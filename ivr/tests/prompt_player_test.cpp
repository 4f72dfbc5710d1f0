// The prompt player: sequences back to back in 160-sample blocks, finishing,
// and barge-in (the block after stop() is silence), also driven by the DTMF
// detector as a caller's key would be.

#include "ivrd/ivr/prompt_player.hpp"

#include <algorithm>
#include <memory>
#include <optional>
#include <random>
#include <vector>

#include <catch2/catch.hpp>

#include "ivrd/dsp/dtmf_detector.hpp"
#include "ivrd/dsp/dtmf_generator.hpp"
#include "ivrd/dsp/g711.hpp"
#include "ivrd/test_support/seed.hpp"

using ivrd::dsp::G711Law;
using ivrd::ivr::kPromptBlockSamples;
using ivrd::ivr::make_prompt_audio;
using ivrd::ivr::PlayerState;
using ivrd::ivr::PromptAudio;
using ivrd::ivr::PromptPlayer;
namespace ts = ivrd::test_support;

namespace {

using Prompt = std::shared_ptr<const PromptAudio>;
using Block = std::array<int16_t, kPromptBlockSamples>;

// A prompt of `samples` non-zero samples, distinct per `tag`.
Prompt numbered_prompt(size_t samples, int tag) {
  std::vector<int16_t> pcm(samples);
  for (size_t i = 0; i < samples; ++i) pcm[i] = static_cast<int16_t>(tag * 1000 + 1 + i % 500);
  return make_prompt_audio(std::move(pcm), G711Law::ulaw, "prompt " + std::to_string(tag));
}

bool silent(const Block& block) {
  return std::all_of(block.begin(), block.end(), [](int16_t s) { return s == 0; });
}

}  // namespace

TEST_CASE("prompts: the player plays a sequence back to back and then finishes",
          "[prompts][player]") {
  const ts::Seed seed("prompt player sequence");
  std::mt19937_64 rng(seed.value());
  for (int round = 0; round < 20; ++round) {
    std::vector<Prompt> prompts;
    std::vector<int16_t> expected;
    const int count = std::uniform_int_distribution<int>(1, 5)(rng);
    for (int p = 0; p < count; ++p) {
      const size_t length = std::uniform_int_distribution<size_t>(1, 1000)(rng);
      prompts.push_back(numbered_prompt(length, p + 1));
      expected.insert(expected.end(), prompts.back()->linear.begin(), prompts.back()->linear.end());
    }
    PromptPlayer player;
    CHECK(player.state() == PlayerState::idle);
    player.play(prompts);
    std::vector<int16_t> out;
    Block block{};
    while (player.playing()) {
      const size_t written = player.tx(block);
      CHECK(written <= block.size());
      CHECK(std::all_of(block.begin() + static_cast<std::ptrdiff_t>(written), block.end(),
                        [](int16_t s) { return s == 0; }));
      out.insert(out.end(), block.begin(), block.begin() + static_cast<std::ptrdiff_t>(written));
    }
    CHECK(out == expected);
    CHECK(player.state() == PlayerState::finished);
    CHECK(player.samples_played() == expected.size());
    // Finished as the last sample went out: exactly ceil(total / 160) blocks.
    CHECK(player.tx(block) == 0);
    CHECK(silent(block));
    player.stop();  // after the end: stays finished
    CHECK(player.state() == PlayerState::finished);
  }
}

TEST_CASE("prompts: the player's coded output is the prompt's law, silence coded",
          "[prompts][player]") {
  const Prompt prompt = numbered_prompt(200, 3);
  PromptPlayer player;
  player.play(std::span(&prompt, 1));
  std::array<uint8_t, kPromptBlockSamples> block{};
  CHECK(player.tx_coded(block, G711Law::ulaw) == 160);
  CHECK(std::equal(block.begin(), block.end(), prompt->coded.begin()));
  CHECK(player.tx_coded(block, G711Law::alaw) == 40);  // recoded: another law
  for (size_t i = 0; i < 40; ++i) {
    CHECK(block[i] == ivrd::dsp::linear_to_alaw(prompt->linear[160 + i]));
  }
  CHECK(std::all_of(block.begin() + 40, block.end(),
                    [](uint8_t c) { return c == ivrd::dsp::linear_to_alaw(0); }));
  CHECK(player.state() == PlayerState::finished);

  player.play({});
  CHECK(player.state() == PlayerState::finished);
  CHECK_THROWS_AS(player.play(std::vector<Prompt>{nullptr}), ivrd::ivr::PromptError);
}

TEST_CASE("prompts: stop() makes the very next block silence (barge-in)", "[prompts][player]") {
  const ts::Seed seed("prompt player barge-in");
  std::mt19937_64 rng(seed.value());
  const Prompt first = numbered_prompt(8000, 1);
  const Prompt second = numbered_prompt(8000, 2);
  const std::vector<Prompt> sequence{first, second};
  PromptPlayer player;
  for (int round = 0; round < 50; ++round) {
    player.play(sequence);
    const int blocks_before = std::uniform_int_distribution<int>(0, 95)(rng);
    Block block{};
    for (int b = 0; b < blocks_before; ++b) CHECK(player.tx(block) == 160);
    player.stop();
    CHECK(player.tx(block) == 0);
    CHECK(silent(block));
    CHECK(player.state() == PlayerState::stopped);
    CHECK(player.samples_played() == static_cast<uint64_t>(blocks_before) * 160);
    CHECK(player.tx(block) == 0);
  }
}

TEST_CASE(
    "prompts: a key pressed during a prompt starts the next prompt within 60 ms of the "
    "tone's end",
    "[prompts][player]") {
  const ts::Seed seed("prompt barge-in by key");
  std::mt19937_64 rng(seed.value());
  const Prompt menu = numbered_prompt(8000 * 5, 1);
  const Prompt next = numbered_prompt(8000, 2);
  double worst_after_end_ms = -1e9;
  double worst_after_start_ms = 0.0;
  for (int round = 0; round < 20; ++round) {
    PromptPlayer player;
    player.play(std::span(&menu, 1));
    ivrd::dsp::DtmfDetector detector;
    ivrd::dsp::DtmfGenerator keypad;
    const size_t key_at = std::uniform_int_distribution<size_t>(8000, 24000)(rng);
    const char digit = "0123456789*#"[std::uniform_int_distribution<int>(0, 11)(rng)];
    const float on_ms = std::uniform_real_distribution<float>(45.0f, 120.0f)(rng);
    const size_t tone_end = key_at + static_cast<size_t>(on_ms * 8.0f);
    std::optional<size_t> next_started;
    Block caller{};
    Block line{};
    for (size_t t = 0; t < 8000 * 5 && !next_started; t += kPromptBlockSamples) {
      // The caller's side: silence, then the key at key_at.
      caller.fill(0);
      if (t + kPromptBlockSamples > key_at && keypad.idle() && t <= key_at) {
        const size_t offset = key_at - t;
        keypad.queue({.digit = digit, .level_dbm0 = -12.0f, .on_ms = on_ms, .off_ms = 0.0f});
        keypad.tx(std::span(caller).subspan(offset));
      } else if (t > key_at) {
        keypad.tx(caller);
      }
      bool key = false;
      detector.rx(caller, [&](const ivrd::dsp::DtmfEvent& e) {
        if (e.kind == ivrd::dsp::DtmfEventKind::begin && e.digit == digit) key = true;
      });
      if (key) {
        player.stop();
        player.play(std::span(&next, 1));
      }
      player.tx(line);
      if (line[0] == next->linear[0]) next_started = t;
    }
    REQUIRE(next_started);
    const double after_end_ms =
        (static_cast<double>(*next_started) - static_cast<double>(tone_end)) / 8.0;
    INFO("key " << digit << " for " << on_ms << " ms");
    CHECK(after_end_ms <= 60.0);
    worst_after_end_ms = std::max(worst_after_end_ms, after_end_ms);
    worst_after_start_ms =
        std::max(worst_after_start_ms,
                 (static_cast<double>(*next_started) - static_cast<double>(key_at)) / 8.0);
  }
  // Negative: the next prompt started while the key's tone was still on.
  WARN("next prompt started at worst " << worst_after_start_ms << " ms after the key tone began, "
                                       << worst_after_end_ms << " ms after it ended");
}
