"""@task.bash: the decorated function returns the bash command to run (Airflow 2.9+)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from crosswind.dags.operators.bash import BashOperator
from crosswind.dags.operators.python import determine_kwargs


class DecoratedBashOperator(BashOperator):
    """Calls the function at run time (op_args/op_kwargs rendered, XComArgs resolved),
    then runs what it returned as BashOperator would; the output's last line is pushed."""

    template_fields = ("bash_command", "env", "cwd", "op_args", "op_kwargs")

    def __init__(
        self,
        *,
        python_callable: Callable[..., Any],
        op_args: list[Any] | None = None,
        op_kwargs: dict[str, Any] | None = None,
        multiple_outputs: bool = False,
        **kwargs: Any,
    ) -> None:
        kwargs.pop("bash_command", None)
        super().__init__(bash_command="", **kwargs)
        self.python_callable = python_callable
        self.op_args = list(op_args or [])
        self.op_kwargs = dict(op_kwargs or {})
        self.multiple_outputs = multiple_outputs

    def execute(self, context: dict[str, Any]) -> Any:
        merged = {**context, **self.op_kwargs}
        kwargs = determine_kwargs(self.python_callable, self.op_args, merged)
        command = self.python_callable(*self.op_args, **kwargs)
        if not isinstance(command, str) or command.strip() == "":
            raise TypeError(
                "The returned value from the TaskFlow callable must be a non-empty string.")
        self.bash_command = command
        return super().execute(context)
