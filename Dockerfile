# The bot in a container: webhook mode on port 8443 (compose.yaml runs it with PostgreSQL).
# Build: docker build -t aduan .   Run one alone (polling, SQLite in a volume):
#   docker run --env-file .env -v aduan-data:/srv/aduan/data aduan python -m bot run
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN useradd --system --create-home --home-dir /srv/aduan --shell /usr/sbin/nologin aduan

WORKDIR /app
# Dependencies first (pinned in pyproject.toml), so that a code change rebuilds one layer.
COPY pyproject.toml README.md NOTICE ./
RUN mkdir -p bot handlers storage loopback \
    && touch bot/__init__.py handlers/__init__.py storage/__init__.py loopback/__init__.py \
    && pip install . \
    && pip uninstall -y aduan \
    && rm -rf bot handlers storage loopback build *.egg-info
# The code, its templates and the SOP profiles (found beside the code: an editable install).
COPY bot bot
COPY handlers handlers
COPY storage storage
COPY loopback loopback
COPY templates templates
COPY profiles profiles
RUN pip install --no-deps -e . && python -m bot --help > /dev/null

USER aduan
# .env values come from the environment (compose's env_file); data/ holds SQLite if used.
WORKDIR /srv/aduan
ENV WEBHOOK_LISTEN=0.0.0.0 \
    WEBHOOK_PORT=8443
EXPOSE 8443
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD python -c "import os, urllib.request as u; u.urlopen(f'http://127.0.0.1:{os.environ.get(\"WEBHOOK_PORT\", \"8443\")}/healthz', timeout=4)"
STOPSIGNAL SIGTERM
CMD ["python", "-m", "bot", "run", "--webhook"]
