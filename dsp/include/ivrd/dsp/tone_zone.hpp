#pragma once
// Country tone zones: the call-progress tones a telephone network plays
// (dial, ringback, busy, congestion, special information, disconnect), with
// their frequencies and cadences.
//
// The zones are libtonezone's built-in table (DAHDI tools, Debian package
// libtonezone-dev): one entry per country with a two-letter-ish code ("us",
// "uk", "de", "us-old", ...), read once at first use. Nothing is retyped:
// each tone is parsed from the zone's own description string, whose grammar
// (libtonezone's, see tonezone.h) is
//
//   tone      = segment ("," segment)*          played in order, then repeated
//   segment   = ["!"] sound ["/" milliseconds]  "!": played once, not repeated
//   sound     = "0"                             silence
//             | f1 ["+" f2 ["+" f3]]            sum of sine waves, Hz
//             | f1 "*" fm                       f1 amplitude-modulated at fm Hz
//             | f1 "@"                          f1 10 dB lower (Australia's
//                                               congestion; libtonezone itself
//                                               reads it as a plain f1)
//
// A segment without a time lasts until the tone is stopped. The repeated part
// is everything from the first segment not marked "!" to the end.
//
// Mapping from libtonezone's tone numbers: dial = DAHDI_TONE_DIALTONE,
// ringback = DAHDI_TONE_RINGTONE, busy = DAHDI_TONE_BUSY, congestion =
// DAHDI_TONE_CONGESTION. libtonezone has no disconnect tone: a network that
// clears a call gives the caller its busy tone, so every zone's disconnect
// tone is its busy tone (ToneDefinition::mapped_from says so); the detector
// reports that cadence as `disconnect` instead of `busy` once the call is
// answered (CallProgressConfig::in_call). Special information (SIT) is the
// three-segment tone of ITU-T E.180 (950 / 1400 / 1800 Hz, 330 ms each) and
// of Telcordia GR-1162 (913.8 or 985.2 / 1370.6 or 1428.5 / 1776.7 Hz, 274
// or 380 ms): where the zone's DAHDI_TONE_INFO is such a rising three-segment
// tone it is used as is; where it is something else (Australia, New Zealand,
// China, Argentina, Spain, Finland, Estonia, Turkey), the zone's SIT is
// E.180's, 950/330,1400/330,1800/330,0/1000, and mapped_from says so.
//
// Everything here is built once, on first use (allocates then); afterwards
// zones are read-only and may be shared by any number of threads.

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ivrd::dsp {

enum class CallProgressTone : uint8_t { dial, ringback, busy, congestion, sit, disconnect };
inline constexpr int kCallProgressToneCount = 6;

// "dial", "ringback", "busy", "congestion", "sit", "disconnect".
std::string_view tone_name(CallProgressTone tone) noexcept;
std::optional<CallProgressTone> tone_from_name(std::string_view name) noexcept;

struct ToneSegment {
  std::array<float, 3> frequencies_hz{};  // the first frequency_count are used
  int frequency_count = 0;                // 0: silence
  float modulation_hz = 0.0f;             // "f*fm": frequencies_hz[0] modulated at fm
  float level_db = 0.0f;                  // relative to the tone's level ("@": -10)
  uint32_t duration_ms = 0;               // 0: until stopped
  bool once = false;                      // "!": not repeated

  bool silent() const noexcept { return frequency_count == 0; }
};

struct ToneDefinition {
  std::string description;  // as parsed, e.g. "480+620/500,0/500"
  std::vector<ToneSegment> segments;
  // Empty when the zone's table gives this tone itself; otherwise where it
  // came from, e.g. "busy" (disconnect) or "ITU-T E.180" (sit).
  std::string mapped_from;

  bool defined() const noexcept { return !segments.empty(); }
  // Index of the first repeated segment (segments.size() when none repeats).
  size_t repeat_start() const noexcept;
};

struct ToneZone {
  int number = 0;           // libtonezone's zone number
  std::string code;         // "us", "uk", ...
  std::string description;  // "United States / North America"
  std::array<ToneDefinition, kCallProgressToneCount> tones;

  const ToneDefinition& tone(CallProgressTone kind) const noexcept {
    return tones[static_cast<size_t>(kind)];
  }
};

// Parses one description in the grammar above. On failure returns nothing and
// sets *error (when given) to what is wrong, naming the segment.
std::optional<ToneDefinition> parse_tone_description(std::string_view text,
                                                     std::string* error = nullptr);

// The E.180 special information tone used where a zone has no three-segment SIT.
const ToneDefinition& itu_sit_tone();

// Every zone of libtonezone's table, in its order.
std::span<const ToneZone> tone_zones();

// The zone with this code (any letter case), or nullptr.
const ToneZone* find_tone_zone(std::string_view code);

// For an error message about an unknown code: "did you mean 'uk'?" when one
// zone code is close, else the list of every code.
std::string tone_zone_hint(std::string_view unknown_code);

}  // namespace ivrd::dsp
