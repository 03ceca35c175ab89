# syntax=docker/dockerfile:1
#
# Extension Platform admin console: the Angular build served by nginx, which also forwards /api/,
# /healthz and /readyz to the API so the console and the API share one origin. Build context: the
# repository root.
#   docker build -f docker/admin.Dockerfile -t extplat/admin:local .
# NOT exercised by CI (no Docker engine there): see docker/README.md.
#
# The toolchain, manifests and build stages are identical in api.Dockerfile, runner.Dockerfile and
# admin.Dockerfile, so BuildKit reuses their layers (and the full `npm ci`) across the three images.

ARG NODE_IMAGE=node:24.22-bookworm-slim
ARG NGINX_IMAGE=nginx:1.28-alpine

# --- toolchain: compilers for native addons that npm may have to build from source -------------------
FROM ${NODE_IMAGE} AS toolchain
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
ENV NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false
WORKDIR /app

# --- manifests: the lockfile and every workspace's package.json, nothing else ---------------------------
# BuildKit keys `COPY --from=manifests` on file content, so the `npm ci` layers below stay cached while
# only sources change, and a new workspace under libs/ or apps/ is picked up without editing this file.
# apps/cli/bin is included because npm links each workspace's bin at install time and fails when the
# target file is missing.
FROM ${NODE_IMAGE} AS manifests
WORKDIR /src
COPY package.json package-lock.json ./
COPY libs ./libs
COPY apps ./apps
RUN mkdir /manifests \
  && cp --parents package.json package-lock.json libs/*/package.json apps/*/package.json /manifests/ \
  && cp -R --parents apps/cli/bin /manifests/

# --- build: full install (dev dependencies included), then the console build ----------------------------
FROM toolchain AS build
COPY --from=manifests /manifests/ ./
RUN --mount=type=cache,target=/root/.npm,sharing=locked npm ci
# Non-interactive Angular CLI: no analytics prompt, plain progress output.
ENV CI=true \
    NG_CLI_ANALYTICS=false
COPY angular.json tsconfig.base.json ./
COPY libs ./libs
COPY apps/admin ./apps/admin
# Output: dist/admin/browser (index.html and content-hashed assets).
RUN npm run build:admin

# --- runtime: nginx as an unprivileged user ----------------------------------------------------------------
FROM ${NGINX_IMAGE} AS runtime
LABEL org.opencontainers.image.title="extplat-admin" \
      org.opencontainers.image.description="Extension Platform admin console (nginx)"
# At start-up the image's entrypoint renders /etc/nginx/templates/*.template into /etc/nginx/conf.d/
# with envsubst, so that directory must be writable by the nginx user; the stock default site goes.
RUN rm -f /etc/nginx/conf.d/default.conf \
  && chown 101:101 /etc/nginx/conf.d
COPY docker/nginx/nginx.conf /etc/nginx/nginx.conf
COPY docker/nginx/console.conf.template /etc/nginx/templates/console.conf.template
COPY docker/nginx/console-security-headers.conf /etc/nginx/console-security-headers.conf
COPY --from=build /app/dist/admin/browser /srv/console
# API_UPSTREAM: host:port of the API. CONSOLE_FRAME_ORIGIN: the origin of RUNNER_PUBLIC_BASE (the only
# one the console frames). CONSOLE_UPLOAD_ORIGINS: the origin of STORAGE_S3_PUBLIC_ENDPOINT (browser
# uploads; empty with the fs store). NGINX_ENTRYPOINT_LOCAL_RESOLVERS makes the entrypoint export the
# container's DNS servers as NGINX_LOCAL_RESOLVERS. The filter keeps envsubst away from nginx's own
# $variables.
ENV API_UPSTREAM=api:8080 \
    CONSOLE_FRAME_ORIGIN=http://localhost:8081 \
    CONSOLE_UPLOAD_ORIGINS=http://localhost:9000 \
    NGINX_ENTRYPOINT_LOCAL_RESOLVERS=1 \
    NGINX_ENVSUBST_FILTER="API_UPSTREAM|NGINX_LOCAL_RESOLVERS|CONSOLE_FRAME_ORIGIN|CONSOLE_UPLOAD_ORIGINS"
# The image's unprivileged `nginx` user.
USER 101:101
EXPOSE 8080
# No Node.js in this image: busybox wget checks that nginx serves the console.
HEALTHCHECK --interval=10s --timeout=5s --start-period=10s --retries=3 \
  CMD ["wget", "-q", "-T", "4", "-O", "/dev/null", "http://127.0.0.1:8080/index.html"]
