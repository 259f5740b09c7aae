from __future__ import annotations

from django import forms


class MoveForm(forms.Form):
    """A move as the board sends it: the request, its new neighbours, the board's version."""

    request = forms.IntegerField(
        min_value=1, error_messages={"required": "Say which request to move."}
    )
    after = forms.IntegerField(min_value=1, required=False)  # empty: move to the top
    before = forms.IntegerField(min_value=1, required=False)  # empty: move to the bottom
    version = forms.IntegerField(
        min_value=0, error_messages={"required": "The move did not say which board it was made on."}
    )
