"""What the API returns, as marshmallow schemas (the OpenAPI document is generated from them)."""

from __future__ import annotations

from marshmallow import Schema, fields


class CycleSchema(Schema):
    label = fields.String(required=True, metadata={"example": "2024-25"})
    period_start = fields.Date(required=True)
    period_end = fields.Date(required=True)
    snapshot_date = fields.Date(required=True)
    data_loaded_at = fields.DateTime(allow_none=True)


class ResultSchema(Schema):
    service_area = fields.String(required=True, metadata={"enum": ["all", "adults", "children"]})
    indicator = fields.String(required=True, metadata={"example": "SCW3"})
    status = fields.String(required=True)
    rl = fields.Float(allow_none=True, metadata={"description": "GM rate / white rate"})
    ci_low = fields.Float(allow_none=True)
    ci_high = fields.Float(allow_none=True)
    rating = fields.String(allow_none=True)
    low_confidence = fields.Boolean(required=True)
    gm_numerator = fields.Integer(allow_none=True)
    gm_denominator = fields.Integer(allow_none=True)
    white_numerator = fields.Integer(allow_none=True)
    white_denominator = fields.Integer(allow_none=True)


class ProgressSchema(Schema):
    occurred_on = fields.Date(required=True)
    note = fields.String(required=True)
    new_status = fields.String(allow_none=True)
    measure_value = fields.Float(allow_none=True)


class ActionSchema(Schema):
    id = fields.Integer(required=True)
    theme = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.String(required=True)
    owner = fields.String(allow_none=True)
    start_date = fields.Date(allow_none=True)
    due_date = fields.Date(allow_none=True)
    success_measure = fields.String(required=True)
    measure_unit = fields.String(required=True)
    measure_baseline = fields.Float(allow_none=True)
    measure_target = fields.Float(allow_none=True)
    measure_current = fields.Float(allow_none=True)
    progress = fields.List(fields.Nested(ProgressSchema), required=True)


class NationalSchema(Schema):
    service_area = fields.String(required=True)
    indicator = fields.String(required=True)
    rl = fields.Float(allow_none=True, metadata={"description": "pooled RL of summed counts"})
    ci_low = fields.Float(allow_none=True)
    ci_high = fields.Float(allow_none=True)
    median = fields.Float(allow_none=True)
    q1 = fields.Float(allow_none=True)
    q3 = fields.Float(allow_none=True)
    within_range_share = fields.Float(allow_none=True)
    councils = fields.Integer(required=True)
    withheld = fields.Dict(keys=fields.String(), values=fields.String(), required=True)
