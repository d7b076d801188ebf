#!/bin/sh
# `floatip` and `floatipd` for a floatip installed in /opt/floatip (docs/deploying.md), in the
# container image too (`docker exec floatipd floatip status`): one script, installed under both
# names, runs the built CLI or daemon by the name it was called.
case "$(basename "$0")" in
  floatipd) exec node /opt/floatip/dist/src/daemon/main.js "$@" ;;
  *) exec node /opt/floatip/dist/src/cli/main.js "$@" ;;
esac
