#include "ivrd/ivr/spoken.hpp"

#include <array>
#include <cctype>
#include <string>

#include "ivrd/ivr/prompt_audio.hpp"

namespace ivrd::ivr {
namespace {

constexpr uint64_t kMaxNumber = 999'999'999'999;

void add(Fragments& out, uint64_t n) { out.push_back(std::to_string(n)); }

// ---- English (US) ----

void en_below_1000(Fragments& out, uint64_t n) {
  if (n >= 100) {
    add(out, n / 100);
    out.emplace_back("hundred");
    n %= 100;
  }
  if (n == 0) return;
  if (n < 20) {
    add(out, n);
    return;
  }
  add(out, n / 10 * 10);
  if (n % 10 != 0) add(out, n % 10);
}

void en_number(Fragments& out, uint64_t n) {
  if (n == 0) {
    out.emplace_back("0");
    return;
  }
  constexpr std::array<std::pair<uint64_t, const char*>, 3> kScales{
      {{1'000'000'000, "billion"}, {1'000'000, "million"}, {1'000, "thousand"}}};
  for (const auto& [scale, name] : kScales) {
    if (const uint64_t group = n / scale % 1000; group != 0) {
      en_below_1000(out, group);
      out.emplace_back(name);
    }
  }
  en_below_1000(out, n % 1000);
}

// ---- German ----

// `last_one` is the word for a final 1: "1" (eins) alone, "ein" before a
// noun such as tausend or Uhr.
void de_below_1000(Fragments& out, uint64_t n, const char* last_one) {
  if (n >= 100) {
    if (n / 100 == 1) {
      out.emplace_back("ein");
    } else {
      add(out, n / 100);
    }
    out.emplace_back("hundert");
    n %= 100;
  }
  if (n == 0) return;
  if (n == 1) {
    out.emplace_back(last_one);
  } else if (n < 20) {
    add(out, n);
  } else {
    if (const uint64_t unit = n % 10; unit == 1) {
      out.emplace_back("ein");
      out.emplace_back("und");
    } else if (unit != 0) {
      add(out, unit);
      out.emplace_back("und");
    }
    add(out, n / 10 * 10);
  }
}

// A power of ten named by a noun ("eine Million", "2 millions").
struct Scale {
  uint64_t value;
  const char* one;
  const char* many;
};

void de_number(Fragments& out, uint64_t n) {
  if (n == 0) {
    out.emplace_back("0");
    return;
  }
  constexpr std::array<Scale, 2> kNouns{
      {{1'000'000'000, "milliarde", "milliarden"}, {1'000'000, "million", "millionen"}}};
  for (const Scale& scale : kNouns) {
    if (const uint64_t group = n / scale.value % 1000; group == 1) {
      out.emplace_back("eine");
      out.emplace_back(scale.one);
    } else if (group != 0) {
      de_below_1000(out, group, "ein");
      out.emplace_back(scale.many);
    }
  }
  if (const uint64_t thousands = n / 1000 % 1000; thousands != 0) {
    de_below_1000(out, thousands, "ein");
    out.emplace_back("tausend");
  }
  de_below_1000(out, n % 1000, "1");
}

// ---- French ----

void fr_one(Fragments& out, bool feminine) { out.emplace_back(feminine ? "une" : "1"); }

// `final`: nothing follows in the number, so 80 and multiples of 100 take
// their plural -s ("quatre-vingts", "deux cents"); before "mille" they do not.
void fr_below_100(Fragments& out, uint64_t n, bool final, bool feminine) {
  if (n == 1) {
    fr_one(out, feminine);
  } else if (n <= 16) {
    add(out, n);
  } else if (n < 20) {
    out.emplace_back("10");
    add(out, n - 10);
  } else if (n < 70) {
    add(out, n / 10 * 10);
    if (n % 10 == 1) {
      out.emplace_back("et");
      fr_one(out, feminine);
    } else if (n % 10 != 0) {
      add(out, n % 10);
    }
  } else if (n < 80) {
    out.emplace_back("60");
    if (n == 71) out.emplace_back("et");
    fr_below_100(out, n - 60, final, feminine);
  } else if (n == 80) {
    out.emplace_back(final ? "80" : "quatre_vingt");
  } else {
    out.emplace_back("quatre_vingt");
    fr_below_100(out, n - 80, final, feminine);
  }
}

void fr_below_1000(Fragments& out, uint64_t n, bool final, bool feminine) {
  const uint64_t rest = n % 100;
  if (n >= 100) {
    if (n / 100 != 1) add(out, n / 100);
    out.emplace_back(n / 100 != 1 && rest == 0 && final ? "cents" : "100");
  }
  if (rest != 0) fr_below_100(out, rest, final, feminine);
}

void fr_number(Fragments& out, uint64_t n, bool feminine = false) {
  if (n == 0) {
    out.emplace_back("0");
    return;
  }
  constexpr std::array<Scale, 2> kNouns{
      {{1'000'000'000, "milliard", "milliards"}, {1'000'000, "million", "millions"}}};
  for (const Scale& scale : kNouns) {
    if (const uint64_t group = n / scale.value % 1000; group != 0) {
      fr_below_1000(out, group, true, false);
      out.emplace_back(group == 1 ? scale.one : scale.many);
    }
  }
  if (const uint64_t thousands = n / 1000 % 1000; thousands == 1) {
    out.emplace_back("mille");
  } else if (thousands != 0) {
    fr_below_1000(out, thousands, false, false);
    out.emplace_back("mille");
  }
  fr_below_1000(out, n % 1000, true, feminine);
}

// ---- Calendar ----

constexpr std::array<std::string_view, 7> kWeekdays[3] = {
    {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"},
    {"montag", "dienstag", "mittwoch", "donnerstag", "freitag", "samstag", "sonntag"},
    {"lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"}};
constexpr std::array<std::string_view, 12> kMonths[3] = {
    {"january", "february", "march", "april", "may", "june", "july", "august", "september",
     "october", "november", "december"},
    {"januar", "februar", "maerz", "april", "mai", "juni", "juli", "august", "september", "oktober",
     "november", "dezember"},
    {"janvier", "fevrier", "mars", "avril", "mai", "juin", "juillet", "aout", "septembre",
     "octobre", "novembre", "decembre"}};

bool leap(int year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

int days_in_month(int year, int month) {
  constexpr std::array<int, 12> kDays{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && leap(year) ? 29 : kDays[static_cast<size_t>(month - 1)];
}

std::string date_text(Date date) {
  return std::to_string(date.year) + "-" + std::to_string(date.month) + "-" +
         std::to_string(date.day);
}

void check_date(Date date) {
  if (date.year < 1000 || date.year > 2999 || date.month < 1 || date.month > 12 || date.day < 1 ||
      date.day > days_in_month(date.year, date.month)) {
    throw PromptError("date " + date_text(date), "not a calendar date of the years 1000-2999");
  }
}

size_t index(Language language) { return static_cast<size_t>(language); }

}  // namespace

std::string_view language_code(Language language) noexcept {
  switch (language) {
    case Language::en: return "en";
    case Language::de: return "de";
    case Language::fr: return "fr";
  }
  return "en";
}

std::optional<Language> parse_language(std::string_view code) noexcept {
  const size_t cut = code.find_first_of("-_");
  const std::string_view base = code.substr(0, cut);
  if (base.size() != 2) return std::nullopt;
  const std::string lower{static_cast<char>(std::tolower(static_cast<unsigned char>(base[0]))),
                          static_cast<char>(std::tolower(static_cast<unsigned char>(base[1])))};
  if (lower == "en") return Language::en;
  if (lower == "de") return Language::de;
  if (lower == "fr") return Language::fr;
  return std::nullopt;
}

std::string_view tts_voice(Language language) noexcept { return language_code(language); }

Fragments spoken_number(Language language, uint64_t value) {
  if (value > kMaxNumber) {
    throw PromptError("number " + std::to_string(value), "too large to speak (limit 999999999999)");
  }
  Fragments out;
  switch (language) {
    case Language::en: en_number(out, value); break;
    case Language::de: de_number(out, value); break;
    case Language::fr: fr_number(out, value); break;
  }
  return out;
}

Fragments spoken_digits(Language /*language*/, std::string_view digits) {
  Fragments out;
  out.reserve(digits.size());
  for (size_t i = 0; i < digits.size(); ++i) {
    const char c = digits[i];
    if (c >= '0' && c <= '9') {
      out.emplace_back(1, c);
    } else if (c == '*') {
      out.emplace_back("star");
    } else if (c == '#') {
      out.emplace_back("hash");
    } else {
      throw PromptError("digits \"" + std::string(digits) + "\"",
                        "character " + std::to_string(i + 1) + " is not 0-9, * or #");
    }
  }
  return out;
}

Fragments spoken_time(Language language, int hour, int minute, ClockStyle style) {
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59) {
    throw PromptError("time " + std::to_string(hour) + ":" + std::to_string(minute),
                      "not a time of day (0:00-23:59)");
  }
  const auto h = static_cast<uint64_t>(hour);
  const auto m = static_cast<uint64_t>(minute);
  const uint64_t h12 = h % 12 == 0 ? 12 : h % 12;
  Fragments out;
  switch (language) {
    case Language::en:
      if (style == ClockStyle::h24) {
        en_number(out, h);
        if (m == 0) out.emplace_back("hundred");
        if (m != 0 && m < 10) out.emplace_back("oh");
        if (m != 0) en_number(out, m);
        out.emplace_back("hours");
      } else {
        en_number(out, h12);
        if (m == 0) out.emplace_back("o_clock");
        if (m != 0 && m < 10) out.emplace_back("oh");
        if (m != 0) en_number(out, m);
        out.emplace_back(h < 12 ? "am" : "pm");
      }
      break;
    case Language::de:
      if (const uint64_t shown = style == ClockStyle::h24 ? h : h12; shown == 0) {
        out.emplace_back("0");
      } else {
        de_below_1000(out, shown, "ein");
      }
      out.emplace_back("uhr");
      if (m != 0) de_number(out, m);
      if (style == ClockStyle::h12) {
        out.emplace_back(h < 5    ? "nachts"
                         : h < 12 ? "vormittags"
                         : h < 18 ? "nachmittags"
                                  : "abends");
      }
      break;
    case Language::fr:
      if (style == ClockStyle::h12 && (h == 0 || h == 12)) {
        out.emplace_back(h == 0 ? "minuit" : "midi");
        if (m != 0) fr_number(out, m, true);
        break;
      }
      {
        const uint64_t shown = style == ClockStyle::h24 ? h : h12;
        fr_number(out, shown, true);
        out.emplace_back(shown <= 1 ? "heure" : "heures");
        if (m != 0) fr_number(out, m, true);
        if (style == ClockStyle::h12) {
          out.emplace_back(h < 12 ? "du_matin" : h < 18 ? "de_l_apres_midi" : "du_soir");
        }
      }
      break;
  }
  return out;
}

int day_of_week(Date date) {
  // Sakamoto's method; gives 0 = Sunday, shifted to 0 = Monday.
  constexpr std::array<int, 12> kOffsets{0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4};
  int year = date.year;
  if (date.month < 3) --year;
  const int sunday_based = (year + year / 4 - year / 100 + year / 400 +
                            kOffsets[static_cast<size_t>(date.month - 1)] + date.day) %
                           7;
  return (sunday_based + 6) % 7;
}

Fragments spoken_date(Language language, Date date, DateParts parts) {
  check_date(date);
  const auto y = static_cast<uint64_t>(date.year);
  const auto d = static_cast<uint64_t>(date.day);
  const size_t lang = index(language);
  Fragments out;
  if (parts.weekday) {
    out.emplace_back(kWeekdays[lang][static_cast<size_t>(day_of_week(date))]);
  }
  const std::string_view month = kMonths[lang][static_cast<size_t>(date.month - 1)];
  switch (language) {
    case Language::en:
      out.emplace_back(month);
      out.push_back("ord_" + std::to_string(d));
      if (!parts.year) break;
      if (y % 1000 < 10) {
        en_number(out, y);
      } else {
        en_number(out, y / 100);
        if (y % 100 == 0) {
          out.emplace_back("hundred");
        } else {
          if (y % 100 < 10) out.emplace_back("oh");
          en_number(out, y % 100);
        }
      }
      break;
    case Language::de:
      out.emplace_back("der");
      out.push_back("ord_" + std::to_string(d));
      out.emplace_back(month);
      if (!parts.year) break;
      if (y >= 1100 && y <= 1999) {
        add(out, y / 100);
        out.emplace_back("hundert");
        de_below_1000(out, y % 100, "1");
      } else {
        de_number(out, y);
      }
      break;
    case Language::fr:
      if (d == 1) {
        out.emplace_back("premier");
      } else {
        fr_number(out, d);
      }
      out.emplace_back(month);
      if (parts.year) fr_number(out, y);
      break;
  }
  return out;
}

}  // namespace ivrd::ivr
