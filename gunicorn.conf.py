"""gunicorn's settings for Forcerank, read from the working directory (/app in the image) by
every `gunicorn config.wsgi:application` (Dockerfile, docker-compose.yml).

Bounded work per request: gunicorn refuses long request lines, many or long headers before
Django sees them. It has no limit on the body; Django refuses a declared body over
MAX_REQUEST_BYTES unread (config.middleware.RequestBodyLimitMiddleware) and stops reading
a file or form past its limit (config/uploads.py, DATA_UPLOAD_MAX_MEMORY_SIZE). A proxy in
front (nginx client_max_body_size) should say the same as MAX_REQUEST_BYTES.
"""

limit_request_line = 4094  # bytes in "GET /path?query HTTP/1.1"
limit_request_fields = 100  # headers
limit_request_field_size = 8190  # bytes per header
# A worker held longer than this is restarted; no page needs more than a few seconds.
timeout = 30
