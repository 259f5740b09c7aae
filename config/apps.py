from __future__ import annotations

import logging

from django.apps import AppConfig
from django.conf import settings

logger = logging.getLogger("forcerank")


class ProjectConfig(AppConfig):
    """The project itself as an app: startup notices that belong to no feature."""

    name = "config"
    verbose_name = "Forcerank"

    def ready(self) -> None:
        if settings.CELERY_TASK_ALWAYS_EAGER:
            logger.info("CELERY_BROKER_URL is not set: Celery runs tasks eagerly, inline.")
