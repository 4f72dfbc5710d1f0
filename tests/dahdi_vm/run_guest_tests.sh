#!/usr/bin/env bash
# Boots the DAHDI test guest once and runs ivrd's guest-side tests in it
# (guest/ivrd_tests.sh): run_guest_tests.sh PATH/TO/ivrd_dahdi_vm_tests
# Exits with the guest's status (0 = every check passed); see
# run_dahdi_vm.sh for the rig's own codes (124 timeout, 125 rig error, 126
# guest kernel crash).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
program=${1:?usage: run_guest_tests.sh PATH/TO/ivrd_dahdi_vm_tests}
[[ -x "$program" ]] || { echo "run_guest_tests: no such program: $program" >&2; exit 125; }
rc=0
bash "$here/run_dahdi_vm.sh" --add "$program" --run "$here/guest/ivrd_tests.sh" \
  --timeout "${DAHDIVM_TIMEOUT:-600}" || rc=$?
echo "run_guest_tests: guest result $rc ($([[ $rc == 0 ]] && echo PASS || echo FAIL))"
exit "$rc"
