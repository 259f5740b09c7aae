"""Bounded uploads: no request body larger than the site accepts is read, and no uploaded
file is ever spooled to disk.

- `RequestBodyLimitMiddleware` (config.middleware) answers 413 when the declared body
  (Content-Length) is over `MAX_REQUEST_BYTES`, before anything reads it.
- `CappedUploadHandler`, first in `FILE_UPLOAD_HANDLERS`, stops reading a file as soon as it
  passes `MAX_UPLOAD_BYTES` (a body sent in chunks declares no length), and marks the
  request so the view can say why the file is missing. The only other handler keeps files
  in memory: the largest file the site takes (a CRM CSV) is 2 MB.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import HttpRequest

TOO_LARGE = "_forcerank_upload_too_large"


class CappedUploadHandler(FileUploadHandler):
    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > settings.MAX_UPLOAD_BYTES:
            if self.request is not None:
                setattr(self.request, TOO_LARGE, True)
            # Read what is left of the body without keeping it, then stop parsing it.
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None  # the next handler (in memory) holds the file


def upload_too_large(request: HttpRequest) -> bool:
    """Did the request carry a file larger than the site takes (and so lose it)?"""
    return bool(getattr(request, TOO_LARGE, False))


def megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):g} MB"
