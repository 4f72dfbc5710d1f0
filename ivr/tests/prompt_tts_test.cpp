// Prompt speech: {variable} substitution and its errors, and espeak-ng
// rendering at 8 kHz and telephone level, cached by voice and text.

#include <string>

#include <catch2/catch.hpp>

#include "ivrd/dsp/g711.hpp"
#include "ivrd/ivr/tts.hpp"

#include "prompt_test_support.hpp"

using ivrd::dsp::G711Law;
using ivrd::ivr::PromptError;
using ivrd::ivr::PromptVariables;
using ivrd::ivr::substitute_variables;
using ivrd::ivr::Tts;

namespace {

std::string substitution_error(std::string_view text, const PromptVariables& variables) {
  try {
    substitute_variables(text, variables);
  } catch (const PromptError& e) {
    const std::string message = e.what();
    CHECK(message.find('\n') == std::string::npos);
    CHECK(e.item() == "\"" + std::string(text) + "\"");
    return e.problem();
  }
  FAIL("no error for " << text);
  return {};
}

bool tts_available() {
  if (const auto reason = ivrd::ivr::tts_unavailable_reason()) {
    WARN("espeak-ng unavailable, not run: " << *reason);
    return false;
  }
  return true;
}

}  // namespace

TEST_CASE("prompts: variables are substituted, braces escaped, mistakes named", "[prompts][tts]") {
  const PromptVariables variables{{"caller_name", "Anna"}, {"queue_position", "3"}, {"x2", ""}};
  CHECK(substitute_variables("Hello {caller_name}, you are caller {queue_position}", variables) ==
        "Hello Anna, you are caller 3");
  CHECK(substitute_variables("{caller_name}{queue_position}{x2}!", variables) == "Anna3!");
  CHECK(substitute_variables("literal {{braces}} and {{{caller_name}}}", variables) ==
        "literal {braces} and {Anna}");
  CHECK(substitute_variables("", variables).empty());
  CHECK(substitute_variables("no variables", {}) == "no variables");

  CHECK(substitution_error("Hello {caller_nme}", variables) == "unknown variable 'caller_nme'");
  CHECK(substitution_error("Hello {caller_name", variables) ==
        "unclosed '{' at column 7 (write '{{' for a brace)");
  CHECK(substitution_error("Hello }", variables) ==
        "lone '}' at column 7 (write '}}' for a brace)");
  CHECK(substitution_error("{}", variables) ==
        "bad variable name '' at column 1 (letters, digits and '_')");
  CHECK(substitution_error("{2x}", variables).rfind("bad variable name '2x'", 0) == 0);
  CHECK(substitution_error("{a b}", variables).rfind("bad variable name 'a b'", 0) == 0);
}

TEST_CASE("prompts: espeak-ng speaks text with variables at 8 kHz and -18 dBm0", "[prompts][tts]") {
  if (!tts_available()) return;
  Tts tts(G711Law::ulaw);
  const auto audio = tts.say("en", "Hello {caller_name}, you are caller {queue_position}",
                             {{"caller_name", "Anna"}, {"queue_position", "3"}});
  CHECK(audio->source == "tts:en:Hello Anna, you are caller 3");
  // About two seconds of speech at 8 kHz (at 22 050 Hz it would be ~2.7 times longer).
  CHECK(audio->seconds() > 1.0);
  CHECK(audio->seconds() < 4.0);
  CHECK(ivrd::ivr::active_level_dbm0(audio->linear) == Approx(-18.0).margin(0.5));
  CHECK(ivrd::ivr::testing::rms(audio->linear) > 300.0);
  REQUIRE(audio->coded.size() == audio->samples());
  CHECK(audio->law == G711Law::ulaw);

  // Cached by the text after substitution; another text is rendered anew.
  const auto same = tts.say("en", "Hello Anna, you are caller {n}", {{"n", "3"}});
  CHECK(same.get() == audio.get());
  CHECK(tts.renders() == 1);
  const auto other = tts.say("en", "Hello {caller_name}, you are caller {queue_position}",
                             {{"caller_name", "Bob"}, {"queue_position", "4"}});
  CHECK(other.get() != audio.get());
  CHECK(tts.renders() == 2);
  // The voice is part of the key.
  const auto german = tts.say("de", "Hello Anna, you are caller 3");
  CHECK(german.get() != audio.get());
  CHECK(tts.size() == 3);

  CHECK_THROWS_WITH(tts.say("en", "Hello {caller_name}", {}),
                    "\"Hello {caller_name}\": unknown variable 'caller_name'");
  CHECK_THROWS_WITH(tts.say("no-such-voice-xyz", "Hello"),
                    "no-such-voice-xyz: unknown espeak-ng voice");
  CHECK_THROWS_WITH(tts.say("en", "  "), "tts:en: empty text");
  CHECK(tts.renders() == 3);
}

TEST_CASE("prompts: speech level follows the configured active level", "[prompts][tts]") {
  if (!tts_available()) return;
  for (const double level : {-24.0, -18.0, -12.0}) {
    Tts tts(G711Law::alaw, level);
    for (const char* voice : {"en", "de", "fr"}) {
      const auto audio = tts.say(voice, "one two three four five");
      INFO(voice << " at " << level << " dBm0");
      CHECK(ivrd::ivr::active_level_dbm0(audio->linear) == Approx(level).margin(0.5));
    }
  }
}
