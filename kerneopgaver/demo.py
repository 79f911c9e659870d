"""The kerneopgaver part of the demo municipality Egekilde Kommune.

Registered as an extension of the organisation demo (`organisation/demo.py`) when this module is
imported from `KerneopgaverConfig.ready()`, so `manage.py seed_demo` builds it on top of the
municipality, also in a demo database built before core tasks existed.

Everything is fictional and fixed, or drawn from `random.Random(seed)`: one seed always gives the
same core tasks. Only dates follow the calendar: indicator values run up to the last completed
quarter before today, and the consultation on the task in dialogue is a few weeks old, so the demo
always looks current. Texts are in Danish because the demo plays a Danish municipality.
"""

from __future__ import annotations

import calendar
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from kerneopgaver.models import (
    CommunityNote,
    Contribution,
    CoreTask,
    CoreTaskChange,
    DialogueInput,
    EffectIndicator,
    IndicatorValue,
    Vision,
)
from organisation import demo as organisation_demo
from organisation.models import LeadershipCommunity, OrgUnit, RoleAssignment, User

EXTENSION_NAME = "core tasks"
QUARTERS_OF_VALUES = 12  # three years of quarterly values

Status = CoreTask.Status
Kind = EffectIndicator.Kind
Measure = EffectIndicator.MeasureType
UP, DOWN = EffectIndicator.Direction.UP, EffectIndicator.Direction.DOWN
Channel = DialogueInput.Channel
Outcome = DialogueInput.Outcome
Change = CoreTaskChange.Kind
OUTCOME_WORDS = {Outcome.TAKEN_IN: "taget ind", Outcome.NOT_TAKEN_IN: "ikke taget ind"}

DST = "Danmarks Statistik"
TRIVSEL = "Den nationale trivselsmåling"
JOBINDSATS = "Jobindsats.dk"
OWN = "Kommunens egne registreringer"


# --- Vision -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class VisionSpec:
    version: int
    title: str
    narrative: str
    adopted_on: date
    council_decision: str


VISIONS: tuple[VisionSpec, ...] = (
    VisionSpec(
        version=1,
        title="Egekilde – sammen om det gode liv",
        narrative=(
            "Egekilde er en kommune med plads til alle. Vi vil være et sted, hvor børn vokser "
            "op trygt, hvor voksne har arbejde og fællesskab, og hvor ældre kan leve det liv, de "
            "ønsker.\n\n"
            "Kommunen kan ikke skabe det gode liv alene. Det skaber vi sammen med borgerne, "
            "foreningerne og virksomhederne. Derfor vil vi lytte mere, inddrage tidligere og "
            "give plads til, at borgerne selv tager del i løsningerne."
        ),
        adopted_on=date(2022, 6, 22),
        council_decision="Byrådet 22.06.2022, pkt. 11",
    ),
    VisionSpec(
        version=2,
        title="Egekilde – hvor vi skaber det gode liv sammen",
        narrative=(
            "I Egekilde måler vi os selv på, hvad der sker i borgernes liv – ikke på, hvor "
            "mange sager vi behandler. Børn og unge skal trives og lære, voksne skal have en "
            "plads på arbejdsmarkedet, ældre skal leve selvstændigt og med værdighed, og vi skal "
            "give naturen og klimaet videre i bedre stand, end vi fik dem.\n\n"
            "Det gode liv skabes sammen: borgernes egen indsats, foreningslivet, virksomhederne "
            "og kommunens medarbejdere trækker på samme hammel. Kommunens opgave er at gøre "
            "det, der virker, og at holde op med det, der ikke gør.\n\n"
            "Derfor leder vi på vores kerneopgaver. Medarbejderne får tillid og frirum til at "
            "løse opgaven tæt på borgeren, og styring, dokumentation og møder skal kunne "
            "begrundes i den effekt, de skaber for borgerne. Det, der ikke kan, rydder vi væk."
        ),
        adopted_on=date(2025, 5, 14),
        council_decision="Byrådet 14.05.2025, pkt. 7",
    ),
)
VISION_TITLES = tuple(vision.title for vision in VISIONS)


# --- Core tasks -------------------------------------------------------------------------------


@dataclass(frozen=True)
class IndicatorSpec:
    name: str
    kind: str
    data_source: str
    unit_label: str
    baseline: float
    latest: float  # the value of the last period: decides whether the indicator is on track
    direction: str
    measure_type: str = ""
    target: float | None = None
    target_date: date | None = None
    decimals: int = 1
    spread: float = 0.5  # how much the quarterly values wander around the trend
    measured_area: str = ""  # for unit measures: the area whose work is measured
    description: str = ""
    stories: dict[int, str] = field(default_factory=dict)  # 0 = latest period, 1 = one before


@dataclass(frozen=True)
class InputSpec:
    """A dialogue input. `author` is resolved at build time: "politician", "employee:<area>",
    "leader:<area>", "login:medarbejder" or "citizen" (no account)."""

    author: str
    channel: str
    text: str
    kind: str = DialogueInput.Kind.COMMENT
    outcome: str = Outcome.OPEN
    reason: str = ""
    taken_into_definition: bool = False  # linked to the history row that changed the definition
    citizen_name: str = ""
    moderation: str = DialogueInput.Moderation.APPROVED


@dataclass(frozen=True)
class TaskSpec:
    key: str
    title: str
    purpose: str
    desired_effect: str
    earlier_effect: str  # the desired effect before the dialogue changed it (for the history)
    citizen_contribution: str
    partners: str
    political_owner: str
    owner_directorate: str  # "" for the municipal director
    status: str
    adopted_on: date | None
    council_decision: str
    depends_on: tuple[str, ...]
    contributions: tuple[tuple[str, str], ...]  # (area name, how the area contributes)
    indicators: tuple[IndicatorSpec, ...]
    inputs: tuple[InputSpec, ...]


