# Chinwag server image: the widget is built in a Node stage, the server runs on gevent.
#   docker build -t chinwag .
#   docker run -p 5000:5000 -e CHINWAG_SECRET_KEY=... chinwag
FROM node:20-bookworm-slim AS widget
WORKDIR /src
COPY core/chinwag/events.json core/chinwag/events.json
COPY widget/ widget/
RUN cd widget && npm ci --no-audit --no-fund && npm run build

FROM python:3.11-slim-bookworm
RUN apt-get update && apt-get install -y --no-install-recommends libmagic1 ffmpeg \
    && rm -rf /var/lib/apt/lists/*
RUN useradd --create-home --uid 10001 chinwag
WORKDIR /app
COPY . .
COPY --from=widget /src/core/chinwag/static/widget core/chinwag/static/widget
RUN pip install --no-cache-dir ./plugin_api . $(ls -d admin_ui plugins_builtin/*/ 2>/dev/null)
USER chinwag
ENV CHINWAG_HOST=0.0.0.0 \
    CHINWAG_PORT=5000 \
    CHINWAG_INSTANCE_PATH=/data
VOLUME ["/data"]
EXPOSE 5000
HEALTHCHECK --interval=30s --timeout=3s CMD python -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:5000/healthz')" || exit 1
CMD ["sh", "-c", "chinwag db upgrade && exec chinwag run"]
