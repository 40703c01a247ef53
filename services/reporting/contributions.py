"""What each stream contributes to the indicators: pure rules, no I/O.

A stream's facts (all its events that reporting holds, in version order) are folded into *contribution
rows*. A row says what is counted (the distinct unit, e.g. an enterprise), the business date that places it
in a period, the unit (district, department) it belongs to, the event that made it known, and the events
that later void it (a cancellation; a removal dated on some day). Rows are derived from the whole stream each
time, so the order or repetition of deliveries never changes them, and nothing is ever edited away: what the
system knew at any moment stays answerable.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from services.reporting.indicators import PROVINCE_TZ
from services.reporting.tallies import shard_of
from shared.contracts import registry as reg
from shared.contracts import support as sup
from shared.contracts import training as trn

Fact = dict[str, Any]
MANAGEMENT_SUPPORT = frozenset({"management_system", "improvement_tool", "technology_transfer"})


@dataclass
class Row:
    indicator: str
    stream_id: str
    service: str
    key: str  # the unit counted distinctly: course, expert, enterprise, field or case id
    label: str
    date: str  # YYYY-MM-DD, the business date that places it in a period (province time)
    unit_code: str | None
    known: dict[str, Any]  # event_id, position, recorded_at of the event that made it count
    sub: str = ""
    revoked: list[dict[str, Any]] = field(default_factory=list)  # + "effective": a date, or None for always
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return f"{self.indicator}:{self.stream_id}:{self.sub or self.key}"

    def document(self) -> dict[str, Any]:
        return {"_id": self.id, "indicator": self.indicator, "stream_id": self.stream_id, "service": self.service,
                "key": self.key, "label": self.label, "date": self.date, "unit_code": self.unit_code,
                "known": self.known, "revoked": self.revoked, "extra": self.extra, "shard": shard_of(self.key)}


def stamp(fact: Fact) -> dict[str, Any]:
    return {"event_id": fact["_id"], "position": fact["position"], "recorded_at": fact["recorded_at"]}


def local_date(instant: str) -> str:
    return datetime.fromisoformat(instant.replace("Z", "+00:00")).astimezone(PROVINCE_TZ).date().isoformat()


def later(*stamps: dict[str, Any]) -> dict[str, Any]:
    return max(stamps, key=lambda known: known["position"])


def contributions(facts: list[Fact]) -> list[Row]:
    """Every contribution row of one stream, from all of its facts reporting holds."""
    if not facts:
        return []
    facts = sorted(facts, key=lambda fact: fact["version"])
    if facts[0]["version"] != 1:
        return []  # the stream's beginning has not arrived yet: derived again when it does
    rule = RULES.get(facts[0]["event_type"])
    return rule(facts) if rule else []


# ---- training: courses (I1, I3) and experts (I2) ------------------------------------------------------------
def _course(facts: list[Fact]) -> list[Row]:
    scheduled = facts[0]
    course_id, title = scheduled["stream_id"], scheduled["data"]["title"]
    held = next((fact for fact in facts if fact["event_type"] == trn.COURSE_HELD), None)
    cancelled = [stamp(fact) | {"effective": None} for fact in facts if fact["event_type"] == trn.COURSE_CANCELLED]
    if held is None:
        return []
    held_on = held["data"]["start_date"]
    rows = []
    if held["data"]["kind"] == trn.TRAINING_CLASS:
        rows.append(Row("I1", course_id, "training", course_id, title, held_on, held["data"]["organiser"],
                        stamp(held), revoked=list(cancelled)))
    names = {fact["data"]["participant_id"]: fact["data"].get("enterprise_name")
             for fact in facts if fact["event_type"] == trn.PARTICIPANT_ENROLLED}
    episodes: dict[str, int] = {}
    open_rows: dict[str, Row] = {}
    for fact in facts:
        if fact["event_type"] == trn.PARTICIPANT_WITHDRAWN and fact["data"]["participant_id"] in open_rows:
            open_rows.pop(fact["data"]["participant_id"]).revoked.append(stamp(fact) | {"effective": None})
            continue
        if fact["event_type"] != trn.ATTENDANCE_RECORDED or fact["version"] < held["version"]:
            continue
        data = fact["data"]
        participant, enterprise = data["participant_id"], data.get("enterprise_id")
        if not enterprise:
            continue
        if data["attended"] and participant not in open_rows:
            episodes[participant] = episodes.get(participant, 0) + 1
            row = Row("I3", course_id, "training", enterprise, names.get(participant) or enterprise, held_on,
                      data.get("district_code"), later(stamp(held), stamp(fact)),
                      sub=f"{participant}:{episodes[participant]}", revoked=list(cancelled),
                      extra={"source": "course", "course": title})
            open_rows[participant] = row
            rows.append(row)
        elif not data["attended"] and participant in open_rows:
            open_rows.pop(participant).revoked.append(stamp(fact) | {"effective": None})
    return rows


def _expert(facts: list[Fact]) -> list[Row]:
    nominated = facts[0]
    return [Row("I2", fact["stream_id"], "training", fact["stream_id"], nominated["data"]["full_name"],
                fact["data"]["trained_on"], fact["data"].get("department") or nominated["data"]["department"],
                stamp(fact)) for fact in facts if fact["event_type"] == trn.EXPERT_TRAINED][:1]


# ---- registry: enterprises' surveys (I3) and conformity fields (I5) ----------------------------------------
def _enterprise(facts: list[Fact]) -> list[Row]:
    enterprise_id = facts[0]["stream_id"]
    name, district = facts[0]["data"]["name"], facts[0]["data"]["district_code"]
    moves = sorted((fact["data"]["moved_on"], fact["version"], fact["data"]["district_code"]) for fact in facts
                   if fact["event_type"] == reg.ENTERPRISE_MOVED)

    def placed_on(day: str) -> str:
        """Its unit on a day: the last move by then, else where it was registered (or corrected to)."""
        return next((code for moved_on, _, code in reversed(moves) if moved_on <= day), district)
    surveys: dict[str, Row] = {}
    for fact in facts:
        data = fact["data"]
        if fact["event_type"] == reg.ENTERPRISE_PROFILE_UPDATED:
            name, district = data.get("name", name), data.get("district_code", district)
        elif fact["event_type"] == reg.SURVEY_RECORDED:
            surveys[data["survey_id"]] = Row("I3", enterprise_id, "registry", enterprise_id, name, data["surveyed_on"],
                                             placed_on(data["surveyed_on"]), stamp(fact),
                                             sub=f"survey:{data['survey_id']}",
                                             extra={"source": "survey", "kind": data.get("kind")})
        elif fact["event_type"] == reg.SURVEY_WITHDRAWN and data["survey_id"] in surveys:
            surveys[data["survey_id"]].revoked.append(stamp(fact) | {"effective": None})  # recorded by mistake
    return list(surveys.values())


def _conformity_body(facts: list[Fact]) -> list[Row]:
    body = facts[0]
    rows: dict[str, Row] = {}  # the field's row in force
    corrected: list[Row] = []  # rows a correction replaced: they count for cuts before it
    for fact in facts:
        data = fact["data"]
        if fact["event_type"] == reg.CAPABILITY_FIELD_ADDED:
            rows[data["field_id"]] = Row("I5", body["stream_id"], "registry", data["field_id"],
                                         f"{data['name']} — {body['data']['name']}", data["added_on"],
                                         body["data"]["district_code"], stamp(fact),
                                         extra={"kind": data["kind"], "name": data["name"]})
        elif fact["event_type"] == reg.CAPABILITY_FIELD_REMOVED and data["field_id"] in rows:
            rows[data["field_id"]].revoked.append(stamp(fact) | {"effective": data["removed_on"]})
        elif fact["event_type"] == reg.CAPABILITY_FIELD_ANNULLED and data["field_id"] in rows:
            rows[data["field_id"]].revoked.append(stamp(fact) | {"effective": None})  # recorded by mistake
        elif fact["event_type"] == reg.CAPABILITY_FIELD_CORRECTED and data["field_id"] in rows:
            # From the correction on, the field counts as corrected (a row of its own, so a cut before the
            # correction still gives the field as it was first recorded).
            was = rows[data["field_id"]]
            was.revoked.append(stamp(fact) | {"effective": None})
            fixed = {"name": was.extra["name"], "kind": was.extra["kind"], "added_on": was.date, **data["changes"]}
            corrected.append(was)
            rows[data["field_id"]] = Row("I5", body["stream_id"], "registry", data["field_id"],
                                         f"{fixed['name']} — {body['data']['name']}", fixed["added_on"],
                                         body["data"]["district_code"], stamp(fact),
                                         sub=f"{data['field_id']}:v{fact['version']}",
                                         revoked=[void for void in was.revoked if void["effective"] is not None],
                                         extra={"kind": fixed["kind"], "name": fixed["name"]})
    return [*corrected, *rows.values()]


# ---- support: cases (I4, I6, I7, I8) --------------------------------------------------------------------------
def _case(facts: list[Fact]) -> list[Row]:
    proposal = facts[0]["data"]
    case_id, support_type = facts[0]["stream_id"], proposal["support_type"]
    enterprise, label = proposal["enterprise_id"], proposal.get("enterprise_name") or proposal["enterprise_id"]
    district = proposal.get("district_code")
    cancelled = [stamp(fact) | {"effective": None} for fact in facts if fact["event_type"] == sup.CASE_CANCELLED]
    rows = []
    for fact in facts:
        data = fact["data"]
        if fact["event_type"] == sup.CASE_COMPLETED:
            done_on = data["completed_on"]
            if support_type in MANAGEMENT_SUPPORT:
                rows.append(Row("I4", case_id, "support", enterprise, label, done_on, district, stamp(fact),
                                revoked=list(cancelled), extra={"support_type": support_type, "case": case_id}))
            if support_type == "quality_award":
                award = (data.get("outcome") or {}).get("award")
                rows.append(Row("I6", case_id, "support", enterprise, label, done_on, district, stamp(fact),
                                revoked=list(cancelled), extra={"award": award, "case": case_id}))
                if award == sup.AWARD_GOLD:
                    rows.append(Row("I7", case_id, "support", enterprise, label, done_on, district, stamp(fact),
                                    revoked=list(cancelled), extra={"award": award, "case": case_id}))
        elif fact["event_type"] == sup.CASE_APPROVED and support_type == "st_task":
            rows.append(Row("I8", case_id, "support", case_id, proposal.get("title") or label, data["approved_on"],
                            district, stamp(fact), revoked=list(cancelled), extra={"enterprise": label}))
    return rows


RULES = {
    trn.COURSE_SCHEDULED: _course, trn.EXPERT_NOMINATED: _expert, reg.ENTERPRISE_REGISTERED: _enterprise,
    reg.CONFORMITY_BODY_REGISTERED: _conformity_body, sup.CASE_PROPOSED: _case,
}
