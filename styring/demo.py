"""The governance (styring) part of the demo municipality Egekilde Kommune.

Registered as an extension of the organisation demo (`organisation/demo.py`) when this module is
imported from `StyringConfig.ready()`. `styring` comes after `kerneopgaver` in INSTALLED_APPS, so
the core tasks the instruments are justified by exist when this is built.

It builds about forty instruments with realistic Danish municipal content: legal duties with
their legal basis, KL agreements, council decisions, the administration's own reports and local
unit rules, across the directorates and areas; most are justified by the demo core tasks, some
are not, some are costly or past their review date, so the review register has candidates for
every reason. Then synthetic value signals for the previous quarter (stored like real ones:
instrument, unit, period and the answers, no person), aggregated with the same code as real
ones, and a few decisions: tightening in one area, loosening in another, a removal that freed
hours and a review that kept an instrument.

The demo employee `medarbejder` gets no marker for the current quarter, so she can give value
signals herself; several instruments in force apply to her workplace and to `leder`'s area.
Everything is drawn from `random.Random(seed)`.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from kerneopgaver import demo as kerneopgaver_demo
from kerneopgaver.models import CoreTask
from organisation import demo as organisation_demo
from organisation.models import OrgUnit, RoleAssignment, User
from styring import periods
from styring.models import (
    Answer,
    Decision,
    DuplicateAnswer,
    Instrument,
    Justification,
    SignalAggregation,
    SignalResult,
    ValueSignal,
    ValueSignalMarker,
)

EXTENSION_NAME = "governance instruments"
BATCH_SIZE = 5000

Kind = Instrument.Kind
Origin = Instrument.Origin
Status = Instrument.Status

# Unit references in the specs: "kommune" is the root, "@leder" the demo leader's area,
# "@arbejdsplads" the demo employee's workplace; anything else is a directorate or area name.
ROOT = "kommune"
LEADER_AREA = "@leder"
EMPLOYEE_WORKPLACE = "@arbejdsplads"

# How employees judge an instrument, as weights of the answers:
# helps (yes, partly, no, don't know), uses (the same), duplicate (yes, no, don't know).
PROFILES: dict[str, tuple[tuple[float, ...], tuple[float, ...], tuple[float, ...]]] = {
    "valued": ((0.55, 0.3, 0.1, 0.05), (0.6, 0.25, 0.1, 0.05), (0.08, 0.82, 0.1)),
    "mixed": ((0.3, 0.35, 0.25, 0.1), (0.35, 0.35, 0.2, 0.1), (0.12, 0.73, 0.15)),
    "unhelpful": ((0.07, 0.15, 0.68, 0.1), (0.12, 0.2, 0.58, 0.1), (0.18, 0.62, 0.2)),
    "duplicate": ((0.2, 0.35, 0.35, 0.1), (0.35, 0.3, 0.25, 0.1), (0.62, 0.28, 0.1)),
}
HELPS = tuple(Answer.values)
DUPLICATE = tuple(DuplicateAnswer.values)


@dataclass(frozen=True)
class Spec:
    title: str
    description: str
    kind: str
    origin: str
    legal_basis: str
    mandatory: bool
    owner: str
    applies: tuple[str, ...]
    minutes: int
    review_in_days: int | None  # from today; negative: the review date has passed
    status: str
    justifications: tuple[tuple[str, str], ...]  # (core task key, how)
    profile: str


S = Spec  # the list below is long; a short name keeps each entry readable

INSTRUMENTS: tuple[Spec, ...] = (
    # --- Børn og Unge ---------------------------------------------------------------------
    S(
        "Sprogvurdering af 3-årige",
        "Alle 3-årige i dagtilbud tilbydes en sprogvurdering, og resultatet drøftes med "
        "forældrene.",
        Kind.DOCUMENTATION, Origin.LAW, "Dagtilbudsloven § 11", True,
        "Børn og Unge", ("Dagtilbud Nord", "Dagtilbud Syd"), 20, 300, Status.ACTIVE,
        (("children", "Vurderingen viser tidligt, hvilke børn der har brug for en særlig "
          "sprogindsats, så de kan lære og høre til i fællesskabet."),),
        "valued",
    ),
    S(
        "Ugentlig trivselsregistrering i dagtilbud",
        "Hver uge registreres hvert barns trivsel på en skala fra 1 til 5 i fagsystemet.",
        Kind.DOCUMENTATION, Origin.ADMINISTRATION, "", False,
        "Børn og Unge", ("Dagtilbud Nord", "Dagtilbud Syd"), 45, -60, Status.ACTIVE,
        (("children", "Registreringen skal fange børn i mistrivsel, før det bliver alvorligt."),),
        "unhelpful",
    ),
    S(
        "Pædagogisk læreplan og evaluering",
        "Den styrkede pædagogiske læreplan udarbejdes og evalueres hvert andet år.",
        Kind.DOCUMENTATION, Origin.LAW, "Dagtilbudsloven §§ 8-10", True,
        "Børn og Unge", ("Dagtilbud Nord", "Dagtilbud Syd"), 30, 420, Status.ACTIVE,
        (("children", "Læreplanen sætter retning for børnenes leg og læring og gør den synlig "
          "for forældrene."),),
        "valued",
    ),
    S(
        "Elevplaner i Min Uddannelse",
        "Elevplanen opdateres mindst én gang om året for hver elev.",
        Kind.DOCUMENTATION, Origin.LAW, "Folkeskoleloven § 13 b", True,
        "Børn og Unge", ("Skoler Øst", "Skoler Vest"), 60, 150, Status.ACTIVE,
        (("children", "Elevplanen giver elev, forældre og lærere et fælles billede af, hvad "
          "eleven skal lære næste gang."),),
        "mixed",
    ),
    S(
        "Fraværsregistrering samme dag",
        "Fravær registreres inden kl. 9, og forældre kontaktes samme dag ved ulovligt fravær.",
        Kind.PROCESS, Origin.COUNCIL, "Byrådets beslutning om bekymrende fravær, 2024", False,
        "Børn og Unge", ("Skoler Øst", "Skoler Vest"), 20, 200, Status.ACTIVE,
        (("children", "Opfølgning samme dag forebygger, at fravær bliver bekymrende fravær."),),
        "valued",
    ),
    S(
        "Trivselssamtaler med alle elever to gange om året",
        "Klasselæreren holder en kort trivselssamtale med hver elev hvert halvår.",
        Kind.PROCESS, Origin.COUNCIL, "Børne- og ungepolitikken 2023", False,
        "Børn og Unge", ("Skoler Øst", "Skoler Vest"), 30, 240, Status.ACTIVE,
        (("children", "Samtalen opdager mistrivsel tidligt og giver eleven en voksen at gå "
          "til."),),
        "valued",
    ),
    S(
        "Underretning ved bekymring for et barn",
        "Fagpersoner underretter kommunen straks ved bekymring for et barns trivsel.",
        Kind.PROCESS, Origin.LAW, "Barnets Lov § 133", True,
        "Børn og Unge", ("Børn og Unge",), 10, 365, Status.ACTIVE,
        (("children", "Underretningen sikrer, at børn i udsatte positioner får hjælp tidligt."),),
        "valued",
    ),
    S(
        "Kvartalsvis rapportering af trivselsdata til forvaltningen",
        "Hver institution sender et regneark med kvartalets trivselstal til forvaltningen.",
        Kind.REPORT, Origin.ADMINISTRATION, "", False,
        "Børn og Unge", ("Børn og Unge",), 30, -30, Status.ACTIVE,
        (("children", "Forvaltningen følger trivslen på tværs af institutioner og sætter ind, "
          "hvor den falder."),),
        "duplicate",
    ),
    S(
        "Handleplaner for børn og unge med særlige behov",
        "Der udarbejdes en handleplan, før der træffes afgørelse om en særlig indsats.",
        Kind.DOCUMENTATION, Origin.LAW, "Barnets Lov § 91", True,
        "Børn og Unge", ("Familie og Forebyggelse",), 90, 100, Status.ACTIVE,
        (("children", "Handleplanen samler barnets, familiens og fagpersonernes mål for "
          "indsatsen."),),
        "valued",
    ),
    S(
        "Sundhedsplejens journalføring",
        "Alle besøg og konsultationer journalføres i sundhedsplejens journalsystem.",
        Kind.DOCUMENTATION, Origin.EXECUTIVE_ORDER,
        "Bekendtgørelse om forebyggende sundhedsydelser til børn og unge", True,
        "Familie og Forebyggelse", ("Familie og Forebyggelse",), 30, 300, Status.ACTIVE,
        (("children", "Journalen sikrer sammenhæng, når flere sundhedsplejersker følger samme "
          "familie."),),
        "valued",
    ),
    S(
        "Fælles skabelon for overgangssamtaler til skole",
        "Før skolestart holdes en overgangssamtale efter områdets fælles skabelon.",
        Kind.PROCESS, Origin.ADMINISTRATION, "", False,
        LEADER_AREA, (LEADER_AREA,), 15, 200, Status.ACTIVE,
        (("children", "Skolen kender barnet fra første dag, og overgangen bliver tryg."),),
        "valued",
    ),
    S(
        "Tjekliste for legepladsinspektion",
        "Forslag: en ugentlig tjekliste for legepladsen, ud over den årlige inspektion.",
        Kind.PROCESS, Origin.ADMINISTRATION, "", False,
        LEADER_AREA, (LEADER_AREA,), 20, None, Status.PROPOSED,
        (),
        "mixed",
    ),
    S(
        "Referat af morgenmødet på tavlen",
        "Morgenmødets aftaler skrives på tavlen og fotograferes til intranettet hver dag.",
        Kind.DOCUMENTATION, Origin.LOCAL, "", False,
        EMPLOYEE_WORKPLACE, (EMPLOYEE_WORKPLACE,), 40, 90, Status.ACTIVE,
        (("children", "Alle ved, hvilke børn der har brug for ekstra opmærksomhed i dag."),),
        "mixed",
    ),
    # --- Sundhed og Omsorg ------------------------------------------------------------------
    S(
        "Dobbeltregistrering af hjemmeplejebesøg i Excel",
        "Ud over omsorgssystemet føres hvert besøg i et fælles regneark.",
        Kind.DOCUMENTATION, Origin.LOCAL, "", False,
        "Hjemmeplejen", ("Hjemmeplejen",), 120, -90, Status.ACTIVE,
        (("elderly", "Regnearket skulle sikre, at intet besøg blev glemt ved vagtskifte."),),
        "duplicate",
    ),
    S(
        "Papirbaseret kørselsregnskab i hjemmeplejen",
        "Kørsel mellem borgere skrives i en kørebog og afleveres hver måned.",
        Kind.DOCUMENTATION, Origin.LOCAL, "", False,
        "Hjemmeplejen", ("Hjemmeplejen",), 30, -120, Status.ACTIVE,
        (("elderly", "Regnskabet skulle vise, hvor meget af tiden der går med borgerne."),),
        "unhelpful",
    ),
    S(
        "Kvalitetsstandard for praktisk hjælp",
        "Hjælpen gives efter byrådets kvalitetsstandard og den visiterede tid.",
        Kind.GOAL, Origin.LAW, "Serviceloven §§ 83 og 139", True,
        "Sundhed og Omsorg", ("Hjemmeplejen",), 10, 365, Status.ACTIVE,
        (("elderly", "Borgeren ved, hvad hun kan forvente, og hjælpen tager udgangspunkt i "
          "det, hun selv kan."),),
        "valued",
    ),
    S(
        "Faldregistrering og opfølgning",
        "Alle fald registreres, og der følges op med en faldudredning inden for en uge.",
        Kind.DOCUMENTATION, Origin.COUNCIL, "Byrådets ældrepolitik 2023", False,
        "Sundhed og Omsorg", ("Hjemmeplejen", "Plejecentre"), 15, 150, Status.ACTIVE,
        (("elderly", "Opfølgningen forebygger nye fald, så ældre kan klare sig selv længere."),),
        "valued",
    ),
    S(
        "Medicinhåndtering efter instruks",
        "Medicin doseres, gives og dokumenteres efter kommunens instruks.",
        Kind.PROCESS, Origin.EXECUTIVE_ORDER,
        "Bekendtgørelse om håndtering af lægemidler i kommunale tilbud", True,
        "Sundhed og Omsorg", ("Hjemmeplejen", "Plejecentre"), 30, 200, Status.ACTIVE,
        (),
        "valued",
    ),
    S(
        "Døgnrytmeplan for hver beboer",
        "Beboerens vaner og ønsker gennem døgnet beskrives og opdateres hvert kvartal.",
        Kind.DOCUMENTATION, Origin.ADMINISTRATION, "", False,
        "Plejecentre", ("Plejecentre",), 30, 200, Status.ACTIVE,
        (("elderly", "Dagen tilrettelægges efter beboerens egne vaner, ikke vagtplanen."),),
        "valued",
    ),
    S(
        "Ernæringsscreening ved indflytning",
        "Alle nye beboere screenes for underernæring inden for de første to uger.",
        Kind.PROCESS, Origin.ADMINISTRATION, "Sundhedsstyrelsens anbefalinger", False,
        "Plejecentre", ("Plejecentre",), 10, 300, Status.ACTIVE,
        (("elderly", "God ernæring giver kræfter til at leve et aktivt liv."),),
        "valued",
    ),
    S(
        "Genoptræningsplaner",
        "Genoptræning efter sygehusophold sker efter en genoptræningsplan.",
        Kind.DOCUMENTATION, Origin.LAW, "Sundhedsloven § 140", True,
        "Sundhed og Træning", ("Sundhed og Træning",), 40, 300, Status.ACTIVE,
        (("elderly", "Planen holder træningen rettet mod borgerens egne mål i hverdagen."),),
        "valued",
    ),
    S(
        "Tidsregistrering pr. kvarter i omsorgssystemet",
        "Terapeuterne registrerer hvert kvarter, hvilken ydelse de leverer.",
        Kind.DOCUMENTATION, Origin.ADMINISTRATION, "", False,
        "Sundhed og Træning", ("Sundhed og Træning",), 90, -15, Status.ACTIVE,
        (("elderly", "Registreringen skulle dokumentere den leverede tid."),),
        "unhelpful",
    ),
    # --- Beskæftigelse og Social ------------------------------------------------------------
    S(
        "Jobsamtaler efter fast kadence",
        "Ledige indkaldes til jobsamtaler efter lovens kadence.",
        Kind.PROCESS, Origin.LAW, "Lov om en aktiv beskæftigelsesindsats", True,
        "Beskæftigelse", ("Beskæftigelse",), 60, 200, Status.ACTIVE,
        (("jobs", "Jævnlige samtaler holder fokus på vejen til job og uddannelse."),),
        "mixed",
    ),
    S(
        "Resultatmål for virksomhedsrettede tilbud",
        "Mindst 60 % af de ledige i tilbud er i virksomhedspraktik eller løntilskud.",
        Kind.GOAL, Origin.COUNCIL, "Beskæftigelsesplan 2026", False,
        "Beskæftigelse", ("Beskæftigelse",), 10, 300, Status.ACTIVE,
        (("jobs", "Tilbud på en rigtig arbejdsplads fører oftere til job end kurser."),),
        "valued",
    ),
    S(
        "Ugentlig måltalsrapport til jobcenterchefen",
        "Hver fredag sendes et regneark med ugens samtaler, tilbud og afgange.",
        Kind.REPORT, Origin.ADMINISTRATION, "", False,
        "Beskæftigelse", ("Beskæftigelse",), 30, -45, Status.ACTIVE,
        (("jobs", "Chefen følger udviklingen tæt og kan flytte ressourcer."),),
        "duplicate",
    ),
    S(
        "Dokumentation af magtanvendelse",
        "Magtanvendelse og andre indgreb i selvbestemmelsesretten registreres og indberettes "
        "samme dag.",
        Kind.DOCUMENTATION, Origin.LAW, "Serviceloven §§ 124-136", True,
        "Beskæftigelse og Social", ("Handicap og Psykiatri", "Plejecentre"), 25, 200,
        Status.ACTIVE,
        (("elderly", "Dokumentationen sikrer borgerens retssikkerhed og giver læring, så "
          "magtanvendelse kan forebygges."),
         ("community", "Beboerne skal kunne leve trygt og med respekt for deres "
          "selvbestemmelse.")),
        "valued",
    ),
    S(
        "Socialfaglige handleplaner",
        "Borgere med nedsat funktionsevne tilbydes en handleplan med egne mål.",
        Kind.DOCUMENTATION, Origin.LAW, "Serviceloven § 141", True,
        "Handicap og Psykiatri", ("Handicap og Psykiatri",), 60, 200, Status.ACTIVE,
        (("jobs", "Handleplanen samler borgerens egne mål for uddannelse, job og hverdagsliv."),),
        "valued",
    ),
    S(
        "Voksenudredningsmetoden (VUM)",
        "Sager på voksenområdet udredes efter KL's voksenudredningsmetode.",
        Kind.PROCESS, Origin.KL_AGREEMENT, "KL's voksenudredningsmetode, version 2.0", False,
        "Handicap og Psykiatri", ("Handicap og Psykiatri",), 45, 100, Status.ACTIVE,
        (("community", "Et fælles sprog om borgerens ressourcer gør indsatsen mere "
          "sammenhængende."),),
        "mixed",
    ),
    S(
        "Journalisering af borgerhenvendelser",
        "Henvendelser af betydning for en sag journaliseres i ESDH-systemet.",
        Kind.DOCUMENTATION, Origin.LAW, "Offentlighedsloven § 15", True,
        "Borgerservice og Ydelser", ("Borgerservice og Ydelser",), 20, 300, Status.ACTIVE,
        (),
        "mixed",
    ),
    S(
        "Servicemål for svartid i Borgerservice",
        "Borgere får svar på skriftlige henvendelser inden for fem arbejdsdage.",
        Kind.GOAL, Origin.COUNCIL, "Byrådets servicemål 2025", False,
        "Borgerservice og Ydelser", ("Borgerservice og Ydelser",), 5, 200, Status.ACTIVE,
        (("community", "Hurtige svar giver borgerne tryghed om deres sag."),),
        "valued",
    ),
    S(
        "Tjekliste ved udbetaling af enkeltydelser",
        "Før udbetaling udfyldes en tjekliste på papir, som scannes til sagen.",
        Kind.PROCESS, Origin.ADMINISTRATION, "", False,
        "Borgerservice og Ydelser", ("Borgerservice og Ydelser",), 25, -10, Status.ACTIVE,
        (("jobs", "Tjeklisten skal forebygge fejludbetalinger."),),
        "duplicate",
    ),
    # --- Teknik, Kultur og Miljø -----------------------------------------------------------
    S(
        "Registrering af vejtilsyn i app",
        "Skader på veje og stier registreres med foto og placering i tilsynsappen.",
        Kind.DOCUMENTATION, Origin.LAW, "Vejloven § 10", True,
        "Vej og Park", ("Vej og Park",), 20, 300, Status.ACTIVE,
        (("community", "Hurtig udbedring gør stier og veje trygge at færdes på."),),
        "valued",
    ),
    S(
        "Daglig sikkerhedstjek af maskiner",
        "Maskiner og redskaber tjekkes før brug efter materielgårdens tjekliste.",
        Kind.PROCESS, Origin.EXECUTIVE_ORDER,
        "Bekendtgørelse om brug af arbejdsudstyr", True,
        "Vej og Park", ("Vej og Park",), 15, 300, Status.ACTIVE,
        (),
        "valued",
    ),
    S(
        "Udlånsstatistik til kulturudvalget",
        "Bibliotekerne optæller udlån og besøg pr. aldersgruppe hver måned.",
        Kind.REPORT, Origin.COUNCIL, "Kulturudvalgets beslutning, 2019", False,
        "Kultur og Fritid", ("Kultur og Fritid",), 20, -200, Status.ACTIVE,
        (("community", "Statistikken skulle vise, hvilke borgere bibliotekerne når."),),
        "unhelpful",
    ),
    S(
        "Frivilligkoordinering i kulturhusene",
        "Hvert kulturhus har en fast kontaktperson og en årsplan for de frivillige.",
        Kind.PROCESS, Origin.LOCAL, "", False,
        "Kultur og Fritid", ("Kultur og Fritid",), 15, 250, Status.ACTIVE,
        (("community", "Frivillige og foreninger får et sted at mødes og skabe fællesskaber."),),
        "valued",
    ),
    S(
        "Manuel optælling af besøgende i svømmehallen",
        "Besøgende blev talt med tællepind ved indgangen og indberettet hver uge.",
        Kind.REPORT, Origin.LOCAL, "", False,
        "Kultur og Fritid", ("Kultur og Fritid",), 20, None, Status.RETIRED,
        (("community", "Optællingen skulle vise, hvornår hallen bruges."),),
        "unhelpful",
    ),
    S(
        "Sagsbehandlingsfrister i byggesager",
        "Byggesager afgøres inden for servicemålene i aftalen mellem KL og regeringen.",
        Kind.GOAL, Origin.KL_AGREEMENT, "Økonomiaftalen mellem KL og regeringen 2025", False,
        "Byg, Natur og Miljø", ("Byg, Natur og Miljø",), 10, 300, Status.ACTIVE,
        (("nature", "Hurtige afgørelser gør det let for borgere og virksomheder at gøre det "
          "rigtige for miljøet."),),
        "mixed",
    ),
    S(
        "Miljøtilsyn med virksomheder",
        "Tilsyn udføres og afrapporteres efter den fastlagte frekvens.",
        Kind.DOCUMENTATION, Origin.EXECUTIVE_ORDER, "Miljøtilsynsbekendtgørelsen", True,
        "Byg, Natur og Miljø", ("Byg, Natur og Miljø",), 45, 200, Status.ACTIVE,
        (("nature", "Tilsynet forebygger forurening af jord, vand og luft."),),
        "valued",
    ),
    S(
        "Klimaregnskab for kommunale bygninger",
        "Forslag: hver bygning indberetter energi- og vandforbrug hvert kvartal.",
        Kind.REPORT, Origin.COUNCIL, "Klimaplan 2030", False,
        "Teknik, Kultur og Miljø", ("Teknik, Kultur og Miljø",), 10, None, Status.PROPOSED,
        (),
        "mixed",
    ),
    # --- The whole municipality ------------------------------------------------------------
    S(
        "Månedlig ledelsesrapport om sygefravær",
        "Hver leder kommenterer månedens sygefravær i en fast rapport til direktionen.",
        Kind.REPORT, Origin.ADMINISTRATION, "", False,
        ROOT, (ROOT,), 15, -20, Status.UNDER_REVIEW,
        (("elderly", "Lavere sygefravær giver borgerne færre skift mellem medarbejdere."),),
        "unhelpful",
    ),
    S(
        "Medarbejderudviklingssamtaler (MUS)",
        "Alle medarbejdere tilbydes en årlig MUS, og aftalerne skrives ned.",
        Kind.PROCESS, Origin.KL_AGREEMENT, "Rammeaftale om medindflydelse og medbestemmelse",
        True,
        ROOT, (ROOT,), 10, 365, Status.ACTIVE,
        (("children", "Samtalen sætter den enkeltes bidrag til kerneopgaven i fokus."),
         ("elderly", "Samtalen sætter den enkeltes bidrag til kerneopgaven i fokus."),
         ("jobs", "Samtalen sætter den enkeltes bidrag til kerneopgaven i fokus.")),
        "mixed",
    ),
    S(
        "APV-handlingsplan hvert tredje år",
        "Arbejdspladsvurderingen gennemføres, og handlingsplanen følges op i MED.",
        Kind.DOCUMENTATION, Origin.LAW, "Arbejdsmiljøloven § 15 a", True,
        ROOT, (ROOT,), 5, 500, Status.ACTIVE,
        (),
        "mixed",
    ),
    S(
        "Fælles skabelon for mødereferater",
        "Forslag: alle møder refereres i samme skabelon med beslutninger og opfølgning.",
        Kind.DOCUMENTATION, Origin.ADMINISTRATION, "", False,
        ROOT, (ROOT,), 10, None, Status.PROPOSED,
        (),
        "mixed",
    ),
)  # fmt: skip
TITLES = tuple(spec.title for spec in INSTRUMENTS)

# Employees answer for the instruments that apply to them, some more willingly than others.
ANSWER_RATE = (0.45, 0.8)
# Decisions, by title: (area, kind, source, reason, decision-maker, days ago, review in days,
# minutes after).
DECISIONS: tuple[tuple[str, str | None, str, str, str, str, int, int | None, int | None], ...] = (
    (
        "Dokumentation af magtanvendelse",
        "Handicap og Psykiatri",
        Decision.Kind.TIGHTEN,
        Decision.Source.INTENSITY,
        "Det sociale tilsyn fandt mangelfuld dokumentation. Vi strammer op med en "
        "læringsgennemgang af hver registrering i et halvt år.",
        "Direktionen for Beskæftigelse og Social",
        40,
        180,
        40,
    ),
    (
        "Ugentlig trivselsregistrering i dagtilbud",
        "Dagtilbud Syd",
        Decision.Kind.LOOSEN,
        Decision.Source.INTENSITY,
        "Pædagogerne kender børnene; en månedlig registrering er nok til at fange dem, der "
        "mistrives. Forsøg i et år.",
        "Område-MED Børn og Unge",
        30,
        330,
        15,
    ),
    (
        "Papirbaseret kørselsregnskab i hjemmeplejen",
        None,
        Decision.Kind.REMOVE,
        Decision.Source.REVIEW,
        "Kørslen registreres allerede i planlægningssystemet; kørebogen gav intet til borgerne.",
        "Direktionen for Sundhed og Omsorg",
        20,
        None,
        None,
    ),
    (
        "Elevplaner i Min Uddannelse",
        None,
        Decision.Kind.KEEP,
        Decision.Source.REVIEW,
        "Elevplanen er lovpligtig, og forældrene bruger den. Vi ser på tidsforbruget igen, når "
        "den nye skabelon er i brug.",
        "Skolechefen",
        15,
        300,
        None,
    ),
)


def demo_root() -> OrgUnit | None:
    return OrgUnit.objects.filter(external_id=organisation_demo.ROOT_EXTERNAL_ID).first()


def _demo_instruments(root: OrgUnit) -> QuerySet[Instrument]:
    return Instrument.objects.filter(owner_unit__path__startswith=root.path)


def exists() -> bool:
    """The demo's instruments are there (any of them counts: kept, not rebuilt)."""
    root = demo_root()
    if root is None:
        return False
    return _demo_instruments(root).filter(title__in=TITLES).exists()


