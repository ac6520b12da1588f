#!/usr/bin/env bash
# The alerting and recording rules shipped in contrib/prometheus/: valid
# for Prometheus, and each rule's behaviour as tenantd-rules.test.yml
# specifies it (promtool test rules). Prints Check's summary line, which
# tests/run.sh counts.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
. tests/support/check.sh

rules=contrib/prometheus/tenantd-rules.yml
rule_tests=contrib/prometheus/tenantd-rules.test.yml

the_rules_are_valid_for_prometheus() {
	promtool check rules "$rules" >&2
}

every_rule_behaves_as_its_unit_tests_specify() {
	promtool test rules "$rule_tests" >&2
}

# Every rule the file defines is exercised by at least one unit test.
every_rule_has_a_unit_test() {
	local name missing=""
	for name in $(sed -n 's/^ *- \(alert\|record\): *//p' "$rules"); do
		grep -qE "(alertname: $name\$|expr: $name\$)" "$rule_tests" || missing="$missing $name"
	done
	[ -z "$missing" ] && return 0
	log "  rules without a unit test:$missing"
	return 1
}

check the_rules_are_valid_for_prometheus
check every_rule_behaves_as_its_unit_tests_specify
check every_rule_has_a_unit_test
summary
