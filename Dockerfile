# floatip image: build stage compiles TypeScript and the native addon; the runtime stage
# carries only what floatipd needs. Run with host networking:
#   docker run --network host --cap-add NET_ADMIN --cap-add NET_RAW \
#     -v /etc/floatip:/etc/floatip floatip
FROM node:20-bookworm AS build
WORKDIR /src
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ \
    && rm -rf /var/lib/apt/lists/*
# The official image keeps Node's headers under /usr/local: build against them, no download.
ENV npm_config_nodedir=/usr/local
COPY package.json package-lock.json binding.gyp* ./
COPY native ./native
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY bench ./bench
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends iproute2 \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /opt/floatip
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY --from=build /src/build ./build
COPY events.d /etc/floatip/events.d.dist
ENTRYPOINT ["node", "/opt/floatip/dist/src/daemon/main.js"]
