"""The Slack pages: the admin's connection and channel, each person's DMs, and the slash
command's endpoint (signed by Slack, not logged in)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST
from slack_sdk.signature import SignatureVerifier

from accounts.decorators import allowed_to
from accounts.http import AuthenticatedHttpRequest
from accounts.permissions import Action
from config.celery import QueueUnavailable, enqueue
from config.forms import add_service_errors
from slack_app import selectors
from slack_app.client import SlackUnavailable, connection_status, is_connected
from slack_app.forms import ChannelForm, DirectMessagesForm
from slack_app.models import CHANNEL_KINDS
from slack_app.services import (
    slack_dms_set,
    slack_link,
    slack_settings_update,
    slack_test_message_send,
    slack_unlink,
)

SETTINGS_TEMPLATE = "slack_app/settings.html"
ME_TEMPLATE = "slack_app/me.html"


def _errors(error: ValidationError) -> str:
    return " ".join(error.messages)


@allowed_to(Action.MANAGE_INTEGRATIONS)
@require_http_methods(["GET", "HEAD", "POST"])
def slack_settings(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Connected or not (auth.test), the leadership channel and its kinds, recent messages."""
    status = connection_status(with_channels=True)
    config = selectors.slack_settings_current()
    http_status = 200
    if request.method == "POST" and status.connected:
        form = ChannelForm(request.POST, channels=status.channels)
        if form.is_valid():
            channel_id = form.cleaned_data["channel"]
            try:
                slack_settings_update(
                    actor=request.user,
                    channel_id=channel_id,
                    channel_name=form.channel_names.get(channel_id, ""),
                    kinds=form.cleaned_data["kinds"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, "The Slack settings are saved.")
                return redirect("slack_app:settings")
        http_status = 400
    elif request.method == "POST":
        messages.error(request, f"Nothing was saved. {status.problem}")
        return redirect("slack_app:settings")
    else:
        form = ChannelForm(
            channels=status.channels,
            initial={"channel": config.channel_id, "kinds": config.kinds},
        )
    context = {
        "status": status,
        "config": config,
        "form": form,
        "kind_labels": dict(CHANNEL_KINDS),
        "recent": selectors.recent_messages(),
        "commands_url": settings.SITE_URL + reverse("slack_app:slash_command"),
    }
    return render(request, SETTINGS_TEMPLATE, context, status=http_status)


@allowed_to(Action.MANAGE_INTEGRATIONS)
@require_POST
def test_message(request: AuthenticatedHttpRequest) -> HttpResponse:
    try:
        slack_test_message_send(actor=request.user)
    except ValidationError as error:
        messages.error(request, _errors(error))
    except (SlackUnavailable, QueueUnavailable) as error:
        messages.error(request, f"The test message was not sent: {error}")
    else:
        messages.success(request, "A test message is on its way to the channel.")
    return redirect("slack_app:settings")


@allowed_to(Action.VIEW_DASHBOARD)
@require_http_methods(["GET", "HEAD", "POST"])
def me(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Link one's account to one's Slack user (by e-mail) and turn DMs of notices on or off."""
    user = request.user
    problem = ""
    if request.method == "POST":
        form = DirectMessagesForm(request.POST)
        if not form.is_valid():
            problem = "Choose what to do: link your account, or turn DMs on or off."
        else:
            action = form.cleaned_data["action"]
            try:
                if action == "link":
                    slack_link(user=user)
                    messages.success(request, "Your Slack account is linked.")
                elif action == "unlink":
                    slack_unlink(user=user)
                    messages.success(request, "Your Slack account is no longer linked.")
                else:
                    slack_dms_set(user=user, enabled=action == "dms_on")
                    messages.success(
                        request,
                        "Your notices now come as Slack DMs too."
                        if action == "dms_on"
                        else "Your notices no longer come as Slack DMs.",
                    )
                return redirect("slack_app:me")
            except ValidationError as error:
                problem = _errors(error)
            except SlackUnavailable as error:
                problem = str(error)
    context = {
        "link": selectors.link_of(user=user),
        "connected": is_connected(),
        "problem": problem,
    }
    return render(request, ME_TEMPLATE, context, status=400 if problem else 200)


def _signed_by_slack(request: HttpRequest) -> bool:
    if not settings.SLACK_SIGNING_SECRET:
        return False
    timestamp = request.headers.get("X-Slack-Request-Timestamp")
    signature = request.headers.get("X-Slack-Signature")
    if not timestamp or not timestamp.isdigit() or not signature:
        return False
    verifier = SignatureVerifier(settings.SLACK_SIGNING_SECRET)
    return verifier.is_valid(request.body, timestamp, signature)


@csrf_exempt  # Slack signs the request instead: the signature is checked first
@require_POST
def slash_command(request: HttpRequest) -> HttpResponse:
    """`/forcerank …`: acknowledged at once (Slack waits 3 s), answered from Celery at the
    command's response_url. A missing, wrong or stale (over 5 minutes) signature gets 401."""
    if not _signed_by_slack(request):
        return HttpResponse(
            "The request is not signed by Slack.", status=401, content_type="text/plain"
        )
    user_id = request.POST.get("user_id", "")
    response_url = request.POST.get("response_url", "")
    if not user_id or not response_url.startswith(("https://", "http://")):
        return JsonResponse(
            {"response_type": "ephemeral", "text": "Slack sent no user or response_url."},
            status=400,
        )
    try:
        enqueue(
            "slack_app.tasks.answer_command", user_id, request.POST.get("text", ""), response_url
        )
    except QueueUnavailable:
        return JsonResponse(
            {
                "response_type": "ephemeral",
                "text": "Forcerank cannot answer right now (its job queue is down). "
                "Try again in a minute.",
            }
        )
    return JsonResponse({"response_type": "ephemeral", "text": "Working on it…"})
