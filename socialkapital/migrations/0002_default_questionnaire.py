"""The default questionnaire "Social kapital – standard", version 1.

The item texts are written for this project in its own words; they are not taken from a
published instrument. The data is frozen here, as a migration must be: later changes to the item
bank are new items and new questionnaire versions, never edits of these rows.
"""

from __future__ import annotations

from django.db import migrations

NAME = "Social kapital – standard"
DESCRIPTION = (
    "Kommunens eget spørgeskema om social kapital: tillid, retfærdighed og samarbejde om "
    "kerneopgaven. / The municipality's own questionnaire on social capital: trust, justice "
    "and collaboration on the core task."
)

# (code, dimension, Danish text, English text, reverse scored)
ITEMS: list[tuple[str, str, str, str, bool]] = [
    # Vertical trust: between management and employees
    (
        "VT1",
        "vertical_trust",
        "Ledelsen holder, hvad den lover os.",
        "Management keeps the promises it makes to us.",
        False,
    ),
    (
        "VT2",
        "vertical_trust",
        "Vi får at vide, hvad der foregår, når der skal besluttes noget om vores arbejde.",
        "We are told what is going on when something about our work is to be decided.",
        False,
    ),
    (
        "VT3",
        "vertical_trust",
        "Ledelsen regner med, at vi gør vores arbejde godt, uden at den skal kontrollere det.",
        "Management counts on us to do our work well without having to check it.",
        False,
    ),
    (
        "VT4",
        "vertical_trust",
        "Jeg holder nogle gange ting for mig selv, fordi jeg er usikker på, hvad ledelsen vil "
        "bruge dem til.",
        "I sometimes keep things to myself because I am unsure what management would use them for.",
        True,
    ),
    # Horizontal trust: among colleagues
    (
        "HT1",
        "horizontal_trust",
        "Jeg kan regne med, at mine kolleger gør deres del.",
        "I can count on my colleagues to do their part.",
        False,
    ),
    (
        "HT2",
        "horizontal_trust",
        "Vi kan sige det højt til hinanden, når noget er gået galt.",
        "We can say it out loud to each other when something has gone wrong.",
        False,
    ),
    (
        "HT3",
        "horizontal_trust",
        "Der bliver talt om kolleger bag deres ryg.",
        "Colleagues are talked about behind their backs.",
        True,
    ),
    (
        "HT4",
        "horizontal_trust",
        "Jeg tør spørge mine kolleger om hjælp, også når jeg burde kunne klare det selv.",
        "I dare ask my colleagues for help, even when I ought to manage on my own.",
        False,
    ),
    # Justice
    (
        "JU1",
        "justice",
        "Opgaverne bliver fordelt på en måde, jeg kan se rimeligheden i.",
        "Tasks are shared out in a way whose fairness I can see.",
        False,
    ),
    (
        "JU2",
        "justice",
        "Når der opstår uenighed, bliver alle parter hørt.",
        "When disagreement arises, every side is heard.",
        False,
    ),
    (
        "JU3",
        "justice",
        "Det bliver bemærket, når nogen gør en ekstra indsats.",
        "It is noticed when someone makes an extra effort.",
        False,
    ),
    (
        "JU4",
        "justice",
        "Nogle slipper lettere end andre, uden at der er en god grund til det.",
        "Some get off more lightly than others without a good reason.",
        True,
    ),
    # Bonding: collaboration within the team
    (
        "BO1",
        "bonding",
        "I mit team hjælper vi hinanden, når nogen har travlt.",
        "In my team we help each other when someone is busy.",
        False,
    ),
    (
        "BO2",
        "bonding",
        "Vi er enige om, hvordan vi løser de vigtigste opgaver i teamet.",
        "We agree on how we solve the most important tasks in the team.",
        False,
    ),
    (
        "BO3",
        "bonding",
        "Nye kolleger bliver hurtigt en del af fællesskabet hos os.",
        "New colleagues quickly become part of the group here.",
        False,
    ),
    (
        "BO4",
        "bonding",
        "Vi deler vores erfaringer, så andre i teamet kan bruge dem.",
        "We share our experience so that others in the team can use it.",
        False,
    ),
    # Bridging: collaboration across teams
    (
        "BR1",
        "bridging",
        "Vi samarbejder godt med de andre teams og afdelinger, som vi er afhængige af.",
        "We work well with the other teams and departments that we depend on.",
        False,
    ),
    (
        "BR2",
        "bridging",
        "Når en borgers sag går på tværs af afdelinger, finder vi en løsning sammen.",
        "When a citizen's case crosses departments, we find a solution together.",
        False,
    ),
    (
        "BR3",
        "bridging",
        "Opgaver falder mellem to stole, fordi ingen føler sig ansvarlige for dem.",
        "Tasks fall between two stools because nobody feels responsible for them.",
        True,
    ),
    # Linking: collaboration with management
    (
        "LI1",
        "linking",
        "Min nærmeste leder inddrager os, før der bliver lavet om på vores arbejde.",
        "My immediate manager involves us before our work is changed.",
        False,
    ),
    (
        "LI2",
        "linking",
        "Vi kan få fat i ledelsen, når vi har brug for en afklaring.",
        "We can reach management when we need something settled.",
        False,
    ),
    (
        "LI3",
        "linking",
        "Ledelsen bruger de idéer, vi kommer med, til at gøre arbejdet bedre.",
        "Management uses the ideas we bring to make the work better.",
        False,
    ),
    # Core task: collaborating about the workplace's core task
    (
        "KO1",
        "core_task",
        "Vi taler ofte om, hvad der gør en forskel for borgerne i vores arbejde.",
        "We often talk about what makes a difference for citizens in our work.",
        False,
    ),
    (
        "KO2",
        "core_task",
        "Jeg ved, hvad vores arbejdsplads er her for at opnå for borgerne.",
        "I know what our workplace is here to achieve for citizens.",
        False,
    ),
    (
        "KO3",
        "core_task",
        "Når vi er uenige om en opgave, tager vi udgangspunkt i, hvad der er bedst for borgerne.",
        "When we disagree about a task, we start from what is best for citizens.",
        False,
    ),
    (
        "KO4",
        "core_task",
        "Regler og dokumentation fylder så meget, at det går ud over kerneopgaven.",
        "Rules and documentation take up so much that the core task suffers.",
        True,
    ),
]


