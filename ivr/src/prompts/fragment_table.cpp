// The fragment sets of spoken.hpp: every name each language's functions can
// return, with the words espeak-ng says when a recording is missing.

#include <algorithm>
#include <array>
#include <string>
#include <utility>
#include <vector>

#include "ivrd/ivr/spoken.hpp"

namespace ivrd::ivr {
namespace {

using Entry = std::pair<std::string, std::string>;  // name, spoken text

struct Table {
  std::vector<Entry> entries;
  std::vector<std::string_view> names;
};

void numbers(std::vector<Entry>& out, std::initializer_list<int> values) {
  for (const int v : values) out.emplace_back(std::to_string(v), std::to_string(v));
}

void words(std::vector<Entry>& out, std::initializer_list<Entry> entries) {
  out.insert(out.end(), entries);
}

// Ordinals of the days of a month, "ord_1" .. "ord_31".
void ordinals(std::vector<Entry>& out, const std::array<const char*, 31>& texts) {
  for (size_t d = 1; d <= 31; ++d) out.emplace_back("ord_" + std::to_string(d), texts[d - 1]);
}

const std::array<const char*, 31> kEnOrdinals{
    "first",        "second",         "third",         "fourth",        "fifth",
    "sixth",        "seventh",        "eighth",        "ninth",         "tenth",
    "eleventh",     "twelfth",        "thirteenth",    "fourteenth",    "fifteenth",
    "sixteenth",    "seventeenth",    "eighteenth",    "nineteenth",    "twentieth",
    "twenty-first", "twenty-second",  "twenty-third",  "twenty-fourth", "twenty-fifth",
    "twenty-sixth", "twenty-seventh", "twenty-eighth", "twenty-ninth",  "thirtieth",
    "thirty-first"};

const std::array<const char*, 31> kDeOrdinals{"erste",
                                              "zweite",
                                              "dritte",
                                              "vierte",
                                              "fünfte",
                                              "sechste",
                                              "siebte",
                                              "achte",
                                              "neunte",
                                              "zehnte",
                                              "elfte",
                                              "zwölfte",
                                              "dreizehnte",
                                              "vierzehnte",
                                              "fünfzehnte",
                                              "sechzehnte",
                                              "siebzehnte",
                                              "achtzehnte",
                                              "neunzehnte",
                                              "zwanzigste",
                                              "einundzwanzigste",
                                              "zweiundzwanzigste",
                                              "dreiundzwanzigste",
                                              "vierundzwanzigste",
                                              "fünfundzwanzigste",
                                              "sechsundzwanzigste",
                                              "siebenundzwanzigste",
                                              "achtundzwanzigste",
                                              "neunundzwanzigste",
                                              "dreißigste",
                                              "einunddreißigste"};

Table build(Language language) {
  Table table;
  auto& e = table.entries;
  switch (language) {
    case Language::en:
      numbers(e, {0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13,
                  14, 15, 16, 17, 18, 19, 20, 30, 40, 50, 60, 70, 80, 90});
      words(e, {{"hundred", "hundred"},
                {"thousand", "thousand"},
                {"million", "million"},
                {"billion", "billion"},
                {"oh", "oh"},
                {"o_clock", "o'clock"},
                {"am", "A M"},
                {"pm", "P M"},
                {"hours", "hours"},
                {"star", "star"},
                {"hash", "hash"},
                {"monday", "Monday"},
                {"tuesday", "Tuesday"},
                {"wednesday", "Wednesday"},
                {"thursday", "Thursday"},
                {"friday", "Friday"},
                {"saturday", "Saturday"},
                {"sunday", "Sunday"},
                {"january", "January"},
                {"february", "February"},
                {"march", "March"},
                {"april", "April"},
                {"may", "May"},
                {"june", "June"},
                {"july", "July"},
                {"august", "August"},
                {"september", "September"},
                {"october", "October"},
                {"november", "November"},
                {"december", "December"}});
      ordinals(e, kEnOrdinals);
      break;
    case Language::de:
      numbers(e, {0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13,
                  14, 15, 16, 17, 18, 19, 20, 30, 40, 50, 60, 70, 80, 90});
      words(e, {{"ein", "ein"},
                {"eine", "eine"},
                {"und", "und"},
                {"hundert", "hundert"},
                {"tausend", "tausend"},
                {"million", "Million"},
                {"millionen", "Millionen"},
                {"milliarde", "Milliarde"},
                {"milliarden", "Milliarden"},
                {"uhr", "Uhr"},
                {"nachts", "nachts"},
                {"vormittags", "vormittags"},
                {"nachmittags", "nachmittags"},
                {"abends", "abends"},
                {"der", "der"},
                {"star", "Stern"},
                {"hash", "Raute"},
                {"montag", "Montag"},
                {"dienstag", "Dienstag"},
                {"mittwoch", "Mittwoch"},
                {"donnerstag", "Donnerstag"},
                {"freitag", "Freitag"},
                {"samstag", "Samstag"},
                {"sonntag", "Sonntag"},
                {"januar", "Januar"},
                {"februar", "Februar"},
                {"maerz", "März"},
                {"april", "April"},
                {"mai", "Mai"},
                {"juni", "Juni"},
                {"juli", "Juli"},
                {"august", "August"},
                {"september", "September"},
                {"oktober", "Oktober"},
                {"november", "November"},
                {"dezember", "Dezember"}});
      ordinals(e, kDeOrdinals);
      break;
    case Language::fr:
      numbers(e, {0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11,
                  12, 13, 14, 15, 16, 20, 30, 40, 50, 60, 80, 100});
      words(e, {{"une", "une"},
                {"et", "et"},
                {"quatre_vingt", "quatre-vingt"},
                {"cents", "cents"},
                {"mille", "mille"},
                {"million", "million"},
                {"millions", "millions"},
                {"milliard", "milliard"},
                {"milliards", "milliards"},
                {"heure", "heure"},
                {"heures", "heures"},
                {"midi", "midi"},
                {"minuit", "minuit"},
                {"du_matin", "du matin"},
                {"de_l_apres_midi", "de l'après-midi"},
                {"du_soir", "du soir"},
                {"premier", "premier"},
                {"star", "étoile"},
                {"hash", "dièse"},
                {"lundi", "lundi"},
                {"mardi", "mardi"},
                {"mercredi", "mercredi"},
                {"jeudi", "jeudi"},
                {"vendredi", "vendredi"},
                {"samedi", "samedi"},
                {"dimanche", "dimanche"},
                {"janvier", "janvier"},
                {"fevrier", "février"},
                {"mars", "mars"},
                {"avril", "avril"},
                {"mai", "mai"},
                {"juin", "juin"},
                {"juillet", "juillet"},
                {"aout", "août"},
                {"septembre", "septembre"},
                {"octobre", "octobre"},
                {"novembre", "novembre"},
                {"decembre", "décembre"}});
      break;
  }
  table.names.reserve(e.size());
  for (const Entry& entry : e) table.names.emplace_back(entry.first);
  return table;
}

const Table& table(Language language) {
  static const std::array<Table, 3> kTables{build(Language::en), build(Language::de),
                                            build(Language::fr)};
  return kTables[static_cast<size_t>(language)];
}

}  // namespace

std::span<const std::string_view> fragment_names(Language language) noexcept {
  return table(language).names;
}

std::string_view fragment_text(Language language, std::string_view fragment) noexcept {
  const auto& entries = table(language).entries;
  const auto found = std::find_if(entries.begin(), entries.end(),
                                  [&](const Entry& e) { return e.first == fragment; });
  return found == entries.end() ? std::string_view{} : std::string_view(found->second);
}

}  // namespace ivrd::ivr
