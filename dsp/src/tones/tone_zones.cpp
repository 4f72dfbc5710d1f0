// The zone list, read from libtonezone's built-in table once.

#include <algorithm>
#include <cctype>
#include <cstring>
#include <stdexcept>
#include <string>

#include "ivrd/dsp/tone_zone.hpp"

extern "C" {
#include <dahdi/tonezone.h>
}

namespace ivrd::dsp {
namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

const char* table_string(const struct tone_zone& zone, int tone_id) {
  for (const struct tone_zone_sound& sound : zone.tones) {
    if (sound.toneid == tone_id && sound.data[0] != '\0') return sound.data;
  }
  return nullptr;
}

// SIT bands (E.180 ±50 Hz widened to cover GR-1162's frequencies).
int sit_band(float hz) {
  if (hz >= 880.0f && hz <= 1020.0f) return 0;
  if (hz >= 1340.0f && hz <= 1480.0f) return 1;
  if (hz >= 1740.0f && hz <= 1880.0f) return 2;
  return -1;
}

// Low, middle, high, each one frequency for 250..420 ms, gaps of silence up
// to 100 ms between, repeated as a whole if at all.
bool is_three_segment_sit(const ToneDefinition& tone) {
  int expected = 0, sounding = 0;
  for (const ToneSegment& segment : tone.segments) {
    if (segment.silent()) {
      if (expected != 0 && segment.duration_ms > 100) return false;
      continue;
    }
    if (segment.frequency_count != 1 || segment.modulation_hz != 0.0f) return false;
    if (sit_band(segment.frequencies_hz[0]) != expected) return false;
    if (segment.duration_ms < 250 || segment.duration_ms > 420) return false;
    expected = (expected + 1) % 3;
    ++sounding;
  }
  return sounding >= 3 && expected == 0;
}

ToneDefinition parse_or_throw(const char* text, const std::string& where) {
  std::string error;
  std::optional<ToneDefinition> tone = parse_tone_description(text, &error);
  if (!tone) throw std::logic_error("libtonezone zone " + where + ": " + error);
  return *tone;
}

std::vector<ToneZone> read_table() {
  struct Source {
    CallProgressTone kind;
    int tone_id;
  };
  constexpr Source kSources[] = {{CallProgressTone::dial, DAHDI_TONE_DIALTONE},
                                 {CallProgressTone::ringback, DAHDI_TONE_RINGTONE},
                                 {CallProgressTone::busy, DAHDI_TONE_BUSY},
                                 {CallProgressTone::congestion, DAHDI_TONE_CONGESTION},
                                 {CallProgressTone::sit, DAHDI_TONE_INFO}};
  std::vector<ToneZone> zones;
  for (const struct tone_zone* entry = builtin_zones; entry->zone > -1; ++entry) {
    ToneZone zone;
    zone.number = entry->zone;
    zone.code = std::string(entry->country, strnlen(entry->country, sizeof entry->country));
    zone.description =
        std::string(entry->description, strnlen(entry->description, sizeof entry->description));
    for (const Source& source : kSources) {
      const char* text = table_string(*entry, source.tone_id);
      if (text == nullptr) continue;
      const std::string where = zone.code + " " + std::string(tone_name(source.kind));
      zone.tones[static_cast<size_t>(source.kind)] = parse_or_throw(text, where);
    }
    ToneDefinition& sit = zone.tones[static_cast<size_t>(CallProgressTone::sit)];
    if (!is_three_segment_sit(sit)) sit = itu_sit_tone();
    ToneDefinition& disconnect = zone.tones[static_cast<size_t>(CallProgressTone::disconnect)];
    disconnect = zone.tone(CallProgressTone::busy);
    disconnect.mapped_from = "busy";
    zones.push_back(std::move(zone));
  }
  return zones;
}

// Levenshtein distance, for "did you mean".
size_t distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

}  // namespace

const ToneDefinition& itu_sit_tone() {
  static const ToneDefinition tone = [] {
    ToneDefinition sit = *parse_tone_description("950/330,1400/330,1800/330,0/1000");
    sit.mapped_from = "ITU-T E.180";
    return sit;
  }();
  return tone;
}

std::span<const ToneZone> tone_zones() {
  static const std::vector<ToneZone> zones = read_table();
  return zones;
}

const ToneZone* find_tone_zone(std::string_view code) {
  const std::string wanted = lower(code);
  for (const ToneZone& zone : tone_zones()) {
    if (zone.code == wanted) return &zone;
  }
  return nullptr;
}

std::string tone_zone_hint(std::string_view unknown_code) {
  const std::string wanted = lower(unknown_code);
  const ToneZone* closest = nullptr;
  size_t best = 99, ties = 0;
  for (const ToneZone& zone : tone_zones()) {
    const size_t d = distance(wanted, zone.code);
    if (d < best) {
      best = d;
      closest = &zone;
      ties = 1;
    } else if (d == best) {
      ++ties;
    }
  }
  // Two-letter codes are all one letter apart: only a unique near miss helps.
  if (closest != nullptr && best == 1 && ties == 1) {
    return "did you mean '" + closest->code + "'?";
  }
  std::string list = "known: ";
  bool first = true;
  for (const ToneZone& zone : tone_zones()) {
    if (!first) list += ", ";
    list += zone.code;
    first = false;
  }
  return list;
}

}  // namespace ivrd::dsp
