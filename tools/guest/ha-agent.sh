# shellcheck shell=bash
# tools/guest/ha-agent.sh: a guest that stays up and takes commands from the
# host, for tools/ha-test.sh, which drives three guests at once (two targets
# and an initiator) and so cannot give each one a single script to run.
#
# The mailbox is $RESULTS/ctl (the guest's results directory, a 9p share
# that the host sees as <results>/ctl):
#   ready      written once the agent listens
#   cmd.N      the Nth command, one line of words: NAME ARGS... (the host
#              writes it under another name and renames it)
#   out.N      the command's stdout and stderr
#   rc.N       its exit status, written (renamed into place) when it ended
# Command NAME runs the shell function ha_cmd_NAME of the sourcing script in
# the agent's own shell, so a command can leave state (a background job,
# variables) for a later one.  "stop" ends the loop: ha_agent_loop returns
# the number of commands that failed (at most 100), and the guest powers
# off.  The commands must not exit (lib.sh's fail() does): they return
# nonzero instead.
#
#   source "$SRPT_REPO/tools/guest/ha-agent.sh"
#   ha_cmd_hello() { echo "hello $*"; }
#   ha_agent_loop

HA_CTL=${RESULTS:-/results}/ctl
HA_POLL=0.3

ha_log() { echo "ha-agent[$(hostname)] $(date -u +%T.%N | cut -c1-12): $*"; }

# ha_now: seconds since the epoch with microseconds (no fork).
ha_now() { echo "$EPOCHREALTIME"; }

ha_agent_loop() {
	local n=1 line rc failed=0
	local -a words
	mkdir -p "$HA_CTL" || { ha_log "cannot create $HA_CTL"; return 1; }
	hostname >"$HA_CTL/ready"
	ha_log "listening on $HA_CTL"
	while :; do
		if [ ! -e "$HA_CTL/cmd.$n" ]; then
			sleep "$HA_POLL"
			continue
		fi
		read -r line <"$HA_CTL/cmd.$n" || true
		read -r -a words <<<"$line"
		if [ "${words[0]:-}" = stop ]; then
			ha_log "cmd.$n: stop ($failed command(s) failed)"
			echo "stopping; $failed command(s) failed" >"$HA_CTL/out.$n"
			echo 0 >"$HA_CTL/.rc.$n" && mv "$HA_CTL/.rc.$n" "$HA_CTL/rc.$n"
			[ "$failed" -le 100 ] || failed=100
			return "$failed"
		fi
		ha_log "cmd.$n: $line"
		rc=0
		if declare -F "ha_cmd_${words[0]:-}" >/dev/null; then
			"ha_cmd_${words[0]}" "${words[@]:1}" >"$HA_CTL/out.$n" 2>&1 </dev/null || rc=$?
		else
			echo "unknown command '${words[0]:-}'" >"$HA_CTL/out.$n"
			rc=127
		fi
		[ "$rc" = 0 ] || failed=$((failed + 1))
		ha_log "cmd.$n: ${words[0]:-} exited $rc"
		echo "$rc" >"$HA_CTL/.rc.$n" && mv "$HA_CTL/.rc.$n" "$HA_CTL/rc.$n"
		n=$((n + 1))
	done
}

# ha_cmd_sleep SECS: nothing (lets the host test the mailbox).
ha_cmd_sleep() { sleep "${1:-0}"; }
