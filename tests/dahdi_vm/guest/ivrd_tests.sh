#!/bin/sh
# Runs in the DAHDI test guest (after dahdi_cfg): ivrd's DAHDI backend tests.
# The alarm test runs after the others, alone: it removes span 4 and brings
# it back unconfigured; dahdi_cfg then builds every span afresh, and the
# vanish test runs last: it unassigns span 3 under an open channel.
echo "--- dahdi_scan"
dahdi_scan | grep -E '^\[|^(type|alarms|description|name|totchans)=' | sed 's/^/  /'
echo "--- ivrd_dahdi_vm_tests"
ivrd_dahdi_vm_tests --use-colour no --durations yes '~[alarm]~[vanish]'; first=$?
ivrd_dahdi_vm_tests --use-colour no --durations yes '[alarm]'; second=$?
dahdi_cfg >/tmp/dahdi_cfg.log 2>&1 || { echo "dahdi_cfg failed:"; tail -5 /tmp/dahdi_cfg.log; }
ivrd_dahdi_vm_tests --use-colour no --durations yes '[vanish]'; third=$?
dmesg | grep -iE 'dahdi|tdmo|BUG|oops' | tail -8 | sed 's/^/  dmesg: /'
if [ $first = 0 ] && [ $second = 0 ] && [ $third = 0 ]; then
	echo "ivrd guest tests: PASS"
	exit 0
fi
echo "ivrd guest tests: FAIL (main run $first, alarm run $second, vanish run $third)"
exit 1
