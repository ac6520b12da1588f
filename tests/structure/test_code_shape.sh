#!/usr/bin/env bash
# The shape the code keeps, checked as a reviewer would: no cycles between
# modules, no function longer than a reader can take in without scrolling
# (80 lines), and every source file opening with a comment on its role
# (scripts/code-shape.py). Prints Check's summary line, which tests/run.sh
# counts.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
. tests/support/check.sh

no_cycles_between_modules() {
	local output
	output=$(python3 scripts/code-shape.py --cycles) && return 0
	log "$output"
	return 1
}

no_function_over_80_lines() {
	local output
	output=$(python3 scripts/code-shape.py --functions --longer-than 80) && return 0
	log "$output"
	return 1
}

# The licence line, then a comment that says what the file is for.
every_source_file_opens_with_its_role() {
	local file missing=""
	for file in $(git ls-files 'agent/*.[ch]' 'common/*.[ch]' 'tenantctl/*.c' 'bpf/*.[ch]' \
		'include/*.h'); do
		sed -n 2p "$file" | grep -q '^/\* [^ ]' || missing="$missing $file"
	done
	[ -z "$missing" ] && return 0
	log "  files whose second line opens no comment on their role:$missing"
	return 1
}

echo "Running suite(s): code shape"
check no_cycles_between_modules
check no_function_over_80_lines
check every_source_file_opens_with_its_role
summary
