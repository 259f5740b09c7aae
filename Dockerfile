# Forcerank production image: Django under gunicorn; the same image runs the Celery worker and beat
# (see docker-compose.yml). Only the runtime dependencies are installed, pinned by hash.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Dependencies first, so that a code change does not reinstall them.
COPY requirements.lock ./
RUN pip install --no-cache-dir --require-hashes -r requirements.lock

COPY . .

# Hashed, compressed static files are built into the image (whitenoise serves them). The settings
# refuse to load without SECRET_KEY when DEBUG is off, so this step alone gets a throwaway key; it
# is not kept in the image, whose containers must be given their own.
RUN SECRET_KEY=build-only-collectstatic-key-not-used-at-runtime \
    python manage.py collectstatic --noinput

# The code and static files stay owned by root: the app user can read them but not change them.
RUN groupadd --system app && useradd --system --gid app --no-create-home --home-dir /app app
USER app

EXPOSE 8000

CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", \
     "--workers", "3", "--access-logfile", "-"]
