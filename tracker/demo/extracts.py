"""The demo's extracts: a staff, a recruitment and a survey file for each demo cycle, one row a
person, drawn with a seeded random generator (the same files every time) and loaded through the
upload's own reading, counting and saving (``services.indicators.draft_from_extracts``).

A council is described by a ``Profile`` per service area: how many people, the share of them
from the global majority, how many declare their ethnicity, and for each outcome the chance a
global majority and a white person has it. Northshire's three cycles change some of those
chances from year to year, so its figures tell a story (appointment from shortlisting moving
towards parity after anonymous shortlisting; harassment from managers rising; most other
results with no clear change), and being drawn person by person no figure repeats exactly.
Some cells stay small (fitness-to-practise referrals, senior managers, children's services),
so the low-confidence marks and withheld counts show too.
"""

from __future__ import annotations

import csv
import io
import random
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import numpy as np
from flask import current_app

from tracker.domain.ethnicity import ONS_2021
from tracker.models import IndicatorDataset, ReportingCycle, User
from tracker.services import indicators as indicator_service
from tracker.services.access import OrgAccess

#: Pay bands, lowest first, as the demo's HR system labels them.
BANDS = ("<30k", "30-69k", "70k+")

#: Outcomes a profile gives a (global majority, white) chance of. People of unknown ethnicity
#: get the average of the two.
OUTCOMES = ("left", "disciplinary", "regulated", "ftp", "cpd", "senior", "appointed",
            "hba_public", "hba_colleagues", "hba_managers")


@dataclass(frozen=True)
class Profile:
    """One service area's workforce, applicants and survey respondents, and their chances."""

    staff: int
    gm_share: float                 # of the staff whose ethnicity is known
    declared: float                 # share of staff whose ethnicity is known
    bands: Mapping[str, tuple[float, float, float]]  # group -> share in each band (in post)
    chances: Mapping[str, tuple[float, float]]       # outcome -> (global majority, white)
    shortlisted: tuple[int, int]    # global majority and white applicants shortlisted
    respondents: tuple[int, int]    # global majority and white survey respondents
    survey_declared: float = 0.92   # share of respondents who said their ethnicity
    unanswered: float = 0.03        # share of each survey question left blank

    def changed(self, **chances: tuple[float, float]) -> Profile:
        """Return this profile with some outcomes' chances changed."""
        return replace(self, chances={**self.chances, **chances})


@dataclass(frozen=True)
class Extracts:
    """Three CSV files, as an HR system, a recruitment system and a survey provider export."""

    staff: tuple[bytes, str]
    recruitment: tuple[bytes, str]
    survey: tuple[bytes, str]
    rows: dict[str, int] = field(default_factory=dict)

    def uploads(self) -> dict[str, tuple[bytes, str]]:
        """Return them as the upload form gives them: kind -> (bytes, file name)."""
        return {"staff": self.staff, "recruitment": self.recruitment, "survey": self.survey}


ADULTS = Profile(
    staff=2300, gm_share=0.25, declared=0.95,
    bands={"gm": (0.45, 0.52, 0.03), "white": (0.48, 0.45, 0.07)},
    chances={
        "left": (0.115, 0.092), "disciplinary": (0.032, 0.015), "regulated": (0.30, 0.30),
        "ftp": (0.030, 0.016), "cpd": (0.23, 0.24), "senior": (0.018, 0.025),
        "appointed": (0.15, 0.46), "hba_public": (0.26, 0.20),
        "hba_colleagues": (0.20, 0.14), "hba_managers": (0.10, 0.07),
    },
    shortlisted=(340, 280), respondents=(390, 1050),
)

