"""Great Expectations imported with SciPy's stats and Altair deferred: they stay unimported until used,
then work as if imported at once. Each case runs in a new interpreter (imports are per process)."""

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
        from cockpit_pipelines.suites import import_great_expectations, load_suite
        import_great_expectations()
        load_suite("usage_events")
        print(type(sys.modules["scipy.stats"]).__name__, type(sys.modules["altair"]).__name__,
              any(name.startswith("scipy.stats.") for name in sys.modules))
    """)
    assert out == "DeferredModule DeferredModule False"


def test_a_deferred_module_is_imported_when_first_used() -> None:
    out = _run("""
        import math, sys
        from cockpit_pipelines.suites import import_great_expectations
        import_great_expectations()
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
