"""The ranking board: read by everyone, reordered by sales leaders."""

from __future__ import annotations

import csv
from dataclasses import replace

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import pluralize
from django.utils.text import slugify
from django.views.decorators.http import require_POST, require_safe
from django_htmx.http import reswap, retarget, trigger_client_event

from accounts.decorators import allowed_to
from accounts.http import AuthenticatedHttpRequest
from accounts.permissions import Action, can
from budgets.models import Quarter
from budgets.selectors import quarter_current, quarter_list
from commitments.board import BoardChange, board_change_for, board_for, board_rows_matching
from config.forms import errors_text
from feature_requests.forms.ranking import MoveForm
from feature_requests.ranking import Move, RankingChanged, RankingError, ranking_move
from feature_requests.views.filtering import filter_context, filter_form, filtered_response

BOARD_TEMPLATE = "commitments/board.html"


@allowed_to(Action.VIEW_REQUESTS)
def board_current(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The current quarter's board, or the next one's between quarters."""
    quarter = quarter_current() or quarter_list().first()
    if quarter is None:
        messages.info(request, "There is no quarter yet, so there is no ranking to show.")
        return redirect("budgets:quarter_list")
    return redirect("commitments:board", label=quarter.label)


def _board_context(
    request: AuthenticatedHttpRequest, quarter: Quarter, **extra: object
) -> dict[str, object]:
    return {
        "board": board_for(quarter=quarter),
        "quarter": quarter,
        "may_rank": can(request.user, Action.RANK),
        **extra,
    }


@allowed_to(Action.VIEW_REQUESTS)
@require_safe
def board(request: AuthenticatedHttpRequest, label: str) -> HttpResponse:
    """The quarter's board; filtered, it shows the matching rows in their places on the
    whole ranking, and moves are off (where a row goes among hidden ones is ambiguous)."""
    quarter = get_object_or_404(Quarter, label=label)
    form = filter_form(request, "board")
    board = board_for(quarter=quarter)
    may_rank = can(request.user, Action.RANK)
    context: dict[str, object] = {"quarter": quarter, "quarters": quarter_list()}
    context |= filter_context(request, form, quarter=quarter)
    if form.active:
        shown, cut_line_last = board_rows_matching(board, form.criteria)
        ranked = len(board.rows)
        context |= {
            "cut_line_last": cut_line_last,
            "rank_paused": may_rank,
            "filter_summary": f"{len(shown)} of {ranked} ranked request{pluralize(ranked)} "
            "match these filters; positions and cumulative points are those of the whole "
            "ranking.",
        }
        board, may_rank = replace(board, rows=shown), False
    context |= {"board": board, "may_rank": may_rank}
    return filtered_response(request, BOARD_TEMPLATE, context, fragment="board")


@allowed_to(Action.RANK)
@require_POST
def board_move(request: AuthenticatedHttpRequest, label: str) -> HttpResponse:
    """Apply one move and answer with what it changed (htmx), or a redirect (no JS).

    A refused move (stale: 409; malformed: 400) answers with the whole fresh board instead.
    """
    quarter = get_object_or_404(Quarter, label=label)
    form = MoveForm(request.POST)
    status, message = 200, ""
    moved_id = None
    move: Move | None = None
    if not form.is_valid():
        status = 400
        message = errors_text(form)
    else:
        data = form.cleaned_data
        moved_id = data["request"]
        try:
            move = ranking_move(
                actor=request.user,
                quarter=quarter,
                request_id=data["request"],
                after_id=data["after"],
                before_id=data["before"],
                version=data["version"],
            )
        except RankingChanged as error:
            status, message = 409, str(error)
        except RankingError as error:
            status, message = 400, str(error)
        else:
            message = f"Moved “{move.request.title}” from position {move.old_position} to {move.new_position}."
    if not request.htmx and status == 200:
        messages.success(request, message)
        return redirect("commitments:board", label=quarter.label)
    change = _change_after(quarter, move) if request.htmx and move is not None else None
    if change is not None:
        # Only the changed rows, the cut line and the figures, swapped out of band; the
        # message goes where the board's messages go.
        context = {
            "board": change,
            "quarter": quarter,
            "may_rank": True,
            "message": message,
            "oob": True,
        }
        response = render(request, f"{BOARD_TEMPLATE}#move-answer", context)
        response = reswap(retarget(response, "#board-message"), "innerHTML")
        return trigger_client_event(
            response, "ranking-moved", {"message": message, "request": moved_id}
        )
    context = _board_context(request, quarter, message=message, is_error=status != 200)
    if not request.htmx:  # a refused move without JavaScript: the whole page, with the reason
        return render(
            request, BOARD_TEMPLATE, context | {"quarters": quarter_list()}, status=status
        )
    response = render(request, f"{BOARD_TEMPLATE}#board", context, status=status)
    # The page's live region reads this out; the board itself is swapped in place.
    return trigger_client_event(
        response, "ranking-moved", {"message": message, "request": moved_id}
    )


def _change_after(quarter: Quarter, move: Move) -> BoardChange | None:
    """What `move` changed on the board; None if the ranking moved on meanwhile."""
    return board_change_for(
        quarter=quarter,
        request_id=move.request.pk,
        old_position=move.old_position,
        new_position=move.new_position,
        version=move.version,
    )


@allowed_to(Action.VIEW_REQUESTS)
def board_export(request: AuthenticatedHttpRequest, label: str) -> HttpResponse:
    quarter = get_object_or_404(Quarter, label=label)
    board = board_for(quarter=quarter)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="forcerank-{slugify(quarter.label)}-ranking.csv"'
    )
    writer = csv.writer(response)
    writer.writerow(
        [
            "position",
            "request id",
            "title",
            "customers",
            "ARR at stake",
            "estimate",
            "cumulative points",
            "status",
            "criticality",
            "note",
        ]
    )
    # The status in the board's words; the note is the start of the rep's problem statement.
    for row in board.rows:
        writer.writerow(
            [
                row["position"],
                row["id"],
                _spreadsheet_safe(row["title"]),
                _spreadsheet_safe(row["customers"]),
                row["arr"],
                "" if row["needs_estimate"] else row["estimate"],
                row["cumulative"],
                row["status_label"],
                row["criticality"],
                _spreadsheet_safe(row["note"]),
            ]
        )
    return response


def _spreadsheet_safe(text: str) -> str:
    """Keep a spreadsheet from running text that starts like a formula (CSV injection)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
