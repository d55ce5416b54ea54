# memstore sidecar image: node 20, production dependencies, the compiled CLI.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY bin ./bin
COPY sql ./sql
RUN npm ci --no-audit --no-fund && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
COPY --from=build /app /app
USER node
EXPOSE 6433 9433
ENTRYPOINT ["node", "/app/dist/cli/main.js"]
