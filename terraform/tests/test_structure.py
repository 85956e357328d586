"""Module layout and interface rules (STYLE.md, Terraform): files, typed and described
variables, described outputs, root wiring that matches the modules' interfaces."""
from __future__ import annotations

import re

import pytest

from tf_hcl import (  # noqa: F401 (fixtures)
    ALL_MODULE_NAMES, BUILDING_BLOCK_NAMES, MODULE_NAMES, MODULE_REF, MODULES, TERRAFORM, all_dirs, module_calls,
    modules, root, strings_in, unquote,
)

REQUIRED_FILES = ["main.tf", "variables.tf", "outputs.tf", "versions.tf", "README.md"]
META_ARGUMENTS = {"source", "version", "providers", "depends_on", "count", "for_each"}


def is_input(arg):
    """A module call's argument that sets a variable (python-hcl2 adds __is_block__, __comments__, ...)."""
    return arg not in META_ARGUMENTS and not arg.startswith("__")


@pytest.mark.parametrize("name", ALL_MODULE_NAMES)
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


def test_every_building_block_is_called_by_a_module(modules):
    callers = {name: [] for name in BUILDING_BLOCK_NAMES}
    for name in MODULE_NAMES:
        for _, body, _ in modules[name].blocks("module"):
            target = unquote(body.get("source", "")).removeprefix("../")
            if target in callers:
                callers[target].append(name)
    unused = [name for name, by in callers.items() if not by]
    assert not unused, f"building blocks no module calls: {unused}"


# The root's module calls and the modules' calls of building blocks follow the same rules.
def test_every_input_passed_to_a_module_is_one_of_its_variables(root, modules):
    problems = []
    for caller, label, body, target in module_calls(root, modules):
        if target not in modules:
            problems.append(f"{caller}: module.{label} calls {body.get('source')}, not a folder of modules/")
            continue
        declared = modules[target].variables
        for arg in body:
            if is_input(arg) and arg not in declared:
                problems.append(f"{caller}: module.{label}: input {arg} is not a variable of modules/{target}")
    assert not problems, "\n".join(problems)


def test_every_required_module_variable_is_passed(root, modules):
    problems = []
    for caller, label, body, target in module_calls(root, modules):
        for name, var in modules[target].variables.items() if target in modules else ():
            if "default" not in var and name not in body:
                problems.append(f"{caller}: module.{label}: required variable {name} of modules/{target} is not passed")
    assert not problems, "\n".join(problems)


def test_every_module_output_referenced_exists(root, modules):
    problems = []
    for where, tf in all_dirs(root, modules):
        calls = {label: target for caller, label, _, target in module_calls(root, modules) if caller == where}
        for file, doc in tf.files.items():
            for text in strings_in(doc):
                for mod, out in MODULE_REF.findall(text):
                    if calls.get(mod) not in modules:
                        problems.append(f"{where}/{file}: module.{mod} is not a module {where} calls")
                    elif out not in modules[calls[mod]].outputs:
                        problems.append(f"{where}/{file}: module.{mod}.{out} is not an output of modules/{calls[mod]}")
    assert not problems, "\n".join(problems)


def test_modules_never_reach_into_each_other(modules):
    """A module may call a building block (a folder of modules/ the root does not call) by
    source = "../<name>" and read that call's outputs; it never calls or reads a module the root
    calls, never reads remote state and holds no other "../" path."""
    problems = []
    for name, tf in modules.items():
        calls = set()
        for label, body, file in tf.blocks("module"):
            source = unquote(body.get("source", ""))
            target = source.removeprefix("../")
            if not source.startswith("../") or target not in BUILDING_BLOCK_NAMES or target == name:
                problems.append(f"modules/{name}/{file}: module.{label} source {source!r} is not \"../<building block>\"")
            calls.add(label)
        for file, doc in tf.files.items():
            # The sources checked above are the only place a "../" may stand.
            without_sources = {
                **doc,
                "module": [{label: {k: v for k, v in body.items() if k != "source"} for label, body in entry.items()}
                           for entry in doc.get("module", [])],
            }
            for text in strings_in(without_sources):
                foreign = [mod for mod, _ in MODULE_REF.findall(text) if mod not in calls]
                if foreign or "terraform_remote_state" in text or "../" in text:
                    problems.append(f"modules/{name}/{file}: {text[:80]}")
    assert not problems, "\n".join(problems)


def test_tags_flow_from_the_root_into_every_module(root, modules):
    for label, body, _ in root.blocks("module"):
        # A module that creates nothing (catalog) has nothing to tag.
        if not any(modules[label].resources()):
            assert "tags" not in body, f"module.{label} creates no resources yet receives tags"
            continue
        assert body.get("tags") == "${local.tags}", f"module.{label} does not receive local.tags"
        assert "tags" in modules[label].variables
    # Building blocks get them from the module that calls them.
    for caller, label, body, target in module_calls(root, modules):
        if caller != "root":
            assert body.get("tags") == "${var.tags}", f"modules/{caller}: module.{label} does not receive var.tags"
            assert "tags" in modules[target].variables
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
