"""The validation worker's import of Great Expectations, SciPy's stats and Altair deferred: they stay
unimported until used, then work as if imported at once, with no module imported twice. Each case
runs in a new interpreter (imports are per process)."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def _run(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_great_expectations_imports_without_scipy_stats_and_altair() -> None:
    out = _run("""
        import sys
        from cockpit_pipelines.validation_worker import import_for_validation
        from cockpit_pipelines.suites import load_suite
        import_for_validation()
        load_suite("usage_events")
        print(type(sys.modules["scipy.stats"]).__name__, type(sys.modules["altair"]).__name__,
              any(name.startswith("scipy.stats.") for name in sys.modules))
    """)
    assert out == "DeferredModule DeferredModule False"


def test_a_deferred_module_is_imported_when_first_used() -> None:
    out = _run("""
        import math, sys
        from cockpit_pipelines.validation_worker import import_for_validation
        import_for_validation()
        from scipy import stats
        from great_expectations.expectations.core import expect_column_kl_divergence_to_be_less_than as kl
        assert kl.stats is stats
        assert math.isclose(stats.entropy([0.5, 0.5]), math.log(2))
        import scipy.stats._stats_py
        from scipy.stats import norm
        assert sys.modules["scipy.stats"].norm is norm and kl.stats.norm is norm
        import altair
        assert kl.alt.Chart is altair.Chart
        print(type(sys.modules["scipy.stats"]).__name__)
    """)
    assert out == "module"


def test_a_submodule_of_a_deferred_module_imports() -> None:
    out = _run("""
        import sys
        from cockpit_pipelines.validation_worker import import_for_validation
        import_for_validation()
        import importlib.util
        assert importlib.util.find_spec("altair").name == "altair"
        import scipy.stats._stats_py  # which the package imports too: one module, not two
        import scipy.stats.mstats
        import altair.vegalite
        assert sys.modules["scipy.stats._stats_py"].ttest_ind is scipy.stats.ttest_ind
        mstats, vegalite = sys.modules["scipy.stats.mstats"], sys.modules["altair.vegalite"]
        assert scipy.stats.mstats is mstats and altair.vegalite is vegalite
        from great_expectations.expectations.core import expect_column_kl_divergence_to_be_less_than as kl
        assert kl.stats.mstats is mstats and kl.alt.vegalite is vegalite
        assert sys.modules["scipy.stats"].mstats is mstats and sys.modules["altair"].vegalite is vegalite
        assert kl.stats.mstats.gmean([1, 4]) == 2.0
        print(type(sys.modules["scipy.stats"]).__name__, type(sys.modules["altair"]).__name__)
    """)
    assert out == "module module"


def test_a_module_already_imported_is_left_as_it_is() -> None:
    out = _run("""
        import sys
        import scipy.stats
        real = sys.modules["scipy.stats"]
        from cockpit_pipelines.deferred_import import defer
        defer("scipy.stats")
        print(sys.modules["scipy.stats"] is real)
    """)
    assert out == "True"
