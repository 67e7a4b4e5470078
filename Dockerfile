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
USER node
# No EXPOSE yet: nothing in the image listens on a fixed port (the embedded server is still to come;
# `nanofuse host` listens on free loopback ports).
ENTRYPOINT ["node", "bin/nanofuse.js"]
CMD ["replay", "fixtures/"]
