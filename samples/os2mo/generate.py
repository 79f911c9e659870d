"""Generates samples/os2mo and tests/fixtures/os2mo: `python samples/os2mo/generate.py` rewrites
them from the fictional Fjordby Kommune below (the recorded answers are deterministic)."""

import base64
import copy
import json
import shutil
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NS = uuid.UUID("6f1c2f4e-8a51-4c55-9d0e-5a7c1e0b2d10")


def U(name):
    return str(uuid.uuid5(NS, name))


def cls(user_key, name):
    return {"user_key": user_key, "name": name}


# --- line organisation -------------------------------------------------------------------
units = []


def unit(key, name, parent, utype, level=None, hierarchy=None, user_key=None):
    units.append(
        {
            "uuid": U("unit:" + key),
            "current": {
                "uuid": U("unit:" + key),
                "user_key": user_key or key,
                "name": name,
                "parent": {"uuid": U("unit:" + parent)} if parent else None,
                "unit_type": cls(*utype) if utype else None,
                "org_unit_level": cls(*level) if level else None,
                "org_unit_hierarchy_model": cls(*hierarchy) if hierarchy else None,
            },
        }
    )


L = ("Linjeorganisation", "Linjeorganisation")
unit("FK", "Fjordby Kommune", None, ("Kommune", "Kommune"), hierarchy=L)
unit("BU", "Børn og Unge", "FK", ("Forvaltning", "Forvaltning"), hierarchy=L)
unit("SO", "Sundhed og Omsorg", "FK", ("Forvaltning", "Forvaltning"), hierarchy=L)
unit("TM", "Teknik og Miljø", "FK", ("Forvaltning", "Forvaltning"), hierarchy=L)
unit("DT", "Dagtilbud", "BU", ("Omraade", "Område"), hierarchy=L)
unit("SK", "Skoler", "BU", ("Omraade", "Område"), hierarchy=L)
unit("HP", "Hjemmepleje", "SO", ("Omraade", "Område"), hierarchy=L)
unit("PC", "Plejecentre", "SO", ("Omraade", "Område"), hierarchy=L)
unit("VP", "Vej og Park", "TM", ("Afdeling", "Afdeling"), hierarchy=L)
unit("MAA", "Børnehuset Mågen", "DT", ("Daginstitution", "Daginstitution"), hierarchy=L)
unit("SOE", "Vuggestuen Søstjernen", "DT", ("Daginstitution", "Daginstitution"), hierarchy=L)
unit("FS", "Fjordby Skole", "SK", ("Skole", "Skole"), hierarchy=L)
unit("HPN", "Hjemmeplejen Nord", "HP", ("Afdeling", "Afdeling"), hierarchy=L)
unit("HPS", "Hjemmeplejen Syd", "HP", ("Afdeling", "Afdeling"), hierarchy=L)
unit("HAV", "Plejecenter Havgården", "PC", ("Afdeling", "Afdeling"), hierarchy=L)
unit("DG", "Driftsgården", "VP", ("Afdeling", "Afdeling"), hierarchy=L)
M = ("MED-organisation", "MED-organisation")
unit("HMED", "Hoved-MED", None, ("Hoved-MED", "Hoved-MED"), hierarchy=M)
unit("OMBU", "Område-MED Børn og Unge", "HMED", ("Omraade-MED", "Område-MED"), hierarchy=M)
unit("OMSO", "Område-MED Sundhed og Omsorg", "HMED", ("Omraade-MED", "Område-MED"), hierarchy=M)
unit("LMDT", "Lokal-MED Dagtilbud", "OMBU", ("Lokal-MED", "Lokal-MED"), hierarchy=M)
unit("LMFS", "Lokal-MED Fjordby Skole", "OMBU", ("Lokal-MED", "Lokal-MED"), hierarchy=M)
unit("LMHP", "Lokal-MED Hjemmeplejen", "OMSO", ("Lokal-MED", "Lokal-MED"), hierarchy=M)
# A unit that has closed: OS2mo still lists it, without a current state.
units.append({"uuid": U("unit:OLD"), "current": None})