def delete() -> None:
    """Remove the governance data of the demo municipality: its instruments (also those made
    while trying the demo, whose owning units would otherwise block deleting it) with their
    justifications, decisions, value signals and results, and the demo logins' markers on them.
    A period left without signals loses its aggregation too. Nothing happens without the demo
    municipality."""
    root = demo_root()
    if root is None:
        return
    from styring.services.signals import marker_digest

    with transaction.atomic():
        instruments = _demo_instruments(root)
        instrument_ids = list(instruments.values_list("pk", flat=True))
        in_demo = Q(instrument_id__in=instrument_ids) | Q(unit__path__startswith=root.path)
        signals = ValueSignal.objects.filter(in_demo)
        touched = set(signals.values_list("period", flat=True).distinct())
        logins = list(
            User.objects.filter(
                username__in=organisation_demo.DEMO_USERNAMES,
                external_id__startswith=organisation_demo.EXTERNAL_ID_PREFIX,
            ).values_list("pk", flat=True)
        )
        current = periods.current_period()
        digests = [
            marker_digest(user_id, instrument_id, period)
            for user_id in logins
            for instrument_id in instrument_ids
            for period in (current, periods.previous(current))
        ]
        ValueSignalMarker.objects.filter(digest__in=digests).delete()
        signals.delete()
        SignalResult.objects.filter(in_demo).delete()
        Decision.objects.filter(
            Q(instrument_id__in=instrument_ids) | Q(area__path__startswith=root.path)
        ).delete()
        Justification.objects.filter(instrument_id__in=instrument_ids).delete()
        Instrument.objects.filter(pk__in=instrument_ids).delete()
        for period in touched:
            if not ValueSignal.objects.filter(period=period).exists():
                SignalResult.objects.filter(period=period).delete()
                SignalAggregation.objects.filter(period=period).delete()


