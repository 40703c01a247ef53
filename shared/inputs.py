"""What every service accepts from a client, in one place: the base of every input schema (bounded strict
integers, printable text, dates and instants in a plausible range, unknown fields refused), anchored ASCII code
patterns that other tools read the same way (ECMA-262), and a JSON body loader that refuses what would break
later (nesting too deep, lone surrogates). Pure: no Flask here; the HTTP frame turns ``JsonRejected`` into 400.
"""
from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate

from shared.reference import province_today

MAX_INT = 2**63 - 1  # what MongoDB stores in an integer (signed 64 bits)
MIN_INT = -(2**63)
MAX_JSON_DEPTH = 64
EARLIEST_DAY = date(2000, 1, 1)  # before the units' history and any programme this system records
LATEST_DAY = date(2100, 12, 31)  # a planned date (course, certificate validity) is never later
DONE_MARGIN = timedelta(days=1)  # a date of something done may be "today" in any time zone, not later

# C0/C1 controls, lone surrogates, private use, non-characters, bidirectional overrides: never in stored text.
_UNPRINTABLE = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ue000-\uf8ff\ufdd0-\ufdef\ufffe\uffff" \
               "\u202a-\u202e\u2066-\u2069\U000f0000-\U0010ffff"
_BAD_IN_LINE = re.compile(f"[{_UNPRINTABLE}\t\n\r]")
_BAD_IN_TEXT = re.compile(f"[{_UNPRINTABLE}]")  # multi-line text keeps tab, line feed, carriage return
_SURROGATE = re.compile("[\ud800-\udfff]")

_VIETNAMESE_ERRORS: dict[type[fields.Field], dict[str, str]] = {
    fields.Integer: {"invalid": "phải là số nguyên"},
    fields.String: {"invalid": "phải là chuỗi ký tự"},
    fields.Boolean: {"invalid": "phải là true hoặc false"},
    fields.Date: {"invalid": "phải là ngày dạng YYYY-MM-DD", "format": "phải là ngày dạng YYYY-MM-DD"},
    fields.DateTime: {"invalid": "phải là thời điểm ISO 8601", "format": "phải là thời điểm ISO 8601",
                      "invalid_awareness": "phải là thời điểm ISO 8601"},
    fields.List: {"invalid": "phải là một danh sách"},
    fields.Dict: {"invalid": "phải là một đối tượng JSON"},
    fields.Nested: {"type": "phải là một đối tượng JSON"},
}


class Printable(validate.Validator):
    """Text a person can read: no control (except tab and line breaks in ``multiline`` text), private-use or
    non-character code points, lone surrogates or bidirectional overrides."""

    def __init__(self, multiline: bool = False) -> None:
        self.pattern = _BAD_IN_TEXT if multiline else _BAD_IN_LINE

    def __call__(self, value: str) -> str:
        found = self.pattern.search(value)
        if found:
            raise ValidationError(f"chứa ký tự không được phép (U+{ord(found.group()):04X}): ký tự điều khiển, "
                                  "ký tự dùng riêng hoặc ký tự không in được")
        return value


class Code(validate.Regexp):
    """An identifier or code: the whole value matches ``pattern``, read as ASCII (``\\d`` is 0-9 only). The
    documented pattern is ``^(?:pattern)$``, which ECMA-262 reads the same way."""

    def __init__(self, pattern: str, error: str) -> None:
        super().__init__(f"^(?:{pattern})$", flags=re.ASCII, error=error)
        self.whole = re.compile(pattern, re.ASCII)

    def __call__(self, value: str) -> str:  # type: ignore[override]
        if self.whole.fullmatch(value) is None:
            raise ValidationError(self._format_error(value))
        return value


class NotBlank(validate.Validator):
    """Something other than white space (the documents say ``minLength: 1``; this refuses "   " too)."""

    def __call__(self, value: str) -> str:
        if not value.strip():
            raise ValidationError("không được để trống")
        return value


class Int(fields.Integer):
    """An integer as JSON writes it (``1.5``, ``1.0``, ``true`` and ``"1"`` in a body are refused), within what
    MongoDB stores unless a stricter range is given. Query strings are text: there ``"12"`` is 12."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(strict=False, **kwargs)
        self.validators.append(validate.Range(min=MIN_INT, max=MAX_INT, error="vượt quá giới hạn số nguyên "
                                                                              f"({MIN_INT} đến {MAX_INT})"))

    def _validated(self, value: Any) -> int:
        if isinstance(value, bool | float) or (isinstance(value, str) and not self._from_text()):
            raise self.make_error("invalid")
        if isinstance(value, str) and not re.fullmatch(r"[+-]?[0-9]{1,20}", value, re.ASCII):
            raise self.make_error("invalid")
        return super()._validated(value)

    def _from_text(self) -> bool:
        schema = self.root if self.parent is not None else None
        return bool(schema is not None and getattr(schema, "from_text", False))


class DoneOn(fields.Date):
    """The date of something done (registered, approved, held): from 2000-01-01 to today in the province
    (plus a day, for clients in other time zones)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> date:
        day = super()._deserialize(value, attr, data, **kwargs)
        if day > province_today() + DONE_MARGIN:
            raise ValidationError("không được sau ngày hôm nay")
        return day


