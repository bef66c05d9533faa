"""The package as a deployment installs it: a wheel built on a fresh clone, installed into a new venv,
run from a directory outside any clone.

The new venv gets the wheel alone (`--no-deps`) and finds its dependencies in this suite's venv through a
`.pth` path entry (`.pth` files of that folder are not run, so this project's editable install does not
leak in): the test is about what the wheel carries and where the installed code looks, and resolving the
dependencies again would only re-download what the first README command already installed. For the same
reason Dagster's own commands run as `python -m dagster` (its console scripts live in this suite's venv).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import REPO_ROOT, fresh_database
from new_user import free_port, new_user_env, serves_ui, sh

pytestmark = pytest.mark.slow


@dataclass(frozen=True)
class Installed:
    wheel: Path
    venv: Path
    elsewhere: Path  # the working directory: outside any clone
    home: Path  # $HOME of the commands

    @property
    def package(self) -> Path:
        found = sorted(self.venv.glob("lib/python3*/site-packages/cockpit_pipelines"))
        assert len(found) == 1, found
        return found[0]

    def env(self, **extra: str) -> dict[str, str]:
        return new_user_env(self.home, HOME=str(self.home), **extra)

    def run(self, command: str, expect: int = 0, **env: str) -> subprocess.CompletedProcess[str]:
        return sh(f"{self.venv}/bin/{command}", self.elsewhere, self.env(**env), expect=expect)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installed]:
    root = tmp_path_factory.mktemp("wheel")
    clone, dist, venv, elsewhere, home = (root / n for n in ("clone", "dist", "venv", "elsewhere", "home"))
    subprocess.run(["git", "clone", "-q", str(REPO_ROOT), str(clone)], check=True)
    env = new_user_env(root)
    sh(f"{sys.executable} -m pip wheel -q --disable-pip-version-check --no-deps -w {dist} .", clone, env)
    (wheel,) = dist.glob("cockpit_pipelines-*.whl")
    shutil.rmtree(clone)  # nothing may be read from the clone from here on
    sh(f"{sys.executable} -m venv {venv}", root, env)
    sh(f"{venv}/bin/pip install -q --disable-pip-version-check --no-deps {wheel}", root, env)
    (site,) = venv.glob("lib/python3*/site-packages")
    (site / "cockpit_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    elsewhere.mkdir()
    home.mkdir()
    yield Installed(wheel, venv, elsewhere, home)
    sh(f"{venv}/bin/cockpit db stop", elsewhere, new_user_env(home, HOME=str(home)))


def _repo_files(pattern: str) -> int:
    return len(list(REPO_ROOT.glob(pattern)))


def test_the_wheel_carries_the_code_location_and_its_data(installed: Installed) -> None:
    names = zipfile.ZipFile(installed.wheel).namelist()
    top = {name.split("/", 1)[0] for name in names}
    assert {t for t in top if not t.endswith(".dist-info")} == {"cockpit_pipelines"}, top  # no `assets`, `bench`
    for shipped, source in (("sql/postgresql/*.up.sql", "sql/postgresql/*.up.sql"),
                            ("sql/mysql/*.down.sql", "sql/mysql/*.down.sql"),
                            ("sql/contracts/*.yaml", "sql/contracts/*.yaml"),
                            ("sql/analytics/*/*.sql", "sql/analytics/*/*.sql"),
                            ("expectations/*.json", "expectations/*.json"),
                            ("policies/*.yaml", "cockpit_pipelines/policies/*.yaml"),
                            ("assets/*.py", "assets/*.py")):
        pattern = re.compile("cockpit_pipelines/" + re.escape(shipped).replace(r"\*", "[^/]+") + "$")
        assert sum(bool(pattern.match(n)) for n in names) == _repo_files(source) > 0, shipped


def test_the_installed_code_reads_its_own_files(installed: Installed) -> None:
    out = installed.run("python -c 'import cockpit_pipelines.assets.usage as u, cockpit_pipelines.settings as s;"
                        " print(u.__file__, s.SQL_DIR, s.CLONE_ROOT, s.cockpit_home())'").stdout.split()
    assert all(p.startswith(str(installed.package)) for p in out[:2]), out
    assert out[2:] == ["None", str(installed.home / ".cockpit")], "installed, local state goes under ~/.cockpit"


@pytest.mark.parametrize("engine", ["postgres", "mariadb"])
def test_migrate_and_demo_from_the_wheel(installed: Installed, engine: str) -> None:
    for url in fresh_database(engine):
        family = "postgresql" if engine == "postgres" else "mysql"
        out = installed.run("cockpit migrate", COCKPIT_WAREHOUSE_URL=url).stdout
        assert f"applied {_repo_files(f'sql/{family}/*.up.sql')} migration(s)" in out, out
        status = installed.run("cockpit migrate status", COCKPIT_WAREHOUSE_URL=url).stdout
        assert "pending" not in status, status
        demo = installed.run("cockpit demo --days 1 --scale 0.01", COCKPIT_WAREHOUSE_URL=url)
        assert re.search(r"checks: (\d+)/\1 passed", demo.stdout), demo.stdout[-2000:]
    assert (installed.home / ".cockpit" / "dagster_home" / "dagster.yaml").is_file()
    assert not (installed.package / ".cockpit").exists() and not (installed.elsewhere / ".cockpit").exists()


def test_dagster_loads_the_installed_definitions(installed: Installed) -> None:
    for url in fresh_database("postgres"):
        env = {"COCKPIT_WAREHOUSE_URL": url, "DAGSTER_HOME": str(installed.home / "dagster_home")}
        (installed.home / "dagster_home").mkdir(exist_ok=True)
        out = installed.run("python -m dagster definitions validate -m cockpit_pipelines.definitions", **env)
        assert "Validation successful" in out.stdout + out.stderr
        port = free_port()
        dev = [f"{installed.venv}/bin/python", "-m", "dagster", "dev", "-m", "cockpit_pipelines.definitions"]
        serves_ui([*dev, "-p", str(port)], port, installed.elsewhere, installed.env(**env))


def test_missing_package_data_fails_naming_it(installed: Installed) -> None:
    """Without its migrations and contracts the package refuses to work; it never reports success."""
    sql, hidden = installed.package / "sql", installed.package / "sql.hidden"
    sql.rename(hidden)
    try:
        for url in fresh_database("postgres"):
            out = installed.run("cockpit migrate", expect=1, COCKPIT_WAREHOUSE_URL=url)
            assert "no postgresql migrations found" in out.stderr and str(sql) in out.stderr, out.stderr
            out = installed.run("python -m dagster definitions validate -m cockpit_pipelines.definitions", expect=1,
                                COCKPIT_WAREHOUSE_URL=url)
            assert "no table contracts found" in out.stdout + out.stderr
    finally:
        hidden.rename(sql)
