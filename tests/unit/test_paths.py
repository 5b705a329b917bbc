"""The paths services build without Flask are the addresses the blueprints route."""

from __future__ import annotations

import pytest

from tracker import create_app
from tracker.domain import paths

CASES = [
    ("orgs.overview", paths.ORGANISATION, {"slug": "northshire"}),
    ("plans.by_theme", paths.PLAN, {"slug": "northshire", "label": "2024-25"}),
    ("indicators.results", paths.INDICATORS, {"slug": "northshire", "label": "2024-25"}),
    ("plans.view_action", paths.ACTION, {"slug": "northshire", "label": "2024-25", "action_id": 7}),
    ("indicators.results", paths.INDICATORS,
     {"slug": "north-shire", "label": "2024-25", "area": "adults", "discuss": "SCW2"}),
    ("reviews.review", paths.REVIEW, {"slug": "northshire", "label": "2023-24"}),
    ("conversation.thread", paths.THREAD, {"slug": "a b", "label": "2024-25",
                                           "subject_type": "indicator", "subject_key": "SCW2:adults"}),
    ("conversation.notification_settings", paths.NOTIFICATION_SETTINGS, {}),
]


@pytest.mark.parametrize(("endpoint", "rule", "values"), CASES)
def test_build_matches_the_routed_address(endpoint, rule, values):
    app = create_app("test")
    expected = app.url_map.bind("localhost").build(endpoint, values)
    assert paths.build(rule, **values) == expected
