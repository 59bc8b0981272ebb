"""`import airflow...` served by Crosswind modules, without an airflow package installed.

install() puts a meta-path finder first in sys.meta_path. Each supported Airflow module
is a fresh module object holding the listed Crosswind objects. Unsupported paths raise
ModuleNotFoundError naming the path; `airflow.providers` exists (empty) so the error
names the provider package the DAG file wanted.
"""

from __future__ import annotations

import enum
import importlib
import importlib.abc
import importlib.machinery
import sys
import types
from collections.abc import Sequence
from typing import Any

AIRFLOW_VERSION = "2.10.5"
_D = "crosswind.dags."
_EXC = _D + "exceptions"
_EXC_NAMES = (
    "AirflowException AirflowSkipException AirflowFailException AirflowTaskTimeout "
    "AirflowTaskTerminated AirflowNotFoundException AirflowConfigException "
    "AirflowSensorTimeout DagCycleException AirflowDagCycleException DuplicateTaskIdFound "
    "AirflowDagDuplicatedIdException ParamValidationError TaskNotFound "
    "DagNotFound DagRunAlreadyExists "
    "AirflowRescheduleException TaskDeferred TaskDeferralError"
)
_EXC_COMPAT = (
    "AirflowBadRequest AirflowWebServerTimeout AirflowOptionalProviderFeatureException "
    "AirflowInternalRuntimeError InvalidStatsNameException XComNotFound "
    "AirflowDagInconsistent AirflowClusterPolicyViolation AirflowClusterPolicySkipDag "
    "AirflowClusterPolicyError AirflowTimetableInvalid DagCodeNotFound DagRunNotFound "
    "DagFileExists FailStopDagInvalidTriggerRule TaskAlreadyInTaskGroup "
    "SerializationError TaskInstanceNotFound PoolNotFound NoAvailablePoolSlot "
    "DagConcurrencyLimitReached TaskConcurrencyLimitReached BackfillUnfinished "
    "AirflowFileParseException ConnectionNotUnique RemovedInAirflow3Warning "
    "AirflowProviderDeprecationWarning DeserializingResultError UnknownExecutorException"
)
_TRIG = "crosswind.triggers."
_BASEOP = (_D + "baseoperator", "BaseOperator chain chain_linear cross_downstream")
_PYOPS = (
    _D + "operators.python",
    "PythonOperator BranchPythonOperator ShortCircuitOperator get_current_context",
)
_VENVOPS = (
    _D + "operators.python_venv",
    "PythonVirtualenvOperator ExternalPythonOperator BranchPythonVirtualenvOperator "
    "BranchExternalPythonOperator is_venv_installed",
)
# airflow module -> [(crosswind module, "names ...")]; packages are listed in _PACKAGES.
MODULES: dict[str, list[tuple[str, str]]] = {
    "airflow": [(_D + "dag", "DAG"), (_D + "decorators", "XComArg"), (_D + "datasets", "Dataset")],
    "airflow.exceptions": [(_EXC, _EXC_NAMES), (_D + "exceptions_compat", _EXC_COMPAT)],
    "airflow.models": [
        (_D + "dag", "DAG"),
        _BASEOP,
        (_D + "variable", "Variable"),
        (_D + "hooks", "Connection"),
        (_D + "params", "Param ParamsDict"),
        (_D + "dagbag", "DagBag"),
        (_D + "context", "TaskInstance DagRun"),
        (_D + "model_names", "XCom Pool"),
        (_D + "mapping", "MappedOperator Operator"),
    ],
    "airflow.models.mappedoperator": [(_D + "mapping", "MappedOperator OperatorPartial")],
    "airflow.models.abstractoperator": [(_D + "baseoperator", "AbstractOperator")],
    "airflow.models.operator": [(_D + "mapping", "Operator"),
                                (_D + "baseoperator", "BaseOperator"),
                                (_D + "mapping", "MappedOperator")],
    "airflow.models.pool": [(_D + "model_names", "Pool")],
    "airflow.models.dagbag": [(_D + "dagbag", "DagBag")],
    "airflow.models.dag": [(_D + "dag", "DAG DagContext")],
    "airflow.models.baseoperator": [_BASEOP],
    "airflow.models.variable": [(_D + "variable", "Variable")],
    "airflow.models.connection": [(_D + "hooks", "Connection")],
    "airflow.models.param": [(_D + "params", "Param ParamsDict")],
    "airflow.models.xcom": [(_D + "context", "XCOM_RETURN_KEY"), (_D + "model_names", "XCom")],
    "airflow.models.xcom_arg": [(_D + "decorators", "XComArg")],
    "airflow.operators": [],
    "airflow.operators.bash": [(_D + "operators.bash", "BashOperator")],
    "airflow.operators.bash_operator": [(_D + "operators.bash", "BashOperator")],
    "airflow.operators.python": [_PYOPS, _VENVOPS],
    "airflow.operators.python_operator": [_PYOPS, _VENVOPS],
    "airflow.operators.empty": [(_D + "operators.empty", "EmptyOperator")],
    "airflow.operators.dummy": [(_D + "operators.empty", "DummyOperator EmptyOperator")],
    "airflow.operators.dummy_operator": [(_D + "operators.empty", "DummyOperator")],
    "airflow.decorators": [(_D + "decorators", "dag task task_group"),
                           (_D + "setup_teardown", "setup teardown")],
    "airflow.decorators.setup_teardown": [
        (_D + "setup_teardown", "setup teardown context_wrapper ContextWrapper"),
        (_D + "setup_teardown", "setup_task teardown_task")],
    "airflow.utils.setup_teardown": [(_D + "setup_teardown", "SetupTeardownContext")],
    "airflow.hooks": [],
    "airflow.hooks.base": [(_D + "hooks", "BaseHook")],
    "airflow.hooks.base_hook": [(_D + "hooks", "BaseHook")],
    "airflow.utils": [],
    "airflow.utils.dates": [(_D + "utils_dates", "days_ago")],
    "airflow.utils.timezone": [
        (_D + "utils_dates", "utcnow make_aware make_naive convert_to_utc coerce_datetime "
         "is_localized is_naive parse utc"),
        ("crosswind.dags.airflow_shim", "datetime"),
        ("crosswind.timetables.zones", "parse_timezone"),
    ],
    "airflow.utils.trigger_rule": [(_D + "trigger_rule", "TriggerRule")],
    "airflow.utils.edgemodifier": [(_D + "edgemodifier", "Label")],
    "airflow.utils.context": [("crosswind.dags.airflow_shim", "Context")],
    "airflow.utils.weight_rule": [(_D + "task_args", "WeightRule")],
    "airflow.models.dagrun": [(_D + "context", "DagRun")],
    "airflow.models.taskinstance": [(_D + "context", "TaskInstance")],
    "airflow.sensors": [],
    "airflow.sensors.base": [(_D + "operators.sensors", "BaseSensorOperator PokeReturnValue")],
    "airflow.operators.email": [(_D + "operators.email", "EmailOperator")],
    "airflow.operators.email_operator": [(_D + "operators.email", "EmailOperator")],
    "airflow.utils.email": [(_D + "email", "send_email send_email_smtp send_mime_email "
                                          "build_mime_message get_email_address_list")],
    "airflow.operators.subdag": [(_D + "operators.subdag",
                                  "SubDagOperator SkippedStatePropagationOptions")],
    "airflow.operators.subdag_operator": [(_D + "operators.subdag", "SubDagOperator")],
    "airflow.operators.smooth": [(_D + "operators.smooth", "SmoothOperator")],
    "airflow.sensors.bash": [(_D + "operators.bash_sensor", "BashSensor")],
    "airflow.sensors.filesystem": [(_D + "operators.filesystem", "FileSensor")],
    "airflow.hooks.filesystem": [(_D + "operators.filesystem", "FSHook")],
    "airflow.sensors.python": [(_D + "operators.sensors", "PythonSensor")],
    "airflow.sensors.time_delta": [(_D + "operators.sensors", "TimeDeltaSensor"),
                                   (_D + "operators.async_sensors", "TimeDeltaSensorAsync")],
    # Deferral (triggers, async sensors); item 4's poke sensors share these module paths.
    "airflow.sensors.date_time": [(_D + "operators.async_sensors", "DateTimeSensorAsync"),
                                  (_D + "operators.time_sensors", "DateTimeSensor")],
    "airflow.sensors.time_sensor": [(_D + "operators.async_sensors", "TimeSensorAsync"),
                                    (_D + "operators.time_sensors", "TimeSensor")],
    "airflow.triggers": [],
    "airflow.triggers.base": [(_TRIG + "base", "BaseTrigger TriggerEvent TaskSuccessEvent "
                                               "TaskFailedEvent TaskSkippedEvent StartTriggerArgs "
                                               "BaseTaskEndEvent")],
    "airflow.triggers.temporal": [(_TRIG + "temporal", "DateTimeTrigger TimeDeltaTrigger")],
    "airflow.configuration": [(_D + "context", "conf")],
    "airflow.utils.task_group": [(_D + "task_group", "TaskGroup")],
    "airflow.utils.helpers": [(_D + "baseoperator", "chain chain_linear cross_downstream")],
    "airflow.utils.state": [("crosswind.dags.airflow_shim", "State TaskInstanceState DagRunState")],
    "airflow.utils.types": [("crosswind.dags.airflow_shim", "DagRunType")],
    "airflow.utils.log": [],
    "airflow.utils.log.secrets_masker": [(_D + "masking", "mask_secret redact")],
    "airflow.providers": [],
    "airflow.timetables": [],
    "airflow.timetables.base": [
        ("crosswind.timetables.base", "DagRunInfo DataInterval TimeRestriction Timetable"),
    ],
    "airflow.timetables.interval": [
        ("crosswind.timetables.cron", "CronDataIntervalTimetable"),
        ("crosswind.timetables.delta", "DeltaDataIntervalTimetable"),
    ],
    "airflow.timetables.trigger": [
        ("crosswind.timetables.cron", "CronTriggerTimetable"),
        ("crosswind.timetables.delta", "DeltaTriggerTimetable"),
    ],
    "airflow.timetables.events": [("crosswind.timetables.events", "EventsTimetable")],
    "airflow.timetables.simple": [
        ("crosswind.timetables.simple", "NullTimetable OnceTimetable ContinuousTimetable"),
    ],
    "airflow.plugins_manager": [("crosswind.plugins", "AirflowPlugin")],
    "airflow.macros": [(_D + "context", "ds_add ds_format datetime timedelta")],
    # Datasets (data-aware scheduling)
    "airflow.datasets": [
        (_D + "datasets", "Dataset DatasetAlias DatasetAll DatasetAny BaseDataset")],
    "airflow.datasets.metadata": [(_D + "datasets", "Metadata")],
    "airflow.timetables.datasets": [(_D + "dataset_schedule", "DatasetOrTimeSchedule")],
    # Cross-DAG and time operators (issue 9 item 4).
    "airflow.operators.branch": [(_D + "operators.branch", "BaseBranchOperator")],
    "airflow.operators.trigger_dagrun": [
        (_D + "operators.trigger_dagrun", "TriggerDagRunOperator TriggerDagRunLink")
    ],
    "airflow.sensors.external_task": [
        (_D + "operators.external_task", "ExternalTaskSensor ExternalTaskMarker ExternalDagLink")
    ],
    "airflow.operators.latest_only": [(_D + "operators.latest_only", "LatestOnlyOperator")],
    "airflow.operators.datetime": [
        (_D + "operators.datetime_branch", "BranchDateTimeOperator"),
        (_D + "operators.time_rules", "target_times_as_dates"),
    ],
    "airflow.operators.weekday": [(_D + "operators.weekday", "BranchDayOfWeekOperator")],
    "airflow.utils.weekday": [(_D + "weekday", "WeekDay")],
    "airflow.sensors.weekday": [(_D + "operators.time_sensors", "DayOfWeekSensor")],
}
_PACKAGES = {
    "airflow",
    "airflow.models",
    "airflow.operators",
    "airflow.decorators",
    "airflow.hooks",
    "airflow.utils",
    "airflow.utils.log",
    "airflow.providers",
    "airflow.sensors",
    "airflow.datasets",
    "airflow.timetables",
    "airflow.triggers",
}


