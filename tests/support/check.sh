# The bookkeeping of the shell test suites, in Check's terms: each
# behaviour is a function, run by `check NAME`, which logs PASS or FAIL;
# `summary` prints Check's summary line, which tests/run.sh counts, and
# fails when a check did. A suite may define on_check_failure to show
# what helps after a failure (a journal, a log).
passed=0
failed=0

log() {
	printf '%s\n' "$*" >&2
}

check() {
	local name=$1
	if "$name"; then
		passed=$((passed + 1))
		log "PASS $name"
	else
		failed=$((failed + 1))
		log "FAIL $name"
		if declare -F on_check_failure >/dev/null; then
			on_check_failure
		fi
	fi
}

# Counts COUNT checks that could not run as failed, saying why.
checks_not_run() {
	local count=$1 why=$2
	failed=$((failed + count))
	log "FAIL: $why"
}

# Polls COMMAND... every 50 ms until it succeeds, for at most SECONDS: a
# test waits for the event it needs, never a fixed time.
within() {
	local seconds=$1 deadline
	shift
	deadline=$((SECONDS + seconds))
	until "$@"; do
		[ "$SECONDS" -ge "$deadline" ] && return 1
		sleep 0.05
	done
}

summary() {
	local total=$((passed + failed))
	echo "$((total ? 100 * passed / total : 0))%: Checks: $total, Failures: $failed, Errors: 0"
	[ "$failed" -eq 0 ]
}
