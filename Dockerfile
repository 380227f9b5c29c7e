# syntax=docker/dockerfile:1

# --- build: compile TypeScript and better-sqlite3 (bcrypt ships its binaries) --------------------
FROM node:26-trixie-slim AS build
WORKDIR /app
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
ENV SCARF_ANALYTICS=false
COPY package.json package-lock.json .prebuild-installrc ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json nest-cli.json ormconfig.ts ./
COPY src ./src
RUN npm run build \
 && npm ci --omit=dev --no-audit --no-fund

# --- runtime: only the build and the production dependencies, as an unprivileged user --------
FROM node:26-trixie-slim
WORKDIR /app
ENV NODE_ENV=production \
    PORT=3000 \
    DATABASE_URL=sqlite:/data/gatehouse.sqlite
COPY --from=build --chown=root:root /app/package.json ./
COPY --from=build --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /app/dist ./dist
# The gatehouse command (npx gatehouse <verb>, npm run migration:run) and the server's launcher
# run the build above.
COPY --chown=root:root bin ./bin
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 3000
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PORT}/health/live`).then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# As `npm run start:prod`: the launcher starts node with the options that keep resident memory low
# and bcrypt's threads at the lowest priority (docs/deploying.md says why).
CMD ["bin/gatehouse-server"]
