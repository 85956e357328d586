"""Module layout and interface rules (STYLE.md, Terraform): files, typed and described
variables, described outputs, root wiring that matches the modules' interfaces."""
from __future__ import annotations

import re

import pytest

from tf_hcl import MODULE_NAMES, MODULE_REF, MODULES, TERRAFORM, all_dirs, modules, root, strings_in, unquote  # noqa: F401 (fixtures)

REQUIRED_FILES = ["main.tf", "variables.tf", "outputs.tf", "versions.tf", "README.md"]
META_ARGUMENTS = {"source", "version", "providers", "depends_on", "count", "for_each", "__is_block__"}


@pytest.mark.parametrize("name", MODULE_NAMES)
def test_every_module_has_the_five_files(name):
    missing = [f for f in REQUIRED_FILES if not (MODULES / name / f).is_file()]
    assert not missing, f"modules/{name} lacks {missing}"


def test_root_has_its_files_and_example_env():
    for f in ["main.tf", "variables.tf", "outputs.tf", "versions.tf", "providers.tf", "README.md", "envs/dev.tfvars"]:
        assert (TERRAFORM / f).is_file(), f"terraform/{f} missing"


def test_every_variable_has_a_type_and_a_description(root, modules):
    problems = []
    for where, tf in all_dirs(root, modules):
        for name, body in tf.variables.items():
            if "type" not in body:
                problems.append(f"{where}: variable {name} has no type")
            if not unquote(body.get("description", "")).strip():
                problems.append(f"{where}: variable {name} has no description")
    assert not problems, "\n".join(problems)


def test_every_output_has_a_description(root, modules):
    problems = [
        f"{where}: output {name}"
        for where, tf in all_dirs(root, modules)
        for name, body in tf.outputs.items()
        if not unquote(body.get("description", "")).strip()
    ]
    assert not problems, "outputs without description:\n" + "\n".join(problems)


def test_root_calls_every_module_from_its_local_folder(root):
    calls = {label: unquote(body["source"]) for label, body, _ in root.blocks("module")}
    assert calls == {name: f"./modules/{name}" for name in MODULE_NAMES}


def test_every_input_the_root_passes_is_a_module_variable(root, modules):
    problems = []
    for label, body, _ in root.blocks("module"):
        declared = modules[label].variables
        for arg in body:
            if arg not in META_ARGUMENTS and arg not in declared:
                problems.append(f"module.{label}: input {arg} is not a variable of modules/{label}")
    assert not problems, "\n".join(problems)


def test_every_required_module_variable_is_passed(root, modules):
    problems = []
    for label, body, _ in root.blocks("module"):
        for name, var in modules[label].variables.items():
            if "default" not in var and name not in body:
                problems.append(f"module.{label}: required variable {name} is not passed")
    assert not problems, "\n".join(problems)


def test_every_module_output_the_root_references_exists(root, modules):
    problems = []
    for file, doc in root.files.items():
        for text in strings_in(doc):
            for mod, out in MODULE_REF.findall(text):
                if mod not in modules:
                    problems.append(f"{file}: module.{mod} is not a module of the root")
                elif out not in modules[mod].outputs:
                    problems.append(f"{file}: module.{mod}.{out} is not an output of modules/{mod}")
    assert not problems, "\n".join(problems)


def test_modules_never_reach_into_each_other(modules):
    problems = []
    for name, tf in modules.items():
        for file, doc in tf.files.items():
            for text in strings_in(doc):
                if MODULE_REF.search(text) or "terraform_remote_state" in text or "../" in text:
                    problems.append(f"modules/{name}/{file}: {text[:80]}")
    assert not problems, "\n".join(problems)


def test_tags_flow_from_the_root_into_every_module(root, modules):
    for label, body, _ in root.blocks("module"):
        assert body.get("tags") == "${local.tags}", f"module.{label} does not receive local.tags"
        assert "tags" in modules[label].variables
    providers = root.files["providers.tf"]["provider"]
    for entry in providers:
        for _, body in entry.items():
            assert body["default_tags"][0]["tags"] == "${local.tags}"


def test_taggable_resources_carry_the_tags_variable(modules):
    # Resources that accept tags and are created by these modules; provider default_tags adds them
    # too, the explicit tags keep a module correct when used with another provider configuration.
    taggable = {
        "aws_vpc", "aws_subnet", "aws_security_group", "aws_s3_bucket", "aws_db_instance", "aws_kms_key",
        "aws_secretsmanager_secret", "aws_ecs_cluster", "aws_ecs_service", "aws_ecs_task_definition",
        "aws_instance", "aws_glue_job", "aws_glue_connection", "aws_cloudwatch_log_group", "aws_sns_topic",
        "aws_iam_role", "aws_cloudwatch_metric_alarm", "aws_cloudwatch_event_rule", "aws_ecr_repository",
    }
    problems = [
        f"modules/{name}: {rtype}.{rname}"
        for name, tf in modules.items()
        for rtype, rname, body, _ in tf.resources()
        if rtype in taggable and "var.tags" not in str(body.get("tags", ""))
    ]
    assert not problems, "resources without var.tags:\n" + "\n".join(problems)


def test_remote_state_is_s3_with_locking(root):
    backend = root.files["versions.tf"]["terraform"][0]["backend"][0]
    assert list(backend) == ['"s3"'] or "s3" in {unquote(k) for k in backend}
    config = next(iter(backend.values()))
    assert config.get("use_lockfile") is True
    assert config.get("encrypt") is True
    assert (TERRAFORM / "envs" / "dev.backend.hcl").is_file()


def test_every_checkov_skip_carries_a_reason():
    pattern = re.compile(r"#\s*checkov:skip=(\S*)")
    problems = []
    for tf in TERRAFORM.rglob("*.tf"):
        for n, line in enumerate(tf.read_text().splitlines(), 1):
            m = pattern.search(line)
            if m and not re.fullmatch(r"CKV2?_[A-Z]+_\d+:.{10,}", line[m.start(1):].strip()):
                problems.append(f"{tf.relative_to(TERRAFORM)}:{n}: {line.strip()}")
    assert not problems, "\n".join(problems)


def test_readmes_list_every_input_and_output(root, modules):
    problems = []
    for where, tf in all_dirs(root, modules):
        readme = (tf.path / "README.md").read_text()
        for kind, names in (("input", tf.variables), ("output", tf.outputs)):
            problems += [f"{where}/README.md lacks {kind} {n}" for n in names if f"| `{n}` |" not in readme]
    assert not problems, "\n".join(problems)