def build(*, seed: int) -> str:
    """Build the instruments, their justifications, last quarter's value signals and their
    results, and the decisions."""
    with transaction.atomic():
        return _Builder(seed=seed, today=timezone.localdate()).build()


organisation_demo.register_extension(EXTENSION_NAME, build=build, delete=delete, exists=exists)


# --- Building ---------------------------------------------------------------------------------


def _weighted(rng: random.Random, choices: Sequence[str], weights: Sequence[float]) -> str:
    return rng.choices(choices, weights=weights)[0]


class _Builder:
    def __init__(self, *, seed: int, today: date) -> None:
        # Its own stream, so that adding demo data elsewhere never changes this part.
        self.rng = random.Random(f"styring-{seed}")
        self.today = today
        root = demo_root()
        if root is None:
            raise organisation_demo.DemoError("The demo municipality does not exist.")
        self.root = root
        units = list(OrgUnit.objects.filter(path__startswith=root.path).order_by("path"))
        self.units = units
        self.by_name = {
            unit.name: unit for unit in units if root.depth < unit.depth <= root.depth + 2
        }
        self.tasks = {
            spec.key: task
            for spec in kerneopgaver_demo.TASKS
            if (task := CoreTask.objects.filter(title=spec.title).first()) is not None
        }
        people = User.objects.filter(external_id__startswith=organisation_demo.EXTERNAL_ID_PREFIX)
        self.logins = {
            user.username: user
            for user in people.filter(username__in=organisation_demo.DEMO_USERNAMES)
        }
        self.leader_area = self._leader_area()
        self.workplace = self._employee_workplace()
        # Who records the decisions: HR if the logins exist, else the municipal director.
        self.author = self.logins.get("hr") or self._leader_of(root)
        self.counts = dict.fromkeys(("instruments", "justifications", "signals"), 0)

    def _leader_of(self, unit: OrgUnit) -> User | None:
        assignment = (
            RoleAssignment.objects.filter(role=RoleAssignment.Role.LEADER, unit=unit)
            .select_related("user")
            .first()
        )
        return assignment.user if assignment else None

    def _leader_area(self) -> OrgUnit:
        """`leder`'s area; without the logins, the first area (where the logins would be)."""
        leader = self.logins.get("leder")
        if leader is not None:
            assignment = RoleAssignment.objects.filter(
                user=leader, role=RoleAssignment.Role.LEADER, unit__isnull=False
            ).first()
            if assignment is not None:
                return assignment.unit
        return next(unit for unit in self.units if unit.depth == self.root.depth + 2)

    def _employee_workplace(self) -> OrgUnit:
        """`medarbejder`'s workplace (her home unit or the workplace above her team)."""
        employee = self.logins.get("medarbejder")
        depth = self.root.depth + 3
        if employee is not None and employee.home_unit_id is not None:
            home = next(unit for unit in self.units if unit.pk == employee.home_unit_id)
            path = home.path[: depth * OrgUnit.steplen]
            return next(unit for unit in self.units if unit.path == path)
        return next(
            unit
            for unit in self.units
            if unit.depth == depth and unit.path.startswith(self.leader_area.path)
        )

    def unit(self, reference: str) -> OrgUnit:
        if reference == ROOT:
            return self.root
        if reference == LEADER_AREA:
            return self.leader_area
        if reference == EMPLOYEE_WORKPLACE:
            return self.workplace
        return self.by_name[reference]

    def build(self) -> str:
        instruments = self.build_instruments()
        period = periods.previous(periods.current_period())
        hidden = self.build_signals(instruments, period)
        decisions = self.build_decisions(instruments)
        return (
            f"{self.counts['instruments']} instruments with {self.counts['justifications']} "
            f"justifications, {self.counts['signals']} value signals for {period} "
            f"({hidden} hidden result rows), {decisions} decisions."
        )

    # --- Instruments ------------------------------------------------------------------------

    def build_instruments(self) -> dict[str, Instrument]:
        from styring.services.instruments import check_activation

        instruments: dict[str, Instrument] = {}
        justifications: list[Justification] = []
        for spec in INSTRUMENTS:
            owner = self.unit(spec.owner)
            how = [
                (self.tasks[key], text) for key, text in spec.justifications if key in self.tasks
            ]
            instrument = Instrument(
                title=spec.title,
                description=spec.description,
                kind=spec.kind,
                origin=spec.origin,
                legal_basis=spec.legal_basis,
                mandatory=spec.mandatory,
                owner_unit=owner,
                owner=self._leader_of(owner),
                minutes_per_month=spec.minutes,
                review_on=(
                    self.today + timedelta(days=spec.review_in_days)
                    if spec.review_in_days is not None
                    else None
                ),
                status=spec.status,
                created_by=self.author,
            )
            if spec.status in (Status.ACTIVE, Status.UNDER_REVIEW):
                # The demo keeps the app's invariant, even without the core-task demo.
                check_activation(instrument, justified=bool(how))
            instrument.save()
            instrument.applies_to.set([self.unit(reference) for reference in spec.applies])
            justifications += [
                Justification(
                    instrument=instrument, core_task=task, how=text, created_by=self.author
                )
                for task, text in how
            ]
            instruments[spec.title] = instrument
        Justification.objects.bulk_create(justifications)
        self.counts["instruments"] = len(instruments)
        self.counts["justifications"] = len(justifications)
        return instruments

    # --- Value signals ----------------------------------------------------------------------

    def build_signals(self, instruments: dict[str, Instrument], period: str) -> int:
        """Last quarter's value signals: per unit, a share of its employees answered on each
        instrument in force that applies to them; then the period is aggregated. Returns the
        number of hidden result rows."""
        from styring.queries import applied_to, employees_by_unit, instruments_with_rules
        from styring.services.signal_aggregation import aggregate_period

        profiles = {spec.title: spec.profile for spec in INSTRUMENTS}
        in_force = instruments_with_rules(
            Instrument.objects.filter(pk__in=[i.pk for i in instruments.values()]).in_force()
        )
        people = employees_by_unit()
        units = [unit for unit in self.units if people.get(unit.pk)]
        signals: list[ValueSignal] = []
        for instrument in in_force:
            helps, uses, duplicate = PROFILES[profiles[instrument.title]]
            rate = self.rng.uniform(*ANSWER_RATE)
            for unit in units:
                if applied_to(instrument, unit.path) is None:
                    continue
                answered = sum(self.rng.random() < rate for _ in range(people[unit.pk]))
                # Workplaces differ: the same instrument helps more in some than in others.
                tilt = [self.rng.uniform(0.7, 1.3) for _ in range(4)]
                unit_helps = [w * t for w, t in zip(helps, tilt, strict=True)]
                unit_uses = [w * t for w, t in zip(uses, tilt, strict=True)]
                for _ in range(answered):
                    signals.append(
                        ValueSignal(
                            id=uuid.UUID(int=self.rng.getrandbits(128), version=4),
                            instrument_id=instrument.pk,
                            unit_id=unit.pk,
                            period=period,
                            helps=_weighted(self.rng, HELPS, unit_helps),
                            uses=_weighted(self.rng, HELPS, unit_uses),
                            duplicate=_weighted(self.rng, DUPLICATE, duplicate),
                        )
                    )
        # Insertion order must not follow the units either (a row id says nothing, but order
        # might on some databases): shuffle before writing.
        self.rng.shuffle(signals)
        ValueSignal.objects.bulk_create(signals, batch_size=BATCH_SIZE)
        self.counts["signals"] = len(signals)
        aggregate_period(period=period)
        return SignalResult.objects.filter(period=period, hidden=True).count()

    # --- Decisions --------------------------------------------------------------------------

    def build_decisions(self, instruments: dict[str, Instrument]) -> int:
        from styring.services.decisions import decision_record

        for title, area, kind, source, reason, maker, ago, review, after in DECISIONS:
            decision_record(
                instrument=instruments[title],
                area=self.by_name[area] if area else None,
                kind=kind,
                reason=reason,
                decision_maker=maker,
                decided_on=self.today - timedelta(days=ago),
                review_on=self.today + timedelta(days=review) if review is not None else None,
                minutes_after=after,
                author=self.author,
                source=source,
            )
        return len(DECISIONS)
