# syntax=docker/dockerfile:1
# The nanofuse image: the compiled CLI (dist/, built here as `npm ci` builds it in a checkout) and
# the production dependencies. tsx stays (a dependency): the host loads it for TypeScript apps.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json ./
COPY scripts ./scripts
COPY src ./src
RUN npm run build

FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# No scripts: `prepare` would build dist/, which comes from the build stage.
RUN npm ci --omit=dev --no-audit --no-fund --ignore-scripts

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin ./bin
COPY migrations ./migrations
COPY examples ./examples
COPY fixtures ./fixtures
# The embedded store lives in /data (a volume); DATABASE_URL=postgres://… uses PostgreSQL instead.
# Inside a container the API must listen beyond loopback to be reachable, which `serve` refuses
# while the store holds no token: create one first (`docker run … token create --role admin`).
RUN mkdir /data && chown node:node /data
VOLUME /data
ENV DATABASE_URL=/data \
    NANOFUSE_HOST=0.0.0.0 \
    NANOFUSE_OTLP_HOST=0.0.0.0
USER node
# 8080: the API, its OpenAPI document and /healthz; 4318: the OTLP/HTTP receiver.
EXPOSE 8080 4318
# The image has no curl: Node's own fetch asks /healthz (200 once ready and the store answers).
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.NANOFUSE_PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["node", "bin/nanofuse.js"]
CMD ["serve"]