# --- people ------------------------------------------------------------------------------
people = [
    # key, given, surname, unit(s) (first primary), user_key
    ("p01", "Karen", "Holm", ["FK"], "kaho"),
    ("p02", "Mikkel", "Brandt", ["BU"], "mibr"),
    ("p03", "Susanne", "Lund", ["SO"], "sulu"),
    ("p04", "Jesper", "Kjær", ["TM"], "jekj"),
    ("p05", "Lone", "Dam", ["DT"], "lodm"),
    ("p06", "Per", "Skov", ["SK"], "pesk"),
    ("p07", "Hanne", "Nygaard", ["HP"], "hany"),
    ("p08", "Tina", "Bach", ["PC"], "tiba"),
    ("p09", "Bo", "Winther", ["VP"], "bowi"),
    ("p10", "Camilla", "Friis", ["MAA"], "cafr"),
    ("p11", "Rasmus", "Juhl", ["MAA"], "raju"),
    ("p12", "Ida", "Mortensen", ["MAA"], "idmo"),
    ("p13", "Anja", "Lauridsen", ["SOE"], "anla"),
    ("p14", "Nanna", "Kristoffersen", ["SOE"], "nakr"),
    ("p15", "Thomas", "Vestergaard", ["FS"], "thve"),
    ("p16", "Maja", "Dalgaard", ["FS"], "mada"),
    ("p17", "Søren", "Bak", ["FS", "SK"], "sobk"),
    ("p18", "Line", "Overgaard", ["FS"], "liov"),
    ("p19", "Mette", "Iversen", ["HPN"], "meiv"),
    ("p20", "Jonas", "Thorsen", ["HPN"], "joth"),
    ("p21", "Birgitte", "Kock", ["HPN"], "biko"),
    ("p22", "Lars", "Østergaard", ["HPS"], "laoe"),
    ("p23", "Pia", "Svendsen", ["HPS"], "pisv"),
    ("p24", "Emil", "Hedegaard", ["HPS", "HPN"], "emhe"),
    ("p25", "Dorthe", "Schmidt", ["HAV"], "dosc"),
    ("p26", "Kasper", "Holst", ["HAV"], "kaht"),
    ("p27", "Gitte", "Riis", ["HAV"], "giri"),
    ("p28", "Morten", "Eriksen", ["DG"], "moer"),
    ("p29", "Heidi", "Bruun", ["DG"], "hebr"),
    ("p30", "Allan", "Kirk", ["DG"], "alki"),
    ("p31", "Jens", "Lykke", [], "jely"),  # has left: no engagement
]


def person(key, given, surname, placements, user_key, email=True):
    addresses = []
    if email:
        addresses.append(
            {
                "value": f"{user_key}@fjordby.example",
                "address_type": {"user_key": "EmailEmployee", "scope": "EMAIL"},
            }
        )
    addresses.append(
        {
            "value": "+45 7000 " + str(1000 + int(key[1:])),
            "address_type": {"user_key": "PhoneEmployee", "scope": "PHONE"},
        }
    )
    engagements = [
        {
            "uuid": U(f"eng:{key}:{u}"),
            "is_primary": (i == 0 and len(placements) > 1)
            or (len(placements) == 1 and i == 0 and key != "p13"),
            "org_unit": [{"uuid": U("unit:" + u)}],
        }
        for i, u in enumerate(placements)
    ]
    return {
        "uuid": U("person:" + key),
        "current": {
            "uuid": U("person:" + key),
            "user_key": user_key,
            "name": f"{given} {surname}",
            "given_name": given,
            "surname": surname,
            "addresses": addresses,
            "engagements": engagements,
        },
    }


employees = [person(*p) for p in people]

managers_list = [
    ("FK", "p01"),
    ("BU", "p02"),
    ("SO", "p03"),
    ("TM", "p04"),
    ("DT", "p05"),
    ("SK", "p06"),
    ("HP", "p07"),
    ("PC", "p08"),
    ("VP", "p09"),
    ("MAA", "p10"),
    ("SOE", "p13"),
    ("FS", "p15"),
    ("HPN", "p19"),
    ("HPS", "p22"),
    ("HAV", "p25"),
    ("DG", "p28"),
    ("HPN", None),
]


def manager(u, p):
    return {
        "uuid": U(f"mgr:{u}:{p}"),
        "current": {
            "uuid": U(f"mgr:{u}:{p}"),
            "person": [{"uuid": U("person:" + p)}] if p else None,
            "org_unit": [{"uuid": U("unit:" + u)}],
        },
    }


managers = [manager(u, p) for u, p in managers_list]

