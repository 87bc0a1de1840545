# Production image: gunicorn serves clinic.wsgi; the same image runs the Celery worker and beat.
# Only what the app needs is copied, folder by folder (no .env, .data, .git: see also
# .dockerignore). A new Django app must be added to the COPY lines below;
# tests/security/test_deployment.py fails until it is.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml README.md ./
RUN pip install --no-cache-dir .
COPY manage.py ./
COPY clinic ./clinic
COPY notifications ./notifications
COPY plans ./plans
COPY sessions ./sessions
COPY appointments ./appointments
COPY referrals ./referrals
COPY pages ./pages
COPY fhir_export ./fhir_export
COPY templates ./templates
COPY static ./static
RUN DEBUG=1 DATABASE_URL=postgres://unused@localhost/unused python manage.py collectstatic --no-input
RUN useradd --system --home /app plankeeper && chown -R plankeeper /app
USER plankeeper
EXPOSE 8000
CMD ["gunicorn", "clinic.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
