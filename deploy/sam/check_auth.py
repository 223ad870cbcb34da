"""Run with the SAM CLI's venv: fail when `sam deploy --guided` would ask "X has no authentication".

The guided deploy asks that for every HttpApi event of a function without an `Auth` of its own or on its
API. Every route here either runs the authorizer (the API's DefaultAuthorizer) or says `Authorizer: NONE`
(the public ones, declared PUBLIC in code too: tests/deploy/test_template.py checks the two agree).
This asks SAM CLI's own check, so a change in how SAM decides shows up here, not at a deploy.

    .venv-sam/bin/python deploy/sam/check_auth.py template.yaml
"""

from __future__ import annotations

import sys

from samcli.commands.deploy.auth_utils import auth_per_resource
from samcli.lib.providers.sam_stack_provider import SamLocalStackProvider


def main(template: str) -> int:
    stacks, _ = SamLocalStackProvider.get_stacks(template)
    checked = auth_per_resource(stacks)
    unprotected = sorted({name for name, protected in checked if not protected})
    if unprotected:
        print(f"sam deploy --guided would ask about: {', '.join(unprotected)}", file=sys.stderr)
        return 1
    print(f"{template}: all {len(checked)} API events are behind the authorizer or declared public")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "template.yaml"))
