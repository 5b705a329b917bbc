"""Factories: each integration test makes only the rows it needs (factory_boy).

Use them through the `factories` fixture (tests/integration/conftest.py), which binds them to the
test's session: inside the rolled-back transaction by default, committed with `committed_db`.

    lead = factories.member(role=Role.EDI_LEAD)           # a User in a new organisation
    action = factories.action(plan__cycle__organisation=lead.memberships[0].organisation)

Every user's password is PASSWORD. Names and addresses are unique per test run (sequences).
"""

from __future__ import annotations

from datetime import date, timedelta

import factory
from argon2 import PasswordHasher, profiles
from factory.alchemy import SQLAlchemyModelFactory
from sqlalchemy.orm import Session

from tracker.domain.counts import counts_from_rows
from tracker.domain.plans import DEFAULT_THEMES, ActionStatus
from tracker.domain.roles import Role
from tracker.models import (
    Action,
    ActionIndicatorLink,
    ActionPlan,
    AdvisoryGroup,
    AdvisoryGroupMember,
    AdvisoryGroupShare,
    Comment,
    IndicatorDataset,
    Membership,
    Organisation,
    PlanTheme,
    ProgressUpdate,
    ReportingCycle,
    User,
)
from tracker.models.organisation import OrganisationKind

PASSWORD = "factory-password-2026"
# Hashed once with the suite's (cheapest) argon2 cost: verifying it costs nothing either.
PASSWORD_HASH = PasswordHasher.from_parameters(profiles.CHEAPEST).hash(PASSWORD)

_session: Session | None = None


def bind(session: Session | None) -> None:
    """Make the factories add to `session` (the fixtures do this for each test)."""
    global _session
    _session = session


def current_session() -> Session:
    if _session is None:
        raise RuntimeError("factories are used through the `factories` fixture")
    return _session


