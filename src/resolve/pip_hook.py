# installguard's bootstrap for one pip process (run as `<pip's python> pip_hook.py <pip args>`,
# in place of pip's own entry point): pip resolves as usual (every file of the tree downloaded
# and checked against its index hash inside `Resolver.resolve`), then this hook writes pip's
# installation report (the JSON of `--report`) to the file named by INSTALLGUARD_PIP_REPORT
# (why it could not, in that name + `.error`), and waits for the verdict on descriptor 3:
# `ok` lets pip install exactly that set, each file first copied into installguard's private
# directory and hashed again (a file that no longer matches the checked hash stops the install;
# what is installed is listed in INSTALLGUARD_PIP_INSTALLING); anything else, or the pipe
# closing, stops pip before it installs anything. It runs only the pip version installguard
# names (INSTALLGUARD_PIP_VERSION), writes nothing to stdout and changes nothing else in pip.
import hashlib
import json
import logging
import os
import shutil
import sys


def _env(name):
    value = os.environ.pop(name, None)  # not for what pip starts
    if not value:
        sys.stderr.write(f"installguard: {name} is not set; pip was not run\n")
        sys.exit(1)
    return value


REPORT = _env("INSTALLGUARD_PIP_REPORT")
INSTALLING = _env("INSTALLGUARD_PIP_INSTALLING")
VERSION = _env("INSTALLGUARD_PIP_VERSION")
ARGV0 = _env("INSTALLGUARD_PIP_ARGV0")
# This directory is installguard's, not the user's: nothing is imported from it.
if sys.path and os.path.realpath(sys.path[0]) == os.path.dirname(os.path.realpath(__file__)):
    del sys.path[0]


def _write(path, text):
    tmp = f"{path}.part"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.rename(tmp, path)


import pip  # noqa: E402

if pip.__version__ != VERSION:
    _write(f"{REPORT}.error", f"installguard-unmeasured: pip {pip.__version__}, not {VERSION}")
    sys.exit(1)

from pip._internal.commands import install as _install  # noqa: E402
from pip._internal.exceptions import InstallationError  # noqa: E402
from pip._internal.models.installation_report import InstallationReport  # noqa: E402
from pip._internal.resolution.resolvelib.resolver import Resolver  # noqa: E402
from pip._vendor.packaging.utils import canonicalize_name  # noqa: E402

# `asked`: the tree was handed over; `allowed`: the answer was ok.
_state = {"asked": False, "allowed": False, "checked": {}}


def _sha256(item):
    archive = item.get("download_info", {}).get("archive_info", {})
    h = archive.get("hashes", {}).get("sha256")
    if h is None and str(archive.get("hash", "")).startswith("sha256="):
        h = archive["hash"][len("sha256="):]
    return h


def _verdict():
    data = b""
    try:
        while b"\n" not in data:
            chunk = os.read(3, 4096)
            if not chunk:
                break
            data += chunk
    except OSError:
        pass
    finally:
        try:
            os.close(3)
        except OSError:
            pass
    return data.split(b"\n", 1)[0].decode("utf-8", "replace")


_resolve = Resolver.resolve


def _resolve_then_ask(self, root_reqs, check_supported_wheels):
    if _state["asked"]:
        raise InstallationError("installguard: pip resolved a second time; nothing was installed")
    req_set = _resolve(self, root_reqs, check_supported_wheels)
    _state["asked"] = True
    doc = InstallationReport(req_set.requirements_to_install).to_dict()
    _state["checked"] = {
        canonicalize_name(i["metadata"]["name"]): (i["metadata"]["version"], _sha256(i))
        for i in doc["install"]
    }
    _write(REPORT, json.dumps(doc, indent=1, ensure_ascii=False))
    answer = _verdict()
    if answer not in ("ok", "ok ignore-scripts"):
        raise InstallationError(f"installguard: {answer or 'no verdict'}; nothing was installed")
    _state["allowed"] = True
    return req_set


Resolver.resolve = _resolve_then_ask

_install_given_reqs = _install.install_given_reqs


def _install_checked(requirements, *args, **kwargs):
    if not _state["allowed"]:
        raise InstallationError(
            "installguard: pip was about to install a tree it had not handed over; nothing was installed"
        )
    private = os.path.join(os.path.dirname(REPORT), "files")
    os.makedirs(private, mode=0o700, exist_ok=True)
    installing = []
    for req in requirements:
        name = canonicalize_name(req.name or "")
        checked = _state["checked"].get(name)
        if checked is None or not req.local_file_path:
            raise InstallationError(
                f"installguard: {req.name} was not in the checked tree; nothing was installed"
            )
        # The copy is what pip installs: nobody can change it between this hash and the install.
        copy = os.path.join(private, f"{len(installing)}-{os.path.basename(req.local_file_path)}")
        shutil.copyfile(req.local_file_path, copy)
        sha = hashlib.sha256()
        with open(copy, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                sha.update(block)
        digest = sha.hexdigest()
        if digest != checked[1]:
            raise InstallationError(
                f"installguard: {req.local_file_path} is not the file that was checked "
                f"({req.name} {checked[0]} sha256:{checked[1]}, now sha256:{digest}); nothing was installed"
            )
        req.local_file_path = copy
        # Read from the checked copy, as the report spells it (the metadata's own words).
        version = req.get_dist().metadata_dict["version"]
        if version != checked[0]:
            raise InstallationError(
                f"installguard: {req.name} {version} is not the checked {checked[0]}; nothing was installed"
            )
        installing.append({
            "download_info": {"url": req.link.url if req.link else "", "archive_info": {"hashes": {"sha256": digest}}},
            "metadata": {"name": req.name, "version": version},
        })
    _write(INSTALLING, json.dumps({"version": "1", "install": installing}, indent=1))
    return _install_given_reqs(requirements, *args, **kwargs)


_install.install_given_reqs = _install_checked

_run = _install.InstallCommand.run


def _run_quietly_until_asked(self, options, args):
    try:
        return _run(self, options, args)
    except KeyboardInterrupt:
        raise
    except BaseException as e:
        if not _state["asked"]:
            # pip could not resolve: installguard asks it again to learn why (offline, no such
            # package, sdists only) and says so; pip's own words would be said twice.
            try:
                _write(f"{REPORT}.error", f"{type(e).__name__}: {e}")
            except OSError:
                pass
            logging.disable(logging.CRITICAL)
        raise


_install.InstallCommand.run = _run_quietly_until_asked

from pip._internal.cli.main import main  # noqa: E402

sys.argv[0] = ARGV0
sys.exit(main())
