"""The deployment files say the same thing: the Helm values' queue, run monitoring, retries and freshness
evaluation are those of deploy/dagster.yaml, the image installs the wheel and serves the code location the
project names."""

from __future__ import annotations

import tomllib

import yaml
from conftest import REPO_ROOT

DEPLOY = REPO_ROOT / "deploy"
INSTANCE = yaml.safe_load((DEPLOY / "dagster.yaml").read_text())
HELM = yaml.safe_load((DEPLOY / "helm" / "values.yaml").read_text())
MODULE = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["tool"]["dagster"]["module_name"]


def test_the_helm_queue_has_the_instance_limits() -> None:
    queue = HELM["dagsterDaemon"]["runCoordinator"]
    assert queue["type"] == INSTANCE["run_coordinator"]["class"] == "QueuedRunCoordinator"
    runs = INSTANCE["concurrency"]["runs"]
    helm_queue = queue["config"]["queuedRunCoordinator"]
    assert helm_queue["maxConcurrentRuns"] == runs["max_concurrent_runs"]
    assert helm_queue["tagConcurrencyLimits"] == runs["tag_concurrency_limits"]
    assert INSTANCE["concurrency"]["pools"]["granularity"] == "run"
    assert helm_queue["blockOpConcurrencyLimitedRuns"]["enabled"] is True


def test_the_helm_monitoring_and_retries_are_the_instance_ones() -> None:
    monitoring, retries = HELM["dagsterDaemon"]["runMonitoring"], HELM["dagsterDaemon"]["runRetries"]
    assert monitoring["enabled"] and INSTANCE["run_monitoring"]["enabled"]
    assert monitoring["startTimeoutSeconds"] == INSTANCE["run_monitoring"]["start_timeout_seconds"]
    assert monitoring["maxResumeRunAttempts"] == INSTANCE["run_monitoring"]["max_resume_run_attempts"] > 0
    assert monitoring["pollIntervalSeconds"] == INSTANCE["run_monitoring"]["poll_interval_seconds"]
    assert retries["maxRetries"] == INSTANCE["run_retries"]["max_retries"] > 0
    assert retries["retryOnAssetOrOpFailure"] == INSTANCE["run_retries"]["retry_on_asset_or_op_failure"]


def test_storage_urls_name_the_psycopg2_driver_and_come_from_secrets() -> None:
    assert INSTANCE["storage"]["postgres"]["postgres_url"] == {"env": "DAGSTER_PG_URL"}
    assert HELM["postgresql"]["postgresqlScheme"] == "postgresql+psycopg2"
    assert HELM["global"]["postgresqlSecretName"] and not HELM["generatePostgresqlPasswordSecret"]


def test_the_image_serves_the_project_code_location_from_the_wheel() -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    assert "pip wheel" in dockerfile and "cockpit_pipelines-*.whl)[k8s]" in dockerfile
    assert f'"-m", "{MODULE}"' in dockerfile
    (deployment,) = HELM["dagster-user-deployments"]["deployments"]
    assert deployment["dagsterApiGrpcArgs"] == ["-m", MODULE]
    assert HELM["runLauncher"]["type"] == "K8sRunLauncher"
    assert "k8s" in tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]


def test_the_helm_instance_evaluates_freshness_as_the_instance_does() -> None:
    assert INSTANCE["freshness"] == {"enabled": True}
    assert HELM["additionalInstanceConfig"]["freshness"] == INSTANCE["freshness"]