class Instant(fields.AwareDateTime):
    """An ISO 8601 time with its zone (UTC if none), from 2000 to 2100 once in UTC."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(default_timezone=UTC, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> datetime:
        moment = super()._deserialize(value, attr, data, **kwargs)
        try:
            utc = moment.astimezone(UTC)
        except (OverflowError, ValueError):
            raise ValidationError("thời điểm nằm ngoài khoảng biểu diễn được") from None
        if not EARLIEST_DAY <= utc.date() <= LATEST_DAY:
            raise ValidationError(f"phải từ {EARLIEST_DAY.isoformat()} đến {LATEST_DAY.isoformat()}")
        return moment


class Input(Schema):
    """The base of every schema that loads what a client sends. On every field it binds: integers must be
    ``Int`` (bounded, strict in a body) and instants ``Instant``; text is ``Printable``
    (``metadata={"multiline": True}`` keeps line breaks); dates are within 2000–2100; messages are Vietnamese.
    Unknown fields are refused, in the query string too (the HTTP frame's parser refuses them everywhere)."""

    from_text = False  # a query-string schema: integers come as text
    error_messages = {"unknown": "trường không được hỗ trợ", "type": "phải là một đối tượng JSON"}

    class Meta:
        unknown = RAISE

    def on_bind_field(self, field_name: str, field_obj: fields.Field) -> None:
        for kind, messages in _VIETNAMESE_ERRORS.items():
            if isinstance(field_obj, kind):
                field_obj.error_messages.update(messages)
        field_obj.error_messages.update(required="bắt buộc", null="không được là null")
        if isinstance(field_obj, fields.Integer) and not isinstance(field_obj, Int):
            raise TypeError(f"{type(self).__name__}.{field_name}: use shared.inputs.Int for client input")
        if isinstance(field_obj, fields.String) and not isinstance(field_obj, fields.Email):
            field_obj.validators.append(Printable(multiline=bool(field_obj.metadata.get("multiline"))))
        if isinstance(field_obj, fields.Date):
            field_obj.validators.append(validate.Range(min=EARLIEST_DAY, max=LATEST_DAY,
                                                       error="phải từ {min} đến {max}"))
        if isinstance(field_obj, fields.DateTime) and not isinstance(field_obj, Instant):
            raise TypeError(f"{type(self).__name__}.{field_name}: use shared.inputs.Instant for client input")
        for inner in _inner_fields(field_obj):
            self.on_bind_field(f"{field_name}[]", inner)


def _inner_fields(field_obj: fields.Field) -> list[fields.Field]:
    if isinstance(field_obj, fields.List):
        return [field_obj.inner]
    if isinstance(field_obj, fields.Dict):
        return [inner for inner in (field_obj.key_field, field_obj.value_field) if inner is not None]
    return []


class QueryInput(Input):
    """The base of a query-string schema: the same rules, with integers given as text."""

    from_text = True


# ---- the JSON body ---------------------------------------------------------------------------------------------
class JsonRejected(ValueError):
    """A body that parses as JSON but is refused; ``field`` names where (dotted path, "_schema" for the whole)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field, self.message = field, message


def load_json(raw: bytes | str) -> Any:
    """Parses a JSON body, refusing nesting deeper than MAX_JSON_DEPTH and lone surrogates (``"\\ud800"``),
    which no UTF-8 text, hash or database can hold. Raises ``json.JSONDecodeError`` for what is not JSON."""
    text = raw.decode("utf-8") if isinstance(raw, bytes) else raw  # UnicodeDecodeError: not UTF-8
    try:
        document = json.loads(text)
    except RecursionError:
        raise JsonRejected("_schema", f"JSON lồng nhau quá sâu (tối đa {MAX_JSON_DEPTH} cấp)") from None
    _check_tree(document)
    return document


def _check_tree(document: Any) -> None:
    pending: list[tuple[Any, str, int]] = [(document, "", 1)]
    while pending:
        value, path, depth = pending.pop()
        if isinstance(value, str):
            if _SURROGATE.search(value):
                raise JsonRejected(path or "_schema", "chứa ký tự thay thế (surrogate) đơn lẻ, không phải văn bản "
                                                      "Unicode hợp lệ")
            continue
        if not isinstance(value, dict | list):
            continue
        if depth > MAX_JSON_DEPTH:
            raise JsonRejected("_schema", f"JSON lồng nhau quá sâu (tối đa {MAX_JSON_DEPTH} cấp)")
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for key, item in items:
            name = str(key)
            if _SURROGATE.search(name):
                raise JsonRejected(_join(path, name.encode("utf-8", "backslashreplace").decode("ascii")),
                                   "tên trường chứa ký tự thay thế (surrogate) đơn lẻ")
            pending.append((item, _join(path, name), depth + 1))


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


# A unit's code (shared.units): the plan's districts and departments, the communes and wards of 2025, a list loaded
# later. Whether a code names a unit in force is decided against the units, not here.
UNIT_CODE = Code(r"[A-Za-z0-9-]{1,30}", error="mã đơn vị gồm 1–30 ký tự A–Z, a–z, 0–9 hoặc '-'")
