"""template.yaml as deployed: alarms for every function, the table kept, and the README's Deploy section
naming exactly the template's parameters and outputs."""

from __future__ import annotations

import json
import re
import tomllib
from typing import Any

from tests.conftest import ROOT, load_handler, template
from tools import function_alarms


def _doc() -> dict[str, Any]:
    from cfnlint.decode import decode_str

    decoded, _ = decode_str((ROOT / "template.yaml").read_text(encoding="utf-8"))
    return dict(json.loads(json.dumps(decoded)))


DOC = _doc()
RESOURCES = DOC["Resources"]
FUNCTIONS = [k for k, v in RESOURCES.items() if v["Type"] == "AWS::Serverless::Function"]


def test_every_function_has_error_and_throttle_alarms() -> None:
    text = (ROOT / "template.yaml").read_text(encoding="utf-8")
    assert function_alarms.updated(text) == text, "per-function alarms are stale: run `make alarms`"
    for fn in FUNCTIONS:
        for metric in ("Errors", "Throttles"):
            alarm = RESOURCES[f"{fn}{metric}Alarm"]["Properties"]
            assert alarm["MetricName"] == metric and alarm["Dimensions"][0]["Value"] == {"Ref": fn}


def test_every_alarm_notifies_the_alarm_topic() -> None:
    topic = [{"Fn::If": ["CreateAlarmTopic", {"Ref": "AlarmTopic"}, {"Ref": "AlarmTopicArn"}]}]
    alarms = {k: v for k, v in RESOURCES.items() if v["Type"] == "AWS::CloudWatch::Alarm"}
    assert len(alarms) >= 2 * len(FUNCTIONS) + 7
    assert all(a["Properties"]["AlarmActions"] == topic for a in alarms.values())


def test_balances_outlive_the_stack() -> None:
    table = RESOURCES["PointsTable"]
    assert table["DeletionPolicy"] == table["UpdateReplacePolicy"] == "Retain"
    assert table["Properties"]["DeletionProtectionEnabled"] is True
    assert table["Properties"]["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True


def test_settler_and_jobs_have_reserved_concurrency() -> None:
    reserved = {fn for fn in FUNCTIONS if "ReservedConcurrentExecutions" in RESOURCES[fn]["Properties"]}
    jobs = {fn.logical_id for fn in template().functions if fn.schedules or fn.queues or fn.streams}
    assert reserved == jobs


def test_public_routes_in_the_template_are_the_public_routes_in_code() -> None:
    for fn in template().functions:
        if not fn.routes or fn.logical_id == "OpenApiFunction":
            continue
        declared = load_handler(fn.handler_file.parent.name).routes.access
        for route in fn.routes:
            assert (route.authorizer is None) == declared[route.route_key].public, route.route_key


def test_the_layer_lists_the_architecture_it_is_built_for() -> None:
    layer = RESOURCES["SharedLayer"]
    assert layer["Properties"]["CompatibleArchitectures"] == [layer["Metadata"]["BuildArchitecture"]]


def test_samconfig_has_a_dev_and_a_prod_environment() -> None:
    config = tomllib.loads((ROOT / "samconfig.toml").read_text(encoding="utf-8"))
    for stage in ("dev", "prod"):
        deploy = config[stage]["deploy"]["parameters"]
        assert f"Stage={stage}" in deploy["parameter_overrides"]
        assert set(re.findall(r"(\w+)=", deploy["parameter_overrides"])) <= set(DOC["Parameters"])


def _readme_deploy() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return text[text.index("## Deploy") :]


def test_the_readme_names_every_parameter_and_output_and_no_other() -> None:
    section = _readme_deploy()
    named_parameters = set(re.findall(r"^\| `(\w+)` \|", section[: section.index("### Outputs")], re.M))
    named_outputs = set(re.findall(r"^\| `(\w+)` \|", section[section.index("### Outputs") :], re.M))
    assert named_parameters == set(DOC["Parameters"])
    assert named_outputs == set(DOC["Outputs"])
    alarms = {k for k, v in RESOURCES.items() if v["Type"] == "AWS::CloudWatch::Alarm"}
    for alarm in alarms - {f"{fn}{m}Alarm" for fn in FUNCTIONS for m in ("Errors", "Throttles")}:
        assert f"`{alarm}`" in section, f"README Deploy: what to do when {alarm} fires"