CHILDREN = TaskSpec(
    key="children",
    title="Børn og unge trives, lærer og udvikler sig",
    purpose=(
        "Alle børn og unge i Egekilde skal have et godt børneliv og de bedste forudsætninger for "
        "et godt voksenliv. Kommunen findes for at give børn og unge trygge rammer, nærværende "
        "voksne og læring, der rækker ud over skolen – i tæt samarbejde med forældrene og "
        "lokalsamfundet."
    ),
    desired_effect=(
        "Flere børn og unge trives i dagtilbud, skole og fritid og oplever at høre til i et "
        "fællesskab. Flere går ud af 9. klasse klar til en ungdomsuddannelse, og flere "
        "gennemfører den. Børn i udsatte positioner opdages tidligt, og deres familier får "
        "hjælp, før problemerne vokser sig store."
    ),
    earlier_effect=(
        "Flere børn og unge trives i dagtilbud, skole og fritid og oplever at høre til i et "
        "fællesskab. Flere går ud af 9. klasse klar til en ungdomsuddannelse, og flere "
        "gennemfører den."
    ),
    citizen_contribution=(
        "Forældrene er børnenes vigtigste voksne: de læser med, sørger for søvn og sund mad, "
        "bakker op om fællesskabet i klassen og på stuen og deltager i forældresamarbejdet. De "
        "unge tager selv ansvar for deres fremmøde og for hinanden. Foreninger og frivillige "
        "åbner dørene for de børn, der ellers står udenfor."
    ),
    partners=(
        "Forældrebestyrelser og skolebestyrelser, idrætsforeninger og spejdere, Ungdommens "
        "Uddannelsesvejledning, de praktiserende læger, børne- og ungdomspsykiatrien i regionen "
        "og lokale virksomheder med praktikpladser."
    ),
    political_owner="Børne- og Skoleudvalget",
    owner_directorate="Børn og Unge",
    status=Status.ADOPTED,
    adopted_on=date(2025, 6, 18),
    council_decision="Byrådet 18.06.2025, pkt. 9",
    depends_on=("community",),
    contributions=(
        (
            "Dagtilbud Nord",
            "Vuggestuer og børnehaver arbejder med sprog, leg og relationer hver dag. Vi "
            "bruger sprogvurderingen til at sætte ind tidligt og inviterer forældrene med, når "
            "et barn har brug for ekstra støtte.",
        ),
        (
            "Dagtilbud Syd",
            "Vi arbejder med trygge overgange fra vuggestue til børnehave og fra børnehave til "
            "skole, sammen med skolerne i området, så intet barn starter i skole uden at kende "
            "nogen.",
        ),
        (
            "Skoler Øst",
            "Skolerne arbejder med klassefællesskaber og trivselssamtaler og følger fraværet "
            "tæt, så vi opdager de elever, der er ved at glide ud.",
        ),
        (
            "Skoler Vest",
            "Udskolingen samarbejder med lokale virksomheder og ungdomsuddannelserne om "
            "praksisfaglighed, så flere elever ser en vej videre efter 9. klasse.",
        ),
        (
            "Familie og Forebyggelse",
            "Sundhedsplejen, PPR og familierådgivningen sætter ind tidligt med rådgivning og "
            "familiekurser, så færre familier får brug for en tung indsats senere.",
        ),
        (
            "Kultur og Fritid",
            "Bibliotekerne og fritidstilbuddene giver børn og unge steder at være sammen efter "
            "skoletid, og foreningspuljen gør det billigere for alle at gå til noget.",
        ),
    ),
    indicators=(
        IndicatorSpec(
            name="Elever i 4.–9. klasse med høj trivsel",
            kind=Kind.POPULATION,
            data_source=TRIVSEL,
            unit_label="%",
            baseline=84.0,
            latest=88.3,
            direction=UP,
            target=88.0,
            target_date=date(2027, 12, 31),
            spread=0.6,
            description="Andelen af eleverne, der i trivselsmålingen svarer, at de trives godt.",
            stories={
                0: "Målet er nået før tid. Klassefællesskaberne og trivselssamtalerne virker; "
                "nu gælder det om at holde niveauet.",
                5: "Fald efter en periode med mange lærerskift på to skoler. Skolerne har siden "
                "fået faste teams omkring hver årgang.",
            },
        ),
        IndicatorSpec(
            name="25-årige med mindst en ungdomsuddannelse",
            kind=Kind.POPULATION,
            data_source=DST,
            unit_label="%",
            baseline=82.5,
            latest=83.4,
            direction=UP,
            target=86.0,
            target_date=date(2028, 12, 31),
            spread=0.4,
            stories={
                0: "Udviklingen går den rigtige vej, men for langsomt. Frafaldet på "
                "erhvervsuddannelserne er fortsat højt; se indsatsen med mentorer i 2026.",
            },
        ),
        IndicatorSpec(
            name="Børn, der er sprogligt alderssvarende ved skolestart",
            kind=Kind.UNIT_MEASURE,
            measure_type=Measure.BETTER_OFF,
            data_source=OWN,
            unit_label="%",
            baseline=78.0,
            latest=79.5,
            direction=UP,
            target=85.0,
            target_date=date(2027, 12, 31),
            spread=1.0,
            measured_area="Dagtilbud Nord",
            stories={
                2: "Nye sprogvurderinger i alle børnehaver fra 2026 giver et mere retvisende, "
                "men lidt lavere tal.",
            },
        ),
        IndicatorSpec(
            name="Familier i tidlig forebyggende indsats",
            kind=Kind.UNIT_MEASURE,
            measure_type=Measure.HOW_MUCH,
            data_source=OWN,
            unit_label="familier",
            baseline=140,
            latest=212,
            direction=UP,
            decimals=0,
            spread=8,
            measured_area="Familie og Forebyggelse",
            description="Familier, der får rådgivning eller kursus, før en sag bliver tung.",
        ),
    ),
    inputs=(
        InputSpec(
            author="leader:Familie og Forebyggelse",
            channel=Channel.LEADER,
            kind=DialogueInput.Kind.SUGGESTION,
            text=(
                "Den ønskede effekt bør også sige noget om de børn, der har det svært. Tidlig "
                "opsporing er det, der gør den største forskel for de udsatte familier."
            ),
            outcome=Outcome.TAKEN_IN,
            reason="Taget ind: den ønskede effekt har fået en sætning om tidlig indsats.",
            taken_into_definition=True,
        ),
        InputSpec(
            author="employee:Skoler Øst",
            channel=Channel.EMPLOYEE,
            text=(
                "Som lærer oplever jeg, at fravær er det første tegn på mistrivsel. Kan vi få "
                "et mål for fravær med?"
            ),
            outcome=Outcome.NOT_TAKEN_IN,
            reason=(
                "Ikke taget ind som indikator: vi holder os til højst fem. Fraværet følges i "
                "skolernes egne trivselssamtaler, og trivselsmålingen fanger det samme."
            ),
        ),
        InputSpec(
            author="politician",
            channel=Channel.POLITICIAN,
            text=(
                "Husk fritidslivet. Børn, der går til noget, trives bedre. Foreningerne skal "
                "nævnes som partnere."
            ),
            outcome=Outcome.TAKEN_IN,
            reason="Taget ind: idrætsforeninger og spejdere står nu blandt partnerne.",
        ),
    ),
)

