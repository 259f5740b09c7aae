"""The admins' CRM page: the connection, Test connection, Sync now with live progress, the last
syncs with their counts and problems, the field and stage mapping, and the write-backs."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from accounts.decorators import allowed_to
from accounts.http import AuthenticatedHttpRequest
from accounts.permissions import Action
from config.forms import add_service_errors
from crm import selectors, services
from crm.connection import configured_vendor, missing_credentials, provider
from crm.forms import CrmSettingsForm
from crm.models import SyncRun, Vendor

RECENT_RUNS = 10
RECENT_WRITE_BACKS = 20


def _page(
    request: AuthenticatedHttpRequest,
    *,
    form: CrmSettingsForm | None = None,
    test_result: tuple[bool, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    vendor = configured_vendor()
    context: dict[str, object] = {
        "vendor": vendor,
        "problem": "" if vendor else missing_credentials(),
        "test_result": test_result,
        "sync_minutes": f"{settings.CRM_SYNC_MINUTES:g}",
        "deal_link": settings.SITE_URL + reverse("requests:deal_request", args=["DEAL_ID"]),
    }
    if vendor is not None:
        crm_settings = selectors.settings_for(vendor)
        crm = provider(vendor)
        runs = list(selectors.sync_runs(vendor)[:RECENT_RUNS])
        context |= {
            "label": Vendor(vendor).label,
            "base_url": crm.base_url if crm else "",
            "crm_settings": crm_settings,
            "form": form
            or CrmSettingsForm(
                crm_settings=crm_settings,
                initial={
                    "arr_field": crm_settings.arr_field,
                    "segment_field": crm_settings.segment_field,
                    "summary_field": crm_settings.summary_field,
                    "default_owner": crm_settings.default_owner,
                    "write_back": crm_settings.write_back,
                },
            ),
            "run": runs[0] if runs else None,
            "runs": runs,
            "write_backs": list(selectors.write_backs(vendor)[:RECENT_WRITE_BACKS]),
        }
    return render(request, "crm/settings.html", context, status=status)


@allowed_to(Action.MANAGE_INTEGRATIONS)
@require_http_methods(["GET", "HEAD", "POST"])
def crm_settings(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The page; a POST saves the mapping."""
    vendor = configured_vendor()
    if request.method != "POST":
        return _page(request)
    if vendor is None:
        messages.error(request, missing_credentials())
        return redirect("crm:settings")
    form = CrmSettingsForm(request.POST, crm_settings=selectors.settings_for(vendor))
    if form.is_valid():
        try:
            services.settings_update(
                actor=request.user,
                vendor=vendor,
                stage_map=form.stage_map(),
                **form.settings_values(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "The mapping is saved. The next sync uses it.")
            return redirect("crm:settings")
    return _page(request, form=form, status=400)


@allowed_to(Action.MANAGE_INTEGRATIONS)
@require_POST
def crm_test(request: AuthenticatedHttpRequest) -> HttpResponse:
    result = services.connection_test(actor=request.user)
    if request.htmx:
        return render(request, "crm/_test_result.html", {"test_result": result})
    return _page(request, test_result=result)


@allowed_to(Action.MANAGE_INTEGRATIONS)
@require_POST
def crm_sync(request: AuthenticatedHttpRequest) -> HttpResponse:
    try:
        run, started = services.sync_now(actor=request.user)
    except services.NotConnected as error:  # the credentials left since the page was loaded
        messages.error(request, str(error))
        page = reverse("crm:settings")
        return HttpResponseClientRedirect(page) if request.htmx else redirect(page)
    if not started:
        messages.info(request, "A sync is running already: its progress is below.")
    if request.htmx:
        return _sync_status(request, run)
    return redirect("crm:settings")


def _sync_status(request: AuthenticatedHttpRequest, run: SyncRun) -> HttpResponse:
    """The status fragment; once the sync has ended, the list of syncs comes along with it."""
    context: dict[str, object] = {"run": run}
    if run.status != SyncRun.Status.RUNNING:
        context |= {
            "oob": True,
            "runs": list(selectors.sync_runs(Vendor(run.vendor))[:RECENT_RUNS]),
        }
    return render(request, "crm/_sync_status.html", context)


@allowed_to(Action.MANAGE_INTEGRATIONS)
@require_GET
def crm_sync_status(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """One sync's progress and counts: what the page polls while it runs."""
    run = get_object_or_404(SyncRun.objects.select_related("requested_by"), pk=pk)
    if not request.htmx:  # a fragment: opened by hand, it is the CRM page that shows it
        return redirect("crm:settings")
    return _sync_status(request, run)
