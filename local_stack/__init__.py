"""Local stack runner: runs the SAM template's functions against local engines without Docker or AWS.

The template (``template.yaml``) is the single source of truth; ``local_stack.local_server`` is the
entry point.
"""

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_TEMPLATE = REPO_ROOT / "template.yaml"
DEFAULT_STATE_DIR = REPO_ROOT / ".local"
LOCAL_REGION = "us-east-1"
# moto's default account; DynamoDB Local ignores accounts, so ARNs agree with what moto hands out.
LOCAL_ACCOUNT_ID = "123456789012"