ELDERLY = TaskSpec(
    key="elderly",
    title="Ældre lever et selvstændigt liv med værdighed",
    purpose=(
        "Ældre borgere i Egekilde skal kunne leve det liv, de selv ønsker, så længe som muligt – "
        "i eget hjem, med egne vaner og i fællesskab med andre. Når hjælpen bliver nødvendig, "
        "skal den gives med respekt for den enkeltes værdighed og med blik for det, borgeren "
        "selv kan."
    ),
    desired_effect=(
        "Flere ældre klarer hverdagen selv, længere, og færre føler sig ensomme. Efter sygdom "
        "eller fald kommer flere tilbage til deres hverdag gennem genoptræning og "
        "rehabilitering. De, der har brug for pleje, oplever en sammenhængende hjælp fra få, "
        "kendte medarbejdere og en værdig sidste tid."
    ),
    earlier_effect=(
        "Flere ældre klarer hverdagen selv, længere. Efter sygdom eller fald kommer flere "
        "tilbage til deres hverdag gennem genoptræning og rehabilitering. De, der har brug for "
        "pleje, oplever en sammenhængende hjælp og en værdig sidste tid."
    ),
    citizen_contribution=(
        "Borgeren deltager aktivt i sin egen genoptræning og holder sig i gang i hverdagen. "
        "Pårørende, naboer og venner er en del af netværket omkring den ældre, og mange ældre "
        "gør selv en stor indsats som frivillige for andre ældre."
    ),
    partners=(
        "Ældrerådet, pensionistforeninger og ældreorganisationer, frivillige besøgsvenner, de "
        "praktiserende læger, sygehuset i regionen og boligforeningerne."
    ),
    political_owner="Sundheds- og Ældreudvalget",
    owner_directorate="Sundhed og Omsorg",
    status=Status.ADOPTED,
    adopted_on=date(2025, 6, 18),
    council_decision="Byrådet 18.06.2025, pkt. 10",
    depends_on=("community",),
    contributions=(
        (
            "Hjemmeplejen",
            "Hjemmeplejen arbejder med faste teams omkring hver borger og med "
            "hverdagsrehabilitering, så hjælpen styrker det, borgeren selv kan, i stedet for at "
            "overtage det.",
        ),
        (
            "Plejecentre",
            "Plejecentrene tilrettelægger dagen efter beboernes vaner og ønsker, samarbejder tæt "
            "med de pårørende og giver en værdig sidste tid med palliativ omsorg.",
        ),
        (
            "Sundhed og Træning",
            "Træningscentrene giver genoptræning og rehabiliteringsforløb efter sygdom og fald, "
            "og Sundhedshuset tilbyder forebyggende hjemmebesøg og faldforebyggelse.",
        ),
        (
            "Borgerservice og Ydelser",
            "Borgerservice hjælper ældre, der ikke er digitale, med selvbetjening og ydelser, så "
            "de kan klare deres egne sager.",
        ),
        (
            "Kultur og Fritid",
            "Bibliotekerne og aktivitetshusene samler ældre om læsning, motion og fællesspisning "
            "og formidler kontakt til frivillige besøgsvenner.",
        ),
    ),
    indicators=(
        IndicatorSpec(
            name="Borgere over 65 år, der klarer sig uden hjemmehjælp",
            kind=Kind.POPULATION,
            data_source=DST,
            unit_label="%",
            baseline=88.0,
            latest=89.6,
            direction=UP,
            target=89.5,
            target_date=date(2028, 12, 31),
            spread=0.2,
            stories={
                0: "Hverdagsrehabiliteringen virker: flere afslutter forløbet uden fast hjælp.",
            },
        ),
        IndicatorSpec(
            name="Forebyggelige indlæggelser pr. 1.000 ældre",
            kind=Kind.POPULATION,
            data_source=DST,
            unit_label="pr. 1.000",
            baseline=62.0,
            latest=61.2,
            direction=DOWN,
            target=55.0,
            target_date=date(2028, 12, 31),
            spread=1.5,
            stories={
                4: "Influenzasæsonen var hård, og sygeplejen havde ubesatte stillinger.",
                0: "Stadig et stykke fra målet. Et nyt akutteam i sygeplejen starter i 2027.",
            },
        ),
        IndicatorSpec(
            name="Rehabiliteringsforløb, hvor borgeren klarer sig selv bagefter",
            kind=Kind.UNIT_MEASURE,
            measure_type=Measure.BETTER_OFF,
            data_source=OWN,
            unit_label="%",
            baseline=55.0,
            latest=65.5,
            direction=UP,
            target=65.0,
            target_date=date(2027, 12, 31),
            spread=1.5,
            measured_area="Sundhed og Træning",
        ),
        IndicatorSpec(
            name="Ventetid på genoptræning",
            kind=Kind.UNIT_MEASURE,
            measure_type=Measure.HOW_WELL,
            data_source=OWN,
            unit_label="dage",
            baseline=24,
            latest=21,
            direction=DOWN,
            target=14,
            target_date=date(2027, 6, 30),
            decimals=0,
            spread=2,
            measured_area="Sundhed og Træning",
            stories={
                1: "To fysioterapeutstillinger har været ubesat i et halvt år.",
            },
        ),
    ),
    inputs=(
        InputSpec(
            author="employee:Hjemmeplejen",
            channel=Channel.EMPLOYEE,
            text=(
                "Det betyder alt for borgerne, at det er de samme, der kommer. Kan det stå i "
                "den ønskede effekt, at hjælpen kommer fra få, kendte medarbejdere?"
            ),
            outcome=Outcome.TAKEN_IN,
            reason="Taget ind i den ønskede effekt.",
            taken_into_definition=True,
        ),
        InputSpec(
            author="politician",
            channel=Channel.POLITICIAN,
            kind=DialogueInput.Kind.SUGGESTION,
            text="Ensomhed blandt ældre er et stort problem. Det bør nævnes i den ønskede effekt.",
            outcome=Outcome.TAKEN_IN,
            reason="Taget ind: færre ældre skal føle sig ensomme.",
            taken_into_definition=True,
        ),
        InputSpec(
            author="leader:Plejecentre",
            channel=Channel.LEADER,
            text="Vi foreslår et mål for, hvor mange beboere der kommer ud i naturen hver uge.",
            outcome=Outcome.NOT_TAKEN_IN,
            reason=(
                "Ikke taget ind som indikator for kerneopgaven; plejecentrene kan bruge det "
                "som eget mål i deres arbejde med hverdagslivet."
            ),
        ),
    ),
)

