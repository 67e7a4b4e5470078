# syntax=docker/dockerfile:1
# The nanofuse service image. Sources run through tsx (as in the checkout), so the image has no
# separate build output to drift from the code.
FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY bin ./bin
COPY src ./src
COPY migrations ./migrations
COPY fixtures ./fixtures
USER node
EXPOSE 4318
ENTRYPOINT ["node", "bin/nanofuse.js"]
CMD ["replay", "fixtures/"]
