"""API keys: a named, revocable secret that acts with its owner's role."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class ApiKey(models.Model):
    """One key of one user. Only its SHA-256 is stored: the key itself is shown once, when it
    is made. A high-entropy random token needs no slow hash (nothing to guess), and SHA-256
    lets a request find its key by an indexed lookup.

    Keys look like `frk_<prefix>_<secret>`; the prefix is stored in clear so that a person can
    tell their keys apart (and an admin whose key leaked).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_keys"
    )
    name = models.CharField(max_length=80)
    prefix = models.CharField(max_length=16, unique=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "API key"

    def __str__(self) -> str:
        return f"{self.name} (frk_{self.prefix}_…)"