JOBS = TaskSpec(
    key="jobs",
    title="Borgere kommer i job og uddannelse",
    purpose=(
        "Arbejde og uddannelse giver indtægt, fællesskab og mening. Kommunen findes for at hjælpe "
        "borgere, der står uden for arbejdsmarkedet, tættere på job og uddannelse – og for at "
        "hjælpe virksomhederne med at finde den arbejdskraft, de mangler."
    ),
    desired_effect=(
        "Flere borgere bliver selvforsørgende gennem job eller uddannelse, og færre unge står uden "
        "for både uddannelse og arbejde. Borgere med handicap eller psykisk sårbarhed får en plads "
        "på arbejdsmarkedet på deres egne præmisser. Borgerne oplever et forløb, der tager "
        "udgangspunkt i deres egne mål."
    ),
    earlier_effect=(
        "Flere borgere bliver selvforsørgende gennem job eller uddannelse, og færre unge står uden "
        "for både uddannelse og arbejde. Borgerne oplever et forløb, der tager udgangspunkt i "
        "deres egne mål."
    ),
    citizen_contribution=(
        "Borgeren sætter sine egne mål, tager imod tilbud om praktik og uddannelse og bruger sit "
        "netværk. Virksomhederne i Egekilde åbner dørene for praktik, løntilskud og fleksjob."
    ),
    partners=(
        "Lokale virksomheder og erhvervsforeningen, a-kasser og fagforeninger, erhvervsskolen og "
        "gymnasiet, Ungdommens Uddannelsesvejledning og sociale foreninger."
    ),
    political_owner="Beskæftigelsesudvalget",
    owner_directorate="Beskæftigelse og Social",
    status=Status.ADOPTED,
    adopted_on=date(2025, 6, 18),
    council_decision="Byrådet 18.06.2025, pkt. 11",
    depends_on=("children",),
    contributions=(
        (
            "Beskæftigelse",
            "Jobcentret og Ungeindsatsen arbejder virksomhedsrettet: borgerne kommer hurtigt ud "
            "på en arbejdsplads, og Virksomhedsservice matcher virksomhedernes behov med "
            "borgernes ønsker.",
        ),
        (
            "Handicap og Psykiatri",
            "Bostederne og værestederne hjælper borgerne med at tage de første skridt mod "
            "beskæftigelse, i tæt samarbejde med jobcentrets mentorer.",
        ),
        (
            "Borgerservice og Ydelser",
            "Ydelseskontoret sørger for, at borgerne får den rette ydelse hurtigt, så økonomien "
            "ikke står i vejen for at tage et job eller en uddannelse.",
        ),
        (
            "Familie og Forebyggelse",
            "Ungdomsskolen og klubberne fanger de unge, der er ved at falde fra, og bygger bro "
            "til Ungeindsatsen.",
        ),
    ),
    indicators=(
        IndicatorSpec(
            name="16–64-årige på offentlig forsørgelse",
            kind=Kind.POPULATION,
            data_source=JOBINDSATS,
            unit_label="%",
            baseline=16.8,
            latest=15.9,
            direction=DOWN,
            target=15.0,
            target_date=date(2028, 12, 31),
            spread=0.2,
            stories={
                3: "Færre ledige i hele landet; effekten af de lokale indsatser er svær at "
                "skille ud.",
            },
        ),
        IndicatorSpec(
            name="Unge i job eller uddannelse et år efter et forløb i Ungeindsatsen",
            kind=Kind.UNIT_MEASURE,
            measure_type=Measure.BETTER_OFF,
            data_source=OWN,
            unit_label="%",
            baseline=58.0,
            latest=71.0,
            direction=UP,
            target=70.0,
            target_date=date(2027, 12, 31),
            spread=2.0,
            measured_area="Beskæftigelse",
            stories={
                0: "Målet er nået. Mentorordningen og samarbejdet med erhvervsskolen virker.",
            },
        ),
        IndicatorSpec(
            name="Virksomhedspraktikker og løntilskudsforløb",
            kind=Kind.UNIT_MEASURE,
            measure_type=Measure.HOW_MUCH,
            data_source=JOBINDSATS,
            unit_label="forløb",
            baseline=310,
            latest=365,
            direction=UP,
            decimals=0,
            spread=15,
            measured_area="Beskæftigelse",
        ),
        IndicatorSpec(
            name="Borgere, der oplever at blive mødt med respekt i jobcentret",
            kind=Kind.UNIT_MEASURE,
            measure_type=Measure.HOW_WELL,
            data_source=OWN,
            unit_label="%",
            baseline=71.0,
            latest=74.0,
            direction=UP,
            target=80.0,
            target_date=date(2027, 12, 31),
            spread=1.5,
            measured_area="Beskæftigelse",
            description="Fra jobcentrets brugertilfredshedsmåling, spurgt efter hver samtale.",
        ),
    ),
    inputs=(
        InputSpec(
            author="leader:Handicap og Psykiatri",
            channel=Channel.LEADER,
            kind=DialogueInput.Kind.SUGGESTION,
            text=(
                "Borgere med handicap eller psykisk sårbarhed er usynlige i definitionen. De kan "
                "meget, hvis jobbet passer til dem."
            ),
            outcome=Outcome.TAKEN_IN,
            reason="Taget ind i den ønskede effekt.",
            taken_into_definition=True,
        ),
        InputSpec(
            author="politician",
            channel=Channel.POLITICIAN,
            text="Kan vi måle antallet af samtaler pr. borger, så vi ved, om lovkravet overholdes?",
            outcome=Outcome.NOT_TAKEN_IN,
            reason=(
                "Ikke taget ind: antallet af samtaler siger ikke noget om effekten for borgeren. "
                "Lovkravet følges i jobcentrets egen driftsopfølgning."
            ),
        ),
        InputSpec(
            author="employee:Beskæftigelse",
            channel=Channel.EMPLOYEE,
            text=(
                "Vi bruger meget tid på dokumentation, som ingen læser. Det ville give mere tid "
                "til borgerne, hvis vi ryddede op."
            ),
            outcome=Outcome.TAKEN_IN,
            reason="Taget med i styringsrydningen for beskæftigelsesområdet i 2026.",
        ),
    ),
)

