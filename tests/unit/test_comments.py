"""The conversation's pure rules: safe Markdown, mentions, subjects, digests and reminders."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from bs4 import BeautifulSoup

from tracker.domain.comments import (
    SubjectType,
    days_waiting,
    find_mentions,
    mention_handle,
    parse_subject,
    plain_excerpt,
    render_markdown,
    waiting_phrase,
)
from tracker.domain.emails import (
    digest_message,
    notification_message,
    reminder_message,
    weekly_message,
)
from tracker.domain.notifications import (
    DigestItem,
    Frequency,
    NotificationKind,
    default_frequency,
    frequency_choices,
    group_digest,
)
from tracker.domain.reminders import (
    DueAction,
    OrganisationWeek,
    WaitingFeedback,
    select_reminders,
    week_start,
)
from tracker.mail_templates import render

TODAY = date(2026, 11, 23)  # a Monday


# Markdown -------------------------------------------------------------------------------------------


def test_the_allowed_markdown_renders_with_govuk_classes():
    html = render_markdown("Hello *there* and **you**\n\n- one\n- two\n\n1. first\n\n> quoted\n\n"
                           "`code` and [a link](https://example.org/x?a=1&b=2)")
    soup = BeautifulSoup(html, "html.parser")
    assert soup.select_one("p.govuk-body em").get_text() == "there"
    assert soup.select_one("strong").get_text() == "you"
    assert [li.get_text() for li in soup.select("ul.govuk-list--bullet li")] == ["one", "two"]
    assert soup.select_one("ol.govuk-list--number li").get_text() == "first"
    assert soup.select_one("blockquote").get_text(strip=True) == "quoted"
    assert soup.select_one("code").get_text() == "code"
    link = soup.select_one("a")
    assert link["href"] == "https://example.org/x?a=1&b=2"
    assert link["rel"] == ["nofollow", "noopener"] and link["class"] == ["govuk-link"]


HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<a href=\"javascript:alert(1)\">click</a>",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[click](vbscript:msgbox(1))",
    "[click](//evil.example/path)",
    "[click](/org/northshire/people)",
    "<iframe src=https://evil.example></iframe>",
    "<svg onload=alert(1)>",
    "<style>body{display:none}</style>",
    "![x](https://evil.example/track.png)",
    "<p onclick=\"alert(1)\" class=\"govuk-panel\">styled</p>",
    "[x](https://example.org \"title\" onmouseover=alert(1))",
    "<form action=https://evil.example><input name=password></form>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "<a href='https://ok.example' onclick='steal()' style='position:fixed'>ok</a>",
    "# Heading\n\n---",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_input_is_neutralised(text):
    html = render_markdown(text)
    soup = BeautifulSoup(html, "html.parser")
    tags = {tag.name for tag in soup.find_all(True)}
    assert tags <= {"p", "br", "em", "strong", "ul", "ol", "li", "code", "pre", "blockquote", "a"}
    for tag in soup.find_all(True):
        assert set(tag.attrs) <= {"href", "rel", "class"}, tag
        assert not any(name.startswith("on") for name in tag.attrs)
    for link in soup.find_all("a"):
        assert link.get("href", "").startswith(("https://", "http://", "mailto:")) or \
            "href" not in link.attrs
        assert link["rel"] == ["nofollow", "noopener"]
    # What is left of it is text: escaped, never markup
    for raw in ("<script", "<img", "<iframe", "<svg", "<style", "<form", "<input", "<h1", "<hr"):
        assert raw not in html.lower(), raw


def test_escaped_html_stays_text():
    html = render_markdown("5 < 6 & <b>bold</b>")
    assert "&lt;b&gt;bold&lt;/b&gt;" in html and "&amp;" in html


def test_mailto_links_are_kept():
    soup = BeautifulSoup(render_markdown("[write](mailto:iag@example.org)"), "html.parser")
    assert soup.a["href"] == "mailto:iag@example.org"


def test_plain_excerpt_drops_markdown_and_shortens():
    assert plain_excerpt("Read **this**\n\n- and that") == "Read this and that"
    long = plain_excerpt("word " * 100, limit=20)
    assert len(long) <= 20 and long.endswith("…")


# Mentions -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "handle"), [
    ("Priya Shah", "priya.shah"),
    ("Tom O'Kafor", "tom.o.kafor"),
    ("Zoë  Ní Bhriain", "zoe.ni.bhriain"),
    ("Mary-Jane Smith", "mary.jane.smith"),
])
def test_mention_handles_come_from_names(name, handle):
    assert mention_handle(name) == handle


def test_mentions_are_found_once_in_order_and_not_in_code_or_addresses():
    text = ("Thanks @Priya.Shah, and @grace.mensah. Ask @priya.shah again.\n"
            "Mail me at someone@example.org or @edi.lead@northshire.example.org\n"
            "`@not.this` and\n\n    @nor.this\n")
    assert find_mentions(text) == ["priya.shah", "grace.mensah", "edi.lead@northshire.example.org"]


def test_no_mentions():
    assert find_mentions("An @ on its own, and email@example.org") == []


# Subjects -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "key"), [
    ("action", "12"), ("indicator", "SCW2:adults"), ("indicator", "SCW7a:all"),
    ("indicator", "SCW1:children"), ("review", "2024-25"),
])
def test_good_subjects(kind, key):
    assert parse_subject(kind, key) == (SubjectType(kind), key)


@pytest.mark.parametrize(("kind", "key"), [
    ("action", "twelve"), ("action", "-1"), ("indicator", "SCW2"), ("indicator", "SCW99:all"),
    ("indicator", "SCW2:everyone"), ("review", "2024"), ("plan", "1"), ("action", "1" * 20),
])
def test_bad_subjects(kind, key):
    with pytest.raises(ValueError):
        parse_subject(kind, key)


# Waiting and preferences ----------------------------------------------------------------------------


def test_waiting():
    assert days_waiting(TODAY - timedelta(days=9), TODAY) == 9
    assert days_waiting(TODAY + timedelta(days=1), TODAY) == 0
    assert [waiting_phrase(d) for d in (0, 1, 12)] == ["since today", "1 day", "12 days"]


def test_frequencies_per_kind():
    assert frequency_choices(NotificationKind.MENTION) == [Frequency.IMMEDIATELY, Frequency.DAILY,
                                                          Frequency.OFF]
    assert frequency_choices(NotificationKind.REMINDER) == [Frequency.DAILY, Frequency.OFF]
    assert default_frequency(NotificationKind.WEEKLY) is Frequency.WEEKLY
    assert default_frequency(NotificationKind.REPLY) is Frequency.IMMEDIATELY


# Digests --------------------------------------------------------------------------------------------


def _item(kind, org, text):
    return DigestItem(kind=kind, organisation=org, text=text, link=f"/x/{text}")


def test_digest_groups_by_organisation_then_kind_in_a_fixed_order():
    items = [
        _item(NotificationKind.REPLY, "Northshire", "r1"),
        _item(NotificationKind.MENTION, "northshire B", "m0"),
        _item(NotificationKind.MENTION, "Northshire", "m1"),
        _item(NotificationKind.OWNER, "Eastbrook", "o1"),
        _item(NotificationKind.REPLY, "Northshire", "r2"),
    ]
    sections = group_digest(items)
    assert [s.organisation for s in sections] == ["Eastbrook", "Northshire", "northshire B"]
    northshire = sections[1]
    assert [(heading, [i.text for i in group]) for heading, group in northshire.groups] == [
        ("Mentions", ["m1"]), ("Replies", ["r1", "r2"])]


def _laid_out(wording) -> tuple[str, str]:
    message = render(wording)
    return message.subject, message.text


def test_digest_message_lists_every_item_with_its_link():
    items = [_item(NotificationKind.MENTION, "Northshire", "Priya mentioned you"),
             _item(NotificationKind.RESPONSE, "Eastbrook", "Eastbrook responded")]
    subject, body = _laid_out(digest_message(name="Grace", items=items, today=TODAY,
                                   base_url="https://t.example", settings_url="https://t.example/s"))
    assert subject == "Your daily digest: 2 updates"
    assert body.index("Eastbrook") < body.index("Northshire")
    assert "https://t.example/x/Priya mentioned you" in body
    assert "Responses to your feedback" in body and "https://t.example/s" in body


# Reminders ------------------------------------------------------------------------------------------


def _due(action_id, owner, days, title=None):
    return DueAction(action_id=action_id, title=title or f"Action {action_id}", owner_id=owner,
                     organisation="Northshire", due_date=TODAY + timedelta(days=days),
                     link=f"/a/{action_id}")


def test_reminders_pick_overdue_and_due_within_14_days_per_owner():
    actions = [_due(1, 10, -3), _due(2, 10, 0), _due(3, 10, 14), _due(4, 10, 15),
               _due(5, 20, 30), _due(6, 30, -40), _due(7, 10, -1)]
    reminders = select_reminders(actions, today=TODAY)
    assert set(reminders) == {10, 30}  # owner 20 has nothing to hear about
    assert [a.action_id for a in reminders[10].overdue] == [1, 7]
    assert [a.action_id for a in reminders[10].due_soon] == [2, 3]
    assert [a.action_id for a in reminders[30].overdue] == [6]


def test_reminder_message_says_when_each_action_is_due():
    reminder = select_reminders([_due(1, 10, -3, "Train panels"), _due(2, 10, 0, "Publish"),
                                 _due(3, 10, 1, "Audit")], today=TODAY)[10]
    subject, body = _laid_out(reminder_message(name="Tom", reminder=reminder, today=TODAY,
                                     base_url="https://t.example", settings_url="https://t.example/s"))
    assert subject == "Your actions: 1 overdue and 2 due in the next 14 days"
    assert "Train panels (Northshire) was due on 20 November 2026 (3 days ago)" in body
    assert "Publish (Northshire) is due today" in body
    assert "Audit (Northshire) is due on 24 November 2026 (in 1 day)" in body
    assert "https://t.example/a/1" in body


def test_week_start_is_monday():
    assert week_start(TODAY) == TODAY
    assert week_start(TODAY + timedelta(days=6)) == TODAY


def test_weekly_summary_only_when_there_is_news():
    quiet = OrganisationWeek(organisation="Eastbrook")
    assert weekly_message(name="Helen", weeks=[quiet], today=TODAY, base_url="b",
                          settings_url="s") is None
    busy = OrganisationWeek(organisation="Northshire", overdue=[_due(1, 10, -3, "Train panels")],
                            waiting=[WaitingFeedback("Grace Mensah", "SCW2", TODAY - timedelta(9),
                                                     "/c/1")], progress_updates=2)
    subject, body = _laid_out(weekly_message(name="Helen", weeks=[quiet, busy], today=TODAY,
                                   base_url="https://t.example", settings_url="s"))
    assert subject == "Weekly summary for the week of 23 November 2026"
    assert "Eastbrook" not in body
    assert "Overdue actions: 1" in body and "Grace Mensah on SCW2, waiting 9 days" in body
    assert "2 progress updates, 0 new comments" in body


def test_every_message_has_an_html_alternative_saying_the_same_with_the_same_links():
    items = [_item(NotificationKind.MENTION, "Northshire & Co", "Priya <b>mentioned</b> you")]
    digest = render(digest_message(name="Grace", items=items, today=TODAY,
                                   base_url="https://t.example", settings_url="https://t.example/s"))
    assert "Priya <b>mentioned</b> you" in digest.text and "Northshire & Co" in digest.text
    assert "Priya &lt;b&gt;mentioned&lt;/b&gt; you" in digest.html  # escaped, never markup
    assert "<h2" in digest.html and "Northshire &amp; Co" in digest.html
    assert 'href="https://t.example/x/Priya &lt;b&gt;mentioned&lt;/b&gt; you"' in digest.html
    assert 'href="https://t.example/s"' in digest.html and '<html lang="en-GB">' in digest.html
    reminder = render(reminder_message(
        name="Tom", reminder=select_reminders([_due(1, 10, -3, "Train panels")], today=TODAY)[10],
        today=TODAY, base_url="https://t.example", settings_url="https://t.example/s"))
    assert ('<a href="https://t.example/a/1" style="color: #1d70b8;">Train panels (Northshire) '
            "was due on 20 November 2026 (3 days ago)</a>") in reminder.html
    note = render(notification_message(name="Ann", text="Sam replied", excerpt="Yes <now>",
                                       link="/c/2", base_url="https://t.example",
                                       settings_url="https://t.example/s"))
    assert note.subject == "Sam replied"
    assert '"Yes <now>"' in note.text and "Yes &lt;now&gt;" in note.html
    assert "<blockquote" in note.html and 'href="https://t.example/c/2"' in note.html
