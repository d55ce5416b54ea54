# memstore sidecar image: Node 20, the compiled CLI and its production dependencies.
#
# The embedded PostgreSQL 17 of `npm start` (an optional npm dependency, ~60 MB) is pruned: the
# image always follows a real server, given with MEMSTORE_SOURCE / --source. Settings are the
# CLI's flags or MEMSTORE_* variables (README "Command line").
#
#   docker build -t memstore-sidecar .
#   docker run -e MEMSTORE_SOURCE=postgres://… -e MEMSTORE_ID=web-1 -p 9433:9433 memstore-sidecar
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY bin ./bin
COPY sql ./sql
# `npm ci` runs the `prepare` script (tsc → dist/); then drop dev and optional dependencies.
RUN npm ci --no-audit --no-fund && npm prune --omit=dev --omit=optional --no-audit --no-fund

FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    MEMSTORE_HTTP=0.0.0.0:9433 \
    MEMSTORE_DATA_DIR=/var/lib/memstore \
    MEMSTORE_LOG_FORMAT=json
WORKDIR /app
COPY --from=build /app /app
# Dumps live here; owned by the unprivileged user the sidecar runs as.
RUN mkdir -p /var/lib/memstore && chown node:node /var/lib/memstore
USER node
VOLUME /var/lib/memstore
# 6433 pgwire (MEMSTORE_LISTEN; the default 127.0.0.1 serves only this container/pod: set
# 0.0.0.0:6433 with MEMSTORE_USER/MEMSTORE_PASSWORD to serve other containers), 9433 HTTP.
EXPOSE 6433 9433
# Ready = initial sync done, stream live, lag under MEMSTORE_READY_MAX_LAG_BYTES (GET /readyz).
HEALTHCHECK --interval=5s --timeout=3s --start-period=300s --retries=3 \
  CMD ["node", "-e", "const a=(process.env.MEMSTORE_HTTP||'127.0.0.1:9433').replace(/^(0\\.0\\.0\\.0|\\[::\\]):/,'127.0.0.1:');fetch('http://'+a+'/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["node", "/app/dist/cli/main.js"]
