"""Misunderstood messages, the NLU corrections made from them, and their YAML export."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from bot.review import page_params
from bot.review.labels import FLAG_LABELS
from bot.web.errors import web_text
from bot.web.staff.auth import PREFIX, Staff, flash, redirect, render

EXPORT_NAME = "corrections-nlu.yml"


def corrections_page(request: Request, staff: Staff) -> Response:
    review = request.app.state.review
    page_number, per_page = page_params(request.query_params)
    context = {
        "flagged": review.flagged_messages(page_number, per_page),
        "corrections": review.corrections().items,
        "export": review.export_nlu(),
        "intents": review.intents(),
        "flag_labels": FLAG_LABELS,
    }
    return render(request, staff, "corrections.html", context, active="corrections")


def delete_correction(request: Request, staff: Staff) -> Response:
    try:
        correction_id = int(staff.text("correction_id"))
    except ValueError:
        correction_id = 0
    if correction_id > 0 and request.app.state.review.delete_correction(correction_id):
        flash(request, web_text("staff_correction_deleted"))
    else:
        flash(request, web_text("staff_correction_unknown"), "erreur")
    return redirect(f"{PREFIX}/corrections")


def export_nlu(request: Request, staff: Staff) -> Response:
    """Every correction as a Rasa NLU file, to add under data/nlu/ before training."""
    review = request.app.state.review
    export = review.export_nlu()
    review.audit(staff.email, "export_nlu", None, {"exemples": len(export.included)})
    return Response(
        export.yaml,
        media_type="application/yaml; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{EXPORT_NAME}"'},
    )
