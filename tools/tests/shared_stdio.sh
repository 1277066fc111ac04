#!/usr/bin/env bash
# tools/wrun/stdio-*: `wrun GUEST >> LOG < PIPE` with a guest that tries to change its stdio
# (stdio_hostile.wat). The log must keep what it had (O_APPEND stays on the parent's open
# file description) and the pipe must not be left non-blocking for the shell after wrun exits.
set -u
wrun=$1 guest=$2 work=$3
rm -rf "$work" && mkdir -p "$work" || exit 1
log=$work/app.log
printf 'earlier line\n' > "$log"
flags=$(
  { "$wrun" "$guest" >> "$log"; echo "status=$?" >&2
    awk '/^flags:/ { print $2 }' /proc/self/fdinfo/0; } < <(sleep 2) 2> "$work/status"
)
status=$(cat "$work/status")
fail=0
if [[ $status != "status=0" ]]; then
  echo "the guest was let through $status (expected every attempt refused, status=0)"; fail=1
fi
if [[ $(cat "$log") != $'earlier line\nappended' ]]; then
  echo "the log changed:"; cat "$log"; fail=1
fi
if [[ -z $flags ]]; then
  echo "cannot read the pipe's flags from /proc/self/fdinfo/0"; fail=1
elif (( (8#$flags & 8#4000) != 0 )); then
  echo "stdin was left O_NONBLOCK (flags $flags)"; fail=1
fi
exit $fail