COMMUNITY = TaskSpec(
    key="community",
    title="Et trygt og aktivt lokalsamfund",
    purpose=(
        "Et godt liv leves i fællesskab med andre. Kommunen findes for at understøtte et "
        "lokalsamfund, hvor borgerne føler sig trygge, kender hinanden og har lyst og mulighed "
        "for at tage del i foreningsliv, kultur og frivilligt arbejde."
    ),
    desired_effect=(
        "Flere borgere føler sig trygge i deres nabolag og deltager i fællesskaber i foreninger, "
        "kultur og frivilligt arbejde. Færre borgere føler sig ensomme. Landsbyer og "
        "boligområder er levende, med mødesteder, som borgerne selv er med til at drive."
    ),
    earlier_effect=(
        "Flere borgere føler sig trygge i deres nabolag og deltager i fællesskaber i foreninger, "
        "kultur og frivilligt arbejde. Færre borgere føler sig ensomme."
    ),
    citizen_contribution=(
        "Borgerne er lokalsamfundets vigtigste kraft: de driver foreninger, forsamlingshuse og "
        "lokalråd, hjælper naboen og siger til, når noget er utrygt. Uden frivillige ingen "
        "fællesskaber."
    ),
    partners=(
        "Lokalrådene, idrætsforeninger og kulturforeninger, forsamlingshusene, lokalpolitiet, "
        "boligforeningerne og SSP-samarbejdet."
    ),
    political_owner="Kultur- og Fritidsudvalget",
    owner_directorate="",
    status=Status.IN_DIALOGUE,
    adopted_on=None,
    council_decision="",
    depends_on=("nature",),
    contributions=(
        (
            "Kultur og Fritid",
            "Bibliotekerne, kulturhuset og idrætscentrene er mødesteder for alle. Vi støtter "
            "foreningerne med lokaler, puljer og en frivilligkoordinator.",
        ),
        (
            "Vej og Park",
            "Vej og Park sørger for belysning, stier og legepladser, der gør det trygt at færdes, "
            "og hjælper borgergrupper, der vil passe et grønt område.",
        ),
        (
            "Familie og Forebyggelse",
            "Klubberne og SSP-medarbejderne er til stede, hvor de unge er, også om aftenen, og "
            "samarbejder med lokalpolitiet.",
        ),
        (
            "Handicap og Psykiatri",
            "Værestederne og aktivitetshuset åbner fællesskaber for borgere, der ellers har svært "
            "ved at finde vej ind i foreningslivet.",
        ),
        (
            "Borgerservice og Ydelser",
            "Borgerservice i lokalområderne er et sted, hvor borgerne kan få hjælp og vejledning "
            "tæt på, hvor de bor.",
        ),
    ),
    indicators=(
        IndicatorSpec(
            name="Borgere, der føler sig trygge i deres nabolag",
            kind=Kind.POPULATION,
            data_source="Kommunens egne registreringer (borgerpanelet)",
            unit_label="%",
            baseline=81.0,
            latest=80.2,
            direction=UP,
            target=85.0,
            target_date=date(2028, 6, 30),
            spread=0.8,
            stories={
                2: "Faldet følger en række indbrud i Strandby og Havnebyen, som fyldte meget i "
                "de lokale medier.",
            },
        ),
        IndicatorSpec(
            name="Anmeldte indbrud pr. 1.000 husstande",
            kind=Kind.POPULATION,
            data_source=DST,
            unit_label="pr. 1.000",
            baseline=9.8,
            latest=8.9,
            direction=DOWN,
            spread=0.6,
        ),
        IndicatorSpec(
            name="Aktive frivillige i kommunens kultur- og fritidstilbud",
            kind=Kind.UNIT_MEASURE,
            measure_type=Measure.HOW_MUCH,
            data_source=OWN,
            unit_label="frivillige",
            baseline=1250,
            latest=1330,
            direction=UP,
            target=1400,
            target_date=date(2028, 6, 30),
            decimals=0,
            spread=25,
            measured_area="Kultur og Fritid",
        ),
    ),
    inputs=(
        InputSpec(
            author="login:medarbejder",
            channel=Channel.EMPLOYEE,
            text=(
                "Forældrene i vores børnehus vil gerne hjælpe til, men de ved ikke, hvem de skal "
                "spørge. Kunne der være én indgang til frivilligt arbejde i hvert lokalområde?"
            ),
            kind=DialogueInput.Kind.SUGGESTION,
        ),
        InputSpec(
            author="leader:Vej og Park",
            channel=Channel.LEADER,
            text=(
                "Tryghed handler også om lys og stier. Vi foreslår en indikator for borgernes "
                "oplevelse af at færdes om aftenen."
            ),
        ),
        InputSpec(
            author="politician",
            channel=Channel.POLITICIAN,
            text=(
                "Landsbyerne skal med. Det er dér, forsamlingshusene og lokalrådene holder "
                "fællesskabet sammen, og hvor det er sværest at skaffe frivillige."
            ),
        ),
        InputSpec(
            author="citizen",
            channel=Channel.CITIZEN,
            citizen_name="Jonas fra Lyngå",
            text=(
                "Vores forsamlingshus er samlingspunktet i byen, men det er svært at få "
                "tilskud til vedligeholdelse. Det bør stå, at kommunen hjælper de frivillige, "
                "der driver mødestederne."
            ),
        ),
        InputSpec(
            author="citizen",
            channel=Channel.CITIZEN,
            text=(
                "Jeg er ny i kommunen og har svært ved at finde ud af, hvilke foreninger der "
                "findes. En samlet oversigt ville hjælpe nye borgere ind i fællesskabet."
            ),
        ),
        InputSpec(
            author="citizen",
            channel=Channel.CITIZEN,
            citizen_name="Anne-Marie, Søvang",
            text="Der mangler en bænk og bedre lys ved stien langs åen. Man føler sig utryg der.",
            moderation=DialogueInput.Moderation.PENDING,
        ),
        InputSpec(
            author="citizen",
            channel=Channel.CITIZEN,
            text=(
                "Ungdomsklubben i Egebjerg holder lukket om fredagen. Så hænger de unge ud ved "
                "tanken i stedet."
            ),
            moderation=DialogueInput.Moderation.PENDING,
        ),
    ),
)

NATURE = TaskSpec(
    key="nature",
    title="Ren natur og et klima i balance",
    purpose=(
        "Naturen, vandet og klimaet er fælles goder, som også de næste generationer skal kunne "
        "leve af og glæde sig over. Kommunen findes for at beskytte naturen, mindske udledningen "
        "af drivhusgasser og tilpasse byer og landskab til et klima med mere vand."
    ),
    desired_effect=(
        "Udledningen af drivhusgasser fra Egekilde falder år for år mod klimaneutralitet, og mere "
        "affald bliver genanvendt. Der er mere og sammenhængende natur, rent vand i søer og åer, "
        "og alle borgere har let adgang til naturen. Byer og boliger er sikret mod skybrud og "
        "oversvømmelse."
    ),
    earlier_effect=(
        "Udledningen af drivhusgasser fra Egekilde falder år for år mod klimaneutralitet, og mere "
        "affald bliver genanvendt. Der er mere og sammenhængende natur og rent vand i søer og "
        "åer. Byer og boliger er sikret mod skybrud og oversvømmelse."
    ),
    citizen_contribution=(
        "Borgerne sorterer deres affald, vælger cyklen og den kollektive trafik, hvor de kan, og "
        "passer på naturen. Lodsejere og landmænd giver plads til ny natur og vådområder, og "
        "grundejerforeningerne tager del i klimatilpasningen."
    ),
    partners=(
        "Landboforeningen, den lokale naturfredningsforening, forsyningsselskabet, "
        "grundejerforeningerne og virksomhederne i kommunens klimapartnerskab."
    ),
    political_owner="Teknik- og Miljøudvalget",
    owner_directorate="Teknik, Kultur og Miljø",
    status=Status.ADOPTED,
    adopted_on=date(2025, 9, 24),
    council_decision="Byrådet 24.09.2025, pkt. 6",
    depends_on=(),
    contributions=(
        (
            "Byg, Natur og Miljø",
            "Natur og Miljø planlægger ny natur og vådområder sammen med lodsejerne, og "
            "Affald og Genbrug gør det let at sortere rigtigt.",
        ),
        (
            "Vej og Park",
            "Vej og Park lægger grønne tage og regnbede, hvor vejene alligevel skal renoveres, og "
            "plejer parkerne, så der bliver plads til vild natur.",
        ),
        (
            "Dagtilbud Nord",
            "Naturbørnehaverne lærer børnene at kende og passe på naturen, og forældrene tager "
            "det med hjem.",
        ),
    ),
    indicators=(
        IndicatorSpec(
            name="Udledning af drivhusgasser pr. indbygger",
            kind=Kind.POPULATION,
            data_source=DST,
            unit_label="ton CO₂e",
            baseline=6.9,
            latest=6.5,
            direction=DOWN,
            target=5.5,
            target_date=date(2028, 12, 31),
            spread=0.1,
            stories={
                0: "Faldet kommer især fra fjernvarmen. Transporten står stille; her skal der "
                "mere til.",
            },
        ),
        IndicatorSpec(
            name="Husholdningsaffald sendt til genanvendelse",
            kind=Kind.POPULATION,
            data_source=OWN,
            unit_label="%",
            baseline=48.0,
            latest=55.4,
            direction=UP,
            target=55.0,
            target_date=date(2027, 12, 31),
            spread=0.7,
            stories={
                7: "Ny sortering i ti fraktioner hos alle husstande fra dette kvartal.",
            },
        ),
        IndicatorSpec(
            name="Hektar ny natur og skov",
            kind=Kind.UNIT_MEASURE,
            measure_type=Measure.HOW_MUCH,
            data_source=OWN,
            unit_label="ha",
            baseline=12.0,
            latest=41.0,
            direction=UP,
            target=60.0,
            target_date=date(2028, 12, 31),
            spread=0.0,  # a running total only grows
            measured_area="Byg, Natur og Miljø",
        ),
        IndicatorSpec(
            name="Sagsbehandlingstid for miljøgodkendelser",
            kind=Kind.UNIT_MEASURE,
            measure_type=Measure.HOW_WELL,
            data_source=OWN,
            unit_label="dage",
            baseline=95,
            latest=58,
            direction=DOWN,
            target=60,
            target_date=date(2027, 12, 31),
            decimals=0,
            spread=4,
            measured_area="Byg, Natur og Miljø",
        ),
    ),
    inputs=(
        InputSpec(
            author="politician",
            channel=Channel.POLITICIAN,
            kind=DialogueInput.Kind.SUGGESTION,
            text="Naturen skal være for alle, også for borgere i kørestol. Skriv adgang ind.",
            outcome=Outcome.TAKEN_IN,
            reason="Taget ind: alle borgere skal have let adgang til naturen.",
            taken_into_definition=True,
        ),
        InputSpec(
            author="employee:Vej og Park",
            channel=Channel.EMPLOYEE,
            text=(
                "Vi slår græsset langs vejene seks gange om året. To gange ville give mere "
                "natur og spare tid."
            ),
            outcome=Outcome.TAKEN_IN,
            reason="Taget med i driftsplanen for 2026 som forsøg på ti strækninger.",
        ),
        InputSpec(
            author="leader:Byg, Natur og Miljø",
            channel=Channel.LEADER,
            text="Kan vi sætte et mål for antallet af klimatilpasningsprojekter?",
            outcome=Outcome.NOT_TAKEN_IN,
            reason=(
                "Ikke taget ind: antallet af projekter er en aktivitet, ikke en effekt. "
                "Sikringen mod oversvømmelse følges i klimatilpasningsplanen."
            ),
        ),
    ),
)

