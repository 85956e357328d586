"""Job arguments: Glue's getResolvedOptions on Glue, argparse `--key value` everywhere else.

Keys come back with dashes turned into underscores (`--storage-root` -> `storage_root`), as argparse
and Glue both do.
"""
import argparse


def _glue_resolver():
    try:
        from awsglue.utils import getResolvedOptions
    except ImportError:
        return None
    return getResolvedOptions


def parse(argv, required, optional=None):
    """Parse `argv` (sys.argv, program name first). `optional` maps name -> default."""
    optional = dict(optional or {})
    resolve = _glue_resolver()
    if resolve is not None:
        # getResolvedOptions fails on any listed option that is absent, so only ask for optional
        # ones actually passed.
        present = [name for name in optional if f"--{name}" in argv]
        resolved = resolve(argv, list(required) + present)
        out = {name.replace("-", "_"): value for name, value in optional.items()}
        out.update({k.replace("-", "_"): v for k, v in resolved.items()})
        return out
    parser = argparse.ArgumentParser(prog=argv[0] if argv else None)
    for name in required:
        parser.add_argument(f"--{name}", required=True)
    for name, default in optional.items():
        parser.add_argument(f"--{name}", default=default)
    parsed, _unknown = parser.parse_known_args(argv[1:])
    return vars(parsed)
