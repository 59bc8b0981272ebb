"""The rest of airflow.exceptions' public names, for DAG files and tests that import or
catch them; Crosswind itself raises few of these (see crosswind.dags.exceptions)."""

from __future__ import annotations

from crosswind.dags.exceptions import AirflowException, AirflowNotFoundException


class AirflowBadRequest(AirflowException):
    status_code = 400


class AirflowWebServerTimeout(AirflowException):
    pass


class AirflowOptionalProviderFeatureException(AirflowException):
    pass


class AirflowInternalRuntimeError(BaseException):
    pass


class InvalidStatsNameException(AirflowException):
    pass


class XComNotFound(AirflowException):
    pass


class AirflowDagInconsistent(AirflowException):
    pass


class AirflowClusterPolicyViolation(AirflowException):
    pass


class AirflowClusterPolicySkipDag(AirflowException):
    pass


class AirflowClusterPolicyError(AirflowException):
    pass


class AirflowTimetableInvalid(AirflowException):
    pass


class DagCodeNotFound(AirflowNotFoundException):
    pass


class DagRunNotFound(AirflowNotFoundException):
    pass


class DagFileExists(AirflowBadRequest):
    pass


class FailStopDagInvalidTriggerRule(AirflowException):
    pass


class TaskAlreadyInTaskGroup(AirflowException):
    pass


class SerializationError(AirflowException):
    pass


class TaskInstanceNotFound(AirflowNotFoundException):
    pass


class PoolNotFound(AirflowNotFoundException):
    pass


class NoAvailablePoolSlot(AirflowException):
    pass


class DagConcurrencyLimitReached(AirflowException):
    pass


class TaskConcurrencyLimitReached(AirflowException):
    pass


class BackfillUnfinished(AirflowException):
    pass


class AirflowFileParseException(AirflowException):
    pass


class ConnectionNotUnique(AirflowException):
    pass


class RemovedInAirflow3Warning(DeprecationWarning):
    deprecated_since: str | None = None


class AirflowProviderDeprecationWarning(DeprecationWarning):
    deprecated_provider_since: str | None = None


class DeserializingResultError(ValueError):
    pass


class UnknownExecutorException(ValueError):
    pass