CHILDREN = Profile(
    staff=850, gm_share=0.22, declared=0.94,
    bands={"gm": (0.38, 0.59, 0.03), "white": (0.40, 0.54, 0.06)},
    chances={
        "left": (0.125, 0.100), "disciplinary": (0.028, 0.014), "regulated": (0.45, 0.45),
        "ftp": (0.025, 0.015), "cpd": (0.22, 0.25), "senior": (0.014, 0.026),
        "appointed": (0.14, 0.36), "hba_public": (0.22, 0.16),
        "hba_colleagues": (0.17, 0.11), "hba_managers": (0.12, 0.06),
    },
    shortlisted=(110, 120), respondents=(70, 230),
)

#: Northshire's cycles: what changed from year to year (docs/domain.md section 6 is why the
#: review compares them). 2024-25 is the profiles as written above.
NORTHSHIRE: dict[str, dict[str, Profile]] = {
    "2022-23": {
        "adults": replace(ADULTS.changed(
            appointed=(0.10, 0.45), disciplinary=(0.045, 0.015), left=(0.175, 0.090),
            senior=(0.015, 0.025), hba_managers=(0.09, 0.07), hba_colleagues=(0.22, 0.14)),
            staff=2200, declared=0.88, survey_declared=0.86),
        "children": replace(CHILDREN.changed(appointed=(0.10, 0.38), left=(0.17, 0.10)),
                            staff=800, declared=0.87, survey_declared=0.85),
    },
    "2023-24": {
        "adults": replace(ADULTS.changed(
            appointed=(0.13, 0.46), disciplinary=(0.038, 0.015), left=(0.10, 0.09),
            hba_managers=(0.085, 0.07)), staff=2250, declared=0.93, survey_declared=0.89),
        "children": replace(CHILDREN.changed(appointed=(0.12, 0.37)), staff=830, declared=0.92,
                            survey_declared=0.88),
    },
    "2024-25": {
        "adults": replace(ADULTS.changed(appointed=(0.27, 0.44), disciplinary=(0.030, 0.015),
                                         hba_managers=(0.21, 0.07)), survey_declared=0.88),
        "children": replace(CHILDREN, survey_declared=0.87),
    },
}


def seed_for(*names: str) -> int:
    """Return a stable seed for these names (Python's own hash of a string changes per run)."""
    return zlib.crc32("/".join(names).encode())


def _labels(group: str) -> list[str]:
    return [f"{name}: {category}" for name, of, categories in ONS_2021 if of == group
            for category in categories]


# How the people of each group spread over the ONS categories (roughly a county's social care
# workforce), listed in the order ``_labels`` gives them.
_WHITE_WEIGHTS = (80, 3, 0.5, 0.5, 16)
_GM_WEIGHTS = (3, 2, 2, 2, 11, 7, 3, 2, 4, 10, 30, 5, 2, 17)
_UNKNOWN = ("", "Prefer not to say", "Not stated", "Unknown")
_UNKNOWN_WEIGHTS = (50, 30, 15, 5)


def _short(label: str) -> str:
    """The category alone, as a recruitment system writes it (``Indian``)."""
    return label.split(": ", 1)[1]


def _group_name(label: str) -> str:
    """The group alone, as a survey provider asks it (``Asian, Asian British or Asian Welsh``)."""
    return label.split(": ", 1)[0]


