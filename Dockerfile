# ci-intel hub image. Two stages: the build stage compiles with the dev dependencies, the runtime
# stage carries only what `ci-intel serve` reads (dist/, production node_modules, package.json).
# scripts/image-steps.mjs reads this file and performs the same steps on a host without a Docker
# daemon (test/image.test.ts runs it in CI), so keep to RUN/COPY/WORKDIR/ENV/USER it understands.

FROM node:20-bookworm-slim AS build
WORKDIR /src
# The lock file alone decides the dependency layer, so source edits reuse the cached npm ci.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --prefer-offline
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY src ./src
RUN npm run build
RUN npm prune --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production
# The hub keeps its embedded database, blobs and lock file in /data; listen on every interface
# inside the container (the default, 127.0.0.1, would not be reachable through a published port).
ENV CI_INTEL_DATA_DIR=/data
ENV CI_INTEL_HOST=0.0.0.0
ENV CI_INTEL_PORT=8080
# A fixed uid/gid so a host folder mounted on /data can be given to it (chown 10001:10001).
RUN groupadd --system --gid 10001 ci-intel \
 && useradd --system --uid 10001 --gid ci-intel --home-dir /app --no-create-home --shell /usr/sbin/nologin ci-intel \
 && mkdir -p /data \
 && chown ci-intel:ci-intel /data
WORKDIR /app
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY README.md LICENSE ./
USER ci-intel
VOLUME /data
EXPOSE 8080
# slim images have no curl: node's own fetch asks the hub whether its store answers.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8080/readyz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "/app/dist/cli/main.js"]
CMD ["serve"]
