# mcred service image: slim Python, non-root, migrations then uvicorn.
# keys/ and data/ (the SQLite file holds learner names and e-mails) are 0700, the service's
# user only; mcred creates the database files 0600 itself.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    MCRED_DATABASE_URL=sqlite:////var/lib/mcred/data/mcred.db \
    MCRED_KEYS_DIR=/var/lib/mcred/keys

RUN useradd --system --uid 10001 --home-dir /srv/mcred mcred \
 && mkdir -p /srv/mcred /var/lib/mcred/data /var/lib/mcred/keys \
 && chown -R mcred:mcred /var/lib/mcred && chmod 700 /var/lib/mcred/keys /var/lib/mcred/data
WORKDIR /srv/mcred

COPY pyproject.toml README.md ./
COPY app ./app
COPY migrations ./migrations
COPY contexts ./contexts
RUN pip install -e . && python -c "import app.main"

USER mcred
VOLUME ["/var/lib/mcred"]
EXPOSE 8000
# MCRED_KEY_SECRET, MCRED_ADMIN_TOKEN and MCRED_PUBLIC_BASE_URL come from the environment.
CMD ["sh", "-c", "mcred init --no-demo && exec mcred serve --host 0.0.0.0 --port 8000"]