TASKS: tuple[TaskSpec, ...] = (CHILDREN, ELDERLY, JOBS, COMMUNITY, NATURE)
TASK_TITLES = tuple(task.title for task in TASKS)

# How a single workplace contributes, by the kind of its area; used for the demo employee's
# workplace, so that the employee login sees its own workplace on a core task.
WORKPLACE_HOW: dict[str, str] = {
    "daycare": "Vi arbejder med sprog og leg i hverdagen og inviterer forældrene ind i det.",
    "school": "Vi holder trivselssamtaler med alle elever og følger op på fravær samme dag.",
    "family": "Vi er til stede, hvor familierne er, og sætter ind med rådgivning tidligt.",
    "homecare": "Vi arbejder i faste teams, så borgerne møder de samme medarbejdere.",
    "nursing": "Vi tilrettelægger dagen efter beboernes egne vaner og ønsker.",
    "health": "Vi træner med borgerne mod deres egne mål i hverdagen.",
    "job": "Vi holder samtalerne ude på virksomhederne, tæt på jobbet.",
    "social": "Vi hjælper beboerne med at tage de første skridt ud i fællesskaber og job.",
    "citizen": "Vi hjælper borgerne med at klare deres egne sager, også uden computer.",
    "roads": "Vi holder stier, lys og grønne områder trygge og indbydende.",
    "culture": "Vi åbner huset for foreninger og frivillige hele ugen.",
    "building": "Vi gør det let for borgere og virksomheder at gøre det rigtige for miljøet.",
}

COMMUNITY_TASKS = ("children", "community")
COMMUNITY_NOTES: tuple[tuple[str, str], ...] = (
    (
        "Oplæg fra netværksmødet om overgangen fra børnehave til skole. Tre skoler afprøver "
        "fælles overleveringssamtaler fra foråret.",
        "https://example.org/egekilde/overgange-oplaeg",
    ),
    (
        "Vi har samlet erfaringerne med åbne skolegårde og klubber om aftenen. Læs dem før næste "
        "møde, hvor vi drøfter trygheden i lokalområderne.",
        "https://example.org/egekilde/aabne-skolegaarde",
    ),
    (
        "Forslag: fælles temadag for ledere i dagtilbud, skole og fritid om børn, der ikke går til "
        "noget i fritiden.",
        "",
    ),
)


# --- Registration -----------------------------------------------------------------------------


def exists() -> bool:
    """The demo's vision or core tasks are there (any part of them counts: kept, not rebuilt)."""
    return (
        Vision.objects.filter(title__in=VISION_TITLES).exists()
        or CoreTask.objects.filter(title__in=TASK_TITLES).exists()
    )


def delete() -> None:
    """Remove what `build` made. Nothing happens without the demo municipality, so a real
    municipality's core tasks are never touched. Core tasks owned by the demo's people go too:
    they were made in the demo, and would block deleting its people (PROTECT)."""
    if not organisation_demo.demo_exists():
        return
    people = User.objects.filter(external_id__startswith=organisation_demo.EXTERNAL_ID_PREFIX)
    with transaction.atomic():
        CommunityNote.objects.filter(community__name=organisation_demo.COMMUNITY_NAME).delete()
        # Contributions, indicators, values, inputs and history go with their core task.
        CoreTask.objects.filter(
            Q(title__in=TASK_TITLES) | Q(administrative_owner__in=people)
        ).delete()
        Vision.objects.filter(Q(title__in=VISION_TITLES) | Q(created_by__in=people)).delete()


def build(*, seed: int) -> str:
    """Build the vision, the five core tasks and everything that follows them."""
    with transaction.atomic():
        counts = _Builder(seed=seed, today=timezone.localdate()).build()
    return (
        f"{counts['visions']} vision versions, {counts['tasks']} core tasks "
        f"({counts['adopted']} adopted, {counts['in_dialogue']} in dialogue), "
        f"{counts['indicators']} indicators with {counts['values']} values, "
        f"{counts['contributions']} contributions, {counts['inputs']} dialogue inputs."
    )


organisation_demo.register_extension(EXTENSION_NAME, build=build, delete=delete, exists=exists)


# --- Dates ------------------------------------------------------------------------------------


def quarter_ends(today: date, count: int) -> list[date]:
    """The last days of the `count` quarters up to the last one completed before `today`,
    oldest first: a value for a quarter exists only once the quarter is over."""
    last = today.year * 4 + (today.month - 1) // 3 - 1  # quarters counted from year 0
    periods = []
    for index in range(last - count + 1, last + 1):
        year, quarter = divmod(index, 4)
        month = 3 * quarter + 3
        periods.append(date(year, month, calendar.monthrange(year, month)[1]))
    return periods


def _at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=timezone.get_default_timezone())


# --- The builder ------------------------------------------------------------------------------


