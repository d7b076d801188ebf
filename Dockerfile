# floatip image: the build stage compiles the TypeScript and the native addon (npm ci runs
# node-gyp); the runtime stage carries only what floatipd needs at run time. Run with host
# networking, since floatipd manages the host's own addresses (docs/deploying.md#docker):
#   docker run -d --name floatipd --init --network host --cap-add NET_ADMIN --cap-add NET_RAW \
#     -v /etc/floatip:/etc/floatip floatip
FROM node:20-bookworm AS build
WORKDIR /src
# The full bookworm image has python3, make, g++ and OpenSSL's headers (the guardian's HMAC) already;
# say so, so a change of base image fails here.
RUN command -v python3 make g++ && test -e /usr/include/openssl/hmac.h
# The official image keeps Node's headers under /usr/local: build against them, no download.
ENV npm_config_nodedir=/usr/local
COPY package.json package-lock.json binding.gyp ./
COPY native ./native
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY bench ./bench
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim
# iproute2: the shipped event scripts call `ip`; procps: `pgrep`/`pkill` in scripts; libssl3: the
# guardian program's libcrypto.
RUN apt-get update && apt-get install -y --no-install-recommends iproute2 procps libssl3 \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /opt/floatip
# package.json and binding.gyp mark the package root, where the daemon looks for build/Release.
COPY --from=build /src/package.json /src/binding.gyp ./
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY --from=build /src/build/Release ./build/Release
# The shipped scripts, to copy into the host's /etc/floatip/events.d (a mount over /etc/floatip hides the image's own).
COPY events.d ./events.d
COPY packaging/floatip-commands.sh /usr/local/bin/floatip
RUN chmod 755 /usr/local/bin/floatip \
    && ln -s /usr/local/bin/floatip /usr/local/bin/floatipd
ENTRYPOINT ["node", "/opt/floatip/dist/src/daemon/main.js"]
