"""The webhook pages for admins: the endpoints, registering one, an endpoint's page with its
secret, settings and delivery log, and the actions on them."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from accounts.decorators import allowed_to
from accounts.http import AuthenticatedHttpRequest
from accounts.permissions import Action
from config.forms import add_service_errors
from webhooks import selectors, services
from webhooks.delivery import MAX_ATTEMPTS
from webhooks.forms import EndpointForm
from webhooks.kinds import kind_label
from webhooks.models import WebhookDelivery, WebhookEndpoint

PAGE_SIZE = 50


@allowed_to(Action.MANAGE_INTEGRATIONS)
def endpoint_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    rows = [
        (endpoint, [kind_label(kind) for kind in endpoint.kinds])
        for endpoint in selectors.endpoint_list()
    ]
    return render(request, "webhooks/endpoint_list.html", {"rows": rows})


@allowed_to(Action.MANAGE_INTEGRATIONS)
@require_http_methods(["GET", "HEAD", "POST"])
def endpoint_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    posted = request.method == "POST"
    form = EndpointForm(request.POST if posted else None)
    if posted and form.is_valid():
        try:
            endpoint = services.endpoint_create(actor=request.user, **form.cleaned_data)
        except ValidationError as error:  # a private address, an unknown kind
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                f"The webhook to {endpoint.url} is registered. Give its signing secret (below) "
                "to the receiver.",
            )
            return redirect(endpoint)
    status = 400 if posted else 200
    return render(request, "webhooks/endpoint_create.html", {"form": form}, status=status)


def _endpoint(pk: int) -> WebhookEndpoint:
    return get_object_or_404(WebhookEndpoint.objects.select_related("created_by"), pk=pk)


def _endpoint_page(
    request: AuthenticatedHttpRequest,
    endpoint: WebhookEndpoint,
    *,
    form: EndpointForm | None = None,
    problem: str = "",
    status: int = 200,
) -> HttpResponse:
    if form is None:
        form = EndpointForm(
            initial={
                "url": endpoint.url,
                "description": endpoint.description,
                "kinds": endpoint.kinds,
            }
        )
    page = Paginator(selectors.delivery_log(endpoint), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "endpoint": endpoint,
        "kind_labels": [kind_label(kind) for kind in endpoint.kinds],
        "form": form,
        "problem": problem,
        "page": page,
        "rows": [(delivery, kind_label(delivery.kind)) for delivery in page.object_list],
        "max_attempts": MAX_ATTEMPTS,
    }
    return render(request, "webhooks/endpoint_detail.html", context, status=status)


@allowed_to(Action.MANAGE_INTEGRATIONS)
@require_http_methods(["GET", "HEAD", "POST"])
def endpoint_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The endpoint's secret, its settings (the form changes them) and its delivery log."""
    endpoint = _endpoint(pk)
    if request.method != "POST":
        return _endpoint_page(request, endpoint)
    form = EndpointForm(request.POST)
    if form.is_valid():
        try:
            services.endpoint_update(actor=request.user, endpoint=endpoint, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "The webhook is saved.")
            return redirect(endpoint)
    return _endpoint_page(request, endpoint, form=form, status=400)


@allowed_to(Action.MANAGE_INTEGRATIONS)
@require_POST
def endpoint_rotate_secret(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    endpoint = services.endpoint_rotate_secret(actor=request.user, endpoint=_endpoint(pk))
    messages.success(
        request,
        "The webhook has a new signing secret: messages are signed with it from now on. "
        "Give it to the receiver.",
    )
    return redirect(endpoint)


@allowed_to(Action.MANAGE_INTEGRATIONS)
@require_POST
def endpoint_disable(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    endpoint = _endpoint(pk)
    try:
        services.endpoint_disable(actor=request.user, endpoint=endpoint)
    except ValidationError as error:
        return _endpoint_page(request, endpoint, problem=" ".join(error.messages), status=400)
    messages.success(request, "The webhook is off: nothing is sent to it until you turn it on.")
    return redirect(endpoint)


@allowed_to(Action.MANAGE_INTEGRATIONS)
@require_POST
def endpoint_enable(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    endpoint = _endpoint(pk)
    try:
        services.endpoint_enable(actor=request.user, endpoint=endpoint)
    except ValidationError as error:
        return _endpoint_page(request, endpoint, problem=" ".join(error.messages), status=400)
    messages.success(
        request, "The webhook is on again: what waited for it goes out within a minute."
    )
    return redirect(endpoint)


@allowed_to(Action.MANAGE_INTEGRATIONS)
@require_POST
def endpoint_delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    endpoint = _endpoint(pk)
    services.endpoint_delete(actor=request.user, endpoint=endpoint)
    messages.success(request, f"The webhook to {endpoint.url} is deleted, with its log.")
    return redirect("webhooks:endpoint_list")


def _queued_message(request: AuthenticatedHttpRequest, what: str) -> None:
    messages.success(request, f"{what} is queued: its row in the log below shows how it went.")


@allowed_to(Action.MANAGE_INTEGRATIONS)
@require_POST
def endpoint_send_test(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    # Should the queue be down, the delivery waits in the log and the beat sweep sends it.
    endpoint = _endpoint(pk)
    services.endpoint_send_test(actor=request.user, endpoint=endpoint)
    _queued_message(request, "A test event")
    return redirect(endpoint)


@allowed_to(Action.MANAGE_INTEGRATIONS)
@require_POST
def delivery_resend(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    delivery = get_object_or_404(WebhookDelivery.objects.select_related("endpoint"), pk=pk)
    services.delivery_resend(actor=request.user, delivery=delivery)
    _queued_message(request, "The message")
    return redirect(delivery.endpoint)
