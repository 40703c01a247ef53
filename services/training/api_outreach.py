"""Routes for outreach activities and honours (seed 2.3.2): each one event, its view the event's data."""
from __future__ import annotations

from services.training import handlers, outreach
from services.training.bootstrap import TrainingService
from services.training.schemas import (
    AwardHonour,
    CorrectOutreach,
    HonourOut,
    HonourPage,
    HonourQuery,
    OutreachOut,
    OutreachPage,
    OutreachQuery,
    RecordOutreach,
    WithdrawRecord,
)
from shared.http import COMMAND_HEADERS, ETAG_HEADER, Resource, ServiceBlueprint, dependencies, dispatch, require

blp = ServiceBlueprint("outreach", __name__, url_prefix="/api/v1",
                       description="Thông tin, tuyên truyền về NSCL; tôn vinh, khen thưởng (mục 2.3.2)")

OUTREACH = Resource(lambda history: outreach.single_fact(history, outreach.OUTREACH_RECORDED), OutreachOut().dump,
                    "Không có hoạt động truyền thông '{}'.", "outreach.get_outreach", "activity_id")
HONOUR = Resource(lambda history: outreach.single_fact(history, outreach.HONOUR_AWARDED), HonourOut().dump,
                  "Không có khen thưởng '{}'.", "outreach.get_honour", "honour_id")


@blp.post("/outreach")
@require("write")
@blp.arguments(RecordOutreach)
@blp.response(201, OutreachOut, headers=ETAG_HEADER)
@blp.doc(**COMMAND_HEADERS)
def record_outreach(body):
    """Ghi nhận hoạt động truyền thông (chuyên mục truyền hình, bài website, ấn phẩm, hội nghị)"""
    return OUTREACH.answer(dispatch(handlers.record_outreach, handlers.RecordOutreach(**body)), 201, created=True)


@blp.get("/outreach")
@require("read")
@blp.arguments(OutreachQuery, location="query")
@blp.response(200, OutreachPage)
def list_outreach(query):
    """Danh sách hoạt động truyền thông theo loại, đơn vị, năm"""
    return dependencies(TrainingService).queries.outreach(query)


@blp.get("/outreach/<activity_id>")
@require("read")
@blp.response(200, OutreachOut, headers=ETAG_HEADER)
def get_outreach(activity_id):
    return OUTREACH.get(dependencies(TrainingService).store, activity_id)


@blp.post("/outreach/<activity_id>/correction")
@require("write")
@blp.arguments(CorrectOutreach)
@blp.response(200, OutreachOut, headers=ETAG_HEADER)
@blp.doc(**COMMAND_HEADERS)
def correct_outreach(body, activity_id):
    """Đính chính hoạt động truyền thông ghi sai (các trường cần sửa và lý do); bản ghi gốc vẫn được giữ"""
    reason = body.pop("reason")
    return OUTREACH.answer(dispatch(handlers.correct_outreach, handlers.CorrectOutreach(activity_id, body, reason)))


@blp.post("/outreach/<activity_id>/withdrawal")
@require("write")
@blp.arguments(WithdrawRecord)
@blp.response(200, OutreachOut, headers=ETAG_HEADER)
@blp.doc(**COMMAND_HEADERS)
def withdraw_outreach(body, activity_id):
    """Rút hoạt động truyền thông ghi nhầm (có lý do): không còn được tính ở báo cáo nào"""
    return OUTREACH.answer(dispatch(handlers.withdraw_outreach, handlers.WithdrawRecord(activity_id, body["reason"])))


@blp.post("/honours")
@require("write")
@blp.arguments(AwardHonour)
@blp.response(201, HonourOut, headers=ETAG_HEADER)
@blp.doc(**COMMAND_HEADERS)
def award_honour(body):
    """Ghi nhận tôn vinh, khen thưởng tập thể, cá nhân"""
    return HONOUR.answer(dispatch(handlers.award_honour, handlers.AwardHonour(**body)), 201, created=True)


@blp.get("/honours")
@require("read")
@blp.arguments(HonourQuery, location="query")
@blp.response(200, HonourPage)
def list_honours(query):
    """Danh sách khen thưởng theo loại người nhận, đơn vị, năm, huyện"""
    return dependencies(TrainingService).queries.honours(query)


@blp.get("/honours/<honour_id>")
@require("read")
@blp.response(200, HonourOut, headers=ETAG_HEADER)
def get_honour(honour_id):
    return HONOUR.get(dependencies(TrainingService).store, honour_id)


@blp.post("/honours/<honour_id>/withdrawal")
@require("write")
@blp.arguments(WithdrawRecord)
@blp.response(200, HonourOut, headers=ETAG_HEADER)
@blp.doc(**COMMAND_HEADERS)
def withdraw_honour(body, honour_id):
    """Rút khen thưởng ghi nhầm (có lý do); ghi lại khen thưởng đúng bằng POST /honours"""
    return HONOUR.answer(dispatch(handlers.withdraw_honour, handlers.WithdrawRecord(honour_id, body["reason"])))
