from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.crypto import salted_hmac


class Role(models.TextChoices):
    SALES_REP = "sales_rep", "Sales rep"
    SALES_LEADER = "sales_leader", "Sales leader"
    PRODUCT_MANAGER = "product_manager", "Product manager"
    PRODUCT_LEADER = "product_leader", "Product leader"
    ADMIN = "admin", "Admin"


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields: Any) -> User:
        if not email:
            raise ValueError("Users need an e-mail address.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields: Any) -> User:
        fields["role"] = Role.ADMIN
        return self.create_user(email, password, **fields)

    def get_by_natural_key(self, username: str | None) -> User:
        # E-mail login is case-insensitive: addresses are stored lower-cased.
        return self.get(**{self.model.USERNAME_FIELD: (username or "").lower()})


class User(AbstractBaseUser):
    """A person at the company. Exactly one role; a sales rep reports to a sales leader.

    There are no Django groups or per-model permissions: the role is the whole answer,
    and accounts.permissions turns it into "may do X".
    """

    email = models.EmailField("e-mail", unique=True)
    full_name = models.CharField(max_length=150)
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.SALES_REP)
    manager = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reports",
        limit_choices_to={"role": Role.SALES_LEADER},
        help_text="The sales leader whose triage queue receives this rep's requests.",
    )
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(auto_now_add=True)
    # The kinds of notice (event kinds) this person reads in the app only, without an e-mail.
    email_muted_kinds = models.JSONField(default=list, blank=True)
    # Part of every session's check (get_session_auth_hash): raising it ends every session
    # signed in before (accounts.sessions.sign_out_everywhere).
    session_generation = models.PositiveIntegerField(default=0, editable=False)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        ordering = ["full_name"]
        constraints = [
            models.CheckConstraint(
                name="manager_only_for_sales_reps",
                condition=models.Q(role=Role.SALES_REP) | models.Q(manager__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or self.email

    def clean(self) -> None:
        super().clean()
        self.email = (self.email or "").lower()
        if self.role == Role.SALES_REP:
            manager = self.manager
            if self.manager_id is None or manager is None:
                raise ValidationError({"manager": "A sales rep needs a manager (a sales leader)."})
            if manager.role != Role.SALES_LEADER:
                raise ValidationError({"manager": "The manager must be a sales leader."})
            if self.manager_id == self.pk:
                raise ValidationError({"manager": "Nobody manages themselves."})
        elif self.manager_id is not None:
            raise ValidationError({"manager": "Only sales reps have a manager."})

    def get_full_name(self) -> str:
        return self.full_name

    def get_session_auth_hash(self) -> str:
        """What each session holds to stay valid: Django's (from the password hash, so a
        new password ends other sessions) with the session generation mixed in."""
        return salted_hmac(
            "accounts.User.get_session_auth_hash",
            f"{self.password}:{self.session_generation}",
            algorithm="sha256",
        ).hexdigest()

    def get_session_auth_fallback_hash(self) -> Iterator[str]:
        for fallback_secret in settings.SECRET_KEY_FALLBACKS:
            yield salted_hmac(
                "accounts.User.get_session_auth_hash",
                f"{self.password}:{self.session_generation}",
                secret=fallback_secret,
                algorithm="sha256",
            ).hexdigest()

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email

    # The Django admin asks these three; only the admin role gets in, and then fully.
    @property
    def is_staff(self) -> bool:
        return self.is_active and self.role == Role.ADMIN

    @property
    def is_superuser(self) -> bool:
        return self.is_staff

    def has_perm(self, perm: str, obj: object = None) -> bool:
        return self.is_staff

    def has_module_perms(self, app_label: str) -> bool:
        return self.is_staff


class Notification(models.Model):
    """Something a user should hear about, with a link to where it happened."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    message = models.CharField(max_length=300)
    url = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    # The kind of event behind it (events.kinds.Kind), by which people choose their e-mails.
    kind = models.CharField(max_length=64, blank=True)
    # False when its user reads this kind in the app only.
    email_wanted = models.BooleanField(default=True)
    # Set once the e-mail copy went out; a notification whose e-mail could not be queued
    # keeps it empty, so the e-mail can be sent again later.
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"], name="unread_notifications")]

    def __str__(self) -> str:
        return f"To {self.user}: {self.message}"


class PasswordResetRequest(models.Model):
    """One "forgot my password" request, kept while it counts against the limits per e-mail
    address and per client (accounts.services.password_reset_request). The address is kept as
    a keyed digest: an address that has no account is counted the same, and not stored."""

    email_digest = models.CharField(max_length=64)
    client = models.GenericIPAddressField()
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        indexes = [
            models.Index(fields=["email_digest", "at"], name="reset_requests_by_email"),
            models.Index(fields=["client", "at"], name="reset_requests_by_client"),
        ]

    def __str__(self) -> str:
        return f"reset requested from {self.client} at {self.at:%Y-%m-%d %H:%M}"
