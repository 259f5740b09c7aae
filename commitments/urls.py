from django.urls import path

from commitments.views import board, budget, decisions

app_name = "commitments"

urlpatterns = [
    # The ranking board: the quarter's ranking measured against its budget
    path("board/", board.board_current, name="board_current"),
    path("board/<str:label>/", board.board, name="board"),
    path("board/<str:label>/move/", board.board_move, name="board_move"),
    path("board/<str:label>/export.csv", board.board_export, name="board_export"),
    # Decisions on the ranked requests (product leaders) and on commitments
    path("decisions/", decisions.decision_queue, name="decision_queue"),
    path("decisions/<int:pk>/approve/", decisions.request_approve, name="request_approve"),
    path("decisions/<int:pk>/decline/", decisions.request_decline, name="request_decline"),
    path("decisions/<int:pk>/defer/", decisions.request_defer, name="request_defer"),
    path("commitments/", decisions.commitment_list, name="commitment_list"),
    path(
        "commitments/<int:pk>/progress/", decisions.commitment_progress, name="commitment_progress"
    ),
    path("commitments/<int:pk>/drop/", decisions.commitment_drop, name="commitment_drop"),
    path("swaps/new/", decisions.swap_create, name="swap_create"),
    path("swaps/<int:pk>/", decisions.swap_detail, name="swap_detail"),
    path("swaps/<int:pk>/approve/", decisions.swap_approve, name="swap_approve"),
    path("swaps/<int:pk>/reject/", decisions.swap_reject, name="swap_reject"),
    # The budget and the roadmap
    path("budget/", budget.budget_current, name="budget_current"),
    path("budget/<str:label>/", budget.budget_page, name="budget"),
    path("roadmap/", budget.roadmap, name="roadmap"),
]