class _Builder:
    def __init__(self, *, seed: int, today: date) -> None:
        # Its own stream, so that adding demo data here never changes the municipality.
        self.rng = random.Random(f"kerneopgaver-{seed}")
        self.today = today
        root = OrgUnit.objects.filter(external_id=organisation_demo.ROOT_EXTERNAL_ID).first()
        if root is None:
            raise organisation_demo.DemoError("The demo municipality does not exist.")
        self.root = root
        units = list(OrgUnit.objects.filter(path__startswith=root.path, depth__lte=root.depth + 3))
        self.directorates = {u.name: u for u in units if u.depth == root.depth + 1}
        self.areas = {u.name: u for u in units if u.depth == root.depth + 2}
        self.units_by_path = {u.path: u for u in units}
        self.category = {
            area: category
            for _, areas in organisation_demo.DIRECTORATES
            for area, category in areas
        }
        self.leaders: dict[int, User] = {
            assignment.unit_id: assignment.user
            for assignment in RoleAssignment.objects.filter(
                role=RoleAssignment.Role.LEADER, unit__path__startswith=root.path
            ).select_related("user")
        }
        people = User.objects.filter(external_id__startswith=organisation_demo.EXTERNAL_ID_PREFIX)
        self.logins = {
            user.username: user
            for user in people.filter(
                username__in=("medarbejder", "politiker", "hr")
            ).select_related("home_unit")
        }
        leader_ids = {user.pk for user in self.leaders.values()}
        # Staff per area, for authors of employees' inputs; ordered so the seed decides.
        self.staff: dict[str, list[User]] = {}
        area_by_path = {area.path: name for name, area in self.areas.items()}
        for person in (
            people.filter(home_unit__isnull=False)
            .select_related("home_unit")
            .order_by("external_id")
        ):
            area_path = person.home_unit.path[: (root.depth + 2) * OrgUnit.steplen]
            if person.pk not in leader_ids and area_path in area_by_path:
                self.staff.setdefault(area_by_path[area_path], []).append(person)
        self.counts = dict.fromkeys(
            (
                "visions",
                "tasks",
                "adopted",
                "in_dialogue",
                "indicators",
                "values",
                "contributions",
                "inputs",
            ),
            0,
        )

    # --- People ---------------------------------------------------------------------------

    def director(self, directorate: str) -> User:
        unit = self.directorates[directorate] if directorate else self.root
        return self.leaders[unit.pk]

    def area_leader(self, area: str) -> User:
        return self.leaders[self.areas[area].pk]

    def secretariat(self, fallback: User) -> User:
        """Who records the council's decisions: HR/admin if the logins exist."""
        return self.logins.get("hr", fallback)

    def author(self, key: str) -> User | None:
        if key == "politician":
            return self.logins.get("politiker")
        if key == "citizen":
            return None
        if key == "login:medarbejder":
            if "medarbejder" in self.logins:
                return self.logins["medarbejder"]
            key = f"employee:{next(iter(self.staff))}"
        role, _, area = key.partition(":")
        if role == "leader":
            return self.area_leader(area)
        return self.rng.choice(self.staff[area])

    # --- Building -------------------------------------------------------------------------

    def build(self) -> dict[str, int]:
        self.build_visions()
        tasks = {spec.key: self.build_task(spec) for spec in TASKS}
        for spec in TASKS:
            tasks[spec.key].depends_on.set([tasks[key] for key in spec.depends_on])
        self.build_contributions(tasks)
        periods = quarter_ends(self.today, QUARTERS_OF_VALUES)
        for spec in TASKS:
            self.build_indicators(tasks[spec.key], spec, periods)
            self.build_dialogue_and_history(tasks[spec.key], spec)
        self.build_community(tasks)
        return self.counts

    def build_visions(self) -> None:
        director = self.director("")
        for spec in VISIONS:
            vision = Vision.objects.create(
                version=spec.version,
                title=spec.title,
                narrative=spec.narrative,
                adopted_on=spec.adopted_on,
                council_decision=spec.council_decision,
                created_by=director,
            )
            # created_at is set on insert; the story needs the time it was written.
            Vision.objects.filter(pk=vision.pk).update(
                created_at=_at(spec.adopted_on - timedelta(days=45))
            )
            self.counts["visions"] += 1

    def build_task(self, spec: TaskSpec) -> CoreTask:
        task = CoreTask.objects.create(
            title=spec.title,
            purpose=spec.purpose,
            desired_effect=spec.desired_effect,
            citizen_contribution=spec.citizen_contribution,
            partners=spec.partners,
            political_owner=spec.political_owner,
            administrative_owner=self.director(spec.owner_directorate),
            status=spec.status,
            adopted_on=spec.adopted_on,
            council_decision=spec.council_decision,
            citizen_consultation=spec.status == Status.IN_DIALOGUE,
        )
        self.counts["tasks"] += 1
        self.counts["adopted" if spec.status == Status.ADOPTED else "in_dialogue"] += 1
        return task

    def build_contributions(self, tasks: dict[str, CoreTask]) -> None:
        rows = [
            Contribution(
                core_task=tasks[spec.key],
                unit=self.areas[area],
                how=how,
                updated_by=self.area_leader(area),
            )
            for spec in TASKS
            for area, how in spec.contributions
        ]
        employee = self.logins.get("medarbejder")
        if employee is not None and employee.home_unit_id:
            # The employee login's own workplace contributes to the first task its area does.
            workplace_path = employee.home_unit.path[: (self.root.depth + 3) * OrgUnit.steplen]
            workplace = self.units_by_path[workplace_path]
            area_name = next(
                name for name, area in self.areas.items() if workplace.path.startswith(area.path)
            )
            spec = next(spec for spec in TASKS if area_name in dict(spec.contributions))
            rows.append(
                Contribution(
                    core_task=tasks[spec.key],
                    unit=workplace,
                    how=WORKPLACE_HOW[self.category[area_name]],
                    updated_by=self.leaders.get(workplace.pk),
                )
            )
        Contribution.objects.bulk_create(rows)
        self.counts["contributions"] += len(rows)

    def build_indicators(self, task: CoreTask, spec: TaskSpec, periods: list[date]) -> None:
        owner = task.administrative_owner
        baseline_period = quarter_ends(periods[0], 1)[0]
        for indicator_spec in spec.indicators:
            indicator = EffectIndicator.objects.create(
                core_task=task,
                name=indicator_spec.name,
                description=indicator_spec.description,
                kind=indicator_spec.kind,
                measure_type=indicator_spec.measure_type,
                unit=self.areas.get(indicator_spec.measured_area),
                data_source=indicator_spec.data_source,
                unit_label=indicator_spec.unit_label,
                baseline_value=_decimal(indicator_spec.baseline, indicator_spec.decimals),
                baseline_period=baseline_period,
                direction=indicator_spec.direction,
                target_value=(
                    None
                    if indicator_spec.target is None
                    else _decimal(indicator_spec.target, indicator_spec.decimals)
                ),
                target_date=indicator_spec.target_date,
            )
            values = self.wander(indicator_spec, len(periods))
            last = len(periods) - 1
            IndicatorValue.objects.bulk_create(
                [
                    IndicatorValue(
                        indicator=indicator,
                        period=period,
                        value=_decimal(value, indicator_spec.decimals),
                        story=indicator_spec.stories.get(last - index, ""),
                        entered_by=owner,
                    )
                    for index, (period, value) in enumerate(zip(periods, values, strict=True))
                ]
            )
            self.counts["indicators"] += 1
            self.counts["values"] += len(periods)

    def wander(self, spec: IndicatorSpec, count: int) -> list[float]:
        """From the baseline towards the latest value with some noise; the last value is exactly
        `latest`, so whether an indicator is on track is decided in the data above."""
        values = []
        for index in range(count):
            share = (index + 1) / count
            trend = spec.baseline + (spec.latest - spec.baseline) * share
            noise = self.rng.gauss(0, spec.spread) if index < count - 1 else 0.0
            values.append(trend + noise)
        return values

    def build_dialogue_and_history(self, task: CoreTask, spec: TaskSpec) -> None:
        owner = task.administrative_owner
        adopted_on = spec.adopted_on
        answered: date | None = None
        if adopted_on is not None:
            created = adopted_on - timedelta(days=270)
            opened = adopted_on - timedelta(days=160)
            answered = adopted_on - timedelta(days=40)
        else:
            created = self.today - timedelta(days=120)
            opened = self.today - timedelta(days=45)
        inputs = self.build_inputs(task, spec, opened, answered)
        history: list[tuple[CoreTaskChange, datetime, list[DialogueInput]]] = []

        def record(
            when: datetime,
            kind: str,
            summary: str,
            author: User | None,
            changes: dict[str, dict[str, object]] | None = None,
            taken_in: list[DialogueInput] | None = None,
        ) -> None:
            change = CoreTaskChange(
                core_task=task,
                author=author,
                kind=kind,
                summary=summary,
                changes=changes or {},
            )
            history.append((change, when, taken_in or []))

        record(_at(created, 9), Change.CREATED, "Kerneopgaven er oprettet som udkast.", owner)
        first_area = spec.contributions[0][0]
        record(
            _at(created + timedelta(days=21), 13),
            Change.CONTRIBUTION,
            f"{first_area} har beskrevet sit bidrag.",
            self.area_leader(first_area),
        )
        record(
            _at(created + timedelta(days=35), 11),
            Change.INDICATOR,
            f"{len(spec.indicators)} effektindikatorer er fastlagt.",
            owner,
        )
        status_move = {"status": {"from": Status.DRAFT, "to": Status.IN_DIALOGUE}}
        if adopted_on is None or answered is None:
            record(
                _at(created + timedelta(days=60), 14),
                Change.EDITED,
                "Partnerne er udvidet efter drøftelse i direktionen.",
                owner,
                {"partners": {"from": "Lokalrådene og foreningerne.", "to": spec.partners}},
            )
            status_move["citizen_consultation"] = {"from": False, "to": True}
            record(
                _at(opened, 8),
                Change.STATUS,
                "Sendt i dialog med medarbejdere, politikere og borgere (høring på /hoering/).",
                owner,
                status_move,
            )
        else:
            record(
                _at(opened, 8),
                Change.STATUS,
                "Sendt i dialog med medarbejdere og politikere.",
                owner,
                status_move,
            )
            for offset, dialogue_input in enumerate(inputs):
                record(
                    _at(answered, 10 + offset),
                    Change.OUTCOME,
                    f"Input besvaret: {OUTCOME_WORDS[dialogue_input.outcome]} "
                    f"({dialogue_input.display_author}).",
                    owner,
                    taken_in=(
                        [dialogue_input] if dialogue_input.outcome == Outcome.TAKEN_IN else []
                    ),
                )
            taken = [
                dialogue_input
                for dialogue_input, input_spec in zip(inputs, spec.inputs, strict=True)
                if input_spec.taken_into_definition
            ]
            record(
                _at(answered + timedelta(days=5), 15),
                Change.EDITED,
                "Den ønskede effekt er ændret efter dialogen.",
                owner,
                {"desired_effect": {"from": spec.earlier_effect, "to": spec.desired_effect}},
                taken,
            )
            record(
                _at(adopted_on, 21),
                Change.STATUS,
                f"Vedtaget af byrådet ({spec.council_decision}).",
                self.secretariat(owner),
                {
                    "status": {"from": Status.IN_DIALOGUE, "to": Status.ADOPTED},
                    "adopted_on": {"from": None, "to": adopted_on.isoformat()},
                    "council_decision": {"from": "", "to": spec.council_decision},
                },
            )
        CoreTaskChange.objects.bulk_create([change for change, _, _ in history])
        for change, when, taken_in in history:
            CoreTaskChange.objects.filter(pk=change.pk).update(created_at=when)
            if taken_in:
                change.inputs.set(taken_in)

    def build_inputs(
        self, task: CoreTask, spec: TaskSpec, opened: date, answered: date | None
    ) -> list[DialogueInput]:
        """The task's dialogue inputs, spread over the weeks after it was opened. Citizens'
        inputs are moderated by HR/admin; pending ones are the newest."""
        owner = task.administrative_owner
        moderator = self.logins.get("hr")
        last_day = answered - timedelta(days=1) if answered else self.today
        step = max(1, (last_day - opened).days // (len(spec.inputs) + 1))
        rows: list[tuple[DialogueInput, datetime]] = []
        for index, input_spec in enumerate(spec.inputs):
            received = _at(min(opened + timedelta(days=step * (index + 1)), last_day), 9 + index)
            approved = input_spec.moderation == DialogueInput.Moderation.APPROVED
            citizen = input_spec.channel == Channel.CITIZEN
            row = DialogueInput(
                core_task=task,
                author=self.author(input_spec.author),
                author_name=input_spec.citizen_name,
                channel=input_spec.channel,
                kind=input_spec.kind,
                text=input_spec.text,
                moderation=input_spec.moderation,
                moderated_by=moderator if citizen and approved else None,
                moderated_at=received + timedelta(hours=20) if citizen and approved else None,
                outcome=input_spec.outcome,
                outcome_reason=input_spec.reason,
            )
            if input_spec.outcome != Outcome.OPEN and answered is not None:
                row.outcome_by = owner
                row.outcome_at = _at(answered, 10 + index)
            if row.author is None and input_spec.channel == Channel.POLITICIAN:
                # Without the demo logins (DEBUG off) there is no politician to sign it.
                row.author_name = "Medlem af byrådet"
            rows.append((row, received))
        DialogueInput.objects.bulk_create([row for row, _ in rows])
        for row, received in rows:
            DialogueInput.objects.filter(pk=row.pk).update(created_at=received)
            row.created_at = received
        self.counts["inputs"] += len(rows)
        return [row for row, _ in rows]

    def build_community(self, tasks: dict[str, CoreTask]) -> None:
        community = LeadershipCommunity.objects.filter(
            name=organisation_demo.COMMUNITY_NAME
        ).first()
        if community is None:
            return
        community.core_tasks.set([tasks[key] for key in COMMUNITY_TASKS])
        members = list(community.members.order_by("external_id"))
        notes = [
            CommunityNote(
                community=community,
                author=members[index % len(members)] if members else None,
                text=text,
                link=link,
            )
            for index, (text, link) in enumerate(COMMUNITY_NOTES)
        ]
        CommunityNote.objects.bulk_create(notes)
        for index, note in enumerate(notes):
            written = self.today - timedelta(days=30 * (len(notes) - index))
            CommunityNote.objects.filter(pk=note.pk).update(created_at=_at(written, 12))


def _decimal(value: float, decimals: int) -> Decimal:
    return Decimal(f"{value:.{decimals}f}")
