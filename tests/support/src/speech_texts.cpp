// Texts for the speech corpus, written for these tests: IVR prompts, numbers
// and ordinary conversation. "#" is replaced by a random number when the
// corpus is built, so digits are spoken too (a classic talk-off source).

#include <array>
#include <string_view>

#include "ivrd/test_support/speech.hpp"

namespace ivrd::test_support {
namespace {

using namespace std::string_view_literals;

constexpr std::array kEnglish{
    "Thank you for calling. Please listen carefully, as our menu options have changed."sv,
    "For sales, press one. For support, press two. To speak to an operator, stay on the line."sv,
    "You are caller number # in the queue. The expected waiting time is # minutes."sv,
    "Well, I was thinking we could meet on Tuesday afternoon, if that works for you."sv,
    "My account number is #, and I have been waiting for the engineer since Monday."sv,
    "Sorry, could you repeat that? The line is really bad and I can hardly hear you."sv,
    "The weather was lovely this morning, so we walked along the river to the old mill."sv,
    "Please enter your customer number followed by the hash key."sv,
    "Oh really? That is wonderful news. Congratulations to both of you!"sv,
    "The total comes to # pounds and # pence, including delivery."sv,
    "Hello, hello? Is anybody there? I think the call dropped again."sv,
    "Our offices are open from nine in the morning until half past five, Monday to Friday."sv,
};

constexpr std::array kGerman{
    "Herzlich willkommen. Bitte haben Sie einen Moment Geduld, Sie werden gleich verbunden."sv,
    "Für den Vertrieb drücken Sie die Eins, für den Kundendienst die Zwei."sv,
    "Ihre Kundennummer lautet #. Bitte halten Sie diese Nummer bereit."sv,
    "Ich wollte eigentlich nur fragen, ob das Paket schon unterwegs ist."sv,
    "Entschuldigung, die Verbindung ist sehr schlecht. Können Sie das bitte wiederholen?"sv,
    "Am Wochenende fahren wir mit den Kindern an den See, wenn das Wetter hält."sv,
    "Sie sind an Position # der Warteschlange. Die geschätzte Wartezeit beträgt # Minuten."sv,
    "Ja, genau, das habe ich gestern schon Ihrer Kollegin erklärt."sv,
    "Unsere Geschäftszeiten sind montags bis freitags von acht bis siebzehn Uhr."sv,
    "Das macht dann # Euro und # Cent, bitte."sv,
};

constexpr std::array kFrench{
    "Bonjour et bienvenue. Tous nos conseillers sont actuellement occupés."sv,
    "Pour le service commercial, tapez un. Pour l'assistance technique, tapez deux."sv,
    "Votre numéro de dossier est le #. Merci de le garder à portée de main."sv,
    "Je voulais simplement savoir si ma commande était déjà partie."sv,
    "Pardon, je vous entends très mal. Pouvez-vous répéter, s'il vous plaît ?"sv,
    "Ce week-end, nous allons à la campagne chez mes grands-parents."sv,
    "Vous êtes le # dans la file d'attente. Le temps d'attente estimé est de # minutes."sv,
    "Oui, c'est ça, je l'ai déjà expliqué hier à votre collègue."sv,
    "Le montant total est de # euros et # centimes."sv,
};

constexpr std::array kSpanish{
    "Bienvenido. Todos nuestros agentes están ocupados en este momento."sv,
    "Para ventas, pulse uno. Para soporte técnico, pulse dos."sv,
    "Su número de cliente es el #. Por favor, téngalo a mano."sv,
    "Solo quería saber si mi pedido ya ha salido del almacén."sv,
    "Perdone, no le oigo bien. ¿Puede repetirlo, por favor?"sv,
    "El fin de semana vamos a la playa con toda la familia."sv,
    "Usted es el número # en la cola. El tiempo de espera es de # minutos."sv,
    "Sí, exacto, ya se lo expliqué ayer a su compañera."sv,
    "El total es de # euros con # céntimos."sv,
};

constexpr std::array kItalian{
    "Benvenuti. Tutti i nostri operatori sono momentaneamente occupati."sv,
    "Per le vendite, premere uno. Per l'assistenza tecnica, premere due."sv,
    "Il suo numero cliente è #. La preghiamo di tenerlo a portata di mano."sv,
    "Volevo solo sapere se il mio ordine è già stato spedito."sv,
    "Scusi, la linea è disturbata. Può ripetere, per favore?"sv,
    "Domenica andiamo al mare con i bambini, se non piove."sv,
    "Il totale è di # euro e # centesimi."sv,
};

constexpr std::array kDutch{
    "Welkom. Al onze medewerkers zijn op dit moment in gesprek."sv,
    "Voor verkoop, toets één. Voor technische ondersteuning, toets twee."sv,
    "Uw klantnummer is #. Wilt u dit nummer bij de hand houden?"sv,
    "Ik wilde alleen even vragen of mijn bestelling al verzonden is."sv,
    "Sorry, de verbinding is slecht. Kunt u dat nog eens herhalen?"sv,
    "Dit weekend gaan we fietsen langs de kust, als het droog blijft."sv,
    "U bent nummer # in de wachtrij. De verwachte wachttijd is # minuten."sv,
};

constexpr std::array kPortuguese{
    "Bem-vindo. Todos os nossos assistentes estão ocupados neste momento."sv,
    "Para vendas, prima um. Para apoio técnico, prima dois."sv,
    "O seu número de cliente é #. Por favor, tenha-o consigo."sv,
    "Só queria saber se a minha encomenda já foi enviada."sv,
    "Desculpe, a ligação está má. Pode repetir, por favor?"sv,
    "No fim de semana vamos à praia com os miúdos."sv,
    "O total é de # euros e # cêntimos."sv,
};

constexpr std::array kSwedish{
    "Välkommen. Alla våra handläggare är upptagna just nu."sv,
    "För försäljning, tryck ett. För teknisk support, tryck två."sv,
    "Ditt kundnummer är #. Ha det gärna till hands."sv,
    "Jag ville bara fråga om mitt paket redan har skickats."sv,
    "Förlåt, linjen är dålig. Kan du upprepa det?"sv,
    "I helgen ska vi åka ut till sommarstugan vid sjön."sv,
    "Du är nummer # i kön. Beräknad väntetid är # minuter."sv,
};

constexpr std::array kPolish{
    "Witamy. Wszyscy nasi konsultanci są obecnie zajęci."sv,
    "Aby połączyć się z działem sprzedaży, naciśnij jeden. Pomoc techniczna, naciśnij dwa."sv,
    "Twój numer klienta to #. Prosimy mieć go pod ręką."sv,
    "Chciałem tylko zapytać, czy moje zamówienie zostało już wysłane."sv,
    "Przepraszam, bardzo źle słychać. Czy może pan powtórzyć?"sv,
    "W weekend jedziemy z dziećmi nad jezioro."sv,
    "Jesteś # w kolejce. Przewidywany czas oczekiwania to # minut."sv,
};

}  // namespace

std::span<const std::string_view> speech_texts(std::string_view language) noexcept {
  if (language == "en" || language == "en-us") return kEnglish;
  if (language == "de") return kGerman;
  if (language == "fr") return kFrench;
  if (language == "es") return kSpanish;
  if (language == "it") return kItalian;
  if (language == "nl") return kDutch;
  if (language == "pt") return kPortuguese;
  if (language == "sv") return kSwedish;
  if (language == "pl") return kPolish;
  return {};
}

}  // namespace ivrd::test_support
