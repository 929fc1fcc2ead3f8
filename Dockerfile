# One image for every service: `SERVICE` picks services/$SERVICE/dist/main.js.
#   docker build --build-arg SERVICE=gateway -t im-gateway .
# (docker-compose.yml builds it once per service with the matching SERVICE.)

# Node.js 24, the LTS line the project is built and tested on (package.json: engines >= 22).
FROM node:24-bookworm-slim AS base
WORKDIR /app

# Only the manifests first: the `npm ci` layer is rebuilt when dependencies change, not on every
# source edit. COPY cannot keep folder structure from a glob, hence this small copy step.
FROM base AS manifests
COPY . /src
RUN mkdir /out && cd /src \
  && cp --parents package.json package-lock.json bench/package.json /out/ \
  && find libs services -mindepth 2 -maxdepth 2 -name package.json -exec cp --parents {} /out/ \;

FROM base AS build
COPY --from=manifests /out/ ./
# package-lock.json lists every platform's optional binaries (biome, turbo, tsc), so npm ci
# installs Linux's here as it does on any other machine.
RUN npm ci --no-audit --no-fund
COPY . .
# Build, drop dev dependencies, then keep only what runs: manifests, dist/ folders, node_modules.
RUN npx turbo run build --output-logs=errors-only \
  && npm prune --omit=dev --no-audit --no-fund \
  && mkdir /out \
  && cp -a package.json node_modules /out/ \
  && find libs services -mindepth 2 -maxdepth 2 \( -name package.json -o -name dist \) -exec cp -a --parents {} /out/ \;

FROM base AS runtime
ENV NODE_ENV=production
COPY --from=build --chown=node:node /out/ ./
ARG SERVICE=gateway
ENV SERVICE=${SERVICE}
USER node
# Every service logs pino JSON to stdout and stops cleanly on SIGTERM (compose runs it with init).
CMD ["sh", "-c", "exec node \"services/${SERVICE}/dist/main.js\""]
