#!/usr/bin/env bash
# Run a server for a test and make sure it dies with the test.
# Usage: watchdog.sh <parent-pid> <max-seconds> <command...>
# The command runs in its own session (process group); the group is killed when the parent
# (the test process) exits, when the command exits, or after <max-seconds>, whichever is first.
parent=$1; max=$2; shift 2
setsid "$@" &
child=$!
stop() { kill -TERM -- "-$child" 2>/dev/null; sleep 1; kill -KILL -- "-$child" 2>/dev/null; exit 0; }
trap stop TERM INT
deadline=$((SECONDS + max))
while kill -0 "$parent" 2>/dev/null && kill -0 "$child" 2>/dev/null && ((SECONDS < deadline)); do
  sleep 0.3
done
stop