ROLES = {
    "formand": ("Formand", "Formand"),
    "naestformand": ("Naestformand", "Næstformand"),
    "leder": ("Lederrepraesentant", "Lederrepræsentant"),
    "medarb": ("Medarbejderrepraesentant", "Medarbejderrepræsentant"),
    "tr": ("TR", "TR"),
    "amr": ("AMR", "Arbejdsmiljørepræsentant"),
    "projekt": ("Projektdeltager", "Projektdeltager"),
}
assoc_list = [
    ("HMED", "p01", "formand"),
    ("HMED", "p21", "naestformand"),
    ("HMED", "p02", "leder"),
    ("HMED", "p03", "leder"),
    ("HMED", "p16", "medarb"),
    ("HMED", "p29", "medarb"),
    ("HMED", "p26", "amr"),
    ("OMBU", "p02", "formand"),
    ("OMBU", "p11", "naestformand"),
    ("OMBU", "p05", "leder"),
    ("OMBU", "p17", "tr"),
    ("OMBU", "p14", "amr"),
    ("OMSO", "p03", "formand"),
    ("OMSO", "p23", "naestformand"),
    ("OMSO", "p07", "leder"),
    ("OMSO", "p27", "tr"),
    ("OMSO", "p20", "amr"),
    ("LMDT", "p05", "formand"),
    ("LMDT", "p12", "tr"),
    ("LMDT", "p13", "leder"),
    ("LMFS", "p15", "formand"),
    ("LMFS", "p18", "tr"),
    ("LMFS", "p16", "amr"),
    ("LMHP", "p07", "formand"),
    ("LMHP", "p21", "naestformand"),
    ("LMHP", "p24", "amr"),
    ("LMHP", "p20", "tr"),
    ("DG", "p30", "projekt"),  # an association in the line organisation: not MED
]


def association(u, p, r):
    return {
        "uuid": U(f"assoc:{u}:{p}:{r}"),
        "current": {
            "uuid": U(f"assoc:{u}:{p}:{r}"),
            "person": [{"uuid": U("person:" + p)}],
            "org_unit": [{"uuid": U("unit:" + u)}],
            "association_type": cls(*ROLES[r]),
        },
    }


associations = [association(*a) for a in assoc_list]

rel_list = [
    ("HMED", "FK"),
    ("OMBU", "BU"),
    ("OMSO", "SO"),
    ("LMDT", "DT"),
    ("FS", "LMFS"),
    ("LMHP", "HPN"),
    ("LMHP", "HPS"),
]


def related(a, b):
    return {
        "uuid": U(f"rel:{a}:{b}"),
        "current": {
            "uuid": U(f"rel:{a}:{b}"),
            "org_units": [{"uuid": U("unit:" + a)}, {"uuid": U("unit:" + b)}],
        },
    }


related_units = [related(*r) for r in rel_list]


def cursor(n):
    return base64.b64encode(str(n).encode()).decode()


