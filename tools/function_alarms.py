"""Write the per-function alarms of template.yaml: errors and throttles of every function, to the alarm topic.

CloudFormation has no loop that SAM CLI builds (`Fn::ForEach` over resources breaks `sam build` 1.170),
so the block between the markers is generated from the template's own functions: `make alarms` after
adding a function, and a test (tests/deploy/test_template.py) fails while one is missing.

    python -m tools.function_alarms           # rewrite the block in template.yaml
    python -m tools.function_alarms --check   # exit 1 when the block is stale
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "template.yaml"
BEGIN = "  # >>> per-function alarms: `make alarms` writes them (tools/function_alarms.py); do not edit >>>"
END = "  # <<< per-function alarms <<<"

# Errors: an unhandled exception or a timeout (business refusals are answers, not errors).
# Throttles: an invocation refused for concurrency (reserved concurrency reached, or the account's).
KINDS = {
    "Errors": "failed (an unhandled exception or a timeout)",
    "Throttles": "was throttled (its reserved concurrency or the account's limit was reached)",
}


def function_ids(template_text: str) -> list[str]:
    """Logical ids of the template's `AWS::Serverless::Function` resources, in template order."""
    from cfnlint.decode import decode_str

    decoded, matches = decode_str(template_text)
    if decoded is None:
        raise SystemExit("template.yaml does not parse: " + "; ".join(str(m) for m in matches))
    resources = decoded.get("Resources") or {}
    return [name for name, res in resources.items() if res.get("Type") == "AWS::Serverless::Function"]


def render(functions: list[str]) -> str:
    lines = [BEGIN]
    for fn in functions:
        for metric, what in KINDS.items():
            lines += [
                f"  {fn}{metric}Alarm:",
                "    Type: AWS::CloudWatch::Alarm",
                "    Properties:",
                f'      AlarmDescription: "{fn} {what} (README \\"Alarms\\")"',
                "      Namespace: AWS/Lambda",
                f"      MetricName: {metric}",
                f"      Dimensions: [{{ Name: FunctionName, Value: !Ref {fn} }}]",
                "      Statistic: Sum",
                "      Period: 300",
                "      EvaluationPeriods: 1",
                "      Threshold: 1",
                "      ComparisonOperator: GreaterThanOrEqualToThreshold",
                "      TreatMissingData: notBreaching",
                "      AlarmActions: [!If [CreateAlarmTopic, !Ref AlarmTopic, !Ref AlarmTopicArn]]",
                "",
            ]
    lines.append(END)
    return "\n".join(lines)


def updated(template_text: str) -> str:
    """`template_text` with the block between the markers generated afresh."""
    start, end = template_text.find(BEGIN), template_text.find(END)
    if start < 0 or end < start:
        raise SystemExit(f"template.yaml lacks the markers:\n{BEGIN}\n{END}")
    return template_text[:start] + render(function_ids(template_text)) + template_text[end + len(END) :]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the block is stale")
    args = parser.parse_args()
    text = TEMPLATE.read_text(encoding="utf-8")
    fresh = updated(text)
    if args.check:
        if fresh != text:
            print("template.yaml: the per-function alarms are stale; run `make alarms`", file=sys.stderr)
            return 1
        return 0
    if fresh != text:
        TEMPLATE.write_text(fresh, encoding="utf-8")
        print("template.yaml: per-function alarms rewritten")
    return 0


if __name__ == "__main__":
    sys.exit(main())
