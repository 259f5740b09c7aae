from __future__ import annotations

import logging

from django.apps import AppConfig
from django.conf import settings

from config.celery import app as celery_app

logger = logging.getLogger("forcerank")


class ProjectConfig(AppConfig):
    """The project itself as an app: startup notices that belong to no feature."""

    name = "config"
    verbose_name = "Forcerank"

    def ready(self) -> None:
        # Import every app's tasks now that the models are loaded: services enqueue their
        # app's tasks by name (config.celery.enqueue), and in eager mode a task runs inline
        # only if it is registered in this process.
        celery_app.autodiscover_tasks(force=True)
        if settings.CELERY_TASK_ALWAYS_EAGER:
            logger.info("CELERY_BROKER_URL is not set: Celery runs tasks eagerly, inline.")