def add_default_questionnaire(apps, schema_editor) -> None:
    Item = apps.get_model("socialkapital", "Item")
    Questionnaire = apps.get_model("socialkapital", "Questionnaire")
    QuestionnaireItem = apps.get_model("socialkapital", "QuestionnaireItem")
    questionnaire, created = Questionnaire.objects.get_or_create(
        name=NAME, version=1, defaults={"description": DESCRIPTION}
    )
    if not created:  # already there (loaded from a dump): leave it as it is
        return
    for position, (code, dimension, text_da, text_en, reverse) in enumerate(ITEMS, start=1):
        item, _ = Item.objects.get_or_create(
            code=code,
            defaults={
                "dimension": dimension,
                "text_da": text_da,
                "text_en": text_en,
                "reverse_scored": reverse,
            },
        )
        QuestionnaireItem.objects.create(questionnaire=questionnaire, item=item, position=position)


def remove_default_questionnaire(apps, schema_editor) -> None:
    """Undo only what nobody has used: a questionnaire a round used stays, as do answered items
    (the models protect them anyway)."""
    Item = apps.get_model("socialkapital", "Item")
    Questionnaire = apps.get_model("socialkapital", "Questionnaire")
    Questionnaire.objects.filter(name=NAME, version=1, rounds__isnull=True).delete()
    Item.objects.filter(
        code__in=[code for code, *_ in ITEMS], entries__isnull=True, answers__isnull=True
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("socialkapital", "0001_initial")]

    operations = [migrations.RunPython(add_default_questionnaire, remove_default_questionnaire)]
