"""The admin's Slack form: the leadership channel (from Slack's list) and its kinds."""

from __future__ import annotations

from typing import Any

from django import forms

from slack_app.models import CHANNEL_KINDS


class ChannelForm(forms.Form):
    channel = forms.ChoiceField(
        label="Leadership channel",
        required=False,
        help_text="A public channel; invite the bot to it (/invite @yourbot) so it may post.",
    )
    kinds = forms.MultipleChoiceField(
        label="Post to the channel when",
        choices=CHANNEL_KINDS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, channels: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.channel_names = dict(channels)
        channel = self.fields["channel"]
        assert isinstance(channel, forms.ChoiceField)
        channel.choices = [("", "— none —")] + [
            (channel_id, f"#{name}") for channel_id, name in channels
        ]


class DirectMessagesForm(forms.Form):
    """/slack/me/: what a person asks for."""

    action = forms.ChoiceField(
        choices=[("link", "link"), ("dms_on", "on"), ("dms_off", "off"), ("unlink", "unlink")]
    )
