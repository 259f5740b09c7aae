"""The weekly review by e-mail to both VPs, sent once the review is generated."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.template.loader import render_to_string

from accounts.models import User
from budgets.models import CompanySettings
from reviews.export import review_counts, review_display
from reviews.models import WeeklyReview


def review_email_subject(review: WeeklyReview) -> str:
    week = review.week_start
    return f"Weekly review {review.quarter.label}, week of {week:%b} {week.day}"


def review_email_send(*, review: WeeklyReview) -> int:
    """E-mail the review (HTML and plain text) to the company's head of sales and head of
    product; returns how many were sent. A VP who is not set, inactive or without an
    address is skipped, and a review that is not ready is not sent at all."""
    if review.status != WeeklyReview.Status.READY:
        return 0
    company = (
        CompanySettings.objects.select_related("head_of_sales", "head_of_product")
        .filter(pk=1)
        .first()
    ) or CompanySettings.load()
    recipients: list[User] = []
    for person in (company.head_of_sales, company.head_of_product):
        if person is None or not person.is_active or not person.email:
            continue
        if person.email not in {recipient.email for recipient in recipients}:
            recipients.append(person)
    if not recipients:
        return 0
    subject = review_email_subject(review)
    messages = []
    for person in recipients:
        # Each recipient's copy links only the pages they may open.
        display = review_display(review, viewer=person)
        deals = display.section("revenue").part("closing_deals").items
        personal = {
            "review": review,
            "budget": display.section("budget").facts,
            "proposed": display.section("decisions").part("proposed").items,
            "close_passed": [deal for deal in deals if deal.fields.get("close_passed")],
            "counts": review_counts(display.sections),
            "url": settings.SITE_URL + review.get_absolute_url(),
            "company": company,
            "recipient": person,
        }
        message = EmailMultiAlternatives(
            subject,
            render_to_string("reviews/review_email.txt", personal),
            None,
            [person.email],
        )
        message.attach_alternative(
            render_to_string("reviews/review_email.html", personal), "text/html"
        )
        messages.append(message)
    with get_connection() as connection:
        return connection.send_messages(messages) or 0
