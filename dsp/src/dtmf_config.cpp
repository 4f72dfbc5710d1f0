#include <array>
#include <cmath>
#include <cstdio>

#include "ivrd/dsp/dtmf_detector.hpp"

namespace ivrd::dsp {

std::optional<std::string> DtmfConfig::validate() const {
  auto out_of_range = [](const char* field, float value, float low,
                         float high) -> std::optional<std::string> {
    if (std::isfinite(value) && value >= low && value <= high) return std::nullopt;
    char text[160];
    std::snprintf(text, sizeof text, "%s = %g is outside %g .. %g", field, double{value},
                  double{low}, double{high});
    return std::string(text);
  };
  if (auto e = out_of_range("max_normal_twist_db", max_normal_twist_db, 0.0f, 20.0f)) return e;
  if (auto e = out_of_range("max_reverse_twist_db", max_reverse_twist_db, 0.0f, 20.0f)) return e;
  if (auto e = out_of_range("min_tone_level_dbm0", min_tone_level_dbm0, -60.0f, -5.0f)) return e;
  if (auto e = out_of_range("max_frequency_deviation", max_frequency_deviation, 0.005f, 0.04f)) {
    return e;
  }
  if (auto e = out_of_range("min_duration_ms", min_duration_ms, 20.0f, 200.0f)) return e;
  if (auto e = out_of_range("max_dropout_ms", max_dropout_ms, 0.0f, 40.0f)) return e;
  return std::nullopt;
}

namespace {

DtmfConfig twist(float normal_db, float reverse_db) {
  DtmfConfig config;
  config.max_normal_twist_db = normal_db;
  config.max_reverse_twist_db = reverse_db;
  return config;
}

const std::array<DtmfAdministration, 5> kAdministrations{{
    {"default", "ITU-T Q.24 and Telcordia LSSGR: normal twist 8 dB, reverse 4 dB", twist(8, 4)},
    {"us", "Telcordia (Bellcore) LSSGR receiver: normal twist 8 dB, reverse 4 dB", twist(8, 4)},
    {"relaxed",
     "Relaxed twist for poor lines and radio links (as Asterisk's relaxdtmf): "
     "normal 8 dB, reverse 6 dB",
     twist(8, 6)},
    {"symmetric6", "Administrations that allow 6 dB of twist either way", twist(6, 6)},
    {"strict", "Short-line receivers: normal twist 4 dB, reverse 4 dB", twist(4, 4)},
}};

}  // namespace

std::span<const DtmfAdministration> dtmf_administrations() noexcept { return kAdministrations; }

std::optional<DtmfConfig> dtmf_config_for(std::string_view administration) noexcept {
  for (const DtmfAdministration& entry : kAdministrations) {
    if (entry.name == administration) return entry.config;
  }
  return std::nullopt;
}

}  // namespace ivrd::dsp