def write_pages(directory: Path, field: str, objects: list, sizes: list[int]):
    directory.mkdir(parents=True, exist_ok=True)
    start = 0
    for page, size in enumerate(sizes, start=1):
        chunk = objects[start : start + size]
        start += size
        last = page == len(sizes)
        body = {
            "data": {
                field: {
                    "objects": chunk,
                    "page_info": {"next_cursor": None if last else cursor(start)},
                }
            }
        }
        (directory / f"{field}.{page}.json").write_text(
            json.dumps(body, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
    assert start == len(objects), (field, start, len(objects))


sample = ROOT / "samples" / "os2mo"
for f in sample.glob("*.json"):
    f.unlink()
write_pages(sample, "org_units", units, [10, 10, 3])
write_pages(sample, "employees", employees, [12, 12, 7])
write_pages(sample, "associations", associations, [15, 13])
write_pages(sample, "related_units", related_units, [7])
write_pages(sample, "managers", managers, [17])

# --- fixtures: each case replaces whole lists of the sample ------------------------------
fixtures = ROOT / "tests" / "fixtures" / "os2mo"
if fixtures.exists():
    shutil.rmtree(fixtures)


def case(name, **lists):
    for field, objects in lists.items():
        if isinstance(objects, str):
            (fixtures / name).mkdir(parents=True, exist_ok=True)
            (fixtures / name / field).write_text(objects, encoding="utf-8")
        else:
            write_pages(fixtures / name, field, objects, [len(objects)])


# missing parent: a new unit under a unit that is not in the export, and one below it.
u = copy.deepcopy(units)
u.append(
    {
        "uuid": U("unit:SKB"),
        "current": {
            "uuid": U("unit:SKB"),
            "user_key": "SKB",
            "name": "Skovbørnehaven",
            "parent": {"uuid": U("unit:GHOST")},
            "unit_type": cls("Daginstitution", "Daginstitution"),
            "org_unit_level": None,
            "org_unit_hierarchy_model": None,
        },
    }
)
u.append(
    {
        "uuid": U("unit:SKB2"),
        "current": {
            "uuid": U("unit:SKB2"),
            "user_key": "SKB2",
            "name": "Skovbørnehaven, Udegruppen",
            "parent": {"uuid": U("unit:SKB")},
            "unit_type": None,
            "org_unit_level": None,
            "org_unit_hierarchy_model": None,
        },
    }
)
case("missing_parent", org_units=u)

# GraphQL errors on the associations query.
case(
    "graphql_errors",
    **{
        "associations.1.json": json.dumps(
            {
                "errors": [
                    {
                        "message": "Cannot query field 'association_type' on type 'Association'.",
                        "locations": [{"line": 9, "column": 9}],
                        "path": ["associations"],
                    }
                ],
                "data": None,
            },
            indent=2,
        )
        + "\n"
    },
)

# HTTP 500 on the first page of employees (an HTML error page).
case(
    "http_500",
    **{"employees.1.500.html": "<html><body><h1>500 Internal Server Error</h1></body></html>\n"},
)

# A proxy's sign-in page instead of JSON.
case("not_json", **{"org_units.1.200.html": "<!doctype html><html><body>Log ind</body></html>\n"})

# Truncated paging: page 2 of employees lost its page information (the answer was cut).
tp = fixtures / "truncated_paging"
tp.mkdir(parents=True)
(tp / "employees.1.json").write_text(
    json.dumps(
        {
            "data": {
                "employees": {"objects": employees[:20], "page_info": {"next_cursor": cursor(20)}}
            }
        },
        ensure_ascii=False,
        indent=2,
    )
    + "\n",
    encoding="utf-8",
)
(tp / "employees.2.json").write_text(
    json.dumps({"data": {"employees": {"objects": employees[20:25]}}}, ensure_ascii=False, indent=2)
    + "\n",
    encoding="utf-8",
)

# A page missing: page 1 of managers points on to a page that never came.
mp = fixtures / "missing_page"
mp.mkdir(parents=True)
(mp / "managers.1.json").write_text(
    json.dumps(
        {"data": {"managers": {"objects": managers[:8], "page_info": {"next_cursor": cursor(8)}}}},
        ensure_ascii=False,
        indent=2,
    )
    + "\n",
    encoding="utf-8",
)

# Wrong types: a unit whose name is a number, a person whose engagements is a string, an
# association whose person is text, and a link between three units.
u = copy.deepcopy(units)
for item in u:
    if item["uuid"] == U("unit:DG"):
        item["current"]["name"] = 42
e = copy.deepcopy(employees)
for item in e:
    if item["uuid"] == U("person:p29"):
        item["current"]["engagements"] = "Driftsgården"
a = copy.deepcopy(associations)
for item in a:
    if item["uuid"] == U("assoc:LMFS:p18:tr"):
        item["current"]["person"] = "Line Overgaard"
r = copy.deepcopy(related_units)
for item in r:
    if item["uuid"] == U("rel:LMHP:HPS"):
        item["current"]["org_units"].append({"uuid": U("unit:HAV")})
case("wrong_types", org_units=u, employees=e, associations=a, related_units=r)

# An employee without engagement who is a MED member (TR in Lokal-MED Fjordby Skole).
e = copy.deepcopy(employees)
for item in e:
    if item["uuid"] == U("person:p18"):
        item["current"]["engagements"] = []
case("employee_without_engagement", employees=e)

# An association with a unit that is not in the export.
a = copy.deepcopy(associations)
a.append(
    {
        "uuid": U("assoc:GHOST:p19:amr"),
        "current": {
            "uuid": U("assoc:GHOST:p19:amr"),
            "person": [{"uuid": U("person:p19")}],
            "org_unit": [{"uuid": U("unit:GHOST")}],
            "association_type": cls("AMR", "Arbejdsmiljørepræsentant"),
        },
    }
)
case("unknown_unit_association", associations=a)

# Two people with the same user_key.
e = copy.deepcopy(employees)
for item in e:
    if item["uuid"] == U("person:p12"):
        item["current"]["user_key"] = "raju"
case("duplicate_user_key", employees=e)

# An association type that is no MED role.
a = copy.deepcopy(associations)
a.append(
    {
        "uuid": U("assoc:LMDT:p11:suppleant"),
        "current": {
            "uuid": U("assoc:LMDT:p11:suppleant"),
            "person": [{"uuid": U("person:p11")}],
            "org_unit": [{"uuid": U("unit:LMDT")}],
            "association_type": cls("Suppleant", "Suppleant"),
        },
    }
)
case("unknown_role", associations=a)

# Print the UUIDs tests refer to.
for key in [
    "FK",
    "BU",
    "DT",
    "MAA",
    "FS",
    "HPN",
    "HPS",
    "HMED",
    "OMBU",
    "LMDT",
    "LMFS",
    "LMHP",
    "DG",
    "SKB",
    "SKB2",
    "GHOST",
    "HAV",
    "VP",
]:
    print("unit", key, U("unit:" + key))
for key in ["p01", "p11", "p12", "p13", "p16", "p18", "p19", "p24", "p29", "p31"]:
    print("person", key, U("person:" + key))
for key in ["assoc:LMFS:p18:tr", "rel:LMHP:HPS", "assoc:GHOST:p19:amr", "assoc:LMDT:p11:suppleant"]:
    print(key, U(key))