class _People:
    """Draws a council's people, many at a time: their group, ethnicity label and outcomes."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self.labels = {
            "gm": (_labels("gm"), _GM_WEIGHTS), "white": (_labels("white"), _WHITE_WEIGHTS),
            "unknown": (list(_UNKNOWN), _UNKNOWN_WEIGHTS)}

    def groups(self, count: int, gm_share: float, declared: float) -> np.ndarray:
        known = self.rng.random(count) < declared
        gm = self.rng.random(count) < gm_share
        return np.where(known, np.where(gm, "gm", "white"), "unknown")

    def label(self, groups: np.ndarray) -> np.ndarray:
        out = np.empty(len(groups), dtype=object)
        for group, (labels, weights) in self.labels.items():
            where = groups == group
            p = np.asarray(weights, dtype=float)
            out[where] = self.rng.choice(labels, size=int(where.sum()), p=p / p.sum())
        return out

    def chance(self, pair: tuple[float, float], groups: np.ndarray) -> np.ndarray:
        gm, white = pair
        return np.select([groups == "gm", groups == "white"], [gm, white], (gm + white) / 2)

    def has(self, profile: Profile, outcome: str, groups: np.ndarray) -> np.ndarray:
        return self.rng.random(len(groups)) < self.chance(profile.chances[outcome], groups)


def _yes(values: np.ndarray) -> np.ndarray:
    return np.where(values, "Yes", "No")


def _csv(header: list[str], columns: list[np.ndarray]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(zip(*(column.tolist() for column in columns), strict=True))
    return out.getvalue().encode("utf-8")


def _staff(people: _People, profiles: Mapping[str, Profile], prefix: str) -> list[np.ndarray]:
    parts = []
    for area, profile in profiles.items():
        groups = people.groups(profile.staff, profile.gm_share, profile.declared)
        bands = np.empty(len(groups), dtype=object)
        for group in ("gm", "white", "unknown"):
            shares = profile.bands.get(group) or tuple(
                (a + b) / 2 for a, b in zip(*profile.bands.values(), strict=True))
            where = groups == group
            bands[where] = people.rng.choice(BANDS, size=int(where.sum()), p=shares)
        left = people.has(profile, "left", groups)
        # Senior managers are in the top band: the chance of being one among the staff in
        # post, over the chance of being in that band.
        gm, white = profile.chances["senior"]
        senior_chance = people.chance((gm / profile.bands["gm"][2],
                                       white / profile.bands["white"][2]), groups)
        senior = ~left & (bands == BANDS[-1]) & (people.rng.random(len(groups)) < senior_chance)
        regulated = people.has(profile, "regulated", groups)
        parts.append([people.label(groups), np.full(len(groups), area.capitalize()), bands,
                      _yes(senior), _yes(regulated),
                      _yes(people.has(profile, "disciplinary", groups)),
                      _yes(regulated & people.has(profile, "ftp", groups)),
                      _yes(people.has(profile, "cpd", groups)), _yes(left)])
    columns = [np.concatenate(column) for column in zip(*parts, strict=True)]
    ids = np.array([f"{prefix}{n:05d}" for n in range(1, len(columns[0]) + 1)])
    return [ids, *columns]


def _shuffled(people: _People, columns: list[np.ndarray]) -> list[np.ndarray]:
    order = people.rng.permutation(len(columns[0]))
    return [column[order] for column in columns]


_NOT_APPOINTED = np.array(["Interviewed - not appointed", "Offer declined",
                           "Withdrew after interview"])


def _recruitment(people: _People, profiles: Mapping[str, Profile]) -> list[np.ndarray]:
    parts = []
    for area, profile in profiles.items():
        groups = np.repeat(["gm", "white"], profile.shortlisted)
        known = people.rng.random(len(groups)) < 0.96
        labels = np.where(known, [_short(label) if ":" in label else label
                                  for label in people.label(groups)],
                          people.label(np.full(len(groups), "unknown")))
        outcome = np.where(people.has(profile, "appointed", groups), "Appointed",
                           people.rng.choice(_NOT_APPOINTED, size=len(groups)))
        # The system lists every applicant; those not shortlisted are left out of SCW2.
        sifted = people.groups(sum(profile.shortlisted) // 2, profile.gm_share, 0.9)
        parts.append([np.concatenate([labels, people.label(sifted)]),
                      np.full(len(groups) + len(sifted), area),
                      np.concatenate([outcome, np.full(len(sifted), "Rejected at shortlisting")])])
    return _shuffled(people, [np.concatenate(column) for column in zip(*parts, strict=True)])


def _survey(people: _People, profiles: Mapping[str, Profile]) -> list[np.ndarray]:
    parts = []
    for area, profile in profiles.items():
        groups = np.repeat(["gm", "white"], profile.respondents)
        said = people.rng.random(len(groups)) < profile.survey_declared
        labels = np.where(said, [_group_name(label) for label in people.label(groups)],
                          people.label(np.full(len(groups), "unknown")))
        answers = [np.where(people.rng.random(len(groups)) < profile.unanswered, "",
                            _yes(people.has(profile, question, groups)))
                   for question in ("hba_public", "hba_colleagues", "hba_managers")]
        parts.append([labels, np.full(len(groups), area), *answers])
    return _shuffled(people, [np.concatenate(column) for column in zip(*parts, strict=True)])


def generate_extracts(*, slug: str, label: str, profiles: Mapping[str, Profile]) -> Extracts:
    """Draw a council's three files for one cycle (the same every time for the same names)."""
    people = _People(np.random.default_rng(seed_for(slug, label)))
    staff = _staff(people, profiles, prefix=f"{slug[:2].upper()}{label[2:4]}")
    recruitment = _recruitment(people, profiles)
    survey = _survey(people, profiles)
    return Extracts(
        staff=(_csv(["Staff ID", "Ethnicity", "Service area", "Pay band", "Senior manager",
                     "Regulated professional", "Formal disciplinary", "FTP referral",
                     "Funded CPD", "Left in period"], staff), f"{slug}-staff-{label}.csv"),
        recruitment=(_csv(["Ethnic Origin", "Directorate", "Application Outcome"], recruitment),
                     f"{slug}-recruitment-{label}.csv"),
        survey=(_csv(["Ethnicity", "Service area", "HBA public", "HBA colleagues",
                      "HBA managers"], survey), f"{slug}-staff-survey-{label}.csv"),
        rows={"staff": len(staff[0]), "recruitment": len(recruitment[0]),
              "survey": len(survey[0])})


