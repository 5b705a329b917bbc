"""The one table of spellings an extract's headers and cells are recognised by, without asking.

Councils' HR, recruitment and survey systems (iTrent, Oracle HCM, SAP SuccessFactors,
ResourceLink, Trac, SmartSurvey...) name the same things differently. Headers match
case-insensitively, ignoring surrounding and repeated spaces; a file's own name for a column
can also be chosen on the mapping page (saved per organisation and extract kind).
The README's "Loading data" section prints this table.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence

from tracker.domain.definitions import ADULTS, CHILDREN, GM, UNKNOWN, WHITE

#: Canonical column -> other headers that mean it (the canonical name itself always matches).
COLUMN_SPELLINGS: dict[str, tuple[str, ...]] = {
    "staff_id": ("Staff ID", "Staff No", "Staff Number", "Employee No", "Employee Number",
                 "Employee ID", "Person Number", "Person ID", "Payroll Number",
                 "Assignment Number", "Pseudonymised ID"),
    "ethnicity": ("Ethnic Origin", "Ethnicity Code", "Ethnic Group", "Ethnic Category",
                  "Ethnicity Description", "Ethnic Origin Description", "Ethnic Background"),
    "service_area": ("Service Area", "Directorate", "Service", "Care Group"),
    "pay_band": ("Pay Band", "Grade", "Pay Grade", "Salary Band", "Band"),
    "senior_manager": ("Senior Manager", "Senior Management", "Senior Leader"),
    "regulated_professional": ("Regulated Professional", "Registered Professional",
                               "Regulated"),
    "formal_disciplinary": ("Formal Disciplinary", "Disciplinary", "Formal Disciplinary Case"),
    "ftp_referral": ("FTP Referral", "FtP Referral", "Fitness to Practise Referral",
                     "Fitness to Practice Referral", "Referred to FtP"),
    "funded_cpd": ("Funded CPD", "CPD", "Funded Non-mandatory CPD", "Funded Training"),
    "left_in_period": ("Leaver", "Left In Period", "Left", "Left Organisation", "Leaver Flag"),
    "appointed": ("Appointed", "Hired", "Offer Accepted", "Successful"),
    "hba_public": ("Harassment from the public", "Bullying from the public",
                   "Harassment, bullying or abuse from the public", "HBA Public"),
    "hba_colleagues": ("Harassment from colleagues", "Bullying from colleagues",
                       "Harassment, bullying or abuse from colleagues", "HBA Colleagues"),
    "hba_managers": ("Harassment from managers", "Bullying from managers",
                     "Harassment, bullying or abuse from managers", "HBA Managers"),
}
#: A recruitment system's single outcome column, read as ``appointed`` (see ``OUTCOMES``).
OUTCOME_SPELLINGS: tuple[str, ...] = ("Outcome", "Application Outcome", "Application Status",
                                      "Status", "Stage", "Result")
COLUMN_SPELLINGS["appointed"] += OUTCOME_SPELLINGS


def header_key(value: object) -> str:
    """Fold a header for matching: case-insensitive, surrounding and repeated spaces ignored."""
    return " ".join(str(value).split()).casefold()


def spellings_for(columns: Iterable[str]) -> dict[str, str]:
    """Return folded spelling -> canonical column, for the columns an extract needs."""
    table: dict[str, str] = {}
    for column in columns:
        for spelling in COLUMN_SPELLINGS.get(column, ()):
            table.setdefault(header_key(spelling), column)
    return table


def suggest(column: str, headers: Sequence[str]) -> str | None:
    """Return the file's header most like a missing column's name or spellings, if any is."""
    wanted = [header_key(column.replace("_", " "))] + \
        [header_key(s) for s in COLUMN_SPELLINGS.get(column, ())]
    keys = {header_key(h): h for h in headers if str(h).strip()}
    best, best_ratio = None, 0.0
    for want in wanted:
        for key, header in keys.items():
            ratio = difflib.SequenceMatcher(None, want, key).ratio()
            if ratio > best_ratio:
                best, best_ratio = header, ratio
    return best if best_ratio >= 0.75 else None


# -- values -------------------------------------------------------------------------------------

#: Service-area words (besides adults and children in any case).
SERVICE_AREA_SPELLINGS: dict[str, str] = {
    **dict.fromkeys(("adults", "adult", "asc", "adult social care", "adult services",
                     "adults services", "adults' services", "adult's services", "adult care",
                     "adults social care", "adults' social care"), ADULTS),
    **dict.fromkeys(("children", "child", "csc", "children's services", "childrens services",
                     "children's social care", "childrens social care", "children's",
                     "children and families", "children's and families",
                     "children and young people"), CHILDREN),
}

#: A recruitment outcome column's words: appointed, shortlisted but not appointed, or not
#: shortlisted (that applicant is left out: SCW2 counts shortlisted applicants).
APPOINTED, SHORTLISTED, NOT_SHORTLISTED = "appointed", "shortlisted", "not-shortlisted"
OUTCOMES: dict[str, str] = {
    **dict.fromkeys(("appointed", "offer accepted", "hired", "offered", "offer made",
                     "successful at interview", "appointed - started", "started"), APPOINTED),
    **dict.fromkeys(("shortlisted", "interviewed", "unsuccessful at interview",
                     "not appointed", "rejected at interview", "interviewed - not appointed",
                     "interviewed - unsuccessful", "offer declined", "declined offer",
                     "withdrew after interview", "withdrawn after interview"), SHORTLISTED),
    **dict.fromkeys(("not shortlisted", "rejected at shortlisting",
                     "unsuccessful at shortlisting", "rejected at sift", "sifted out",
                     "application rejected", "withdrawn before shortlisting",
                     "withdrew before shortlisting"), NOT_SHORTLISTED),
}

YES_SPELLINGS: tuple[str, ...] = ("yes", "y", "true", "1", "x", "✓", "✔", "☑")
NO_SPELLINGS: tuple[str, ...] = ("no", "n", "false", "0", "-", "")

#: ONS 2011 census groups (England and Wales) as HR systems still export them.
ONS_2011: tuple[tuple[tuple[str, ...], str, tuple[str, ...]], ...] = (
    (("White",), WHITE,
     ("English/Welsh/Scottish/Northern Irish/British", "British", "Irish",
      "Gypsy or Irish Traveller", "Any other White background", "Other")),
    (("Mixed", "Mixed/Multiple ethnic groups", "Mixed or multiple ethnic groups", "Dual Heritage"),
     GM, ("White and Black Caribbean", "White and Black African", "White and Asian",
          "Any other Mixed/Multiple ethnic background", "Any other Mixed background", "Other")),
    (("Asian", "Asian or Asian British", "Asian/Asian British"), GM,
     ("Indian", "Pakistani", "Bangladeshi", "Chinese", "Any other Asian background", "Other")),
    (("Black", "Black or Black British", "Black/African/Caribbean/Black British"), GM,
     ("African", "Caribbean", "Any other Black/African/Caribbean background",
      "Any other Black background", "Other")),
    (("Other ethnic group", "Other"), GM, ("Arab", "Any other ethnic group", "Chinese")),
)
ONS_2011_ALONE: dict[str, str] = {
    "White British": WHITE, "White Irish": WHITE, "White Other": WHITE, "Other White": WHITE,
    "Any other White background": WHITE, "Gypsy or Irish Traveller": WHITE,
    "Black British": GM, "Asian British": GM, "Black African": GM, "Black Caribbean": GM,
    "Black Other": GM, "Asian Other": GM, "Mixed Other": GM, "Other Mixed": GM,
    "Any other Mixed/Multiple ethnic background": GM, "Any other Asian background": GM,
    "Any other Black/African/Caribbean background": GM, "Any other Black background": GM,
    "White and Black Caribbean": GM, "White & Black Caribbean": GM,
    "White and Black African": GM, "White & Black African": GM, "White & Asian": GM,
    "Mixed": GM, "Asian": GM, "Black": GM, "Chinese": GM, "Arab": GM,
    "Other ethnic group": GM, "Other ethnic groups": GM,
    "Not declared": UNKNOWN, "Not disclosed": UNKNOWN, "Declined": UNKNOWN,
    "Refused": UNKNOWN, "Not recorded": UNKNOWN, "Not given": UNKNOWN,
    "Information not yet obtained": UNKNOWN, "Do not wish to declare": UNKNOWN,
    "I do not wish to disclose my ethnic origin": UNKNOWN, "Prefer not to state": UNKNOWN,
}
#: The DfE's 4-letter ethnicity codes (school and children's workforce census).
DFE_CODES: dict[str, str] = {
    **dict.fromkeys(("WBRI", "WIRI", "WIRT", "WOTH", "WROM"), WHITE),
    **dict.fromkeys(("MWBC", "MWBA", "MWAS", "MOTH", "AIND", "APKN", "ABAN", "AOTH", "BCRB",
                     "BAFR", "BOTH", "CHNE", "OOTH"), GM),
    **dict.fromkeys(("REFU", "NOBT"), UNKNOWN),
}
#: NHS ethnic category codes with the descriptions ESR and NHS systems print beside them.
NHS_DESCRIPTIONS: dict[str, str] = {
    "A": "White - British", "B": "White - Irish", "C": "White - Any other White background",
    "D": "Mixed - White and Black Caribbean", "E": "Mixed - White and Black African",
    "F": "Mixed - White and Asian", "G": "Mixed - Any other mixed background",
    "H": "Asian or Asian British - Indian", "J": "Asian or Asian British - Pakistani",
    "K": "Asian or Asian British - Bangladeshi",
    "L": "Asian or Asian British - Any other Asian background",
    "M": "Black or Black British - Caribbean", "N": "Black or Black British - African",
    "P": "Black or Black British - Any other Black background",
    "R": "Other Ethnic Groups - Chinese", "S": "Other Ethnic Groups - Any other ethnic group",
    "Z": "Not stated",
}


def ethnicity_spellings(nhs_codes: Mapping[str, str]) -> dict[str, str]:
    """Return label -> group for the ONS 2011 labels, DfE codes and NHS codes with descriptions
    (the ONS 2021 labels and bare NHS codes are in ``tracker.domain.ethnicity``)."""
    labels: dict[str, str] = dict(ONS_2011_ALONE)
    for prefixes, group, categories in ONS_2011:
        for prefix in prefixes:
            for category in categories:
                for separator in (" - ", ": ", " ", " / "):
                    labels.setdefault(f"{prefix}{separator}{category}", group)
    labels.update(DFE_CODES)
    for code, description in NHS_DESCRIPTIONS.items():
        for separator in (" ", " - ", ": ", " : "):
            labels[f"{code}{separator}{description}"] = nhs_codes[code]
            labels[f"{code}{separator}{description.replace(' - ', ': ')}"] = nhs_codes[code]
    for label, group in list(labels.items()):  # 'White & Asian' as well as 'White and Asian'
        labels.setdefault(label.replace(" and ", " & "), group)
    return labels


def value_table() -> dict[str, list[tuple[str, str]]]:
    """Return each built-in value set as (spelling, meaning) rows, for the README and help."""
    return {
        "service_area": sorted(SERVICE_AREA_SPELLINGS.items()),
        "yes_no": [(s, "yes") for s in YES_SPELLINGS] + [(s or "(blank)", "no")
                                                        for s in NO_SPELLINGS],
        "outcome": sorted(OUTCOMES.items()),
        "dfe": sorted(DFE_CODES.items()),
        "nhs": [(f"{c} {d}", "") for c, d in NHS_DESCRIPTIONS.items()],
    }
