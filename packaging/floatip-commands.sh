#!/bin/sh
# `floatip` and `floatipd` in the container image, where floatip lives in /opt/floatip (the Debian
# package has its own, packaging/deb/floatip-run; `docker exec floatipd floatip status`): one script, installed under both
# names, runs the built CLI or daemon by the name it was called.
# floatipd's node options: src/node-options.ts says why (FLOATIPD_NODE_OPTIONS).
case "$(basename "$0")" in
  floatipd) exec node --single-threaded-gc /opt/floatip/dist/src/daemon/main.js "$@" ;;
  *) exec node /opt/floatip/dist/src/cli/main.js "$@" ;;
esac
