"""@mentions in comments: who is told, and what the author hears about the others.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import func, select

from tracker.domain.comments import (
    Visibility,
    find_mentions,
    mention_handle,
    plain_excerpt,
)
from tracker.domain.formatting import and_list
from tracker.domain.notifications import NotificationKind
from tracker.extensions import db
from tracker.models import (
    Comment,
    CommentMention,
    User,
)
from tracker.services import notifications
from tracker.services.readers import reader_ids
from tracker.services.subjects import Subject

# Mentions -----------------------------------------------------------------------------------------


@dataclass
class MentionReport:
    """What became of each @mention, to tell the author."""

    told: list[str] = field(default_factory=list)
    cannot_see: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    ambiguous: list[str] = field(default_factory=list)

    def messages(self) -> list[str]:
        said = []
        if self.cannot_see:
            said.append(f"{and_list(self.cannot_see)} cannot see this comment, so "
                        f"{'was' if len(self.cannot_see) == 1 else 'were'} not told about it")
        if self.unknown:
            said.append(f"Nobody in this organisation or its advisory groups is known as "
                        f"{and_list(self.unknown)}: check the spelling")
        if self.ambiguous:
            said.append(f"More than one person is known as {and_list(self.ambiguous)}: mention them "
                        "by e-mail address, like @name@example.org")
        return said


def _users_for(handles: list[str], *, among: set[int]) -> dict[str, list[User]]:
    """The people `among` these ids each handle names (a name, or an address in any case)."""
    emails = [h for h in handles if "@" in h]
    # A name handle is letters and digits joined by dots (mention_handle); nothing else can match.
    names = [h for h in handles if "@" not in h and re.fullmatch(r"[a-z0-9]+(\.[a-z0-9]+)*", h)]
    conditions = []
    if emails:
        conditions.append(User.email_key.in_(emails))
    for handle in names:
        conditions.append(func.lower(User.name).like("%" + handle.replace(".", "%") + "%"))
    if not conditions:
        return {}
    found: dict[str, list[User]] = {h: [] for h in handles}
    for user in db.session.scalars(select(User).where(User.is_active_account.is_(True))
                                   .where(User.id.in_(among)).where(db.or_(*conditions))):
        for handle in handles:
            if handle == user.email_key or handle == mention_handle(user.name):
                found[handle].append(user)
    return found


def mention(actor: User, subject: Subject, comment: Comment) -> tuple[MentionReport, set[int]]:
    """Notify the people newly mentioned in a comment who can read it; report the others."""
    report = MentionReport()
    handles = find_mentions(comment.body)
    if not handles:
        return report, set()
    already = {m.user_id for m in comment.mentions}
    readers = reader_ids(subject.organisation, comment.visibility)
    # Only the organisation's people and its advisory groups' are looked for: anyone else is
    # "nobody known", whether or not they have an account elsewhere on the installation.
    around = (readers if comment.visibility is Visibility.SHARED
              else reader_ids(subject.organisation, Visibility.SHARED))
    told: set[int] = set()
    for handle, users in _users_for(handles, among=around).items():
        users = [u for u in users if u.id != actor.id]
        visible = [u for u in users if u.id in readers]
        if not users:
            if handle != mention_handle(actor.name) and handle != actor.email_key:
                report.unknown.append(f"@{handle}")
        elif len(visible) > 1:
            report.ambiguous.append(f"@{handle}")
        elif not visible:
            report.cannot_see.append(f"@{handle}")
            for user in users:
                if user.id not in already:
                    comment.mentions.append(CommentMention(user_id=user.id, notified=False))
                    already.add(user.id)
        else:
            user = visible[0]
            if user.id not in already:  # once, however many ways (name, e-mail) it is named
                already.add(user.id)
                comment.mentions.append(CommentMention(user_id=user.id, notified=True))
                notifications.notify(
                    user=user, kind=NotificationKind.MENTION, organisation=subject.organisation,
                    actor=actor, comment=comment, link=subject.comment_path(comment),
                    text=f"{actor.name} mentioned you in a comment on {subject.title}",
                    excerpt=plain_excerpt(comment.body))
                report.told.append(user.name)
            told.add(user.id)
    db.session.flush()
    return report, told
