"""The repository's docs stand alone: every reference in code and README points at a section that exists."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [*ROOT.glob("tracker/**/*.py"), *ROOT.glob("tests/**/*.py"), *ROOT.glob("bench/*.py"),
           *ROOT.glob("templates/**/*.html"), ROOT / "README.md", *ROOT.glob("docs/*.md")]


def _sections(path: Path) -> set[str]:
    return set(re.findall(r"^## (\d+)\.", path.read_text(encoding="utf-8"), re.MULTILINE))


def test_every_domain_section_a_comment_names_exists():
    sections = _sections(ROOT / "docs" / "domain.md")
    assert sections == {str(n) for n in range(1, len(sections) + 1)}  # numbered 1, 2, ...
    assert len(sections) >= 8
    cited = {(path.name, number) for path in SOURCES
             for number in re.findall(r"domain\.md section (\d+)", path.read_text(encoding="utf-8"))}
    assert cited, "the code cites docs/domain.md"
    assert {number for _, number in cited} <= sections


def test_nothing_points_outside_the_repository():
    this = Path(__file__).resolve()
    offenders = [str(path.relative_to(ROOT)) for path in SOURCES if path.resolve() != this
                 and re.search(r"\.\./shared|shared/(?:style|domain)\.md",
                               path.read_text(encoding="utf-8"))]
    assert offenders == []


def test_the_docs_links_resolve():
    for doc in [ROOT / "README.md", *ROOT.glob("docs/*.md")]:
        for target in re.findall(r"\]\(([^)#:]+)\)", doc.read_text(encoding="utf-8")):
            assert (doc.parent / target).exists(), f"{doc.name} links to {target}"
