"""The migrations build exactly the models' schema, CHECK constraints and allowed values included."""

from __future__ import annotations

import enum
import re

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import CheckConstraint, Column, Integer, MetaData, Table, inspect

from tracker.domain.plans import ActionStatus
from tracker.extensions import db
from tracker.jobs import is_queue_table
from tracker.models.base import NAMING_CONVENTION
from tracker.models.organisation import _enum

_LITERAL = re.compile(r"'((?:[^']|'')*)'")
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_CAST = re.compile(r"::\w+(?: varying| precision| with(?:out)? time zone)?(?:\[\])?")  # PostgreSQL's


def _signature(sql: str, columns: set[str]) -> tuple[frozenset[str], frozenset[str]]:
    """What a CHECK says, whichever way the database writes it: its values and its columns.

    PostgreSQL turns `status IN ('a', 'b')` into `(status)::text = ANY (ARRAY['a'::character
    varying, ...])`; both give the values {a, b} and the column {status}.
    """
    values = frozenset(value.replace("''", "'") for value in _LITERAL.findall(sql))
    bare = _CAST.sub("", _LITERAL.sub("", sql))
    words = frozenset(word for word in _WORD.findall(bare) if word in columns)
    return values, words


def check_constraint_differences(connection, metadata: MetaData) -> list[str]:
    """List how the database's CHECK constraints differ from those the models declare.

    Alembic's autogenerate comparison does not look at CHECK constraints at all, so an enum
    that gains a value in the model while the database keeps the old list would pass it.
    """
    inspector = inspect(connection)
    differences = []
    for table in metadata.sorted_tables:
        columns = {column.name for column in table.columns}
        declared = {
            str(constraint.name): _signature(
                str(constraint.sqltext.compile(dialect=connection.dialect,
                                               compile_kwargs={"literal_binds": True})),
                columns)
            for constraint in table.constraints if isinstance(constraint, CheckConstraint)
        }
        found = {check["name"]: _signature(check["sqltext"], columns)
                 for check in inspector.get_check_constraints(table.name)}
        for name in sorted(declared.keys() - found.keys()):
            differences.append(f"{table.name}: {name} is in the models but not the database")
        for name in sorted(found.keys() - declared.keys()):
            differences.append(f"{table.name}: {name} is in the database but not the models")
        for name in sorted(declared.keys() & found.keys()):
            (model_values, model_columns), (db_values, db_columns) = declared[name], found[name]
            if model_values != db_values or model_columns != db_columns:
                differences.append(
                    f"{table.name}: {name} allows {sorted(db_values)} on {sorted(db_columns)}"
                    f" in the database, {sorted(model_values)} on {sorted(model_columns)}"
                    " in the models")
    return differences


def _models_only(name, type_, parent_names) -> bool:
    return not (type_ == "table" and is_queue_table(name))


def test_migrations_build_exactly_the_models_schema(db_session):
    connection = db_session.connection()
    context = MigrationContext.configure(connection, opts={"include_name": _models_only})
    assert compare_metadata(context, db.metadata) == []
    assert check_constraint_differences(connection, db.metadata) == []


def test_every_enum_column_is_checked_by_the_database(db_session):
    """The comparison must have something to compare: each stored enum has its CHECK."""
    inspector = inspect(db_session.connection())
    names = {check["name"] for check in inspector.get_check_constraints("actions")}
    assert "ck_actions_action_status" in names


def _actions_table_with_status(members: type[enum.Enum]) -> MetaData:
    """The `actions` table as a model would declare it with this status enum."""
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    Table("actions", metadata, Column("id", Integer, primary_key=True),
          Column("status", _enum(members, "action_status")))
    return metadata


def test_the_comparison_sees_a_status_added_in_the_model_only(db_session):
    unchanged = enum.StrEnum("ActionStatus", {m.name: m.value for m in ActionStatus})
    assert check_constraint_differences(db_session.connection(),
                                        _actions_table_with_status(unchanged)) == []

    grown = enum.StrEnum("ActionStatus", {**{m.name: m.value for m in ActionStatus},
                                          "PAUSED": "paused"})
    differences = check_constraint_differences(db_session.connection(),
                                               _actions_table_with_status(grown))
    assert len(differences) == 1
    assert differences[0].startswith("actions: ck_actions_action_status allows")
    assert "'paused'" in differences[0].split(" in the database, ")[1]


def test_the_comparison_sees_a_check_missing_from_either_side(db_session):
    def cycles(*checks: CheckConstraint) -> MetaData:
        metadata = MetaData(naming_convention=NAMING_CONVENTION)
        Table("reporting_cycles", metadata, Column("id", Integer, primary_key=True),
              Column("period_start", Integer), Column("period_end", Integer), *checks)
        return metadata

    connection = db_session.connection()
    order = CheckConstraint("period_end > period_start", name="period_order")
    assert check_constraint_differences(connection, cycles(order)) == []
    assert check_constraint_differences(connection, cycles(
        CheckConstraint("period_end > period_start", name="period_order"),
        CheckConstraint("period_end > 0", name="period_positive"))) == [
        "reporting_cycles: ck_reporting_cycles_period_positive is in the models but not the"
        " database"]
    assert check_constraint_differences(connection, cycles()) == [
        "reporting_cycles: ck_reporting_cycles_period_order is in the database but not the models"]