class _Factory(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = current_session
        sqlalchemy_session_persistence = "flush"  # rows get ids; the test's transaction holds them


class OrganisationFactory(_Factory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Testshire {n} Council")
    slug = factory.Sequence(lambda n: f"testshire-{n}")
    kind = OrganisationKind.LOCAL_AUTHORITY
    ons_code = factory.Sequence(lambda n: f"E{6000000 + n:08d}")


class UserFactory(_Factory):
    class Meta:
        model = User

    name = factory.Sequence(lambda n: f"Person {n}")
    email = factory.Sequence(lambda n: f"person.{n}@example.org")
    password_hash = PASSWORD_HASH
    is_admin = False


class AdministratorFactory(UserFactory):
    name = factory.Sequence(lambda n: f"Administrator {n}")
    email = factory.Sequence(lambda n: f"admin.{n}@example.org")
    is_admin = True


class MembershipFactory(_Factory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = Role.VIEWER


class CycleFactory(_Factory):
    """A reporting year: 2024-25 unless `start_year` says otherwise."""

    class Meta:
        model = ReportingCycle

    class Params:
        start_year = 2024

    organisation = factory.SubFactory(OrganisationFactory)
    label = factory.LazyAttribute(lambda o: f"{o.start_year}-{(o.start_year + 1) % 100:02d}")
    period_start = factory.LazyAttribute(lambda o: date(o.start_year, 4, 1))
    period_end = factory.LazyAttribute(lambda o: date(o.start_year + 1, 3, 31))
    snapshot_date = factory.LazyAttribute(lambda o: o.period_end)


class PlanFactory(_Factory):
    """A cycle's plan with Skills for Care's seven default themes (as the app starts one)."""

    class Meta:
        model = ActionPlan

    cycle = factory.SubFactory(CycleFactory)
    themes = factory.LazyFunction(
        lambda: [PlanTheme(name=name, position=i) for i, name in enumerate(DEFAULT_THEMES)])


class ActionFactory(_Factory):
    """An open action due in 90 days, in the plan's first theme, owned by a member."""

    class Meta:
        model = Action
        exclude = ("plan",)  # Action has plan_id but no `plan` relationship

    plan = factory.SubFactory(PlanFactory)
    plan_id = factory.LazyAttribute(lambda o: o.plan.id)
    theme = factory.LazyAttribute(lambda o: o.plan.themes[0])
    title = factory.Sequence(lambda n: f"Action {n}")
    owner = None
    status = ActionStatus.ON_TRACK
    start_date = None
    due_date = factory.LazyFunction(lambda: date.today() + timedelta(days=90))
    last_activity_on = factory.LazyFunction(date.today)
    measure_baseline = None
    measure_target = None


class LinkFactory(_Factory):
    class Meta:
        model = ActionIndicatorLink

    action = factory.SubFactory(ActionFactory)
    indicator = "SCW2"
    service_area = "all"
    baseline_rl = 0.5
    baseline_rating = "adverse"
    baseline_status = "ok"
    data_as_at = factory.LazyAttribute(
        lambda o: current_session().get(ActionPlan, o.action.plan_id).cycle.snapshot_date)


class ProgressFactory(_Factory):
    class Meta:
        model = ProgressUpdate

    action = factory.SubFactory(ActionFactory)
    author = factory.LazyAttribute(lambda o: o.action.owner)
    occurred_on = factory.LazyFunction(date.today)
    note = factory.Sequence(lambda n: f"Progress note {n}")
    new_status = None
    measure_value = None
    evidence_links = factory.LazyFunction(list)


class GroupFactory(_Factory):
    class Meta:
        model = AdvisoryGroup

    name = factory.Sequence(lambda n: f"Advisory Group {n}")
    short_name = factory.Sequence(lambda n: f"AG{n}")


class GroupMemberFactory(_Factory):
    class Meta:
        model = AdvisoryGroupMember

    group = factory.SubFactory(GroupFactory)
    user = factory.SubFactory(UserFactory)


class ShareFactory(_Factory):
    class Meta:
        model = AdvisoryGroupShare

    group = factory.SubFactory(GroupFactory)
    organisation = factory.SubFactory(OrganisationFactory)


class CommentFactory(_Factory):
    """A shared comment on an action, by a member of its organisation."""

    class Meta:
        model = Comment

    class Params:
        action = factory.SubFactory(ActionFactory)

    # Comment holds the ids (it has no organisation or cycle relationships).
    organisation_id = factory.LazyAttribute(
        lambda o: current_session().get(ActionPlan, o.action.plan_id).cycle.organisation_id)
    cycle_id = factory.LazyAttribute(
        lambda o: current_session().get(ActionPlan, o.action.plan_id).cycle_id)
    subject_type = "action"
    subject_key = factory.LazyAttribute(lambda o: str(o.action.id))
    author = factory.SubFactory(UserFactory)
    visibility = "shared"
    body = factory.Sequence(lambda n: f"Comment {n}")


def demo_counts_rows() -> list[dict]:
    """Northshire's 2024-25 counts from the demo (realistic figures for every indicator)."""
    from tracker.demo import figures as demo_figures

    return demo_figures.template_rows()


class DatasetFactory(_Factory):
    """A cycle's saved indicator data (counts and results), from the demo's figures by default."""

    class Meta:
        model = IndicatorDataset

    class Params:
        rows = factory.LazyFunction(demo_counts_rows)

    cycle = factory.SubFactory(CycleFactory)
    source = "counts-template"
    counts = factory.LazyAttribute(lambda o: {
        area: c.to_dict() for area, c in counts_from_rows(o.rows, source="test counts").items()})
    results = factory.LazyAttribute(lambda o: _results(o.counts))
    provenance = factory.LazyAttribute(
        lambda o: {"files": [{"kind": "counts", "filename": "test counts", "rows": len(o.rows)}],
                   "declaration_rate": {}})


def _results(counts: dict) -> dict:
    from tracker.services.indicators import results_from_counts

    return results_from_counts(counts)


class Factories:
    """What the `factories` fixture gives a test: a factory per model, and a few shortcuts."""

    organisation = OrganisationFactory
    user = UserFactory
    administrator = AdministratorFactory
    membership = MembershipFactory
    cycle = CycleFactory
    plan = PlanFactory
    action = ActionFactory
    link = LinkFactory
    progress = ProgressFactory
    group = GroupFactory
    group_member = GroupMemberFactory
    share = ShareFactory
    comment = CommentFactory
    dataset = DatasetFactory

    def member(self, *, role: Role = Role.VIEWER, organisation: Organisation | None = None,
               **user_fields) -> User:
        """A user with one role in `organisation` (a new one if not given)."""
        user = UserFactory(**user_fields)
        MembershipFactory(user=user, organisation=organisation or OrganisationFactory(),
                          role=role)
        return user

    def advisor(self, *, follows: Organisation, **user_fields) -> User:
        """A member of a new advisory group that `follows` shares with."""
        group = GroupFactory()
        ShareFactory(group=group, organisation=follows)
        return GroupMemberFactory(group=group, user=UserFactory(**user_fields)).user


__all__ = ["PASSWORD", "Factories", "bind"]