def scaled(profiles: Mapping[str, Profile], rng: random.Random) -> dict[str, Profile]:
    """Return another council's profiles: a size and a mix of its own, its chances varied."""
    size = rng.uniform(0.7, 2.5)
    mix = rng.uniform(0.6, 1.6)

    def vary(pair: tuple[float, float]) -> tuple[float, float]:
        gm, white = pair
        return min(0.95, gm * rng.uniform(0.7, 1.4)), min(0.95, white * rng.uniform(0.85, 1.15))

    return {area: replace(
        profile, staff=round(profile.staff * size),
        gm_share=min(0.7, profile.gm_share * mix), declared=rng.uniform(0.86, 0.99),
        chances={outcome: vary(pair) for outcome, pair in profile.chances.items()},
        shortlisted=tuple(round(n * size * (mix if g == 0 else 1)) for g, n in
                          enumerate(profile.shortlisted)),  # type: ignore[arg-type]
        respondents=tuple(round(n * size * (mix if g == 0 else 1)) for g, n in
                          enumerate(profile.respondents)),  # type: ignore[arg-type]
    ) for area, profile in profiles.items()}


def demo_extracts(*, slug: str, label: str) -> Extracts:
    """Return the files the demo loads for a council's cycle: Northshire's from its own
    profiles, another council's from Northshire's scaled (seeded by its slug)."""
    profiles = NORTHSHIRE[label]
    if slug != "northshire":
        profiles = scaled(profiles, random.Random(seed_for(slug)))
    return generate_extracts(slug=slug, label=label, profiles=profiles)


def load_extracts(*, actor: User, access: OrgAccess, cycle: ReportingCycle,
                  extracts: Extracts) -> IndicatorDataset:
    """Load the files as the upload page does: read, check and count them into a draft, then
    save it (its EDI lead ticking "the data is right" if it has data-quality notes)."""
    draft = indicator_service.draft_from_extracts(
        actor=actor, access=access, cycle=cycle, uploads=extracts.uploads(),
        extra_mapping=current_app.extensions.get("ethnicity_mapping"))
    return indicator_service.save_draft(actor=actor, access=access, cycle=cycle,
                                        draft_id=draft.id, confirmed=True)