class TaskInstanceState:
    """airflow.utils.state string constants."""

    SUCCESS = "success"
    RUNNING = "running"
    FAILED = "failed"
    QUEUED = "queued"
    SCHEDULED = "scheduled"
    SKIPPED = "skipped"
    UPSTREAM_FAILED = "upstream_failed"
    UP_FOR_RETRY = "up_for_retry"
    UP_FOR_RESCHEDULE = "up_for_reschedule"
    DEFERRED = "deferred"
    REMOVED = "removed"
    RESTARTING = "restarting"
    NONE = None


class DagRunState:
    QUEUED = "queued"
    RUNNING = "running"
    SUCCESS = "success"
    FAILED = "failed"


class State(TaskInstanceState):
    pass


class DagRunType(str, enum.Enum):  # noqa: UP042 - Airflow's is a str Enum, compared to strings
    """airflow.utils.types.DagRunType: the run_type strings."""

    BACKFILL_JOB = "backfill"
    SCHEDULED = "scheduled"
    MANUAL = "manual"
    DATASET_TRIGGERED = "dataset_triggered"

    def __str__(self) -> str:
        return self.value


# airflow.utils.context.Context is a TypedDict-like mapping; for annotations only.
Context = dict


def datetime(*args: Any, **kwargs: Any) -> Any:
    """airflow.utils.timezone.datetime: aware in UTC unless tzinfo given."""
    from crosswind.dags.utils_dates import aware_datetime

    return aware_datetime(*args, **kwargs)


class AirflowShimFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: types.ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != "airflow" and not fullname.startswith("airflow."):
            return None
        if fullname not in MODULES:
            raise ModuleNotFoundError(
                f"No module named '{fullname}' (Crosswind does not provide it)", name=fullname
            )
        return importlib.machinery.ModuleSpec(fullname, self, is_package=fullname in _PACKAGES)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType | None:
        return None

    def exec_module(self, module: types.ModuleType) -> None:
        if module.__name__ == "airflow":
            module.__version__ = AIRFLOW_VERSION  # type: ignore[attr-defined]
        for source, names in MODULES[module.__name__]:
            target = importlib.import_module(source)
            for name in names.split():
                setattr(module, name, getattr(target, name))
        module.__getattr__ = _not_provided(module.__name__)  # type: ignore[method-assign]


def _not_provided(module_name: str) -> Any:
    """Module __getattr__: `from airflow.x import Missing` names what Crosswind lacks.

    An ImportError (not AttributeError) for public names, so the from-import error carries
    this text; private and dunder names stay ordinary AttributeErrors (hasattr works)."""

    def __getattr__(name: str) -> Any:
        # A known submodule not imported yet: the import system imports it after this.
        if name.startswith("_") or f"{module_name}.{name}" in MODULES:
            raise AttributeError(f"module {module_name!r} has no attribute {name!r}")
        raise ImportError(
            f"cannot import name '{name}' from '{module_name}' (Crosswind does not provide it)",
            name=module_name,
        )

    return __getattr__


_finder = AirflowShimFinder()


def install() -> None:
    """Activate the shim (idempotent)."""
    if _finder not in sys.meta_path:
        sys.meta_path.insert(0, _finder)


def preload() -> None:
    """Install and import every shimmed module, so forked parsers inherit them ready-made."""
    install()
    for name in MODULES:
        importlib.import_module(name)


def uninstall() -> None:
    if _finder in sys.meta_path:
        sys.meta_path.remove(_finder)
    for name in [n for n in sys.modules if n == "airflow" or n.startswith("airflow.")]:
        del sys.modules[name]
