"""How templates are rendered: strict about undefined names in the project's own templates.

Jinja's `StrictUndefined` makes printing, testing or looping over an undefined name an error instead
of an empty string, so a misspelt or forgotten variable fails the test that renders the page. The
GOV.UK Frontend macros (and templates/layout/govuk_template.html, a copy of the package's page
template) are written for Jinja's lenient default: they test optional parameters with
`{% if params.classes %}`. `ProjectStrictUndefined` is therefore strict only where the undefined
name is used by one of the project's own templates, and lenient inside the GOV.UK ones.
"""

from __future__ import annotations

import sys
from pathlib import Path
from types import FrameType
from typing import Any

from jinja2 import StrictUndefined, Undefined

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
VENDORED = TEMPLATES / "layout"  # copies of GOV.UK Frontend templates, kept as upstream wrote them


def _used_by_project_template() -> bool:
    """Say whether the nearest template on the call stack is one of the project's own."""
    frame: FrameType | None = sys._getframe(2)
    while frame is not None:
        filename = frame.f_code.co_filename
        if filename.endswith(".html"):
            path = Path(filename)
            return path.is_relative_to(TEMPLATES) and not path.is_relative_to(VENDORED)
        frame = frame.f_back
    return False


def _strict_in_project(name: str):
    lenient = getattr(Undefined, name, None) or (lambda self, item: False)  # nothing is in it

    def method(self: Undefined, *args: Any) -> Any:
        if _used_by_project_template():
            return self._fail_with_undefined_error()
        return lenient(self, *args)

    method.__name__ = name
    return method


class ProjectStrictUndefined(Undefined):
    """StrictUndefined in the project's templates; Jinja's default in GOV.UK Frontend's."""

    __slots__ = ()


# Every operation StrictUndefined refuses (printing, truth, iteration, comparison, membership).
for _name in ("__str__", "__iter__", "__len__", "__bool__", "__eq__", "__ne__", "__hash__",
              "__contains__"):
    assert getattr(StrictUndefined, _name) is Undefined._fail_with_undefined_error, _name
    setattr(ProjectStrictUndefined, _name, _strict_in_project(_name))
